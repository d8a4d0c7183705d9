// The room's toolbar: one click applies a control to every table, or to the
// tables chosen on their cards. It sends the existing operation once per table
// (each its own op_id, acked and retried by sendOnce), so the log holds one
// event per table and nothing in the protocol changes; one line then says
// where it was done and, for the tables where it was not, why.

import { button, el, setText } from "./dom.js";
import { formatNumber, t } from "./i18n.js";
import { reasonOf, sendOnce } from "./send.js";

const MAX_SECONDS = 6 * 60 * 60;

function numberField(id, label, attrs) {
  const wrap = el("span", "bulk-field");
  const input = el("input", "", { id, type: "number", inputmode: "decimal", ...attrs });
  wrap.append(el("label", "", { for: id }, label), input);
  return [wrap, input];
}

export class BulkControls {
  constructor(room, root) {
    this.room = room;
    this.root = root;
    this.chosen = new Set();
    root.append(el("h2", "bulk-title", { id: "bulk-title" }, t("bulk_title")));

    const scope = el("fieldset", "bulk-scope");
    scope.append(el("legend", "visually-hidden", {}, t("bulk_for")));
    scope.append(el("span", "bulk-for", { "aria-hidden": "true" }, t("bulk_for")));
    this.all = el("input", "", { type: "radio", name: "bulk-scope", id: "bulk-all", value: "all", checked: true });
    this.some = el("input", "", { type: "radio", name: "bulk-scope", id: "bulk-some", value: "some" });
    this.allLabel = el("label", "choice", { for: "bulk-all" });
    this.someLabel = el("label", "choice", { for: "bulk-some" });
    this.allText = el("span");
    this.someText = el("span");
    this.allLabel.append(this.all, this.allText);
    this.someLabel.append(this.some, this.someText);
    for (const radio of [this.all, this.some]) radio.addEventListener("change", () => this.update());
    scope.append(this.allLabel, this.someLabel);

    const act = (key, label, send) => button(label, "button small", (event) => this.apply(label, send, event.currentTarget),
      { "data-bulk": key });
    const writing = el("div", "bulk-group", { role: "group", "aria-label": t("bulk_writing") });
    writing.append(
      act("hidden-on", t("bulk_silent_on"), (id) => ["canvas:hidden", { canvas_id: id, value: true }]),
      act("hidden-off", t("bulk_silent_off"), (id) => ["canvas:hidden", { canvas_id: id, value: false }]),
      act("reveal", t("reveal"), (id) => ["canvas:reveal", { canvas_id: id }]),
      act("lock", t("bulk_lock"), (id) => ["canvas:lock", { canvas_id: id, locked: true }]),
      act("unlock", t("bulk_unlock"), (id) => ["canvas:lock", { canvas_id: id, locked: false }]),
    );

    const timer = el("div", "bulk-group", { role: "group", "aria-label": t("bulk_timer") });
    const [minutesField, minutes] = numberField("bulk-minutes", t("minutes"), { min: "0.5", max: "360", step: "0.5", value: "5" });
    this.minutes = minutes;
    timer.append(minutesField,
      act("timer-start", t("bulk_timer_start"), (id) => {
        const seconds = Math.round(Number(this.minutes.value) * 60);
        return ["timer:start", { canvas_id: id, seconds, lock_on_end: false }];
      }),
      act("timer-plus", t("add_minute"), (id) => ["timer:change", { canvas_id: id, action: "adjust", seconds: 60 }]),
      act("timer-stop", t("bulk_timer_stop"), (id) => ["timer:change", { canvas_id: id, action: "stop", seconds: 0 }]),
    );
    timer.querySelector("[data-bulk='timer-plus']").setAttribute("aria-label", t("add_minute_label"));

    const vote = el("div", "bulk-group", { role: "group", "aria-label": t("dot_voting") });
    const [budgetField, budget] = numberField("bulk-budget", t("bulk_votes_each"), { min: "1", max: "50", step: "1", value: "5" });
    this.budget = budget;
    vote.append(budgetField,
      act("vote-open", t("start_vote"), (id) => {
        const each = Number(this.budget.value);
        return ["vote:open", { canvas_id: id, budget: each, max_per_note: Math.min(each, 3), allow_own: false }];
      }),
      act("vote-close", t("close_vote"), (id) => ["vote:close", { canvas_id: id }]),
    );

    // Focus: each table to a block of its own canvas (the blocks of every table's template).
    const focus = el("div", "bulk-group", { role: "group", "aria-label": t("bulk_focus") });
    const blockWrap = el("span", "bulk-field");
    this.block = el("select", "", { id: "bulk-block" }); // its blocks come with the tables (update)
    this.blockKey = "";
    blockWrap.append(el("label", "", { for: "bulk-block" }, t("bulk_focus_block")), this.block);
    focus.append(blockWrap,
      act("focus-set", t("bulk_focus_set"), (id) => ["focus:table", { canvas_id: id, block: this.block.value }]),
      act("focus-clear", t("bulk_focus_clear"), (id) => ["focus:table", { canvas_id: id, block: null }]),
    );

    this.status = el("p", "control-status bulk-status", { role: "status" });
    this.extra = el("div", "bulk-extra"); // room for more room-wide controls (the projector's zoom)
    root.append(scope, writing, timer, vote, focus, this.extra, this.status);
    root.setAttribute("aria-labelledby", "bulk-title");
  }

