// One sticky note in the page. Built once per note and then only updated in
// place; every text goes in with textContent or .value, never as HTML. The
// note's textarea is left alone while the person is typing in it.

import { formatNumber, t, tn } from "./i18n.js";

function el(tag, className, attrs = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function hiddenText(text) {
  const span = el("span", "visually-hidden");
  span.textContent = text;
  return span;
}

/** A note's element; `withMenu`: it has a menu even though not editable (someone else's note, to stack). */
export function createNote(id, editable, limits, withMenu = false) {
  const li = el("li", "note", { "data-note-id": id });
  const head = el("div", "note-head");
  const author = el("span", "note-author", { id: `author-${id}` });
  head.append(author);
  if (editable) {
    const grip = el("span", "note-grip", { "aria-hidden": "true", title: t("drag_to_move") });
    grip.textContent = "⠿";
    head.prepend(grip);
  }
  if (editable || withMenu) {
    const menuButton = el("button", "note-menu-button", {
      type: "button", "aria-expanded": "false", "aria-controls": `menu-${id}`, title: t("note_menu"),
    });
    const dots = el("span", "", { "aria-hidden": "true" });
    dots.textContent = "⋯";
    menuButton.append(dots, hiddenText(t("note_menu")));
    head.append(menuButton);
  }
  const describedBy = `status-${id} editing-${id} counter-${id}`;
  let text;
  if (editable) {
    text = el("textarea", "note-text", {
      rows: "3", maxlength: String(limits.text), placeholder: t("new_note_placeholder"),
      "aria-describedby": describedBy, spellcheck: "true",
    });
  } else {
    text = el("p", "note-text is-readonly");
  }
  const privacy = el("p", "note-private");
  privacy.hidden = true;
  const group = el("span", "visually-hidden note-group");
  head.append(group);
  const mine = el("p", "note-mine");
  mine.textContent = t("conflict_yours");
  mine.hidden = true;
  const editing = el("p", "note-editing", { id: `editing-${id}` });
  editing.hidden = true;
  const foot = el("div", "note-foot");
  // The colour is named for screen readers only: sighted people see it.
  const color = el("span", "note-color-name visually-hidden");
  const status = el("span", "note-status", { id: `status-${id}` });
  const counter = el("span", "note-counter", { id: `counter-${id}` });
  counter.hidden = true;
  foot.append(color, status, counter);
  const alert = el("div", "note-alert");
  alert.hidden = true;
  const menu = el("div", "note-menu", { id: `menu-${id}`, role: "group", "aria-label": t("note_menu") });
  menu.hidden = true;
  const votes = el("div", "note-votes");
  votes.hidden = true;
  li.append(head, privacy, mine, text, editing, foot, votes, alert, menu);
  li.lienzo = { editable, hasMenu: editable || withMenu, author, group, privacy, mine, text, editing, color, status, counter, votes, alert, menu,
    state: {} };
  return li;
}

function setText(node, value) {
  if (node.textContent !== value) node.textContent = value;
}

/**
 * Bring a note element up to date.
 * @param {object} item  {note, status, editors, kept, ghost, colorLabel, typing, and optionally
 *   authorLabel, privacy (a text), cluster ({title}), vote ({open, mine, canAdd, canRemove, busy} or {votes})}
 */
export function updateNote(li, item, actions) {
  const parts = li.lienzo;
  const { note, kept } = item;
  parts.lastNote = note;
  const color = note.color || "yellow";
  for (const cls of [...li.classList]) if (cls.startsWith("note--")) li.classList.remove(cls);
  li.classList.add(`note--${color}`);
  li.classList.toggle("is-ghost", Boolean(item.ghost));
  li.classList.toggle("is-pending", item.status === "pending" || item.status === "saving");
  li.classList.toggle("has-alert", Boolean(kept));
  li.classList.toggle("can-move", parts.editable && !item.ghost);
  li.dataset.block = note.block;

  const name = (note.author && note.author.name) || "";
  const shownName = item.authorLabel !== undefined ? item.authorLabel : name;
  setText(parts.author, shownName);
  const who = shownName ? t("note_by", { name: shownName }) : t("note_anonymous");
  const label = item.colorLabel ? `${who}, ${item.colorLabel}` : who;
  if (parts.editable && parts.text.getAttribute("aria-label") !== label) parts.text.setAttribute("aria-label", label);
  parts.author.hidden = !shownName;

  const shown = kept && typeof kept.text === "string" ? kept.text : note.text;
  if (parts.editable) {
    parts.text.readOnly = Boolean(item.ghost);
    if (!item.typing && parts.text.value !== shown) parts.text.value = shown;
  } else {
    setText(parts.text, shown);
  }
  setText(parts.color, item.colorLabel);

  // Saving is the normal case and says nothing; only a note waiting to be sent says so.
  const statusText = item.status === "pending" ? t(item.status) : "";
  setText(parts.status, statusText);
  parts.status.dataset.status = item.status || "";

  const editors = item.editors || [];
  parts.editing.hidden = editors.length === 0;
  setText(parts.editing, editors.map((person) => t("editing_by", { name: person.name })).join(" · "));
  li.classList.toggle("is-being-edited", editors.length > 0);

  parts.mine.hidden = !(kept && kept.kind === "conflict");
  parts.privacy.hidden = !item.privacy;
  setText(parts.privacy, item.privacy || "");
  li.classList.toggle("is-private", Boolean(item.privacy));
  setText(parts.group, item.cluster ? t("in_group", { title: item.cluster.title }) : "");
  li.classList.toggle("in-cluster", Boolean(item.cluster));
  renderVotes(li, item.ghost ? null : item.vote || null);
  renderAlert(li, item, actions);
  for (const control of li.querySelectorAll(":scope > .note-head > .note-menu-button, :scope > .note-head > .note-grip")) {
    control.hidden = Boolean(item.ghost);
  }
}

function button(text, className, onClick) {
  const node = el("button", className, { type: "button" });
  node.textContent = text;
  node.addEventListener("click", onClick);
  return node;
}

/** The vote of the note: your dots and the buttons while a round is open, its votes once closed. */
function renderVotes(li, given) {
  // Once a round closed, a note shows its dots only if it got some: never "0 votes".
  const vote = given && !given.open && !given.votes ? null : given;
  const box = li.lienzo.votes;
  box.hidden = !vote;
  li.classList.toggle("has-votes", Boolean(vote && !vote.open && vote.votes));
  if (!vote) return;
  if (!box.lienzo) {
    const dots = el("span", "vote-dots", { "aria-hidden": "true" });
    const count = el("span", "vote-count");
    const add = el("button", "button small vote-add", { type: "button", "data-vote": "add" });
    const remove = el("button", "button small vote-remove", { type: "button", "data-vote": "remove" });
    box.append(dots, count, add, remove);
    box.lienzo = { dots, count, add, remove };
  }
  const { dots, count, add, remove } = box.lienzo;
  if (vote.open) {
    setText(dots, "●".repeat(Math.min(vote.mine, 10)));
    setText(count, vote.mine ? tn("your_votes_on_note", vote.mine) : "");
    setText(add, t("vote"));
    setText(remove, t("vote_take_back"));
    add.setAttribute("aria-label", t("vote_for_note"));
    remove.setAttribute("aria-label", t("vote_take_back_from_note"));
    add.hidden = false;
    remove.hidden = !vote.mine;
    add.disabled = !vote.canAdd || Boolean(vote.busy);
    remove.disabled = !vote.canRemove || Boolean(vote.busy);
    box.setAttribute("aria-busy", String(Boolean(vote.busy)));
  } else {
    setText(dots, "");
    setText(count, tn("votes_count", vote.votes || 0));
    add.hidden = true;
    remove.hidden = true;
  }
  box.dataset.mine = String(vote.open ? vote.mine : 0);
}

function renderAlert(li, item, actions) {
  const { alert } = li.lienzo;
  const kept = item.kept;
  const signature = kept ? JSON.stringify([kept.kind, kept.message, item.theirs, item.theirsBy, kept.by, kept.previous]) : "";
  if (li.lienzo.state.alert === signature) return;
  li.lienzo.state.alert = signature;
  alert.replaceChildren();
  alert.hidden = !kept;
  if (!kept) return;
  const id = item.note.id;
  if (kept.kind === "conflict") {
    // Named choices: "Keep my text" / "Keep Ana's text" (or the saved text, when the
    // other writer is not named: an anonymous canvas, or the person's own other tab).
    const name = item.theirsBy || "";
    const title = el("p", "note-alert-title");
    title.textContent = name ? t("conflict_title_named", { name }) : t("conflict_title");
    const theirsLabel = el("p", "note-alert-label");
    theirsLabel.textContent = name ? t("conflict_theirs_named", { name }) : t("conflict_theirs");
    const theirs = el("blockquote", "note-alert-theirs");
    theirs.textContent = item.theirs || "";
    const row = el("div", "note-alert-actions");
    row.append(
      button(t("keep_mine"), "button small primary", () => actions.resolve(id, "mine")),
      button(name ? t("keep_theirs_named", { name }) : t("keep_theirs"), "button small", () => actions.resolve(id, "theirs")),
    );
    alert.append(title, theirsLabel, theirs, row);
  } else if (kept.kind === "replaced") {
    // Someone else's text took the place of this person's: say who, and keep theirs to copy.
    const title = el("p", "note-alert-title");
    title.textContent = kept.by ? t("replaced_by", { name: kept.by }) : t("replaced_by_someone");
    const label = el("p", "note-alert-label");
    label.textContent = t("replaced_yours_was");
    const previous = el("blockquote", "note-alert-theirs");
    previous.textContent = kept.previous || "";
    const row = el("div", "note-alert-actions");
    row.append(button(t("dismiss"), "button small", () => actions.dismiss(id)));
    alert.append(title, label, previous, row);
  } else {
    const message = el("p", "note-alert-title");
    message.textContent = kept.message || t("error_generic");
    const row = el("div", "note-alert-actions");
    row.append(button(t("dismiss"), "button small", () => actions.dismiss(id)));
    alert.append(message, row);
  }
}

/** Show how many characters are left once the note nears its limit. */
export function updateCounter(li, length, limit) {
  const { counter } = li.lienzo;
  const left = limit - length;
  const show = left <= Math.min(200, limit / 5);
  counter.hidden = !show;
  if (show) counter.textContent = `${formatNumber(Math.max(left, 0))} ${t("chars_left")}`;
  counter.classList.toggle("is-at-limit", left <= 0);
  return left;
}
