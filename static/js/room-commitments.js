// Commitments in the control room: a closed vote's note or group becomes a
// commitment through a small form (what will be done, the responsible institution,
// co-responsible ones, a due date, an indicator, a status), with the room watching
// on the projector. The panel lists them, each to edit or delete. Institutions are
// offered from the participants' own (typed ones are fine too). The list shown is
// the server's (commitment.* events carry it whole), never a guess.

import { button, el, setText, syncChildren } from "./dom.js";
import { t } from "./i18n.js";
import { CommitmentList, STATUSES, factsOf, sourceLine, statusName } from "./commitments.js";
import { confirmInline } from "./room-confirm.js";

let formCount = 0;

function labelled(id, label, control, wide = false) {
  const wrap = el("div", wide ? "wide" : "");
  wrap.append(el("label", "", { for: id }, label), control);
  return wrap;
}

/** The form of one commitment, new (from a note or group) or to edit; in a modal dialog. */
class CommitmentForm {
  constructor(panel) {
    this.panel = panel;
    const n = (formCount += 1);
    const id = (name) => `commitment-${n}-${name}`;
    this.dialog = el("dialog", "commitment-dialog", { "aria-labelledby": id("title") });
    this.heading = el("h2", "", { id: id("title") });
    this.source = el("p", "commitment-source");
    this.form = el("form", "commitment-form", { method: "dialog", novalidate: true });
    this.what = el("textarea", "", { id: id("what"), rows: "3", maxlength: "1000", required: true, "data-field": "title" });
    this.responsible = el("input", "", { id: id("responsible"), type: "text", maxlength: "120",
      list: "commitment-institutions", autocomplete: "off", "data-field": "responsible" });
    this.coBox = el("fieldset", "commitment-co wide");
    this.coBox.append(el("legend", "", {}, t("commitment_co")));
    this.coChoices = el("div", "commitment-co-choices");
    this.coOther = el("input", "", { id: id("co-other"), type: "text", maxlength: "600", autocomplete: "off",
      "data-field": "co_other" });
    this.coBox.append(this.coChoices, labelled(id("co-other"), t("commitment_co_other"), this.coOther));
    this.due = el("input", "", { id: id("due"), type: "date", "data-field": "due" });
    this.status = el("select", "", { id: id("status"), "data-field": "status" });
    for (const status of STATUSES) this.status.append(el("option", "", { value: status }, statusName(status)));
    this.indicator = el("textarea", "", { id: id("indicator"), rows: "2", maxlength: "1000", "data-field": "indicator" });
    this.error = el("p", "form-error wide", { role: "alert" });
    this.save = el("button", "button primary", { type: "submit", "data-action": "commitment-save" }, t("commitment_save"));
    const cancel = button(t("cancel"), "button", () => this.dialog.close(), { "data-action": "commitment-cancel" });
    const actions = el("p", "actions wide");
    actions.append(this.save, cancel);
    this.form.append(labelled(id("what"), t("commitment_what"), this.what, true),
      labelled(id("responsible"), t("commitment_responsible"), this.responsible),
      labelled(id("due"), t("commitment_due"), this.due),
      this.coBox,
      labelled(id("indicator"), t("commitment_indicator"), this.indicator, true),
      labelled(id("status"), t("commitment_status"), this.status),
      this.error, actions);
    this.dialog.append(this.heading, this.source, this.form);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    document.body.append(this.dialog);
  }

