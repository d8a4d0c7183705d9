// A note's menu, for the keyboard, touch and screen readers alike: its colour
// (by name), "Move to…" any other block, its stack where grouping is open
// ("Stack with…" another note, "Take out of the stack", the stack's name), and
// delete (asked twice). Escape or "Done" closes it and gives the focus back to
// the button that opened it.

import { t } from "./i18n.js";
import { NoteStacks, firstWords } from "./note-stacks.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, className, onClick, attrs = {}) {
  const node = el("button", className, text);
  node.type = "button";
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.addEventListener("click", onClick);
  return node;
}

export class NoteMenus {
  /** @param {object} app colors, blocks, noteOf(id), setColor, moveNote, deleteNote */
  constructor(root, app) {
    this.app = app;
    this.open = null; // the li whose menu is open
    this.stacks = new NoteStacks(app);
    root.addEventListener("click", (event) => {
      const opener = event.target.closest(".note-menu-button");
      if (opener && root.contains(opener)) {
        const li = opener.closest("li.note");
        if (this.open === li) this.close(true);
        else this.show(li);
      }
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.open) {
        event.preventDefault();
        this.close(true);
      }
    });
    document.addEventListener("pointerdown", (event) => {
      if (this.open && !this.open.contains(event.target)) this.close(false);
    });
    document.addEventListener("focusin", (event) => {
      if (this.open && !this.open.contains(event.target)) this.close(false);
    });
  }

  show(li) {
    if (this.open) this.close(false);
    const note = this.app.noteOf(li.dataset.noteId);
    if (!note) return;
    this.open = li;
    const { menu } = li.lienzo;
    menu.replaceChildren(...this.build(li, note));
    menu.hidden = false;
    this.place(li, menu);
    li.classList.add("menu-open");
    li.querySelector(".note-menu-button").setAttribute("aria-expanded", "true");
    const first = menu.querySelector("[aria-pressed='true']") || menu.querySelector("button");
    if (first) first.focus();
  }

  /** Open towards where there is room: right or left of the note, below or above it. */
  place(li, menu) {
    menu.classList.remove("opens-right", "opens-up");
    const note = li.getBoundingClientRect();
    const box = menu.getBoundingClientRect();
    if (note.right - box.width < 8) menu.classList.add("opens-right");
    if (note.top + box.height + 40 > window.innerHeight && note.top > box.height + 40) menu.classList.add("opens-up");
  }

  close(returnFocus) {
    const li = this.open;
    if (!li) return;
    this.open = null;
    li.lienzo.menu.hidden = true;
    li.lienzo.menu.replaceChildren();
    li.classList.remove("menu-open");
    const opener = li.querySelector(".note-menu-button");
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      if (returnFocus) opener.focus();
    }
  }

  build(li, note) {
    const id = note.id;
    if (this.app.canChange && !this.app.canChange(note)) {
      // Someone else's note, in a phase that allows stacking: its stack only.
      const stack = this.stackSection(note);
      return [...(stack ? [stack] : []), button(t("done"), "button small menu-done", () => this.close(true))];
    }
    const colors = el("fieldset", "menu-section menu-colors");
    colors.append(el("legend", "menu-label", t("color")));
    const swatches = el("div", "swatches");
    for (const color of this.app.colors) {
      swatches.append(button(color.label, `swatch swatch--${color.id}`, () => {
        this.close(true);
        this.app.setColor(id, color.id);
      }, { "aria-pressed": String(note.color === color.id) }));
    }
    colors.append(swatches);

    const move = el("div", "menu-section menu-move");
    const moveLabel = el("p", "menu-label", t("move_to"));
    moveLabel.id = `move-label-${id}`;
    const targets = el("ul", "move-targets");
    targets.setAttribute("aria-labelledby", moveLabel.id);
    for (const block of this.app.blocks) {
      if (block.id === note.block) continue;
      const item = el("li");
      item.append(button(block.title, `move-target${block.inside ? " is-sub" : ""}`, () => {
        this.close(false);
        this.app.moveNote(id, block.id, null, { announce: true });
      }, { "data-move-to": block.id }));
      targets.append(item);
    }
    move.append(moveLabel, targets);
    const stack = this.stackSection(note);

    const danger = el("div", "menu-section menu-delete");
    const ask = button(t("delete"), "button small danger", () => {
      const question = el("p", "menu-label", t("delete_confirm"));
      question.id = `delete-q-${id}`;
      const yes = button(t("delete"), "button small danger", () => {
        this.close(false);
        this.app.deleteNote(id, { announce: true });
      }, { "aria-describedby": question.id });
      const no = button(t("cancel"), "button small", () => danger.replaceChildren(ask));
      danger.replaceChildren(question, yes, no);
      no.focus();
    });
    danger.append(ask);

    const done = button(t("done"), "button small menu-done", () => this.close(true));
    return [colors, move, ...(stack ? [stack] : []), danger, done];
  }

  /** "Stack with…" the other notes of the block, and for a stacked note its stack's name and "Take out". */
  stackSection(note) {
    const stacks = this.stacks;
    if (note.local || note.hidden || !stacks.mayGroup()) return null;
    const id = note.id;
    const section = el("div", "menu-section menu-stack");
    const cluster = stacks.clusterOf(note);
    if (cluster) {
      const form = el("form", "stack-rename");
      const label = el("label", "menu-label", t("stack_name"));
      const input = el("input", "stack-title");
      input.id = `stack-title-${id}`;
      label.htmlFor = input.id;
      input.value = cluster.title;
      input.maxLength = 120;
      input.required = true;
      const save = button(t("stack_rename"), "button small", () => {}, { type: "submit" });
      save.type = "submit";
      form.append(label, input, save);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const title = input.value.trim();
        if (!title) return input.focus();
        this.close(true);
        if (title !== cluster.title) stacks.rename(cluster.id, title);
      });
      section.append(form, button(t("stack_take_out"), "button small stack-out", () => {
        this.close(true);
        stacks.unstack(id);
      }));
    }
    const label = el("p", "menu-label", t("stack_with"));
    label.id = `stack-label-${id}`;
    const list = el("ul", "move-targets stack-targets");
    list.setAttribute("aria-labelledby", label.id);
    for (const other of stacks.targets(note)) {
      const item = el("li");
      const inStack = stacks.clusterOf(other);
      const text = inStack ? `${firstWords(other.text, 40)} (${inStack.title})` : firstWords(other.text);
      item.append(button(text, "move-target stack-target", () => {
        this.close(true);
        stacks.stack(id, other.id);
      }, { "data-stack-onto": other.id }));
      list.append(item);
    }
    if (!list.children.length) list.append(el("li", "menu-label", t("stack_no_targets")));
    section.append(label, list);
    if (this.app.me.facilitator) section.append(...this.mergeTargets(note, cluster));
    return section;
  }

  /** The facilitator's "Merge into another stack…": the note's stack (or the loose note) joins
   * another stack of its block, for duplicates the room made apart. */
  mergeTargets(note, cluster) {
    const stacks = this.stacks;
    const targets = stacks.mergeTargets(note);
    if (!targets.length) return [];
    const label = el("p", "menu-label", t("stack_merge_into"));
    label.id = `stack-merge-label-${note.id}`;
    const list = el("ul", "move-targets merge-targets");
    list.setAttribute("aria-labelledby", label.id);
    for (const target of targets) {
      const item = el("li");
      item.append(button(t("stack_count", { title: target.title, count: stacks.size(target.id) }),
        "move-target merge-target", () => {
          this.close(true);
          stacks.merge(cluster ? { cluster_id: cluster.id } : { note_id: note.id }, target);
        }, { "data-merge-into": String(target.id) }));
      list.append(item);
    }
    return [label, list];
  }
}
