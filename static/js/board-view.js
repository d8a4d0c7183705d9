// The board view of the canvas (screens 700 px wide and more): the whole sheet on
// the screen in the template's shape, however many notes it holds.
// - Fitting: each block gets the densest look its notes need to fit its place,
//   found by measuring (0 full notes → 1 smaller type, three lines → 2 first line
//   only → 3 the same plus "N more" for what still does not fit). Never the page grows.
// - Reading: a compacted note shows its full text while it has the focus or the
//   pointer, over its neighbours, without moving them (one interaction).
// - Zoom (buttons, Ctrl/⌘ + wheel, + and − keys), pan (drag the background, or
//   scroll), "Fit to screen" (0 key) back to the whole sheet.
// - Open a block: the block itself becomes a panel over the board (focus kept inside,
//   Escape closes) with its notes in full and the add field first. It stays the same
//   element, so the live updates, typing, menus and drag and drop work there as on
//   the board.

import { formatNumber, tn } from "./i18n.js";

const NARROW = "(max-width: 699.98px)";
const ZOOMS = [0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 2.5, 3];
const LEVELS = 3;
const FOCUSABLE = "a[href], button:not([disabled]), textarea:not([disabled]), input:not([disabled]), select, [tabindex]:not([tabindex='-1'])";
const NOT_PANNING = "li.note, button, a, textarea, input, select, label, form, .note-menu, .cluster-head";

function isTyping(target) {
  return Boolean(target && target.closest && target.closest("textarea, input, select, [contenteditable='true']"));
}

