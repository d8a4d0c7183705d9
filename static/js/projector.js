// The projector screen: read-only, large, no controls. It follows what the
// facilitator chooses (the workshop's `projector` state): the join screen, a
// canvas as everyone may see it (hidden notes only as counts, no authors on an
// anonymous canvas), the voting results of a canvas, or the timer. It opens a
// canvas with canvas:join and the projector's own token, and reconnects alone;
// when the server says `resync` (its message queue was away) it joins again
// from the last seq it holds. After a new join code the server moves it to its new
// link (`projector:moved`: new token, code and QR code) and it reconnects alone; once
// its link no longer works (the workshop closed, or the facilitator disconnected the
// screens with the new code) it shows nothing but why.

import { Clock } from "./clock.js";
import { Connection } from "./connection.js";
import { el, setText, syncChildren } from "./dom.js";
import { focusedBlock } from "./focus.js";
import { formatNumber, t, tn } from "./i18n.js";
import { showConnectionState, startPage } from "./page.js";
import { CanvasState, isRedacted } from "./state.js";
import { debounce, fitBoxes, fitNoteBoxes } from "./projector-fit.js";
import { TimerView } from "./timer-view.js";
import { byBlock, withGroups } from "./view.js";
import { WorkshopState } from "./workshop-state.js";

const GAP_WAIT_MS = 1000;
const SHOWN_RESULTS = 12;
const TOP_UNDER_COUNT = 3; // the top-voted notes named under a block drawn as a count
const RENDER_WAIT_MS = 40; // a burst of live changes is drawn (and fitted) once

/** Grid tracks that share the screen and may shrink below their content: `auto` rows get a share too. */
function fillingTracks(tracks) {
  return String(tracks).replace(/\bauto\b/g, "0.6fr").replace(/(\d*\.?\d+)fr/g, "minmax(0, $1fr)");
}

function firstLine(text) {
  return String(text || "").split("\n").find((line) => line.trim()) || "";
}

class Projector {
  constructor(boot) {
    this.boot = boot;
    this.clock = new Clock();
    this.workshop = new WorkshopState();
    this.canvasId = null;
    this.state = null;
    this.sheets = new Map();
    this.gapTimer = null;
    this.ended = null; // "closed" or "link" once this screen's link no longer works
    this.root = document.getElementById("projector");
    this.sections = {
      join: document.getElementById("projector-join"), canvas: document.getElementById("projector-canvas"),
      results: document.getElementById("projector-results"), timer: document.getElementById("projector-timer"),
    };
    this.bigTimer = new TimerView(document.getElementById("big-timer"), document.getElementById("big-timer-time"),
      this.clock, {}, document.getElementById("big-timer-label"));
    this.smallTimer = new TimerView(document.getElementById("corner-timer"), document.getElementById("corner-timer-time"),
      this.clock);
    this.connection = new Connection({
      token: boot.token,
      hello: () => ["workshop:state", {}],
      state: (name, reason) => showConnectionState(name, reason),
      joined: (ack) => this.stated(ack),
      resync: () => this.connection.greetAgain(),
      left: () => {},
      refused: (_code, data) => this.end(data && data.reason === "closed" ? "closed" : "link"),
      events: {
        workshop: (envelope) => this.workshopEvent(envelope),
        change: (envelope) => this.change(envelope),
        "projector:moved": (moved) => this.moved(moved),
        "session:ended": (event) => this.end(event && event.reason === "closed" ? "closed" : "link"),
      },
    });
    this.scheduleRender = debounce(() => this.render(), RENDER_WAIT_MS);
    window.addEventListener("resize", debounce(() => this.fit(), RENDER_WAIT_MS));
    this.render();
  }

  /** A new join code: the new link, code and QR code; the server disconnects us next and we come back with it. */
  moved(moved) {
    if (!moved || !moved.token) return;
    this.boot.token = moved.token;
    this.connection.setToken(moved.token);
    try {
      window.history.replaceState(null, "", new URL(moved.projector_url, window.location.href).pathname);
    } catch {
      // the address bar keeps the old link; the page works on
    }
    setText(document.getElementById("projector-code"), moved.code);
    setText(document.getElementById("projector-join-url"), moved.join_url);
    document.getElementById("projector-qr").setAttribute("src", moved.qr_url);
  }

