// One canvas in the control room, live: who is on it (online now, seen
// earlier), notes per block with empty blocks marked, hidden notes, ready marks
// and raised hands with names, and the canvas's controls. Built once; update()
// refreshes it in place, so a field being typed in or a focused button stays.

import { button, el, setPressed, setText, syncChildren } from "./dom.js";
import { formatNumber, t, tn } from "./i18n.js";
import { pdfLinks } from "./downloads.js";
import { focusedBlock } from "./focus.js";
import { GroupControls } from "./room-groups.js";
import { TimerControls } from "./room-timer.js";
import { VoteControls } from "./room-vote.js";

// Beyond this many, the people seen earlier are a count (the room's people panel names them).
const NAMED_UP_TO = 8;

function names(people) {
  return people.length ? ` (${people.map((p) => p.name).join(", ")})` : "";
}

function personLabel(person) {
  return person.institution ? `${person.name} (${person.institution})` : person.name;
}

// A workshop with a table or two opens its cards; with more, each card is a
// compact line of counts and badges, opened on demand.
const OPEN_UP_TO = 2;

export class CanvasCard {
  constructor(room, canvas) {
    this.room = room;
    this.canvas = canvas;
    const { id, name } = canvas.info;
    this.root = el("article", "room-card", { "data-canvas-id": String(id), "aria-labelledby": `card-title-${id}` });
    const head = el("header", "room-card-head");
    this.choose = el("input", "card-choose", { type: "checkbox", id: `choose-${id}`, "aria-label": t("choose_table", { name }) });
    this.choose.addEventListener("change", () => {
      this.root.classList.toggle("is-chosen", this.choose.checked);
      room.bulk.choose(id, this.choose.checked);
    });
    const title = el("h2", "room-card-title", { id: `card-title-${id}` }, name);
    const open = el("a", "button small", { href: room.canvasUrl(id), "aria-label": t("open_canvas_named", { name }) },
      t("open_canvas"));
    // The box sits in a label, the finger-sized target on a phone (control-room.css).
    const choose = el("label", "card-choose-target");
    choose.append(this.choose);
    head.append(choose, title, open);
    this.stats = el("p", "card-stats");
    this.flags = el("p", "card-flags");
    const details = el("details", "card-details", (room.boot.canvases || []).length <= OPEN_UP_TO ? { open: true } : {});
    details.append(el("summary", "", { "aria-label": t("details_of", { name }) }, t("details")));
    this.details = details;
    const about = el("p", "card-about");
    about.append(el("span", "muted room-card-template", {}, canvas.info.template_name || ""));
    if (canvas.info.pdf) {
      about.append(pdfLinks("card-downloads", t("card_pdf"), canvas.info.pdf, (size) => t("card_pdf_size", { name, size })));
    }
    this.people = el("div", "card-people");
    this.blocks = this.blockTable();
    const blocksWrap = el("div", "card-blocks-wrap");
    blocksWrap.append(this.blocks);
    this.actions = this.quickActions();
    this.status = el("p", "control-status", { role: "status" });
    const more = el("details", "card-more");
    more.append(el("summary", "", {}, t("more_controls")));
    this.timer = new TimerControls(room, id, `timer-${id}`, t("canvas_timer"));
    this.vote = new VoteControls(room, canvas);
    this.groups = new GroupControls(room, canvas);
    more.append(this.timer.root, this.vote.root, this.groups.root);
    details.append(about, this.people, blocksWrap, this.actions, this.status, more);
    this.root.append(head, this.stats, this.flags, details);
  }

  send(name, payload, control) {
    return this.room.send(name, { canvas_id: this.canvas.info.id, ...payload }, { status: this.status, control });
  }

  blockTable() {
    const table = el("table", "card-blocks");
    const head = el("tr");
    for (const label of [t("block"), t("notes"), t("hidden_short"), t("lock"), t("focus_short")]) head.append(el("th", "", { scope: "col" }, label));
    const thead = el("thead");
    thead.append(head);
    this.rows = new Map();
    const body = el("tbody");
    for (const block of this.canvas.info.blocks) {
      const row = el("tr", block.inside ? "is-sub" : "", { "data-block": block.id });
      const count = el("td", "count");
      const hidden = el("td", "count hidden-col");
      const lock = button(t("lock"), "toggle small-toggle", () => this.send("canvas:lock", {
        block: block.id, locked: !this.room.controlsOf(this.canvas).locked_blocks.includes(block.id) }, lock),
      { "aria-pressed": "false", "aria-label": t("lock_block", { block: block.title }), "data-action": "lock-block" });
      const focus = button(t("invite"), "toggle small-toggle", () => this.toggleFocus(block.id, focus),
        { "aria-pressed": "false", "aria-label": t("focus_block", { block: block.title }), "data-action": "focus-block" });
      const cells = [el("th", "", { scope: "row" }, block.title), count, hidden, el("td"), el("td")];
      cells[3].append(lock);
      cells[4].append(focus);
      row.append(...cells);
      body.append(row);
      this.rows.set(block.id, { row, count, hidden, lock, focus });
    }
    table.append(el("caption", "visually-hidden", {}, t("blocks_of", { name: this.canvas.info.name })), thead, body);
    return table;
  }