export class BoardView {
  constructor(page, sheet) {
    this.page = page;
    this.sheet = sheet;
    this.viewport = page.querySelector(".board-viewport");
    this.level = page.querySelector(".board-zoom-level");
    this.backdrop = page.querySelector(".board-backdrop");
    this.media = window.matchMedia(NARROW);
    this.zoom = 1;
    this.opened = null; // the open block's section
    this.opener = null; // what had the focus before it opened
    this.inerted = [];
    this.fitQueued = false;
    this.reading = null;
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
    this.wireReading();
    new ResizeObserver(() => this.scheduleFit()).observe(this.viewport);
    this.media.addEventListener("change", () => {
      if (!this.active()) this.close();
      this.scheduleFit();
    });
    this.scheduleFit();
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

  scheduleFit() {
    if (this.fitQueued) return;
    this.fitQueued = true;
    requestAnimationFrame(() => {
      this.fitQueued = false;
      this.fitNow();
    });
  }

  /** Give every block on the board the lightest density at which its notes fit. */
  fitNow() {
    if (!this.active()) {
      for (const block of this.sheet.querySelectorAll(".block[data-density]")) this.setDensity(block, null);
      return;
    }
    this.sizeShape();
    // Inner blocks first: a parent's room depends on its sub-blocks' look.
    const blocks = [...this.sheet.querySelectorAll(".block")].reverse();
    for (const block of blocks) {
      if (block.closest(".is-open")) continue;
      // A block that has the focus keeps its look (and its "more" button) until it is left.
      if (block.contains(document.activeElement) && block.dataset.density !== undefined) continue;
      if (this.reading && block.contains(this.reading)) continue;
      this.fitBlock(block);
    }
    // A note that has the focus in a block just compacted shows itself in full.
    const active = document.activeElement;
    const li = active && active.matches && active.matches(".note-text")
      ? active.closest(".block[data-density] > ul.notes > li.note") : null;
    if (li && !li.closest(".is-open") && this.reading !== li) this.read(li);
  }

  /** The customer profile of a Value Proposition Canvas is a circle: as large as its area allows. */
  sizeShape() {
    if (!this.sheet.classList.contains("shape-vpc")) return;
    const boxes = [...this.sheet.querySelectorAll(":scope > .block")]
      .filter((b) => ["gains", "pains", "customer_jobs", "jobs"].includes(b.dataset.block))
      .map((b) => b.getBoundingClientRect());
    if (!boxes.length) return;
    const width = Math.max(...boxes.map((r) => r.right)) - Math.min(...boxes.map((r) => r.left));
    const height = Math.max(...boxes.map((r) => r.bottom)) - Math.min(...boxes.map((r) => r.top));
    this.sheet.style.setProperty("--vpc-circle", `${Math.floor(Math.min(width, height))}px`);
  }

  fitBlock(block) {
    const ul = block.querySelector(":scope > ul.notes");
    const more = block.querySelector(":scope > .block-more");
    if (!ul) return;
    for (const li of ul.querySelectorAll(":scope > .is-beyond")) li.classList.remove("is-beyond");
    if (more) more.hidden = true;
    let level = 0;
    this.setDensity(block, null);
    while (level < LEVELS && this.overflows(ul)) {
      level += 1;
      this.setDensity(block, level);
    }
    if (level === LEVELS && this.overflows(ul)) this.cutBeyond(block, ul, more);
  }

  overflows(ul) {
    return ul.scrollHeight > ul.clientHeight + 1;
  }

  /** Hide the notes that still do not fit and count them on the "N more" button. */
  cutBeyond(block, ul, more) {
    if (more) {
      more.hidden = false;
    }
    const limit = ul.getBoundingClientRect().bottom + 1;
    let hidden = 0;
    for (const li of ul.querySelectorAll(":scope > li")) {
      if (li.contains(document.activeElement)) continue;
      if (li.getBoundingClientRect().bottom > limit) {
        li.classList.add("is-beyond");
        if (li.classList.contains("note")) hidden += 1;
      }
    }
    if (!more) return;
    if (!hidden) {
      more.hidden = true;
      return;
    }
    more.textContent = tn("more_notes", hidden, { count: formatNumber(hidden) });
  }

  setDensity(block, level) {
    if (level) block.dataset.density = String(level);
    else delete block.dataset.density;
    // A compacted note that cannot be typed in still takes the focus, to be read.
    for (const p of block.querySelectorAll(":scope > ul.notes > li.note p.note-text")) {
      if (level) p.tabIndex = 0;
      else p.removeAttribute("tabindex");
    }
  }

  // ---- reading a compacted note -------------------------------------------

  wireReading() {
    const noteOf = (target) => {
      const li = target && target.closest ? target.closest("li.note") : null;
      return li && li.closest(".block[data-density]") && !li.closest(".is-open") ? li : null;
    };
    // Its text taking the focus shows a note in full; the note's other controls
    // (its menu) leave it compact, so it covers nothing while the person moves on.
    this.sheet.addEventListener("focusin", (event) => {
      const li = noteOf(event.target);
      if (li && event.target.matches(".note-text")) this.read(li);
      else if (this.reading) this.unread(this.reading, true);
    });
    this.sheet.addEventListener("focusout", (event) => {
      const li = noteOf(event.target);
      if (li && li === this.reading && event.target.matches(".note-text")) this.unread(li, true);
      // Leaving a block for another: it may need a new look now.
      const block = event.target.closest(".block");
      if (block && !block.contains(event.relatedTarget)) this.scheduleFit();
    });
    this.sheet.addEventListener("pointerover", (event) => {
      if (event.pointerType !== "mouse" || document.body.classList.contains("is-dragging")) return;
      const li = noteOf(event.target);
      if (li && li !== this.reading) this.read(li);
    });
    this.sheet.addEventListener("pointerout", (event) => {
      const li = noteOf(event.target);
      if (li && !li.contains(event.relatedTarget)) this.unread(li);
    });
    this.sheet.addEventListener("input", (event) => {
      const li = noteOf(event.target);
      if (li && li === this.reading) this.place(li);
    });
  }

  read(li) {
    if (this.reading && this.reading !== li) this.unread(this.reading, true);
    if (this.reading === li) return;
    this.reading = li;
    li.style.flex = "";
    li.style.width = "";
    li.style.margin = "";
    const box = li.getBoundingClientRect();
    li.dataset.readW = String(box.width);
    li.dataset.readH = String(box.height);
    li.classList.add("is-reading");
    this.place(li);
  }

  /** Widen and lengthen the note being read, keeping its place in the flow the same size. */
  place(li) {
    const w = Number(li.dataset.readW);
    const h = Number(li.dataset.readH);
    const view = this.viewport.getBoundingClientRect();
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const wide = Math.min(Math.max(w, 17 * rem), view.width - 8);
    li.style.flex = "0 0 auto";
    li.style.width = `${wide}px`;
    li.style.marginTop = "0px";
    li.style.marginBottom = "0px";
    li.style.marginLeft = "0px";
    li.style.marginRight = `${w - wide}px`;
    const box = li.getBoundingClientRect();
    if (box.right > view.right - 4) {
      li.style.marginRight = "0px";
      li.style.marginLeft = `${w - wide}px`;
    }
    const grow = li.getBoundingClientRect().height - h;
    // Open downwards, or upwards when the screen ends first.
    if (box.top + h + grow > view.bottom - 4 && box.top - grow > view.top) li.style.marginTop = `${-grow}px`;
    else li.style.marginBottom = `${-grow}px`;
  }

  unread(li, force = false) {
    if (!force && li.lienzo && li.lienzo.text === document.activeElement) return;
    li.classList.remove("is-reading");
    li.style.flex = "";
    li.style.width = "";
    li.style.margin = "";
    delete li.dataset.readW;
    delete li.dataset.readH;
    if (this.reading === li) this.reading = null;
    this.scheduleFit();
  }

  // ---- a block opened in full -------------------------------------------------

  open(blockId) {
    if (!this.active()) return;
    const block = this.sheet.querySelector(`.block[data-block="${CSS.escape(blockId)}"]`);
    if (!block) return;
    if (this.opened) this.close(false);
    if (this.reading) this.unread(this.reading, true);
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

export function initBoardView(page, sheet) {
  return new BoardView(page, sheet);
}
