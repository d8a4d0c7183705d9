// The controls of the whole session: the workshop's timer, the focus, what the
// projector shows (and its link for the room's computer), ready marks and
// raised hands, institutions on anonymous canvases, closing or reopening the workshop.

import { button, el, setPressed, setText } from "./dom.js";
import { tablesByBlock } from "./focus.js";
import { formatNumber, t, tn } from "./i18n.js";
import { confirmInline } from "./room-confirm.js";
import { TimerControls } from "./room-timer.js";

export class SessionControls {
  constructor(room, root) {
    this.room = room;
    this.root = root;
    root.append(el("h2", "", {}, t("session")));
    this.timer = new TimerControls(room, null, "timer-workshop", t("workshop_timer"));
    root.append(this.timer.root, this.focusGroup(), this.projectorGroup(), this.statusGroup(), this.workshopGroup());
  }

  group(className, legend) {
    const node = el("fieldset", `control-group ${className}`);
    node.append(el("legend", "", {}, legend));
    const status = el("p", "control-status", { role: "status" });
    return [node, status];
  }

  focusGroup() {
    const [node, status] = this.group("focus-controls", t("focus_legend"));
    this.focusText = el("p", "focus-now");
    this.clearFocus = button(t("clear_focus"), "button small", () => this.room.send("focus:set", {},
      { status, control: this.clearFocus }), { "data-action": "focus-clear" });
    node.append(this.focusText, this.clearFocus, status);
    return node;
  }

  /** One place for everyone, or each table's block ("Public problem: 10 tables"), or no focus. */
  focusSummary(focus) {
    if (!focus) return t("no_focus");
    const tables = tablesByBlock(focus);
    if (!tables) return t("focus_now", { place: this.room.placeName(focus.canvas_id, focus.block) });
    const blocks = tables.map(([block, ids]) => `${this.room.blockTitle(ids[0], block)} (${tn("tables_n", ids.length)})`);
    return t("focus_tables_now", { blocks: blocks.join("; ") });
  }

  projectorGroup() {
    const [node, status] = this.group("projector-controls", t("projector"));
    const link = el("a", "button small", { href: this.room.boot.projector_url, target: "_blank", rel: "noopener",
      "data-action": "projector-open" }, t("open_projector"));
    const urlId = "projector-url";
    const url = el("input", "projector-link-field", { id: urlId, type: "text", readonly: true, value: this.room.boot.projector_url });
    this.projectorLink = link;
    this.projectorUrl = url;
    url.addEventListener("focus", () => url.select());
    this.choice = el("select", "", { id: "projector-choice" });
    this.choice.append(el("option", "", { value: "join" }, t("show_join")), el("option", "", { value: "timer" }, t("show_timer")),
      el("option", "", { value: "commitments" }, t("show_commitments")));
    for (const canvas of this.room.canvasList()) {
      const group = el("optgroup", "", { label: canvas.info.name });
      group.append(el("option", "", { value: `canvas:${canvas.info.id}` }, t("show_canvas_named", { name: canvas.info.name })),
        el("option", "", { value: `results:${canvas.info.id}` }, t("show_results_named", { name: canvas.info.name })));
      this.choice.append(group);
    }
    const show = button(t("show_on_projector"), "button small primary", () => {
      const [mode, id] = this.choice.value.split(":");
      const zoom = mode === "canvas" && this.zoom.checked;
      this.room.send("projector:show", { mode, ...(id ? { canvas_id: Number(id) } : {}), ...(zoom ? { zoom } : {}) },
        { status, control: show });
    }, { "data-action": "projector-show" });
    this.zoom = el("input", "", { id: "projector-zoom", type: "checkbox" });
    const zoomLabel = el("label", "", { for: "projector-zoom" });
    zoomLabel.append(this.zoom, ` ${t("projector_zoom")}`);
    this.projectorNow = el("p", "projector-now", { "aria-live": "polite" });
    const row = el("div", "control-row");
    row.append(el("label", "", { for: "projector-choice" }, t("projector_shows")), this.choice, zoomLabel, show);
    node.append(el("p", "help", {}, t("projector_help")), link, el("label", "visually-hidden", { for: urlId }, t("projector_link")),
      url, this.projectorNow, row, status);
    return node;
  }