  /** The link no longer works ("closed" workshop, or a new code): show nothing but why, and stop. */
  end(reason) {
    if (this.ended) return;
    this.ended = reason;
    this.connection.end();
    this.canvasId = null;
    this.state = null;
    document.getElementById("projector-sheet").replaceChildren();
    document.getElementById("projector-ranking").replaceChildren();
    this.render();
  }

  canvasInfo(id) {
    return this.boot.canvases.find((c) => c.id === id) || null;
  }

  stated(ack) {
    this.clock.sync(ack);
    this.workshop.adopt(ack.workshop);
    this.follow(true);
  }

  workshopEvent(envelope) {
    if (!this.workshop.receive(envelope)) return;
    if (envelope.type === "workshop.institutions" && this.state && this.state.controls.anonymous) this.reload();
    this.follow(false);
  }

  /** The open canvas whole again, keeping the current one on screen until it comes (the notes of an
   * anonymous canvas came with institutions under the previous setting). */
  async reload() {
    const id = this.canvasId;
    let ack = null;
    try {
      ack = await this.connection.request("canvas:join", { canvas_id: id, last_seq: null });
    } catch {
      // the next join (after a reconnect) brings it anyway
    }
    if (!ack || !ack.ok || this.canvasId !== id || !this.state) return;
    this.state.sync(ack);
    this.scheduleRender();
  }

  /** Open the canvas the facilitator chose (again after a reconnect, from the last seq seen). */
  follow(reconnected) {
    if (this.ended) return;
    const { mode, canvas_id: id } = this.workshop.state.projector || { mode: "join" };
    const wanted = mode === "canvas" || mode === "results" ? id : null;
    if (wanted !== null && (wanted !== this.canvasId || reconnected)) this.open(wanted);
    if (wanted === null && this.canvasId !== null) {
      this.canvasId = null;
      this.state = null;
      this.connection.request("canvas:leave", {}).catch(() => {}); // no more of its traffic
    }
    this.scheduleRender();
  }

  async open(id) {
    const same = id === this.canvasId && this.state;
    this.canvasId = id;
    if (!same) this.state = new CanvasState();
    let ack;
    try {
      ack = await this.connection.request("canvas:join", { canvas_id: id, last_seq: same ? this.state.seq : null });
    } catch {
      ack = null;
    }
    if (this.canvasId !== id) return;
    if (!ack || !ack.ok) {
      setTimeout(() => this.canvasId === id && this.connection.joined && this.open(id), 2000);
      return;
    }
    this.clock.sync(ack);
    this.state.sync(ack);
    this.scheduleRender();
  }

