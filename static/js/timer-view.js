// A countdown on screen: the server sends a timer once (an end time, or the time
// left while paused) and this counts down locally against the server's clock.
// When the time runs out while someone watches, `ended` is called once (the
// page signals it softly: a visual change and an announcement, no sound).

import { formatDuration } from "./clock.js";
import { t } from "./i18n.js";

const TICK_MS = 250;

export class TimerView {
  /**
   * @param {HTMLElement} root  gets data-state: none | running | paused | up
   * @param {HTMLElement} time  where the digits go
   * @param {Clock} clock
   * @param {object} hooks  ended(timer) when a running timer reaches zero on screen
   * @param {HTMLElement|null} label  "Time left" / "Paused" before the digits
   */
  constructor(root, time, clock, hooks = {}, label = null) {
    this.root = root;
    this.time = time;
    this.label = label;
    this.clock = clock;
    this.hooks = hooks;
    this.timer = null;
    this.key = "";
    this.wasRunning = false;
    this.interval = null;
  }

  set(timer) {
    const key = JSON.stringify(timer || null);
    if (key === this.key) return;
    this.key = key;
    const counting = this.wasRunning;
    this.timer = timer || null;
    // Running with time left; or brought to zero while counting down here ("−1 min" at the end).
    const running = Boolean(timer && timer.state === "running");
    this.wasRunning = running && (this.clock.remaining(timer) > 0 || counting);
    clearInterval(this.interval);
    this.interval = timer && timer.state === "running" ? setInterval(() => this.tick(), TICK_MS) : null;
    this.tick();
  }

  /** Milliseconds left, or null without a timer. */
  get remaining() {
    return this.clock.remaining(this.timer);
  }

  tick() {
    const timer = this.timer;
    this.root.hidden = !timer;
    if (!timer) {
      this.root.dataset.state = "none";
      return;
    }
    const left = this.clock.remaining(timer);
    let state = timer.state === "paused" ? "paused" : "running";
    if (left <= 0) state = "up";
    const text = state === "up" ? t("time_up") : formatDuration(left);
    if (this.time.textContent !== text) this.time.textContent = text;
    if (this.label) {
      const label = { running: t("time_left"), paused: t("timer_paused"), up: "" }[state];
      if (this.label.textContent !== label) this.label.textContent = label;
    }
    if (this.root.dataset.state !== state) this.root.dataset.state = state;
    if (state === "up") {
      clearInterval(this.interval);
      this.interval = null;
      if (this.wasRunning) {
        this.wasRunning = false;
        if (this.hooks.ended) this.hooks.ended(timer);
      }
    }
  }
}
