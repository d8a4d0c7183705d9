// Who is on the canvas (initials with names for screen readers, and a count)
// and who has which note open.

import { formatNumber, initials, t } from "./i18n.js";

const SHOWN = 5;

function hue(id) {
  return `avatar--c${Math.abs(Number(id) || 0) % 8}`;
}

export class People {
  constructor(container, me) {
    this.container = container;
    this.me = me;
    this.people = new Map(); // person id → person, in arrival order
    this.editing = new Map(); // note id → Map(person id → person)
  }

  reset(presence, editing) {
    this.people = new Map((presence || []).map((p) => [p.id, p]));
    this.people.set(this.me.id, this.me);
    this.editing = new Map();
    for (const entry of editing || []) {
      if (entry.by && entry.by.id !== this.me.id) this.setEditing(entry.note_id, entry.by, true);
    }
    this.render();
  }

  /** A `presence` event: someone's first tab opened the canvas or their last tab left. */
  presence(event) {
    if (event.joined) this.people.set(event.joined.id, event.joined);
    if (event.left) {
      this.people.delete(event.left.id);
      for (const editors of this.editing.values()) editors.delete(event.left.id);
    }
    this.render();
  }

  setEditing(noteId, person, on) {
    if (!noteId || !person) return;
    if (!this.editing.has(noteId)) this.editing.set(noteId, new Map());
    const editors = this.editing.get(noteId);
    if (on) editors.set(person.id, person);
    else editors.delete(person.id);
    if (!editors.size) this.editing.delete(noteId);
  }

  clearEditing() {
    this.editing = new Map();
  }

  editorsOf(noteId) {
    const editors = this.editing.get(noteId);
    return editors ? [...editors.values()] : [];
  }

  describe(person) {
    let text = person.name;
    if (person.institution) text += ` (${person.institution})`;
    const tags = [];
    if (person.id === this.me.id) tags.push(t("you"));
    if (person.facilitator) tags.push(t("facilitator"));
    return tags.length ? `${text}, ${tags.join(", ")}` : text;
  }

  render() {
    const people = [...this.people.values()];
    // Me first, then facilitators, then everyone in arrival order.
    people.sort((a, b) => (b.id === this.me.id) - (a.id === this.me.id) || b.facilitator - a.facilitator);
    const list = document.createElement("ul");
    list.className = "avatars";
    for (const person of people.slice(0, SHOWN)) {
      const li = document.createElement("li");
      li.className = `avatar ${hue(person.id)}`;
      li.classList.toggle("is-me", person.id === this.me.id);
      li.classList.toggle("is-facilitator", Boolean(person.facilitator));
      li.title = this.describe(person);
      const letters = document.createElement("span");
      letters.setAttribute("aria-hidden", "true");
      letters.textContent = initials(person.name);
      const name = document.createElement("span");
      name.className = "visually-hidden";
      name.textContent = this.describe(person);
      li.append(letters, name);
      list.append(li);
    }
    const rest = people.slice(SHOWN);
    if (rest.length) {
      const li = document.createElement("li");
      li.className = "avatar avatar--more";
      li.title = rest.map((p) => this.describe(p)).join("\n");
      const plus = document.createElement("span");
      plus.setAttribute("aria-hidden", "true");
      plus.textContent = `+${formatNumber(rest.length)}`;
      const names = document.createElement("span");
      names.className = "visually-hidden";
      names.textContent = rest.map((p) => this.describe(p)).join("; ");
      li.append(plus, names);
      list.append(li);
    }
    const count = document.createElement("span");
    count.className = "presence-count";
    count.setAttribute("aria-hidden", "true");
    count.textContent = formatNumber(people.length);
    this.container.replaceChildren(count, list);
    this.container.dataset.count = String(people.length);
  }
}
