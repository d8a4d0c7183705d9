// The projector screen: read-only, large, no controls. It follows what the
// facilitator chooses (the workshop's `projector` state): the join screen, a
// canvas as everyone may see it (hidden notes only as counts, no authors on an
// anonymous canvas), the voting results of a canvas, the timer, or the workshop's
// commitments. It opens a
// canvas with canvas:join and the projector's own token, and reconnects alone;
// when the server says `resync` (its message queue was away) it joins again
// from the last seq it holds. After a new join code the server moves it to its new
// link (`projector:moved`: new token, code and QR code) and it reconnects alone; once
// its link no longer works (the workshop closed, or the facilitator disconnected the
// screens with the new code) it shows nothing but why.

import { Clock } from "./clock.js";
import { CommitmentList, factsOf, statusName } from "./commitments.js";
import { Connection } from "./connection.js";
import { el, setText, syncChildren } from "./dom.js";
import { focusedBlock } from "./focus.js";
import { formatNumber, t, tn } from "./i18n.js";
import { showConnectionState, startPage } from "./page.js";
import { localized, roomPhase } from "./phase.js";
import { CanvasState, isRedacted } from "./state.js";
import {
  COLUMN_LEVELS, COUNT_LEVEL, blockNeeds, crowdingOf, debounce, fillingTracks, fitBoxes, fitNoteBoxes, gridOf, insideEllipse,
  sizeInRounds, sumOf, trackFloors,
} from "./projector-fit.js";
import { TimerView } from "./timer-view.js";
import { byBlock, withGroups } from "./view.js";
import { WorkshopState } from "./workshop-state.js";

const GAP_WAIT_MS = 1000;
const SHOWN_RESULTS = 12;
const TOP_UNDER_COUNT = 3; // the top-voted notes named under a block drawn as a count
const RENDER_WAIT_MS = 40; // a burst of live changes is drawn (and fitted) once
const SIZING_ROUNDS = 4; // how many times a block still drawn as a count asks for more room
const FOCUS_ROOM = 1.5; // how much more room (by area) the focused block asks for
const SVG = "http://www.w3.org/2000/svg";

function firstLine(text) {
  return String(text || "").split("\n").find((line) => line.trim()) || "";
}

/** Where a block of the circle may draw (px, from its cell's corner): inside its cell and the ellipse. */
function circleCell(figure, block, cols, rows, em) {
  const margin = 0.4 * em; // clear of the circle's line
  const w = sumOf(cols, figure.c0, figure.c1);
  const h = sumOf(rows, figure.r0, figure.r1);
  const x0 = sumOf(cols, figure.c0, block.c0 - 1);
  const y0 = sumOf(rows, figure.r0, block.r0 - 1);
  const cell = { x0, y0, x1: x0 + sumOf(cols, block.c0, block.c1), y1: y0 + sumOf(rows, block.r0, block.r1) };
  const inner = insideEllipse({ x0: cell.x0 - margin, y0: cell.y0 - margin, x1: cell.x1 - margin, y1: cell.y1 - margin },
    Math.max(1, w - 2 * margin), Math.max(1, h - 2 * margin));
  return { cell, left: inner.x0 + margin - cell.x0, top: inner.y0 + margin - cell.y0,
    right: cell.x1 - (inner.x1 + margin), bottom: cell.y1 - (inner.y1 + margin),
    w: inner.x1 - inner.x0, h: Math.max(0, inner.y1 - inner.y0), inset: true };
}

function svgNode(name, attributes) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

/** Draw the square and the circle with the lines between their blocks (the focused block's part
 * tinted), and keep the circle's blocks inside it. Coordinates in percent of the figure's box. */