  /** The projector's link changed with a new join code. */
  showProjectorUrl(url) {
    this.projectorLink.href = url;
    this.projectorUrl.value = url;
  }

  statusGroup() {
    const [node, status] = this.group("status-controls", t("ready_and_hands"));
    this.counts = el("p", "status-counts");
    this.reset = button(t("reset_ready"), "button small", () => this.room.send("status:reset", { ready: true, hands: true },
      { status, control: this.reset }), { "data-action": "status-reset" });
    node.append(this.counts, this.reset, status);
    return node;
  }

  workshopGroup() {
    const [node, status] = this.group("workshop-controls", t("workshop_legend"));
    this.state = el("p", "workshop-now");
    this.close = button(t("close_workshop"), "button small danger", () => confirmInline(this.actions, t("close_confirm"),
      t("close_workshop"), () => this.room.send("workshop:close", {}, { status })), { "data-action": "workshop-close" });
    this.reopen = button(t("reopen_workshop"), "button small", () => this.room.send("workshop:reopen", {},
      { status, control: this.reopen }), { "data-action": "workshop-reopen" });
    this.actions = el("div", "control-row");
    this.actions.append(this.close, this.reopen);
    const helpId = "institutions-help";
    this.institutions = button(t("show_institutions"), "toggle", () => this.room.send("workshop:institutions",
      { value: !this.room.workshop.state.anonymous_shows_institution }, { status, control: this.institutions }),
    { "aria-pressed": "true", "aria-describedby": helpId, "data-action": "workshop-institutions" });
    node.append(this.state, this.institutions, el("p", "help", { id: helpId }, t("show_institutions_help")),
      this.actions, status);
    return node;
  }

  update() {
    const { state } = this.room.workshop;
    this.timer.update(state.timer);
    const focus = state.focus;
    setText(this.focusText, this.focusSummary(focus));
    this.clearFocus.disabled = !focus;
    const projector = state.projector || { mode: "join" };
    const value = projector.canvas_id ? `${projector.mode}:${projector.canvas_id}` : projector.mode;
    setText(this.projectorNow, t("projector_now", { what: this.room.projectorLabel(projector) }));
    // What the projector shows is put in the controls when it changes; any other update (a
    // timer, a hand raised) leaves alone what the facilitator picked and has not sent yet.
    const shown = `${value}|${Boolean(projector.zoom)}`;
    if (shown !== this.shownProjector) {
      this.shownProjector = shown;
      if (document.activeElement !== this.choice && [...this.choice.options].some((o) => o.value === value)) this.choice.value = value;
      if (document.activeElement !== this.zoom) this.zoom.checked = Boolean(projector.zoom);
    }
    const people = [...this.room.workshop.people.values()].filter((p) => !p.removed && !p.facilitator);
    const ready = people.filter((p) => p.ready);
    const hands = people.filter((p) => p.hand);
    setText(this.counts, `${t("ready_label")} ${formatNumber(ready.length)}/${formatNumber(people.length)} · ${t("hands_label")} ${formatNumber(hands.length)}${hands.length ? ` (${hands.map((p) => p.name).join(", ")})` : ""}`);
    this.reset.disabled = !ready.length && !hands.length;
    setPressed(this.institutions, state.anonymous_shows_institution);
    const closed = state.status === "closed";
    setText(this.state, closed ? t("workshop_closed_now") : t("workshop_open_now"));
    if (!this.actions.querySelector(".confirm")) {
      const focused = document.activeElement === this.close || document.activeElement === this.reopen;
      this.close.hidden = closed;
      this.reopen.hidden = !closed;
      if (focused) (closed ? this.reopen : this.close).focus();
    }
  }
}