  /** Every block of the tables' templates, once each, in their order: [id, title]. */
  blockChoices() {
    const choices = new Map();
    for (const canvas of this.room.canvasList()) {
      for (const block of canvas.info.blocks) if (!choices.has(block.id)) choices.set(block.id, block.title);
    }
    return [...choices.entries()];
  }

  /** Offer the tables' blocks, again only when the tables bring others (keeping the one chosen). */
  fillBlocks() {
    const choices = this.blockChoices();
    const key = JSON.stringify(choices);
    if (key === this.blockKey) return;
    this.blockKey = key;
    const chosen = this.block.value;
    this.block.replaceChildren(...choices.map(([id, title]) => el("option", "", { value: id }, title)));
    if (choices.some(([id]) => id === chosen)) this.block.value = chosen;
  }

  /** A card's "choose" box changed. */
  choose(canvasId, chosen) {
    if (chosen) this.chosen.add(canvasId);
    else this.chosen.delete(canvasId);
    if (chosen) this.some.checked = true;
    this.update();
  }

  targets() {
    const canvases = this.room.canvasList();
    return this.some.checked ? canvases.filter((canvas) => this.chosen.has(canvas.info.id)) : canvases;
  }

  invalid(button) {
    const key = button.dataset.bulk;
    if (key === "timer-start") {
      const seconds = Math.round(Number(this.minutes.value) * 60);
      if (!Number.isFinite(seconds) || seconds < 5 || seconds > MAX_SECONDS) return [t("minutes_invalid"), this.minutes];
    }
    if (key === "vote-open") {
      const each = Number(this.budget.value);
      if (!Number.isInteger(each) || each < 1 || each > 50) return [t("vote_numbers_invalid"), this.budget];
    }
    if (key === "focus-set") {
      // A table whose template lacks the block would refuse it: say so and send nothing at all.
      const block = this.block.value;
      const lacking = this.targets().filter((canvas) => !canvas.info.blocks.some((b) => b.id === block));
      if (lacking.length) {
        const title = this.block.selectedOptions.length ? this.block.selectedOptions[0].textContent : block;
        return [t("bulk_focus_missing", { block: title, tables: lacking.map((c) => c.info.name).join(", ") }), this.block];
      }
    }
    return null;
  }

  /** Send one operation per chosen table, all at once; say where it was done and where not. */
  async apply(label, build, control) {
    const targets = this.targets();
    if (!targets.length) {
      this.room.say(this.status, t("bulk_none_chosen"), "error");
      return;
    }
    const invalid = this.invalid(control);
    if (invalid) {
      this.room.say(this.status, invalid[0], "error");
      invalid[1].focus();
      return;
    }
    control.setAttribute("aria-busy", "true");
    this.room.say(this.status, t("bulk_sending", { what: label, count: formatNumber(targets.length) }), "pending");
    const acks = await Promise.all(targets.map((canvas) => {
      const [name, payload] = build(canvas.info.id);
      return sendOnce(this.room.connection, name, payload);
    }));
    control.removeAttribute("aria-busy");
    const failed = [];
    acks.forEach((ack, index) => {
      if (ack && ack.ok) this.room.applyAck(ack.event);
      else failed.push(`${targets[index].info.name}: ${reasonOf(ack)}`);
    });
    const done = targets.length - failed.length;
    if (!failed.length) {
      this.room.say(this.status, t("bulk_done", { what: label, count: formatNumber(done) }), "ok");
    } else {
      this.room.say(this.status, t("bulk_partly", { what: label, done: formatNumber(done), count: formatNumber(targets.length),
        failed: failed.join("; ") }), "error");
    }
    this.status.dataset.done = String(done);
    this.status.dataset.failed = String(failed.length);
  }

  update() {
    this.fillBlocks();
    const total = this.room.canvasList().length;
    setText(this.allText, ` ${t("bulk_all", { count: formatNumber(total) })}`);
    setText(this.someText, ` ${t("bulk_some", { count: formatNumber(this.chosen.size) })}`);
    this.root.dataset.scope = this.some.checked ? "some" : "all";
  }
}