function drawFigures(grid, blocks, cols, rows, em) {
  for (const figure of grid.figures) {
    const w = sumOf(cols, figure.c0, figure.c1);
    const h = sumOf(rows, figure.r0, figure.r1);
    const x = (c) => (100 * sumOf(cols, figure.c0, c - 1)) / w;
    const y = (r) => (100 * sumOf(rows, figure.r0, r - 1)) / h;
    const round = figure.shape === "circle";
    // How far from the middle a line across the figure may run before it meets the outline.
    const reach = (at) => (round ? 50 * Math.sqrt(Math.max(0, 1 - ((at - 50) / 50) ** 2)) : 50);
    const outline = round ? svgNode("ellipse", { cx: 50, cy: 50, rx: 50, ry: 50 })
      : svgNode("rect", { x: 0, y: 0, width: 100, height: 100 });
    const clip = svgNode("clipPath", { id: figure.clipId });
    clip.append(round ? svgNode("ellipse", { cx: 50, cy: 50, rx: 50, ry: 50 }) : svgNode("rect", { x: 0, y: 0, width: 100, height: 100 }));
    const nodes = [clip];
    const lines = [];
    for (const block of blocks.filter((b) => figure.blocks.includes(b.id))) {
      const section = block.parts[0].section;
      const [left, right, top, bottom] = [x(block.c0), x(block.c1 + 1), y(block.r0), y(block.r1 + 1)];
      if (section.classList.contains("is-focus")) {
        nodes.push(svgNode("rect", { x: left, y: top, width: right - left, height: bottom - top,
          class: "figure-focus", "clip-path": `url(#${figure.clipId})` }));
      }
      if (block.c0 > figure.c0) { // a line on its left, as far as the outline
        lines.push(svgNode("line", { x1: left, x2: left, y1: Math.max(top, 50 - reach(left)),
          y2: Math.min(bottom, 50 + reach(left)), class: "figure-line" }));
      }
      if (block.r0 > figure.r0) { // a line above it
        lines.push(svgNode("line", { y1: top, y2: top, x1: Math.max(left, 50 - reach(top)),
          x2: Math.min(right, 50 + reach(top)), class: "figure-line" }));
      }
      if (round) {
        const inner = circleCell(figure, block, cols, rows, em);
        section.style.padding = [inner.top, inner.right, inner.bottom, inner.left]
          .map((v) => `${Math.max(0, v).toFixed(1)}px`).join(" ");
      }
    }
    outline.setAttribute("class", "figure-line figure-outline");
    figure.svg.replaceChildren(...nodes, ...lines, outline);
  }
}

