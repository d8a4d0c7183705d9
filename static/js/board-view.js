// The board view of the canvas (screens 700 px wide and more): the whole sheet on
// the screen in the template's shape, however many notes it holds.
// - Fitting: each block gets the lightest look at which its notes fit its place,
//   found by measuring (0 full notes → 1 smaller type, three lines → 2 first line
//   only → 3 the same plus "N more" for what still does not fit). Never the page grows.
//   It runs only when the notes or the room change (a signature of both), never
//   because of the pointer or the focus, and gives the same result for the same input.
//   Nor while a mouse button or a finger is down: what was pressed stays under it until
//   the release, so the click lands (pressing a button after typing in a note takes the
//   focus out of the text, which fits the board again: that fit waits for the release).
// - Sizing: the rows and columns start from the template's shares and move room from
//   blocks with room to spare to crowded ones (projector-fit.js, as the projector does:
//   no track below a floor, so the canvas keeps its shape), inside the same fit.
// - Reading: a compacted note under the mouse, or whose text has the focus, shows
//   its full text in a card next to it (one interaction). The card is drawn apart:
//   no note and no block moves, so every button stays still under the pointer.
// - Zoom (buttons, Ctrl/⌘ + wheel, + and − keys), pan (drag the background, or
//   scroll), "Fit to screen" (0 key) back to the whole sheet.
// - Open a block: the block itself becomes a panel over the board (focus kept inside,
//   Escape closes) with its notes in full and the add field first. It stays the same
//   element, so the live updates, typing, menus and drag and drop work there as on
//   the board.

import { formatNumber, tn } from "./i18n.js";
import { blockNeeds, crowdingOf, fillingTracks, gridOf, sizeInRounds, sumOf, trackFloors } from "./projector-fit.js";

const NARROW = "(max-width: 699.98px)";
const ZOOMS = [0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 2.5, 3];
const LEVELS = 3;
const SIZING_ROUNDS = 4; // how many times a block that still cuts notes asks for more room
const UNSEEN = 1000; // a block with notes that shows none of them weighs as this many cut notes
const FOCUSABLE = "a[href], button:not([disabled]), textarea:not([disabled]), input:not([disabled]), select, [tabindex]:not([tabindex='-1'])";
const NOT_PANNING = "li.note, button, a, textarea, input, select, label, form, .note-menu, .cluster-head";

function isTyping(target) {
  return Boolean(target && target.closest && target.closest("textarea, input, select, [contenteditable='true']"));
}

export class BoardView {
  /** `info`: the template's grid and blocks ({layout, blocks, figures}, from the page's boot). */
  constructor(page, sheet, info = null) {
    this.page = page;
    this.sheet = sheet;
    this.grid = info ? gridOf(info) : null;
    this.viewport = page.querySelector(".board-viewport");
    this.level = page.querySelector(".board-zoom-level");
    this.backdrop = page.querySelector(".board-backdrop");
    this.media = window.matchMedia(NARROW);
    this.zoom = 1;
    this.opened = null; // the open block's section
    this.opener = null; // what had the focus before it opened
    this.inerted = [];
    this.fitQueued = false;
    this.pressed = false; // a mouse button or a finger is down: no fit until it is up
    this.fitAfterPress = false;
    this.reading = null;
    this.fitted = null; // the signature of the last fit
    this.reader = null;
    if (!this.viewport) return;

    page.querySelector(".board-tools").addEventListener("click", (event) => {
      const button = event.target.closest("[data-zoom]");
      if (!button) return;
      if (button.dataset.zoom === "fit") this.setZoom(1);
      else this.step(button.dataset.zoom === "in" ? 1 : -1);
    });
    this.viewport.addEventListener("wheel", (event) => {
      if (!this.active() || !(event.ctrlKey || event.metaKey) || this.opened) return;
      event.preventDefault();
      this.step(event.deltaY < 0 ? 1 : -1, event);
    }, { passive: false });
    document.addEventListener("keydown", (event) => this.keydown(event));
    this.sheet.addEventListener("click", (event) => {
      const opener = event.target.closest("[data-open-block]");
      if (opener) this.open(opener.dataset.openBlock);
      const closer = event.target.closest("[data-close-block]");
      if (closer) this.close();
    });
    if (this.backdrop) this.backdrop.addEventListener("click", () => this.close());
    this.wirePanning();
    this.wirePressing();
    this.wireReading();
    new ResizeObserver(() => this.scheduleFit()).observe(this.viewport);
    this.media.addEventListener("change", () => {
      if (!this.active()) this.close();
      this.scheduleFit();
    });
    this.scheduleFit();
    // Web fonts change every note's size: measure again once they are in.
    if (document.fonts) document.fonts.ready.then(() => { this.fitted = null; this.scheduleFit(); });
  }