  quickActions() {
    const row = el("div", "card-actions");
    const flag = (key, label, message, value) => {
      const node = button(label, "toggle", () => this.send(message, { value: !value() }, node), { "aria-pressed": "false", "data-action": key });
      return node;
    };
    const controls = () => this.room.controlsOf(this.canvas);
    this.lockAll = button(t("lock_canvas"), "toggle", () => this.send("canvas:lock", { locked: !controls().locked }, this.lockAll),
      { "aria-pressed": "false", "data-action": "lock" });
    this.hidden = flag("hidden", t("hidden_mode"), "canvas:hidden", () => controls().hidden);
    this.reveal = button(t("reveal"), "button small primary", () => this.send("canvas:reveal", {}, this.reveal), { "data-action": "reveal" });
    this.anonymous = flag("anonymous", t("anonymous"), "canvas:anonymous", () => controls().anonymous);
    this.focusHere = button(t("focus"), "toggle", () => this.toggleFocus(null, this.focusHere), { "aria-pressed": "false", "data-action": "focus" });
    this.showCanvas = button(t("project_canvas"), "toggle", () => this.project("canvas", this.showCanvas), { "aria-pressed": "false", "data-action": "project-canvas" });
    this.showResults = button(t("project_results"), "toggle", () => this.project("results", this.showResults), { "aria-pressed": "false", "data-action": "project-results" });
    row.append(this.lockAll, this.hidden, this.reveal, this.anonymous, this.focusHere, this.showCanvas, this.showResults);
    return row;
  }

  toggleFocus(block, control) {
    const focus = this.room.workshop.state.focus;
    const id = this.canvas.info.id;
    const on = focus && focus.canvas_id === id && (focus.block || null) === block;
    const payload = on ? {} : { canvas_id: id, ...(block ? { block } : {}) };
    this.room.send("focus:set", payload, { status: this.status, control });
  }

  project(mode, control) {
    const projector = this.room.workshop.state.projector;
    const on = projector.mode === mode && projector.canvas_id === this.canvas.info.id;
    const payload = on ? { mode: "join" } : { mode, canvas_id: this.canvas.info.id };
    this.room.send("projector:show", payload, { status: this.status, control });
  }

  update() {
    const { state } = this.canvas;
    const controls = state.controls;
    const id = this.canvas.info.id;
    const notes = [...state.notes.values()];
    const focus = this.room.workshop.state.focus;
    const projector = this.room.workshop.state.projector;
    const hiddenCount = notes.filter((n) => n.hidden).length;
    let empty = 0;
    for (const block of this.canvas.info.blocks) {
      const parts = this.rows.get(block.id);
      const inBlock = notes.filter((n) => n.block === block.id);
      const hidden = inBlock.filter((n) => n.hidden).length;
      if (!inBlock.length) empty += 1;
      parts.row.classList.toggle("is-empty", !inBlock.length);
      setText(parts.count, inBlock.length ? formatNumber(inBlock.length) : t("empty"));
      setText(parts.hidden, hidden ? formatNumber(hidden) : "");
      setPressed(parts.lock, controls.locked_blocks.includes(block.id));
      setPressed(parts.focus, Boolean(focus && focus.canvas_id === id && focus.block === block.id));
      parts.row.classList.toggle("is-focus", focusedBlock(focus, id) === block.id);
    }
    setPressed(this.lockAll, controls.locked);
    setPressed(this.hidden, controls.hidden);
    setPressed(this.anonymous, controls.anonymous);
    this.reveal.disabled = !hiddenCount && !controls.hidden;
    setText(this.reveal, hiddenCount ? t("reveal_count", { count: formatNumber(hiddenCount) }) : t("reveal"));
    setPressed(this.focusHere, Boolean(focus && focus.canvas_id === id && !focus.block));
    setPressed(this.showCanvas, projector.mode === "canvas" && projector.canvas_id === id);
    setPressed(this.showResults, projector.mode === "results" && projector.canvas_id === id);
    this.updateFlags(controls, notes.length, empty);
    this.updatePeople(notes);
    this.updateStats(hiddenCount);
    this.timer.update(controls.timer);
    this.vote.update();
    this.groups.update();
  }