class Projector {
  constructor(boot) {
    this.boot = boot;
    this.clock = new Clock();
    this.workshop = new WorkshopState();
    this.commitments = new CommitmentList();
    this.canvasId = null;
    this.state = null;
    this.sheets = new Map();
    this.gapTimer = null;
    this.ended = null; // "closed" or "link" once this screen's link no longer works
    this.root = document.getElementById("projector");
    this.sections = {
      join: document.getElementById("projector-join"), canvas: document.getElementById("projector-canvas"),
      results: document.getElementById("projector-results"), timer: document.getElementById("projector-timer"),
      commitments: document.getElementById("projector-commitments"),
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
    document.getElementById("projector-commitment-list").replaceChildren();
    this.render();
  }

  canvasInfo(id) {
    return this.boot.canvases.find((c) => c.id === id) || null;
  }

  stated(ack) {
    this.clock.sync(ack);
    this.workshop.adopt(ack.workshop);
    this.commitments.adopt(ack.workshop);
    this.follow(true);
  }

  workshopEvent(envelope) {
    if (this.commitments.receive(envelope)) this.scheduleRender();
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
      ack = await this.connection.request("canvas:join", { canvas_id: id, ...(same ? this.state.since() : { last_seq: null }) });
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

  /** The room's phase and what to do in it, under whatever the screen shows (not on the join or end screens). */
  renderPhase(mode) {
    const node = document.getElementById("projector-phase");
    const phase = roomPhase(this.workshop.state.recipe);
    node.hidden = !phase || mode === "ended" || mode === "join";
    setText(node, phase ? t("phase_notice", { name: localized(phase.name), instruction: localized(phase.instruction) }) : "");
  }

  render() {
    const projector = this.workshop.state.projector || { mode: "join" };
    const ready = ["join", "timer", "commitments"].includes(projector.mode) || (this.state && this.state.ready);
    const closed = this.ended === "closed" || this.workshop.closed;
    const mode = this.ended || closed ? "ended" : ready ? projector.mode : "waiting";
    this.root.dataset.mode = mode;
    for (const [name, section] of Object.entries(this.sections)) section.hidden = name !== mode;
    document.getElementById("projector-waiting").hidden = mode !== "waiting";
    this.renderPhase(mode);
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
    if (mode === "commitments") this.renderCommitments();
    this.fit();
  }

  /** Make every box fit the screen again (after a render or a resize). */
  fit() {
    const mode = this.root.dataset.mode;
    if (mode === "canvas" && this.canvasId !== null && this.sheets.has(this.canvasId)) {
      const entry = this.sheets.get(this.canvasId);
      const em = parseFloat(getComputedStyle(entry.sheet).fontSize) || 16;
      const boxes = [...entry.sheet.querySelectorAll(".notes-box")];
      const shrink = (box) => {
        const top = box.querySelector(".top-notes");
        if (!top || !top.lastElementChild) return false;
        top.lastElementChild.remove();
        return true;
      };
      if (entry.grid && !entry.sheet.classList.contains("is-zoomed")) this.sizeGrid(entry, em, boxes, shrink);
      else {
        // Zoomed, a block fills the screen alone: no room kept for a circle around it.
        for (const block of entry.grid ? entry.grid.blocks : []) block.parts[0].section.style.removeProperty("padding");
        fitNoteBoxes(boxes, em, shrink);
      }
    }
    if (mode === "results") fitBoxes([document.getElementById("projector-ranking")], 3);
    if (mode === "commitments") fitBoxes([document.getElementById("projector-commitment-list")], 6);
  }

  /** Size the rows and columns by what each block holds (projector-fit.js: sizeTracks), then fit each
   * block's notes; a block still drawn as a count asks for more room, a few times at most. */
  sizeGrid(entry, em, boxes, shrink) {
    const { sheet, grid } = entry;
    // The template's grid with every note in full text: what each block's notes take there.
    sheet.style.gridTemplateColumns = fillingTracks(grid.columnTracks);
    sheet.style.gridTemplateRows = fillingTracks(grid.rowTracks);
    for (const block of grid.blocks) block.parts[0].section.style.removeProperty("padding");
    for (const box of boxes) {
      box.dataset.level = "0";
      box.style.removeProperty("--columns");
    }
    const style = getComputedStyle(sheet);
    const px = (value) => parseFloat(value) || 0;
    const width = sheet.clientWidth - px(style.paddingLeft) - px(style.paddingRight) - px(style.columnGap) * (grid.cols.length - 1);
    const height = sheet.clientHeight - px(style.paddingTop) - px(style.paddingBottom) - px(style.rowGap) * (grid.rows.length - 1);
    if (width <= 0 || height <= 0) {
      fitNoteBoxes(boxes, em, shrink);
      return;
    }
    // A note in its first line (level 3): its line, frame and margin; the narrowest column of such lines.
    const line = 1.25 * em + 5;
    const column = COLUMN_LEVELS[COLUMN_LEVELS.length - 1][1] * em;
    const blocks = grid.blocks.map((block) => {
      const cell = block.parts[0].section;
      const cellStyle = getComputedStyle(cell);
      let full = 0;
      let boxesHeight = 0;
      // Each part (the block, a block drawn inside it) in lines at level 3: a note is one, a group's
      // title one and its frame half; the parts share the cell's height by their notes (renderCanvas).
      const lines = block.parts.map((part) => {
        const hidden = part.hidden.hidden ? 0 : part.hidden.offsetHeight;
        full += (part.list.scrollHeight + hidden) * part.box.clientWidth;
        boxesHeight += part.box.clientHeight;
        return part.list.querySelectorAll("li.note").length + 1.5 * part.list.querySelectorAll("li.note-group").length
          + (hidden ? 1 : 0);
      });
      const share = block.parts.map((part) => parseFloat((part.sub ? part.section : part.box).style.flexGrow) || 1);
      const entries = lines.reduce((a, b) => a + b, 0);
      const gap = px(getComputedStyle(block.parts[0].list).columnGap) || 0.4 * em;
      // Titles, padding and a block drawn inside: the part of the cell that is not notes.
      const head = Math.max(0, cell.clientHeight - boxesHeight);
      const side = px(cellStyle.paddingLeft) + px(cellStyle.paddingRight);
      return { ...block, full, entries, parts: block.parts, partLines: lines, share, head, side, gap,
        lines: entries * line * (column + gap), fixed: head * cell.clientWidth, boost: 1 };
    });
    const sum = (list) => list.reduce((a, b) => a + b, 0);
    const cols = grid.cols.map((share) => (share / sum(grid.cols)) * width);
    const rows = grid.rows.map((share) => (share / sum(grid.rows)) * height);
    // Floors (no track below FLOOR of its share, room for titles) and a figure's tied tracks.
    const { colMin, rowMin, colTies, rowTies } = trackFloors(grid, cols, rows, blocks, em, line);
    // A block whose first lines alone would take half the screen cannot be read whatever its room: it
    // will be drawn as its count (the last resort), so it asks for no more room than a count takes.
    for (const b of blocks) {
      if (b.lines > 0.5 * width * height) {
        Object.assign(b, { full: 0, entries: 0, partLines: b.partLines.map(() => 0), lines: 5 * line * 10 * em });
      }
    }
    // Notes flow in rows and columns with gaps: count on filling about four fifths of the room.
    const room = 0.8 * sum(blocks.map((b) => sumOf(cols, b.c0, b.c1) * sumOf(rows, b.r0, b.r1)));
    const needs = blockNeeds(blocks, room);
    blocks.forEach((b, i) => {
      // The block in focus is what the room talks about: it asks for half as much room again.
      b.need = needs[i] * (b.parts[0].section.classList.contains("is-focus") ? FOCUS_ROOM : 1);
      const figure = grid.figures.find((f) => f.shape === "circle" && f.blocks.includes(b.id));
      // Its room: the cell, or in a circle the part of its cell inside the circle.
      const room = figure ? (c, r) => circleCell(figure, b, c, r, em)
        : (c, r) => ({ w: sumOf(c, b.c0, b.c1), h: sumOf(r, b.r0, b.r1), inset: false });
      // Crowded by area (the density the canvas is drawn at), or by its first lines: how many fit in
      // its columns of at least the narrowest width (the count is what is left when they do not).
      b.crowding = crowdingOf(b, room, line, column);
    });
    const apply = (sized) => {
      sheet.style.gridTemplateColumns = sized.cols.map((size) => `minmax(0, ${size.toFixed(3)}fr)`).join(" ");
      sheet.style.gridTemplateRows = sized.rows.map((size) => `minmax(0, ${size.toFixed(3)}fr)`).join(" ");
      drawFigures(grid, blocks, sized.cols, sized.rows, em);
      fitNoteBoxes(boxes, em, shrink);
      // What is drawn as a count (the fewer the better): blocks, and notes not shown.
      const counted = blocks.filter((b) => b.parts.some((part) => part.box.dataset.level === String(COUNT_LEVEL)));
      return { counted, lost: sum(counted.map((b) => b.entries)) };
    };
    sizeInRounds({ cols, rows, colMin, rowMin, blocks, colTies, rowTies }, apply, SIZING_ROUNDS);
  }

  sheet(info) {
    if (this.sheets.has(info.id)) return this.sheets.get(info.id);
    const sheet = el("div", `sheet projector-sheet${info.kind === "form" ? " is-form" : ""}`, { "data-canvas": String(info.id) });
    if (info.layout) {
      // The template's grid, with every track able to shrink: the sheet fills the screen, never more.
      sheet.style.gridTemplateColumns = fillingTracks(info.layout.columns);
      sheet.style.gridTemplateRows = fillingTracks(info.layout.rows);
    }
    const grid = gridOf(info);
    if (grid && grid.figures.length) {
      sheet.classList.add("has-figures");
      for (const figure of grid.figures) {
        figure.svg = document.createElementNS(SVG, "svg");
        figure.clipId = `figure-${info.id}-${figure.shape}`;
        figure.svg.setAttribute("class", `figure figure-${figure.shape}`);
        figure.svg.setAttribute("aria-hidden", "true");
        figure.svg.setAttribute("viewBox", "0 0 100 100");
        figure.svg.setAttribute("preserveAspectRatio", "none");
        figure.svg.style.gridColumn = `${figure.c0 + 1} / ${figure.c1 + 2}`;
        figure.svg.style.gridRow = `${figure.r0 + 1} / ${figure.r1 + 2}`;
        sheet.append(figure.svg);
      }
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
    if (grid) {
      for (const block of grid.blocks) {
        block.parts = [parts.get(block.id), ...info.blocks.filter((b) => b.inside === block.id).map((b) => parts.get(b.id))];
        const figure = grid.figures.find((f) => f.blocks.includes(block.id));
        if (figure) block.parts[0].section.dataset.inFigure = figure.shape;
      }
    }
    this.sheets.set(info.id, { sheet, parts, grid });
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
        const votes = this.stackVotes(entry.head.id);
        if (votes) title.append(el("span", "group-votes", {}, ` · ${tn("votes_count", votes)}`));
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

  /** The commitments, large: number, what will be done, its status in words, who and by when, the indicator. */
  renderCommitments() {
    const items = this.commitments.items;
    const list = document.getElementById("projector-commitment-list");
    document.getElementById("projector-no-commitments").hidden = items.length > 0;
    list.style.setProperty("--rows", String(Math.max(1, Math.ceil(items.length / 2))));
    list.style.setProperty("--rows3", String(Math.max(1, Math.ceil(items.length / 3))));
    syncChildren(list, items, (c) => String(c.id), () => {
      const li = el("li", "projector-commitment");
      const line = el("p", "commitment-line");
      line.append(el("span", "commitment-who"), el("span", "commitment-due"));
      li.append(el("span", "commitment-place"), el("p", "commitment-what"), el("span", "commitment-state"), line,
        el("p", "commitment-measure"));
      return li;
    }, (li, commitment) => {
      const [place, what, state, line, measure] = li.children;
      const [who, due] = line.children;
      const index = items.indexOf(commitment);
      setText(place, `${formatNumber(index + 1)}.`);
      setText(what, commitment.title);
      setText(state, statusName(commitment.status));
      li.dataset.status = commitment.status;
      const facts = factsOf(commitment); // who, with whom, by when: the date keeps a place of its own
      setText(who, facts.slice(0, -1).join(" · "));
      setText(due, facts[facts.length - 1]);
      setText(measure, commitment.indicator ? `${t("commitment_indicator")}: ${commitment.indicator}` : "");
      measure.hidden = !commitment.indicator;
    });
  }

  /** A stack's votes in the closed round (its own dots and its notes'), or 0. */
  stackVotes(id) {
    const voting = this.state.voting;
    if (!voting || voting.round.status !== "closed") return 0;
    const item = (voting.results || []).find((r) => r.stack === id);
    return item ? item.votes : 0;
  }

  /** The closed round's results: a stack is one item (its notes not ranked apart), else a note. */
  rankedItems(voting) {
    if (!voting.results) {
      return (voting.ranking || []).map((id) => this.state.notes.get(id))
        .filter((note) => note && !isRedacted(note) && (voting.tallies[note.id] || 0) > 0)
        .map((note) => ({ key: note.id, votes: voting.tallies[note.id], text: note.text, block: note.block }));
    }
    const items = [];
    for (const result of voting.results) {
      if (result.stack != null) {
        const stack = this.state.clusters.get(result.stack);
        if (!stack) continue;
        const count = [...this.state.notes.values()].filter((n) => n.cluster_id === stack.id).length;
        items.push({ key: `stack-${stack.id}`, votes: result.votes, text: `▣ ${stack.title} (${formatNumber(count)})`,
          block: stack.block });
        continue;
      }
      const note = this.state.notes.get(result.note);
      if (note && !isRedacted(note)) items.push({ key: note.id, votes: result.votes, text: note.text, block: note.block });
    }
    return items;
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
      ranked = this.rankedItems(voting).slice(0, SHOWN_RESULTS);
      setText(status, ranked.length ? tn("voters_count", voting.voters) : t("no_votes"));
    }
    // Notes with as many votes share a place (1, 1, 3…).
    const places = new Map();
    ranked.forEach((item, index) => {
      const before = ranked[index - 1];
      places.set(item.key, before && before.votes === item.votes ? places.get(before.key) : index + 1);
    });
    list.style.setProperty("--rows", String(Math.max(1, Math.ceil(ranked.length / 2))));
    syncChildren(list, ranked, (item) => item.key, () => {
      const li = el("li", "result");
      li.append(el("span", "result-place"), el("span", "result-votes"), el("span", "result-text"), el("span", "result-block"));
      return li;
    }, (li, item) => {
      const [place, votes, text, block] = li.children;
      setText(place, `${formatNumber(places.get(item.key))}.`);
      setText(votes, tn("votes_count", item.votes));
      setText(text, item.text);
      setText(block, titles.get(item.block) || "");
      li.dataset.votes = formatNumber(item.votes);
    });
  }
}

window.lienzoProjector = startPage((boot) => new Projector(boot));