  /** Open for a new commitment from `source` ({canvas_id, note_id | cluster_id, text, label}), or to edit `commitment`. */
  open({ source = null, commitment = null }) {
    this.target = commitment ? { commitment_id: commitment.id } : { canvas_id: source.canvas_id,
      ...(source.cluster_id ? { cluster_id: source.cluster_id } : { note_id: source.note_id }) };
    this.editing = Boolean(commitment);
    setText(this.heading, commitment ? t("edit_commitment") : t("new_commitment"));
    setText(this.source, commitment ? sourceLine(commitment) : source.label);
    this.what.value = commitment ? commitment.title : source.text;
    this.responsible.value = commitment ? commitment.responsible : "";
    const co = commitment ? commitment.co_responsible : [];
    const known = this.panel.knownInstitutions();
    this.coChoices.replaceChildren(...known.map((name, i) => {
      const box = el("input", "", { type: "checkbox", value: name, id: `${this.what.id}-co-${i}` });
      box.checked = co.includes(name);
      const label = el("label", "choice", { for: box.id });
      label.append(box, document.createTextNode(` ${name}`));
      return label;
    }));
    this.coOther.value = co.filter((name) => !known.includes(name)).join(", ");
    this.due.value = commitment && commitment.due ? commitment.due : "";
    this.indicator.value = commitment ? commitment.indicator : "";
    this.status.value = commitment ? commitment.status : "planned";
    setText(this.error, "");
    this.save.disabled = false;
    if (!this.dialog.open) this.dialog.showModal();
    this.what.focus();
  }

  values() {
    const co = [...this.coChoices.querySelectorAll("input:checked")].map((box) => box.value);
    for (const name of this.coOther.value.split(",").map((part) => part.trim()).filter(Boolean)) {
      if (!co.includes(name)) co.push(name);
    }
    const fields = { title: this.what.value.trim(), responsible: this.responsible.value.trim(), co_responsible: co,
      indicator: this.indicator.value.trim(), status: this.status.value };
    if (this.due.value) fields.due = this.due.value;
    else if (this.editing) fields.clear_due = true;
    return fields;
  }

  async submit() {
    const fields = this.values();
    if (!fields.title) {
      setText(this.error, t("commitment_needs_title"));
      this.what.focus();
      return;
    }
    this.save.disabled = true;
    const name = this.editing ? "commitment:edit" : "commitment:add";
    const ack = await this.panel.room.send(name, { ...this.target, ...fields }, { status: this.error, control: this.save });
    this.save.disabled = false;
    if (ack) this.dialog.close();
  }
}

export class CommitmentsPanel {
  constructor(room, node) {
    this.room = room;
    this.node = node;
    this.list = new CommitmentList();
    this.institutions = [];
    this.form = null;
    const head = el("div", "card-head");
    const page = el("a", "button small", { href: `/f/workshops/${room.boot.workshop.id}/commitments`,
      "data-action": "commitments-page" }, t("commitments_page"));
    head.append(el("h2", "", { id: "commitments-title" }, t("commitments")), page);
    this.empty = el("p", "help", {}, t("no_commitments"));
    this.items = el("ol", "commitment-list");
    this.status = el("p", "control-status", { role: "status" });
    this.datalist = el("datalist", "", { id: "commitment-institutions" });
    node.setAttribute("aria-labelledby", "commitments-title");
    node.append(head, this.empty, this.items, this.status, this.datalist);
  }

  /** The `workshop` of the watch ack: the list and the participants' institutions. */
  adopt(workshop) {
    if (workshop && Array.isArray(workshop.institutions)) {
      this.institutions = workshop.institutions;
      this.datalist.replaceChildren(...this.institutions.map((name) => el("option", "", { value: name })));
    }
    return this.list.adopt(workshop);
  }

  receive(envelope) {
    return this.list.receive(envelope);
  }

  /** The institutions to offer: the participants' (from the server, and anyone who came since). */
  knownInstitutions() {
    const names = new Set(this.institutions);
    for (const person of this.room.workshop.people.values()) if (person.institution && !person.facilitator) names.add(person.institution);
    const known = [...names].sort((a, b) => a.localeCompare(b));
    this.datalist.replaceChildren(...known.map((name) => el("option", "", { value: name })));
    return known;
  }

