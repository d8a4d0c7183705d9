// Everyone who joined the workshop: where they are now (online on a canvas) or
// when they were last seen, their institution, ready marks and raised hands,
// and removing someone (asked first).

import { el, setText, syncChildren, button } from "./dom.js";
import { formatNumber, language, t } from "./i18n.js";
import { confirmInline } from "./room-confirm.js";

function timeOf(iso) {
  if (!iso) return "";
  try {
    return new Intl.DateTimeFormat(language(), { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
  } catch {
    return "";
  }
}

// Up to this many people, the names show without asking (until the facilitator opens or closes them).
const NAMES_OPEN_UP_TO = 12;

/** "✓ Ready · (hand) Raised hand": the hand is drawn (lienzo.css), the words say it. */
function showStatus(cell, person) {
  const key = `${Boolean(person.ready)}${Boolean(person.hand)}`;
  if (cell.dataset.shown === key) return;
  cell.dataset.shown = key;
  const parts = person.ready ? [`✓ ${t("ready")}`] : [];
  if (person.hand) parts.push(...(parts.length ? [" · "] : []), el("span", "icon icon-hand", { "aria-hidden": "true" }), ` ${t("hands")}`);
  cell.replaceChildren(...parts);
}

export class PeoplePanel {
  constructor(room, root) {
    this.room = room;
    this.root = root;
    this.title = el("h2", "", {}, t("participants"));
    this.online = el("p", "people-online-count");
    this.byTable = el("ul", "count-list by-table", { "aria-label": t("by_table") });
    this.institutions = el("details", "people-institutions");
    this.institutionsTitle = el("summary", "", {}, t("by_institution"));
    this.byInstitution = el("ul", "count-list by-institution");
    this.institutions.append(this.institutionsTitle, this.byInstitution);
    const table = el("table", "table people-table");
    const head = el("tr");
    for (const label of [t("person"), t("where"), t("status")]) head.append(el("th", "", { scope: "col" }, label));
    // The last column holds the remove buttons: named for screen readers, blank on screen.
    const actionsHead = el("th", "", { scope: "col" });
    actionsHead.append(el("span", "visually-hidden", {}, t("remove")));
    head.append(actionsHead);
    const thead = el("thead");
    thead.append(head);
    this.body = el("tbody");
    table.append(thead, this.body);
    this.names = el("details", "people-names");
    this.namesTitle = el("summary", "", {}, t("show_names"));
    this.names.append(this.namesTitle, table);
    this.namesTouched = false;
    this.namesTitle.addEventListener("click", () => { this.namesTouched = true; });
    this.empty = el("p", "muted", {}, t("nobody_yet"));
    this.status = el("p", "control-status", { role: "status" });
    root.append(this.title, this.empty, this.online, this.byTable, this.institutions, this.names, this.status);
    this.table = table;
  }

  update() {
    const where = this.room.whereIsEveryone();
    const people = [...this.room.workshop.people.values()]
      .filter((p) => !p.removed && !p.facilitator && typeof p.name === "string")
      .sort((a, b) => Number(where.has(b.id)) - Number(where.has(a.id)) || a.name.localeCompare(b.name, language()));
    this.empty.hidden = people.length > 0;
    for (const node of [this.online, this.byTable, this.institutions, this.names]) node.hidden = !people.length;
    if (!this.namesTouched) this.names.open = people.length <= NAMES_OPEN_UP_TO;
    setText(this.title, `${t("participants")} (${formatNumber(people.length)})`);
    const online = people.filter((p) => where.has(p.id)).length;
    setText(this.online, t("online_of", { count: formatNumber(online), total: formatNumber(people.length) }));
    const tables = this.room.canvasList().map((canvas) => [canvas.info.name,
      [...canvas.presence.values()].filter((p) => !p.facilitator).length]);
    this.counts(this.byTable, tables);
    const institutions = new Map();
    for (const person of people) {
      const name = person.institution || t("no_institution");
      institutions.set(name, (institutions.get(name) || 0) + 1);
    }
    const ranked = [...institutions].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], language()));
    setText(this.institutionsTitle, t("by_institution_n", { count: formatNumber(ranked.length) }));
    this.counts(this.byInstitution, ranked);
    setText(this.namesTitle, t("show_names_n", { count: formatNumber(people.length) }));
    syncChildren(this.body, people, (p) => p.id, (person) => this.row(person), (tr, person) => {
      const [name, place, status] = tr.children;
      setText(name, person.institution ? `${person.name} (${person.institution})` : person.name);
      const canvases = where.get(person.id);
      setText(place, canvases ? `${t("online_now")}: ${canvases.join(", ")}`
        : `${t("seen_earlier")}${person.last_seen_at ? ` (${timeOf(person.last_seen_at)})` : ""}`);
      tr.classList.toggle("is-online", Boolean(canvases));
      showStatus(status, person);
      tr.classList.toggle("has-hand", Boolean(person.hand));
    });
  }

  /** A list of "name: count" lines, kept in place. */
  counts(list, entries) {
    syncChildren(list, entries, ([name]) => name, () => {
      const li = el("li");
      li.append(el("span", "count-name"), el("span", "count-value"));
      return li;
    }, (li, [name, count]) => {
      setText(li.firstChild, name);
      setText(li.lastChild, formatNumber(count));
    });
  }

  row(person) {
    const tr = el("tr", "", { "data-person": String(person.id) });
    const actions = el("td", "row-actions");
    const remove = button(t("remove"), "button small danger", () => {
      const current = this.room.workshop.people.get(person.id) || person;
      confirmInline(actions, t("remove_confirm", { name: current.name }), t("remove"),
        () => this.room.send("participant:remove", { participant_id: person.id }, { status: this.status }));
    }, { "aria-label": t("remove_named", { name: person.name }), "data-action": "remove" });
    actions.append(remove);
    tr.append(el("th", "", { scope: "row" }), el("td"), el("td"), actions);
    return tr;
  }
}
