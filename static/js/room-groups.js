// Groups of notes (clusters) on one canvas: choose a block, a title and the
// notes that say the same thing, group them; ungroup any group.

import { button, el, setText, syncChildren } from "./dom.js";
import { t, tn } from "./i18n.js";

const SHOWN_TEXT = 90;

function short(text) {
  const value = (text || "").trim() || "…";
  return value.length > SHOWN_TEXT ? `${value.slice(0, SHOWN_TEXT - 1)}…` : value;
}

export class GroupControls {
  constructor(room, canvas) {
    this.room = room;
    this.canvas = canvas;
    const id = canvas.info.id;
    this.root = el("fieldset", "control-group group-controls", { "data-groups-for": String(id) });
    this.root.append(el("legend", "", {}, t("groups")));
    this.block = el("select", "", { id: `group-${id}-block` });
    for (const block of canvas.info.blocks) this.block.append(el("option", "", { value: block.id }, block.title));
    this.block.addEventListener("change", () => this.update());
    this.title = el("input", "", { id: `group-${id}-title`, type: "text", maxlength: "120" });
    const notes = el("fieldset", "group-notes");
    notes.append(el("legend", "", {}, t("notes_to_group")));
    this.choices = el("ul", "checklist");
    this.none = el("p", "muted", {}, t("no_notes_in_block"));
    notes.append(this.choices, this.none);
    this.create = button(t("group_notes"), "button small primary", () => this.group(), { "data-action": "group" });
    this.list = el("ul", "group-list");
    this.status = el("p", "control-status", { role: "status" });
    this.root.append(el("label", "", { for: this.block.id }, t("block")), this.block,
      el("label", "", { for: this.title.id }, t("group_title")), this.title, notes, this.create, this.list, this.status);
  }

  group() {
    const ids = [...this.choices.querySelectorAll("input:checked")].map((box) => box.value);
    const title = this.title.value.trim();
    if (!title) {
      this.room.say(this.status, t("group_needs_title"), "error");
      this.title.focus();
      return;
    }
    if (!ids.length) {
      this.room.say(this.status, t("group_needs_notes"), "error");
      return;
    }
    this.room.send("cluster:create", { canvas_id: this.canvas.info.id, block: this.block.value, title, note_ids: ids },
      { status: this.status, control: this.create }).then((ack) => {
      if (!ack) return;
      this.title.value = "";
      for (const box of this.choices.querySelectorAll("input:checked")) box.checked = false;
    });
  }

  update() {
    const { state, info } = this.canvas;
    const block = this.block.value;
    const notes = [...state.notes.values()].filter((n) => n.block === block).sort((a, b) => a.position - b.position);
    this.none.hidden = notes.length > 0;
    syncChildren(this.choices, notes, (note) => note.id, (note) => {
      const li = el("li");
      const box = el("input", "", { type: "checkbox", id: `group-${info.id}-${note.id}`, value: note.id });
      li.append(box, el("label", "", { for: box.id }));
      return li;
    }, (li, note) => {
      const group = note.cluster_id != null && state.clusters.get(note.cluster_id);
      setText(li.querySelector("label"), group ? `${short(note.text)} (${group.title})` : short(note.text));
    });
    const titles = new Map(info.blocks.map((b) => [b.id, b.title]));
    const groups = [...state.clusters.values()];
    syncChildren(this.list, groups, (group) => group.id, (group) => {
      const li = el("li");
      li.append(el("span"), button(t("ungroup"), "button small", (event) => this.room.send("cluster:dissolve",
        { canvas_id: info.id, cluster_id: group.id }, { status: this.status, control: event.currentTarget }),
      { "aria-label": t("ungroup_named", { title: group.title }) }));
      return li;
    }, (li, group) => {
      const count = [...state.notes.values()].filter((n) => n.cluster_id === group.id).length;
      setText(li.firstChild, `${group.title} — ${titles.get(group.block) || group.block} (${tn("notes_n", count)})`);
    });
  }
}
