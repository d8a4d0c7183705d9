// Puts the notes into their blocks' lists. Elements are keyed by note id and
// only moved when their place changes; the note that holds the focus is never
// moved or rebuilt (the others are arranged around it), so typing, the caret
// and an open menu survive any incoming change. A group of notes (a cluster)
// is drawn as a titled line followed by its notes.

import { createNote, updateNote } from "./note-element.js";
import { formatNumber } from "./i18n.js";

/** Order `ul`'s children as `els`, never moving `anchor` (the focused note). */
export function arrange(ul, els, anchor) {
  const wanted = new Set(els);
  for (const child of [...ul.children]) {
    if (!wanted.has(child) && child !== anchor) child.remove();
  }
  const k = anchor ? els.indexOf(anchor) : -1;
  for (let i = 0; i < k; i += 1) {
    if (ul.children[i] !== els[i]) ul.insertBefore(els[i], ul.children[i]);
  }
  for (let i = k + 1; i < els.length; i += 1) {
    const ref = i === 0 ? ul.firstChild : els[i - 1].nextSibling;
    if (ref !== els[i]) ul.insertBefore(els[i], ref);
  }
}

export class Board {
  constructor(root, options) {
    this.root = root;
    this.options = options; // {editable(note), limits, actions}
    this.lists = new Map([...root.querySelectorAll("ul.notes")].map((ul) => [ul.dataset.block, ul]));
    this.counts = new Map([...document.querySelectorAll("[data-count-for]")].map((n) => [n.dataset.countFor, n]));
    this.elements = new Map();
    this.heads = new Map(); // cluster id → its title element
    this.paused = false; // while a drag is under way
  }

  element(id) {
    return this.elements.get(id) || null;
  }

  focusedNote() {
    const active = document.activeElement;
    const li = active && active.closest ? active.closest("li.note") : null;
    return li && this.root.contains(li) ? li : null;
  }

  /**
   * @param {Map<string, object[]>} groups block id → items in order ({note, ...} as updateNote takes)
   * @param {string|null} release a focused note that may move anyway (the person moved it)
   */
  render(groups, release = null) {
    if (this.paused) return;
    const frozen = this.focusedNote();
    const anchor = frozen && frozen.dataset.noteId !== release ? frozen : null;
    const alive = new Set();
    const heads = new Set();
    for (const [block, ul] of this.lists) {
      const items = groups.get(block) || [];
      const els = [];
      for (const item of items) {
        if (item.head) {
          heads.add(item.head.id);
          els.push(this.head(item.head));
          continue;
        }
        alive.add(item.note.id);
        const li = this.ensure(item);
        item.typing = li === frozen && document.activeElement === li.lienzo.text;
        updateNote(li, item, this.options.actions);
        if (li === anchor && li.parentElement !== ul) continue; // stays where the person is working
        els.push(li);
      }
      if (anchor && anchor.parentElement === ul && !els.includes(anchor)) {
        const index = Math.min([...ul.children].indexOf(anchor), els.length);
        els.splice(index, 0, anchor);
      }
      arrange(ul, els, anchor && anchor.parentElement === ul ? anchor : null);
      const count = this.counts.get(block);
      if (count) count.textContent = formatNumber(items.filter((item) => !item.ghost && !item.head).length);
    }
    for (const [id, li] of this.heads) {
      if (!heads.has(id)) {
        li.remove();
        this.heads.delete(id);
      }
    }
    for (const [id, li] of this.elements) {
      if (!alive.has(id) && li !== anchor) {
        li.remove();
        this.elements.delete(id);
      }
    }
  }

  /** The title line of a group of notes. */
  head(cluster) {
    let li = this.heads.get(cluster.id);
    if (!li) {
      li = document.createElement("li");
      li.className = "cluster-head";
      li.dataset.clusterId = String(cluster.id);
      li.append(document.createElement("span"));
      li.firstChild.className = "cluster-title";
      this.heads.set(cluster.id, li);
    }
    const text = `${cluster.title} (${formatNumber(cluster.count)})`;
    if (li.firstChild.textContent !== text) li.firstChild.textContent = text;
    return li;
  }

  ensure(item) {
    const id = item.note.id;
    const editable = this.options.editable(item.note);
    // Someone else's note has a menu where it may be stacked (note-stacks.js).
    const menu = editable || Boolean(this.options.stackable && this.options.stackable(item.note));
    let li = this.elements.get(id);
    if (li && (li.lienzo.editable !== editable || li.lienzo.hasMenu !== menu) && li !== this.focusedNote()) {
      li.remove();
      li = null;
    }
    if (!li) {
      li = createNote(id, editable, this.options.limits, menu);
      this.elements.set(id, li);
    }
    return li;
  }
}