  change(envelope) {
    if (!this.state || !envelope || envelope.canvas_id !== this.canvasId) return;
    this.state.receive(envelope);
    if (this.state.hasGap && !this.gapTimer) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = null;
        if (this.state && this.state.hasGap && this.canvasId !== null) this.open(this.canvasId);
      }, GAP_WAIT_MS);
    }
    this.scheduleRender();
  }

  // ---- drawing ---------------------------------------------------------------------

  render() {
    const projector = this.workshop.state.projector || { mode: "join" };
    const ready = projector.mode === "join" || projector.mode === "timer" || (this.state && this.state.ready);
    const closed = this.ended === "closed" || this.workshop.closed;
    const mode = this.ended || closed ? "ended" : ready ? projector.mode : "waiting";
    this.root.dataset.mode = mode;
    for (const [name, section] of Object.entries(this.sections)) section.hidden = name !== mode;
    document.getElementById("projector-waiting").hidden = mode !== "waiting";
    document.getElementById("projector-ended").hidden = mode !== "ended";
    document.getElementById("connection").hidden = mode === "ended";
    if (mode === "ended") {
      setText(document.getElementById("projector-ended-title"), t(closed ? "projector_closed_title" : "projector_link_ended_title"));
      setText(document.getElementById("projector-ended-text"), t(closed ? "projector_closed" : "projector_link_ended"));
      this.smallTimer.set(null);
      this.bigTimer.set(null);
      return;
    }
    const timer = (this.state && mode === "canvas" && this.state.controls.timer) || this.workshop.state.timer;
    this.smallTimer.set(mode === "canvas" || mode === "results" ? timer : null);
    this.bigTimer.set(this.workshop.state.timer);
    document.getElementById("no-timer").hidden = Boolean(this.workshop.state.timer);
    if (mode === "canvas") this.renderCanvas();
    if (mode === "results") this.renderResults();
    this.fit();
  }

  /** Make every box fit the screen again (after a render or a resize). */
  fit() {
    const mode = this.root.dataset.mode;
    if (mode === "canvas" && this.canvasId !== null && this.sheets.has(this.canvasId)) {
      const { sheet } = this.sheets.get(this.canvasId);
      const em = parseFloat(getComputedStyle(sheet).fontSize) || 16;
      fitNoteBoxes([...sheet.querySelectorAll(".notes-box")], em, (box) => {
        const top = box.querySelector(".top-notes");
        if (!top || !top.lastElementChild) return false;
        top.lastElementChild.remove();
        return true;
      });
    }
    if (mode === "results") fitBoxes([document.getElementById("projector-ranking")], 3);
  }

  sheet(info) {
    if (this.sheets.has(info.id)) return this.sheets.get(info.id);
    const sheet = el("div", `sheet projector-sheet${info.kind === "form" ? " is-form" : ""}`, { "data-canvas": String(info.id) });
    if (info.layout) {
      // The template's grid, with every track able to shrink: the sheet fills the screen, never more.
      sheet.style.gridTemplateColumns = fillingTracks(info.layout.columns);
      sheet.style.gridTemplateRows = fillingTracks(info.layout.rows);
    }
    const parts = new Map();
    const make = (block, sub) => {
      const section = el("section", `block${sub ? " sub-block" : ""}`, { "data-block": block.id });
      const box = el("div", "notes-box", { "data-block": block.id, "data-level": "0" });
      const count = el("div", "block-count");
      const part = { section, box, sub, title: el("h2", "block-title", {}, block.title), list: el("ul", "notes"),
        hidden: el("p", "hidden-count"), count, countLine: el("p", "count-line"), top: el("ol", "top-notes") };
      count.append(part.countLine, part.top);
      box.append(part.list, part.hidden, count);
      section.append(part.title, box);
      parts.set(block.id, part);
      return section;
    };
    for (const block of info.blocks.filter((b) => !b.inside)) {
      const section = make(block, false);
      for (const child of info.blocks.filter((b) => b.inside === block.id)) section.append(make(child, true));
      sheet.append(section);
    }
    this.sheets.set(info.id, { sheet, parts });
    return this.sheets.get(info.id);
  }

  renderCanvas() {
    const info = this.canvasInfo(this.canvasId);
    if (!info) return;
    setText(document.getElementById("projector-canvas-name"), info.name);
    const { sheet, parts } = this.sheet(info);
    const holder = document.getElementById("projector-sheet");
    if (holder.firstChild !== sheet) holder.replaceChildren(sheet);
    const grouped = byBlock(this.state.notes);
    const { focus, projector } = this.workshop.state;
    const focused = focusedBlock(focus, this.canvasId); // one place for all, or this table's block
    const focusedInfo = focused ? info.blocks.find((b) => b.id === focused) : null;
    const zoomed = Boolean(projector && projector.zoom && focusedInfo) ? (focusedInfo.inside || focusedInfo.id) : null;
    sheet.classList.toggle("is-zoomed", zoomed !== null);
    for (const [block, part] of parts) {
      const notes = grouped.get(block) || [];
      const shown = notes.filter((n) => !isRedacted(n));
      const hidden = notes.length - shown.length;
      part.hidden.hidden = !hidden;
      setText(part.hidden, hidden ? tn("hidden_notes", hidden) : "");
      part.list.replaceChildren(...this.entries(shown));
      part.box.dataset.total = String(notes.length);
      part.count.dataset.count = String(notes.length);
      setText(part.countLine, tn("notes_n", notes.length));
      const top = shown.filter((n) => (n.votes || 0) > 0).sort((a, b) => b.votes - a.votes).slice(0, TOP_UNDER_COUNT);
      part.top.replaceChildren(...top.map((note) => {
        const li = el("li", "top-note");
        li.append(el("span", "top-note-text", {}, firstLine(note.text)), el("span", "top-note-votes", {}, tn("votes_count", note.votes)));
        return li;
      }));
      // A block and the block drawn inside it share its cell by how many notes each holds.
      (part.sub ? part.section : part.box).style.flexGrow = String(1 + notes.length);
      part.section.classList.toggle("is-focus", block === focused);
      if (block === focused) part.title.dataset.focusLabel = t("in_focus_label");
      else delete part.title.dataset.focusLabel;
      if (!part.sub) part.section.classList.toggle("is-zoom-target", block === zoomed);
    }
  }

  /** A block's notes as list items, each group of notes drawn as one labelled item holding its notes. */
  entries(notes) {
    const items = [];
    let group = null;
    for (const entry of withGroups(notes, this.state.clusters)) {
      if (entry.head) {
        const li = el("li", "note-group", { "data-cluster": String(entry.head.id) });
        const title = el("p", "group-title");
        title.append(el("span", "group-name", {}, entry.head.title), el("span", "group-count", {}, ` · ${formatNumber(entry.head.count)}`));
        group = el("ul", "notes group-notes");
        li.append(title, group);
        items.push(li);
        continue;
      }
      const li = this.drawNote(entry.note);
      if (entry.cluster && group) group.append(li);
      else items.push(li);
    }
    return items;
  }

  drawNote(note) {
    const li = el("li", `note note--${note.color || "yellow"}`, { "data-note-id": note.id });
    const who = note.author || {};
    const author = who.anonymous || this.state.controls.anonymous ? this.workshop.institutionOf(who) : (who.name || "");
    li.append(el("p", "note-text", {}, note.text));
    if (author) li.append(el("p", "note-author", {}, author));
    if (typeof note.votes === "number" && note.votes > 0) li.append(el("p", "note-votes", {}, tn("votes_count", note.votes)));
    return li;
  }

  renderResults() {
    const info = this.canvasInfo(this.canvasId);
    setText(document.getElementById("projector-results-title"), t("results_of", { name: info ? info.name : "" }));
    const voting = this.state.voting;
    const status = document.getElementById("projector-results-status");
    const list = document.getElementById("projector-ranking");
    const titles = new Map(info ? info.blocks.map((b) => [b.id, b.title]) : []);
    let ranked = [];
    if (!voting) setText(status, t("no_vote_yet"));
    else if (voting.round.status === "open") setText(status, `${t("vote_in_progress")} · ${tn("voters_count", voting.voters)}`);
    else {
      ranked = (voting.ranking || []).map((id) => this.state.notes.get(id))
        .filter((note) => note && !isRedacted(note) && (voting.tallies[note.id] || 0) > 0).slice(0, SHOWN_RESULTS);
      setText(status, ranked.length ? tn("voters_count", voting.voters) : t("no_votes"));
    }
    // Notes with as many votes share a place (1, 1, 3…).
    const places = new Map();
    ranked.forEach((note, index) => {
      const before = ranked[index - 1];
      places.set(note.id, before && voting.tallies[before.id] === voting.tallies[note.id] ? places.get(before.id) : index + 1);
    });
    list.style.setProperty("--rows", String(Math.max(1, Math.ceil(ranked.length / 2))));
    syncChildren(list, ranked, (n) => n.id, () => {
      const li = el("li", "result");
      li.append(el("span", "result-place"), el("span", "result-votes"), el("span", "result-text"), el("span", "result-block"));
      return li;
    }, (li, note) => {
      const [place, votes, text, block] = li.children;
      setText(place, `${formatNumber(places.get(note.id))}.`);
      setText(votes, tn("votes_count", voting.tallies[note.id]));
      setText(text, note.text);
      setText(block, titles.get(note.block) || "");
      li.dataset.votes = formatNumber(voting.tallies[note.id]);
    });
  }
}

window.lienzoProjector = startPage((boot) => new Projector(boot));