  /** "Turn into a commitment" on a result: `source` is {canvas_id, note_id | cluster_id, text, label}. */
  turn(source) {
    if (!this.form) this.form = new CommitmentForm(this);
    this.form.open({ source });
  }

  edit(commitment) {
    if (!this.form) this.form = new CommitmentForm(this);
    this.form.open({ commitment });
  }

  update() {
    const items = this.list.items;
    this.empty.hidden = items.length > 0;
    syncChildren(this.items, items, (c) => String(c.id), () => {
      const li = el("li", "commitment");
      const head = el("div", "commitment-head");
      head.append(el("h3", "commitment-title"), el("span", "commitment-status"));
      const actions = el("div", "commitment-actions");
      li.append(head, el("p", "commitment-facts-line"), el("p", "commitment-source"), actions);
      actions.append(button(t("commitment_up"), "button small", () => this.move(li.commitment, -1), { "data-action": "commitment-up" }),
        button(t("commitment_down"), "button small", () => this.move(li.commitment, 1), { "data-action": "commitment-down" }),
        button(t("commitment_edit"), "button small", () => this.edit(li.commitment), { "data-action": "commitment-edit" }),
        button(t("commitment_delete"), "button small danger", () => confirmInline(actions,
          t("delete_commitment_confirm", { title: li.commitment.title }), t("commitment_delete"),
          () => this.room.send("commitment:delete", { commitment_id: li.commitment.id }, { status: this.status })),
        { "data-action": "commitment-delete" }));
      return li;
    }, (li, commitment) => {
      li.commitment = commitment;
      const n = items.indexOf(commitment) + 1;
      li.dataset.commitment = String(commitment.id);
      li.dataset.status = commitment.status;
      const [head, facts, source, actions] = li.children;
      setText(head.firstChild, `${n}. ${commitment.title}`);
      setText(head.lastChild, statusName(commitment.status));
      head.lastChild.className = `commitment-status status-${commitment.status}`;
      setText(facts, factsOf(commitment).join(" · ")); // the indicator is in the form and on the page
      setText(source, sourceLine(commitment));
      const up = actions.querySelector("[data-action='commitment-up']");
      const down = actions.querySelector("[data-action='commitment-down']");
      up.disabled = n === 1;
      down.disabled = n === items.length;
      up.setAttribute("aria-label", t("move_commitment_up_named", { n }));
      down.setAttribute("aria-label", t("move_commitment_down_named", { n }));
      const edit = actions.querySelector("[data-action='commitment-edit']");
      const remove = actions.querySelector("[data-action='commitment-delete']");
      if (edit) edit.setAttribute("aria-label", t("edit_commitment_named", { n }));
      if (remove) remove.setAttribute("aria-label", t("delete_commitment_named", { n }));
    });
    this.refocus();
  }

  /** Move a commitment one place up (-1) or down (1); the list changes when the server's event comes. */
  move(commitment, step) {
    const position = this.list.items.indexOf(commitment) + step;
    if (position < 0 || position >= this.list.items.length) return;
    this.moving = { id: commitment.id, step, to: position };
    this.room.send("commitment:move", { commitment_id: commitment.id, position }, { status: this.status });
  }

  /** Moving a row in the list takes the keyboard focus away: once the row is at its new place, give
   * the focus back to its button (the other direction's when this one is now disabled), so that
   * up, up, up works from the keyboard. */
  refocus() {
    if (!this.moving) return;
    const index = this.list.items.findIndex((c) => c.id === this.moving.id);
    if (index !== this.moving.to) {
      if (index < 0) this.moving = null;
      return;
    }
    const li = this.items.children[index];
    const active = document.activeElement;
    if (li && (!active || active === document.body || li.contains(active))) {
      const names = this.moving.step < 0 ? ["up", "down"] : ["down", "up"];
      const target = names.map((name) => li.querySelector(`[data-action='commitment-${name}']`)).find((b) => b && !b.disabled);
      if (target) target.focus();
    }
    this.moving = null;
  }
}
