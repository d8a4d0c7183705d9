// The controls of one timer (the whole workshop's or one canvas's): start with
// minutes, one minute more or less, pause or resume, stop, and "lock when time
// is up". What they show always comes from the server's timer.

import { button, el, setText } from "./dom.js";
import { t } from "./i18n.js";
import { TimerView } from "./timer-view.js";

const MAX_SECONDS = 6 * 60 * 60;

export class TimerControls {
  /**
   * @param {object} room  clock and send(name, payload, {status, control})
   * @param {number|null} canvasId  null: the whole workshop
   * @param {string} idPrefix  unique ids for the fields' labels
   */
  constructor(room, canvasId, idPrefix, legend) {
    this.room = room;
    this.canvasId = canvasId;
    this.timer = null;
    const scope = canvasId === null ? {} : { canvas_id: canvasId };
    this.root = el("fieldset", "control-group timer-controls", { "data-timer": canvasId === null ? "workshop" : String(canvasId) });
    this.root.append(el("legend", "", {}, legend));

    const display = el("p", "timer timer-inline", { role: "timer", "data-state": "none" });
    const label = el("span", "timer-label");
    const time = el("span", "timer-time");
    display.append(label, time);
    this.none = el("p", "muted timer-none", {}, t("no_timer"));
    this.view = new TimerView(display, time, room.clock, {}, label);
    this.locks = el("p", "timer-locks", {}, t("locks_at_end"));

    const minutesId = `${idPrefix}-minutes`;
    const lockId = `${idPrefix}-lock`;
    this.minutes = el("input", "minutes-input", { id: minutesId, type: "number", min: "0.5", max: "360", step: "0.5",
      value: "5", inputmode: "decimal" });
    this.lock = el("input", "", { id: lockId, type: "checkbox" });
    const start = el("div", "control-row");
    const minutesLabel = el("label", "", { for: minutesId }, t("minutes"));
    const lockLabel = el("label", "choice", { for: lockId });
    lockLabel.append(this.lock, document.createTextNode(` ${t("lock_on_end")}`));
    this.startButton = button(t("start"), "button small primary", () => {
      const seconds = Math.round(Number(this.minutes.value) * 60);
      if (!Number.isFinite(seconds) || seconds < 5 || seconds > MAX_SECONDS) {
        this.room.say(this.status, t("minutes_invalid"), "error");
        this.minutes.focus();
        return;
      }
      this.send("timer:start", { ...scope, seconds, lock_on_end: this.lock.checked }, this.startButton);
    }, { "data-action": "timer-start" });
    start.append(minutesLabel, this.minutes, lockLabel, this.startButton);

    const change = el("div", "control-row");
    this.plus = button(t("add_minute"), "button small", () => this.change("adjust", 60, this.plus), { "aria-label": t("add_minute_label") });
    this.minus = button(t("remove_minute"), "button small", () => this.change("adjust", -60, this.minus), { "aria-label": t("remove_minute_label") });
    this.pause = button(t("pause"), "button small", () => this.change(this.timer && this.timer.state === "paused" ? "resume" : "pause", 0, this.pause),
      { "data-action": "timer-pause" });
    this.stop = button(t("stop"), "button small danger", () => this.change("stop", 0, this.stop), { "data-action": "timer-stop" });
    change.append(this.plus, this.minus, this.pause, this.stop);
    this.status = el("p", "control-status", { role: "status" });
    this.root.append(display, this.none, this.locks, start, change, this.status);
    this.scope = scope;
  }

  change(action, seconds, control) {
    this.send("timer:change", { ...this.scope, action, seconds }, control);
  }

  send(name, payload, control) {
    this.room.send(name, payload, { status: this.status, control });
  }

  update(timer) {
    this.timer = timer || null;
    this.view.set(this.timer);
    this.none.hidden = Boolean(this.timer);
    this.locks.hidden = !(this.timer && this.timer.lock_on_end);
    for (const control of [this.plus, this.minus, this.pause, this.stop]) control.disabled = !this.timer;
    setText(this.pause, this.timer && this.timer.state === "paused" ? t("resume") : t("pause"));
    setText(this.startButton, this.timer ? t("restart") : t("start"));
  }
}
