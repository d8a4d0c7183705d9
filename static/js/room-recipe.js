// The recipe in the control room: which one the workshop follows (or none), its
// agenda with the current phase and its planned time left, and "next" / "previous
// phase", which the server applies to every table of the recipe's canvas at once
// (docs/protocol.md, "Recipes and phases"). `from_phase` keeps two facilitators who
// click at once from skipping a phase.

import { formatDuration } from "./clock.js";
import { button, el, setText } from "./dom.js";
import { formatNumber, t } from "./i18n.js";
import { localized, roomPhase } from "./phase.js";

export class RecipeControls {
  constructor(room, root) {
    this.room = room;
    this.root = root;
    root.append(el("h2", "", { id: "recipe-title" }, t("recipe_legend")));
    const status = el("p", "control-status", { role: "status" });
    this.status = status;
    this.choice = el("select", "", { id: "recipe-choice" });
    this.choice.append(el("option", "", { value: "" }, t("recipe_none_option")));
    for (const recipe of room.boot.recipes || []) {
      this.choice.append(el("option", "", { value: recipe.id },
        t("recipe_option", { name: recipe.name, minutes: formatNumber(recipe.minutes) })));
    }
    this.follow = button(t("recipe_follow"), "button small", () => this.room.send("recipe:choose",
      { recipe_id: this.choice.value || null }, { status, control: this.follow }), { "data-action": "recipe-choose" });
    const row = el("div", "control-row");
    row.append(el("label", "", { for: "recipe-choice" }, t("recipe_choice_label")), this.choice, this.follow);
    this.now = el("p", "phase-now", { "aria-live": "polite" });
    this.instruction = el("p", "phase-instruction");
    this.timeLeft = el("p", "phase-time-left", { role: "timer" });
    this.agenda = el("ol", "phase-agenda");
    this.previous = button(t("phase_previous"), "button small", () => this.step("phase:previous", this.previous),
      { "data-action": "phase-previous" });
    this.next = button(t("phase_next"), "button small primary", () => this.step("phase:next", this.next),
      { "data-action": "phase-next" });
    this.steps = el("div", "control-row");
    this.steps.append(this.previous, this.next);
    this.steps.append(el("p", "help", {}, t("phase_tables_help")));
    root.append(row, this.now, this.instruction, this.timeLeft, this.steps, this.agenda, status);
    this.ticker = setInterval(() => this.updateTime(), 1000);
  }

  /** Next or previous phase, for the tables the toolbar is set to: all of them (the server
   * takes every table of the recipe's canvas) or the ones ticked on their cards. */
  step(name, control) {
    const recipe = this.room.workshop.state.recipe;
    const from = recipe && recipe.phase !== null ? recipe.phase : -1;
    const bulk = this.room.bulk;
    if (bulk.some.checked) {
      const ids = bulk.targets().map((canvas) => canvas.info.id);
      if (!ids.length) {
        this.room.say(this.status, t("bulk_none_chosen"), "error");
        return;
      }
      this.room.send(name, { from_phase: from, canvas_ids: ids }, { status: this.status, control });
      return;
    }
    this.room.send(name, { from_phase: from }, { status: this.status, control });
  }

  update() {
    const recipe = this.room.workshop.state.recipe || null;
    // The menu shows the room's recipe when that changes; any other update (a phase, a
    // participant) leaves alone what the facilitator picked and has not sent yet.
    const chosen = recipe ? recipe.id : "";
    if (chosen !== this.shownChoice) {
      this.shownChoice = chosen;
      if (document.activeElement !== this.choice) this.choice.value = chosen;
    }
    this.steps.hidden = !recipe;
    this.agenda.replaceChildren();
    if (!recipe) {
      setText(this.now, t("recipe_none"));
      setText(this.instruction, "");
      setText(this.timeLeft, "");
      return;
    }
    const current = recipe.phase;
    recipe.agenda.forEach((phase, index) => {
      const item = el("li", index === current ? "is-current" : "", index === current ? { "aria-current": "step" } : {},
        t("phase_item", { name: localized(phase.name), minutes: formatNumber(phase.minutes || 0) }));
      this.agenda.append(item);
    });
    const phase = roomPhase(recipe);
    setText(this.now, phase ? t("phase_now", { n: formatNumber(current + 1), count: formatNumber(recipe.agenda.length),
      name: localized(phase.name) }) : t("phase_not_started", { name: localized(recipe.name) }));
    setText(this.instruction, phase ? localized(phase.instruction) : "");
    this.previous.disabled = current === null || current <= 0;
    this.next.disabled = current !== null && current >= recipe.agenda.length - 1;
    setText(this.next, current === null ? t("phase_start") : t("phase_next"));
    this.updateTime();
  }

  updateTime() {
    const recipe = this.room.workshop.state.recipe;
    const phase = roomPhase(recipe);
    if (!phase || !phase.minutes || !recipe.started_at) {
      setText(this.timeLeft, "");
      return;
    }
    const left = Math.max(0, recipe.started_at + phase.minutes * 60000 - this.room.clock.now());
    setText(this.timeLeft, left > 0 ? t("phase_time_left", { time: formatDuration(left) }) : t("phase_time_up"));
  }
}