  /** The board view applies: a grid canvas on a screen wider than a phone's. */
  active() {
    return Boolean(this.viewport) && !this.media.matches;
  }

  // ---- zoom and pan ---------------------------------------------------------

  step(direction, around = null) {
    const index = ZOOMS.findIndex((z) => z >= this.zoom - 1e-6);
    const next = ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, (index < 0 ? 3 : index) + direction))];
    this.setZoom(next, around);
  }

  setZoom(zoom, around = null) {
    if (!this.viewport) return;
    const v = this.viewport;
    const rect = v.getBoundingClientRect();
    // Keep the point under the pointer (or the middle of the view) in place.
    const px = around ? around.clientX - rect.left : v.clientWidth / 2;
    const py = around ? around.clientY - rect.top : v.clientHeight / 2;
    const fx = (v.scrollLeft + px) / Math.max(1, v.scrollWidth);
    const fy = (v.scrollTop + py) / Math.max(1, v.scrollHeight);
    this.zoom = zoom;
    this.sheet.style.setProperty("--board-zoom", String(zoom));
    v.classList.toggle("is-zoomed", zoom > 1);
    v.dataset.zoom = String(zoom);
    if (this.level) this.level.textContent = `${formatNumber(Math.round(zoom * 100))}%`;
    if (zoom === 1) {
      v.scrollTo(0, 0);
    } else {
      v.scrollLeft = fx * v.scrollWidth - px;
      v.scrollTop = fy * v.scrollHeight - py;
    }
    this.fitNow();
  }

  wirePanning() {
    let start = null;
    this.viewport.addEventListener("pointerdown", (event) => {
      if (!this.active() || this.opened || event.button !== 0 || this.zoom <= 1) return;
      if (event.target.closest(NOT_PANNING)) return;
      start = { x: event.clientX, y: event.clientY, left: this.viewport.scrollLeft, top: this.viewport.scrollTop, id: event.pointerId };
      this.viewport.setPointerCapture(event.pointerId);
      this.viewport.classList.add("is-panning");
    });
    this.viewport.addEventListener("pointermove", (event) => {
      if (!start || event.pointerId !== start.id) return;
      this.viewport.scrollLeft = start.left - (event.clientX - start.x);
      this.viewport.scrollTop = start.top - (event.clientY - start.y);
    });
    const end = (event) => {
      if (!start || event.pointerId !== start.id) return;
      start = null;
      this.viewport.classList.remove("is-panning");
    };
    this.viewport.addEventListener("pointerup", end);
    this.viewport.addEventListener("pointercancel", end);
  }

  /** A fit asked for while something is pressed waits for the release (the click comes with it). */
  wirePressing() {
    window.addEventListener("pointerdown", () => { this.pressed = true; }, true);
    const release = (event) => {
      if (!this.pressed || (event.type === "blur" && event.target !== window)) return; // the window's own blur only
      this.pressed = false;
      if (!this.fitAfterPress) return;
      this.fitAfterPress = false;
      this.scheduleFit();
    };
    for (const type of ["pointerup", "pointercancel", "dragend", "drop", "blur"]) window.addEventListener(type, release, true);
  }

  keydown(event) {
    if (!this.active()) return;
    if (event.key === "Escape" && this.opened && !event.defaultPrevented) {
      event.preventDefault();
      this.close();
      return;
    }
    if (event.key === "Tab" && this.opened) {
      this.trap(event);
      return;
    }
    if (this.opened || event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return;
    if (event.key === "+" || event.key === "=") this.step(1);
    else if (event.key === "-" || event.key === "−") this.step(-1);
    else if (event.key === "0") this.setZoom(1);
    else return;
    event.preventDefault();
  }

  // ---- fitting each block's notes to its place ------------------------------

  /** Fit again soon, if the notes or the room they have changed since the last fit. */
  scheduleFit() {
    if (this.fitQueued) return;
    this.fitQueued = true;
    requestAnimationFrame(() => {
      this.fitQueued = false;
      if (this.pressed) this.fitAfterPress = true;
      else this.fitIfChanged();
    });
  }

  fitIfChanged() {
    if (this.signature() === this.fitted) {
      this.refreshReader();
      return;
    }
    this.fitNow();
  }

  /**
   * What the fit depends on: the view's size and zoom, the open block, and what each
   * block holds (its notes with their texts, classes and shown parts). Hover and focus
   * are not in it, so pointing at a note or moving the focus never refits the board.
   */
  signature() {
    if (!this.active()) return "off";
    const v = this.viewport;
    const parts = [v.offsetWidth, v.offsetHeight, this.zoom, this.opened ? this.opened.dataset.block : ""];
    for (const ul of this.sheet.querySelectorAll("ul.notes")) {
      parts.push(`#${ul.dataset.block}`);
      for (const li of ul.children) {
        const text = li.lienzo && li.lienzo.text;
        // The note being typed in keeps its fit until it is left: a refit costs a few hundred
        // ms at 150 notes, which would stall the typing each time the text is saved.
        if (text && text === document.activeElement && text.value !== undefined) {
          parts.push(`${li.dataset.noteId || ""}:typing`); // nor its save status, which changes as it is saved
          continue;
        }
        const length = text ? (text.value !== undefined ? text.value.length : text.textContent.length) : 0;
        const shown = [...li.children].map((child) => (child.hidden ? 0 : 1)).join("");
        parts.push(`${li.dataset.noteId || ""}:${li.className.replace(" is-beyond", "")}:${length}:${li.textContent.length}:${shown}`);
      }
    }
    return parts.join("|");
  }

  /** Size the rows and columns by what the blocks hold, and give every block on the board
   * the lightest density at which its notes fit. */
  fitNow() {
    this.hideReader();
    if (!this.active()) {
      for (const block of this.sheet.querySelectorAll(".block[data-density]")) this.setDensity(block, null);
      this.sheet.style.removeProperty("grid-template-columns");
      this.sheet.style.removeProperty("grid-template-rows");
      this.fitted = this.signature();
      return;
    }
    const blocks = [...this.sheet.querySelectorAll(".block")].filter((block) => !block.closest(".is-open"));
    // A block open over the board leaves its cell empty: the tracks stay as they were.
    if (!this.grid || this.opened || !this.sizeGrid(blocks)) {
      this.sizeShape();
      this.fitBlocks(blocks);
    }
    this.fitted = this.signature();
    // How many fits so far: a test reads it to see that hover and focus never refit.
    this.viewport.dataset.fits = String(Number(this.viewport.dataset.fits || 0) + 1);
    this.refreshReader();
  }

  /**
   * The rows and columns by what each block holds (projector-fit.js, the projector's rules):
   * measured with every note in full in the template's grid, then sized (sizeTracks) and
   * fitted; a block that still cuts notes asks for more room, a few rounds at most, and the
   * round that cuts fewest stays. Depends only on the notes and the room: the same input gives
   * the same tracks. False if the grid has no room to size (nothing done).
   */
  sizeGrid(fitted) {
    const { sheet, grid } = this;
    sheet.style.gridTemplateColumns = fillingTracks(grid.columnTracks);
    sheet.style.gridTemplateRows = fillingTracks(grid.rowTracks);
    for (const block of fitted) this.unfit(block);
    this.shareParts();
    this.sizeShape();
    const style = getComputedStyle(sheet);
    const px = (value) => parseFloat(value) || 0;
    const width = sheet.clientWidth - px(style.paddingLeft) - px(style.paddingRight) - px(style.columnGap) * (grid.cols.length - 1);
    const height = sheet.clientHeight - px(style.paddingTop) - px(style.paddingBottom) - px(style.rowGap) * (grid.rows.length - 1);
    const em = px(getComputedStyle(document.documentElement).fontSize) || 16;
    if (width <= 0 || height <= 0) return false;
    // A note in its first line (density 3): its line, padding, frame and gap; its narrowest width.
    const line = 1.75 * em;
    const column = 6.25 * em;
    const blocks = [];
    for (const span of grid.blocks) {
      const cell = sheet.querySelector(`:scope > .block[data-block="${CSS.escape(span.id)}"]`);
      if (!cell) return false;
      const parts = [cell, ...cell.querySelectorAll(":scope > .sub-block")];
      const lists = parts.map((part) => part.querySelector(":scope > ul.notes")).filter(Boolean);
      let full = 0;
      let listsHeight = 0;
      // Each part (the block, a block inside it) in first lines: a note or a group's title is one.
      const partLines = lists.map((ul) => {
        // What its notes take (the list itself stretches to fill the block: not its height).
        const top = ul.getBoundingClientRect().top;
        let bottom = top;
        for (const li of ul.children) bottom = Math.max(bottom, li.getBoundingClientRect().bottom);
        full += (bottom - top) * ul.clientWidth;
        listsHeight += ul.clientHeight;
        return ul.querySelectorAll(":scope > li").length;
      });
      const cellStyle = getComputedStyle(cell);
      // Titles, padding and the heads of the blocks inside: the part of the cell that is not notes.
      const head = Math.max(0, cell.clientHeight - listsHeight);
      const entries = partLines.reduce((a, b) => a + b, 0);
      const share = lists.map((ul) => Number(ul.style.getPropertyValue("--share")
        || ul.parentElement.style.getPropertyValue("--share")) || 1);
      blocks.push({ ...span, cell, lists, full, entries, partLines, share, head,
        side: px(cellStyle.paddingLeft) + px(cellStyle.paddingRight),
        lines: entries * line * column, fixed: head * cell.clientWidth, boost: 1 });
    }
    const sum = (list) => list.reduce((a, b) => a + b, 0);
    const cols = grid.cols.map((share) => (share / sum(grid.cols)) * width);
    const rows = grid.rows.map((share) => (share / sum(grid.rows)) * height);
    // A column keeps room for a title's words beside the block's buttons (board.css: .block-head),
    // a block inside a block for its own, set further in.
    const title = (b) => (b.lists.length > 1 ? 12 : 10.5) * em;
    const { colMin, rowMin, colTies, rowTies } = trackFloors(grid, cols, rows, blocks, em, line, title);
    // Notes flow in rows with gaps: count on filling about four fifths of the room.
    const room = 0.8 * sum(blocks.map((b) => sumOf(cols, b.c0, b.c1) * sumOf(rows, b.r0, b.r1)));
    const needs = blockNeeds(blocks, room);
    blocks.forEach((b, i) => {
      b.need = needs[i];
      b.crowding = crowdingOf(b, (c, r) => ({ w: sumOf(c, b.c0, b.c1), h: sumOf(r, b.r0, b.r1), inset: false }), line, column);
    });
    const apply = (sized) => {
      sheet.style.gridTemplateColumns = sized.cols.map((size) => `minmax(0, ${size.toFixed(2)}fr)`).join(" ");
      sheet.style.gridTemplateRows = sized.rows.map((size) => `minmax(0, ${size.toFixed(2)}fr)`).join(" ");
      this.sizeShape();
      this.fitBlocks(fitted);
      // What the board does not show (the fewer the better): cut notes, and most of all a block
      // with notes that shows none of them.
      let lost = 0;
      const counted = blocks.filter((b) => {
        let cut = 0;
        for (const ul of b.lists) {
          const notes = ul.querySelectorAll(":scope > li.note").length;
          const beyond = ul.querySelectorAll(":scope > li.note.is-beyond").length;
          cut += beyond + (notes && beyond === notes ? UNSEEN : 0);
        }
        lost += cut;
        return cut > 0;
      });
      return { counted, lost };
    };
    sizeInRounds({ cols, rows, colMin, rowMin, blocks, colTies, rowTies, reach: 2 }, apply, SIZING_ROUNDS);
    return true;
  }

  /**
   * A block and the blocks inside it share its height by how many notes each holds (as on the
   * projector), each block inside keeping room for its titles (board.css: --share, --part-head).
   */
  shareParts() {
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    for (const cell of this.sheet.querySelectorAll(":scope > .block")) {
      const subs = [...cell.querySelectorAll(":scope > .sub-block")];
      if (!subs.length) continue;
      const notes = (part) => part.querySelectorAll(":scope > ul.notes > li").length;
      const own = cell.querySelector(":scope > ul.notes");
      if (own) own.style.setProperty("--share", String(1 + notes(cell)));
      for (const sub of subs) {
        sub.style.setProperty("--share", String(1 + notes(sub)));
        const ul = sub.querySelector(":scope > ul.notes");
        const below = parseFloat(getComputedStyle(sub).paddingBottom) || 0;
        // With notes, room for a line of them and the "N more" button too.
        const least = notes(sub) ? 4 * rem : 0;
        if (ul) sub.style.setProperty("--part-head", `${Math.ceil(ul.offsetTop + below + least)}px`);
      }
    }
  }

  /** A block back to its full look, every note on it (to measure, or to fit again). */
  unfit(block) {
    for (const li of block.querySelectorAll(":scope > ul.notes > .is-beyond")) li.classList.remove("is-beyond");
    const more = block.querySelector(":scope > .block-more");
    if (more) more.hidden = true;
    this.setLevel(block, null);
  }

  /**
   * The customer profile of a Value Proposition Canvas is a circle, as large as its
   * area allows; its blocks keep inside it (the room around it, in CSS variables).
   */
  sizeShape() {
    if (!this.sheet.classList.contains("shape-vpc")) return;
    const boxes = [...this.sheet.querySelectorAll(":scope > .block[data-figure='circle']")]
      .map((b) => {
        // The block's grid area: its box and its margins.
        const r = b.getBoundingClientRect();
        const m = getComputedStyle(b);
        return { left: r.left - parseFloat(m.marginLeft), right: r.right + parseFloat(m.marginRight),
          top: r.top - parseFloat(m.marginTop), bottom: r.bottom + parseFloat(m.marginBottom) };
      });
    if (!boxes.length) return;
    const width = Math.max(...boxes.map((r) => r.right)) - Math.min(...boxes.map((r) => r.left));
    const height = Math.max(...boxes.map((r) => r.bottom)) - Math.min(...boxes.map((r) => r.top));
    const size = Math.floor(Math.min(width, height));
    this.sheet.style.setProperty("--vpc-circle", `${size}px`);
    this.sheet.style.setProperty("--vpc-x", `${Math.max(0, Math.floor((width - size) / 2))}px`);
    this.sheet.style.setProperty("--vpc-y", `${Math.max(0, Math.floor((height - size) / 2))}px`);
  }

  /**
   * Give each block the lightest density at which its notes fit, all blocks at once: one layout
   * read per density whatever the number of blocks (a block's height, and the share of each
   * block inside it, never depends on its notes), then the notes that still do not fit counted.
   */
  fitBlocks(blocks) {
    const fits = [];
    for (const block of blocks) {
      const ul = block.querySelector(":scope > ul.notes");
      if (!ul) continue;
      this.unfit(block);
      fits.push({ block, ul, level: 0 });
    }
    let pending = fits;
    for (let level = 1; level <= LEVELS && pending.length; level += 1) {
      pending = pending.filter((fit) => this.overflows(fit.ul)); // every read first, then every write
      for (const fit of pending) {
        fit.level = level;
        this.setLevel(fit.block, level);
      }
    }
    this.cutBeyond(pending.filter((fit) => this.overflows(fit.ul))
      .map((fit) => ({ ul: fit.ul, more: fit.block.querySelector(":scope > .block-more") })));
    for (const fit of fits) this.setDensity(fit.block, fit.level);
  }

  overflows(ul) {
    return ul.scrollHeight > ul.clientHeight + 1;
  }

  /**
   * Hide the notes that still do not fit and count them on each block's "N more" button, every
   * block at once (reads, then writes). The button's text can wrap and take room from the notes:
   * measured with the longest text it may get, then with the real count, once more if it grew.
   */
  cutBeyond(cuts) {
    for (const cut of cuts) {
      for (const li of cut.ul.querySelectorAll(":scope > .is-beyond")) li.classList.remove("is-beyond");
      if (!cut.more) continue;
      const total = cut.ul.querySelectorAll(":scope > li.note").length;
      cut.more.hidden = false;
      cut.more.textContent = tn("more_notes", total, { count: formatNumber(total) });
    }
    for (const cut of cuts) {
      cut.beyond = this.beyond(cut.ul);
      cut.height = cut.more ? cut.more.offsetHeight : 0;
    }
    const again = [];
    for (const cut of cuts) {
      const hidden = this.markBeyond(cut.beyond);
      if (!cut.more) continue;
      if (hidden) cut.more.textContent = tn("more_notes", hidden, { count: formatNumber(hidden) });
      else cut.more.hidden = true;
      if (hidden) again.push(cut);
    }
    for (const cut of again.filter((c) => c.more.offsetHeight !== c.height)) {
      for (const li of cut.ul.querySelectorAll(":scope > .is-beyond")) li.classList.remove("is-beyond");
      const hidden = this.markBeyond(this.beyond(cut.ul));
      cut.more.textContent = tn("more_notes", hidden, { count: formatNumber(hidden) });
      if (!hidden) cut.more.hidden = true;
    }
  }

  /** The list's items below its end (reads only). The note that has the focus stays on the board. */
  beyond(ul) {
    const limit = ul.getBoundingClientRect().bottom + 1;
    return [...ul.querySelectorAll(":scope > li")]
      .filter((li) => !li.contains(document.activeElement) && li.getBoundingClientRect().bottom > limit);
  }

  /** Mark items as beyond the list's end; how many notes that is. */
  markBeyond(items) {
    for (const li of items) li.classList.add("is-beyond");
    return items.filter((li) => li.classList.contains("note")).length;
  }

  /** Only the look, while measuring. */
  setLevel(block, level) {
    if (level) block.dataset.density = String(level);
    else delete block.dataset.density;
  }

  setDensity(block, level) {
    this.setLevel(block, level);
    // A compacted note that cannot be typed in still takes the focus, to be read
    // (set once the look is chosen, so a focused text never loses its tabindex).
    for (const p of block.querySelectorAll(":scope > ul.notes > li.note p.note-text")) {
      if (level && p.tabIndex !== 0) p.tabIndex = 0;
      else if (!level && p.hasAttribute("tabindex")) p.removeAttribute("tabindex");
    }
  }

  // ---- reading a compacted note -------------------------------------------
  //
  // The full text shows in a separate card next to the note (below it, or above it
  // when the screen ends first). The card is hidden from assistive technology (the
  // note's own text stays whole in the accessibility tree) and lets the pointer
  // through, and neither the note nor the board changes: the note's buttons stay
  // still under the mouse.

  wireReading() {
    this.reader = document.createElement("div");
    this.reader.className = "board-reader";
    this.reader.setAttribute("aria-hidden", "true");
    this.reader.hidden = true;
    this.readerAuthor = document.createElement("p");
    this.readerAuthor.className = "board-reader-author";
    this.readerText = document.createElement("p");
    this.readerText.className = "board-reader-text";
    this.reader.append(this.readerAuthor, this.readerText);
    this.page.append(this.reader);
    this.hovered = null;

    const noteOf = (target) => {
      const li = target && target.closest ? target.closest("li.note") : null;
      return li && this.sheet.contains(li) && li.closest(".block[data-density]") && !li.closest(".is-open") ? li : null;
    };
    this.sheet.addEventListener("focusin", () => this.refreshReader());
    this.sheet.addEventListener("focusout", () => queueMicrotask(() => this.refreshReader()));
    // Leaving a note that was typed in: fit it with its new text.
    this.sheet.addEventListener("focusout", (event) => {
      if (event.target.matches && event.target.matches("li.note textarea")) this.scheduleFit();
    });
    this.sheet.addEventListener("pointerover", (event) => {
      if (event.pointerType !== "mouse") return;
      const li = noteOf(event.target);
      if (li === this.hovered) return;
      this.hovered = li;
      this.refreshReader();
    });
    this.sheet.addEventListener("pointerout", (event) => {
      if (!this.hovered || this.hovered.contains(event.relatedTarget)) return;
      this.hovered = null;
      this.refreshReader();
    });
    this.sheet.addEventListener("input", () => this.refreshReader());
    this.viewport.addEventListener("scroll", () => this.refreshReader(), { passive: true });
    this.sheet.addEventListener("dragstart", () => this.hideReader());
    this.noteOf = noteOf;
  }

  /** The note to read now: the one under the mouse, else the one whose text has the focus. */
  readingNote() {
    if (!this.active() || this.opened || document.body.classList.contains("is-dragging")) return null;
    if (this.hovered && this.hovered.isConnected && this.noteOf(this.hovered)) return this.hovered;
    const active = document.activeElement;
    if (active && active.matches && active.matches(".note-text")) return this.noteOf(active);
    return null;
  }

  /** Whether a note on the board shows less than all of it (cut text, or its author hidden). */
  isCut(li) {
    const text = li.lienzo && li.lienzo.text;
    if (!text || li.classList.contains("is-beyond")) return false;
    const author = li.lienzo.author;
    return text.scrollHeight > text.clientHeight + 1 || (author && author.textContent && author.offsetParent === null);
  }

  refreshReader() {
    if (!this.reader) return;
    const li = this.readingNote();
    if (!li || !this.isCut(li)) {
      this.hideReader();
      return;
    }
    const text = li.lienzo.text;
    const value = text.value !== undefined ? text.value : text.textContent;
    this.readerAuthor.textContent = li.lienzo.author.textContent;
    this.readerAuthor.hidden = !li.lienzo.author.textContent;
    this.readerText.textContent = value;
    this.reader.style.backgroundColor = getComputedStyle(li).backgroundColor;
    this.reader.dataset.noteId = li.dataset.noteId;
    this.reading = li;
    this.reader.hidden = false;
    this.placeReader(li);
  }

  /** Next to the note, inside the board's viewport, never over the note itself. */
  placeReader(li) {
    const box = li.getBoundingClientRect();
    const view = this.viewport.getBoundingClientRect();
    const reader = this.reader;
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const width = Math.min(Math.max(box.width, 18 * rem), view.width - 8);
    reader.style.width = `${width}px`;
    reader.style.maxHeight = "";
    const left = Math.min(Math.max(box.left, view.left + 4), view.right - 4 - width);
    const height = reader.offsetHeight;
    const below = view.bottom - 4 - (box.bottom + 4);
    const above = box.top - 4 - (view.top + 4);
    let top;
    if (height <= below || below >= above) {
      top = box.bottom + 4;
      if (height > below) reader.style.maxHeight = `${Math.max(below, 3 * rem)}px`;
    } else {
      top = box.top - 4 - Math.min(height, above);
      if (height > above) reader.style.maxHeight = `${above}px`;
    }
    reader.style.left = `${Math.round(left)}px`;
    reader.style.top = `${Math.round(top)}px`;
  }

  hideReader() {
    if (!this.reader || this.reader.hidden) return;
    this.reader.hidden = true;
    this.reading = null;
    delete this.reader.dataset.noteId;
  }

  // ---- a block opened in full -------------------------------------------------

  open(blockId) {
    if (!this.active()) return;
    const block = this.sheet.querySelector(`.block[data-block="${CSS.escape(blockId)}"]`);
    if (!block) return;
    if (this.opened) this.close(false);
    this.hovered = null;
    this.hideReader();
    this.opener = document.activeElement;
    this.opened = block;
    for (const inner of [block, ...block.querySelectorAll(".block")]) {
      this.setDensity(inner, null);
      for (const li of inner.querySelectorAll(":scope > ul.notes > .is-beyond")) li.classList.remove("is-beyond");
      const more = inner.querySelector(":scope > .block-more");
      if (more) more.hidden = true;
    }
    block.classList.add("is-open");
    block.setAttribute("role", "dialog");
    block.setAttribute("aria-modal", "true");
    this.sheet.classList.add("has-open");
    const button = block.querySelector(":scope > .block-head .block-open");
    if (button) button.setAttribute("aria-expanded", "true");
    if (this.backdrop) this.backdrop.hidden = false;
    this.inertOutside(block);
    const field = block.querySelector(":scope > .add-form textarea");
    const target = field && field.offsetParent !== null ? field : block.querySelector(":scope > .block-head .block-close");
    if (target) target.focus();
  }

  close(restore = true) {
    const block = this.opened;
    if (!block) return;
    this.opened = null;
    block.classList.remove("is-open");
    block.removeAttribute("role");
    block.removeAttribute("aria-modal");
    this.sheet.classList.remove("has-open");
    const button = block.querySelector(":scope > .block-head .block-open");
    if (button) button.setAttribute("aria-expanded", "false");
    if (this.backdrop) this.backdrop.hidden = true;
    for (const node of this.inerted) node.inert = false;
    this.inerted = [];
    this.fitNow();
    if (restore) {
      const back = this.opener && this.opener.isConnected && this.opener.offsetParent !== null ? this.opener : button;
      if (back) back.focus();
    }
    this.opener = null;
  }

  /** Everything but the open block (and what announces) is out of reach while it is open. */
  inertOutside(block) {
    let node = block;
    while (node && node !== document.body) {
      const parent = node.parentElement;
      if (!parent) break;
      for (const sibling of parent.children) {
        if (sibling === node || sibling.inert || sibling.matches("script, .announcer, [aria-live], .board-backdrop")) continue;
        if (sibling.querySelector("[aria-live], .announcer") && sibling !== this.sheet) continue;
        sibling.inert = true;
        this.inerted.push(sibling);
      }
      node = parent;
    }
  }

  trap(event) {
    const items = [...this.opened.querySelectorAll(FOCUSABLE)].filter((n) => n.offsetParent !== null && !n.closest("[inert]"));
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  /** The block shown in full now, if any (so the page can keep a new note in view). */
  openBlock() {
    return this.opened ? this.opened.dataset.block : null;
  }
}

export function initBoardView(page, sheet, info = null) {
  return new BoardView(page, sheet, info);
}