  updateFlags(controls, total, empty) {
    this.counts = { ...(this.counts || {}), total, empty };
    const flags = [];
    if (controls.locked) flags.push(["locked", t("locked")]);
    else if (controls.locked_blocks.length) flags.push(["blocks-locked", t("blocks_locked", { count: formatNumber(controls.locked_blocks.length) })]);
    if (controls.hidden) flags.push(["hidden", t("hidden_mode")]);
    if (controls.anonymous) flags.push(["anonymous", t("anonymous")]);
    const voting = this.canvas.state.voting;
    if (voting && voting.round.status === "open") flags.push(["voting", t("vote_open_flag")]);
    if (controls.timer) flags.push(["timer", t("timer_running")]);
    const focus = this.room.workshop.state.focus;
    const id = this.canvas.info.id;
    const block = focusedBlock(focus, id); // one place for everyone, or this table's own block
    const title = block && (this.canvas.info.blocks.find((b) => b.id === block) || { title: block }).title;
    if (block) flags.push(["focus", t("in_focus_block", { block: title })]);
    else if (focus && focus.canvas_id === id) flags.push(["focus", t("in_focus")]);
    syncChildren(this.flags, flags, ([key]) => key, ([key]) => el("span", `flag flag-${key}`), (node, [, text]) => setText(node, text));
    this.flags.hidden = !flags.length;
    this.root.classList.toggle("has-empty", empty > 0);
  }

  updateStats(hidden) {
    const { total, empty, online, ready, everyone, hands } = this.counts;
    const stats = [
      ["online", t("stat_online", { count: formatNumber(online) })],
      ["notes", tn("notes_n", total)],
      ["empty", tn("empty_blocks_n", empty)],
      ["hidden", hidden ? tn("hidden_notes", hidden) : ""],
      ["ready", t("stat_ready", { count: formatNumber(ready), of: formatNumber(everyone) })],
      ["hands", hands ? t("stat_hands", { count: formatNumber(hands) }) : ""],
    ].filter(([, text]) => text);
    syncChildren(this.stats, stats, ([key]) => key, ([key]) => el("span", `stat stat-${key}`), (node, [key, text]) => {
      setText(node, text);
      node.classList.toggle("is-alert", (key === "empty" && empty > 0) || key === "hands");
    });
  }

  updatePeople(notes) {
    const online = [...this.canvas.presence.values()].filter((p) => !p.facilitator);
    const onlineIds = new Set(online.map((p) => p.id));
    const seen = new Map();
    for (const person of this.canvas.seen.values()) if (!person.facilitator) seen.set(person.id, person);
    for (const note of notes) {
      const author = note.author;
      if (author && author.id && !author.facilitator && !seen.has(author.id)) seen.set(author.id, author);
    }
    const earlier = [...seen.values()].filter((p) => !onlineIds.has(p.id) && !this.room.isRemoved(p.id));
    const everyone = [...online, ...earlier].map((p) => ({ ...p, ...(this.room.workshop.people.get(p.id) || {}) }));
    const ready = everyone.filter((p) => p.ready);
    const hands = everyone.filter((p) => p.hand);
    const lines = [
      ["online", `${t("online_now")}: ${online.length ? online.map(personLabel).join(", ") : "—"}`],
      ["earlier", !earlier.length ? "" : earlier.length > NAMED_UP_TO ? `${t("seen_earlier")}: ${formatNumber(earlier.length)}`
        : `${t("seen_earlier")}: ${earlier.map(personLabel).join(", ")}`],
      ["ready", `${t("ready_label")} ${formatNumber(ready.length)}/${formatNumber(everyone.length)}${names(ready)}`],
      ["hands", `${t("hands_label")} ${formatNumber(hands.length)}${names(hands)}`],
    ].filter(([, text]) => text);
    syncChildren(this.people, lines, ([key]) => key, ([key]) => el("p", `people-${key}`), (node, [key, text]) => {
      setText(node, text);
      node.classList.toggle("is-raised", key === "hands" && hands.length > 0);
    });
    this.root.dataset.online = String(online.length);
    this.counts = { ...(this.counts || {}), online: online.length, ready: ready.length, everyone: everyone.length,
      hands: hands.length };
  }
}
