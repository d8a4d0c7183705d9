// The canvas page: wires the server's boot data, the live connection, the
// client state (by seq), the outbox and the page's notes together.

import { announce, initAnnouncer } from "./announce.js";
import { Board } from "./board.js";
import { initBoardView } from "./board-view.js";
import { CanvasLive } from "./canvas-live.js";
import { Connection } from "./connection.js";
import { initDragAndDrop } from "./dragdrop.js";
import { t } from "./i18n.js";
import { uuid } from "./ids.js";
import { updateCounter } from "./note-element.js";
import { NoteMenus } from "./note-menu.js";
import { Outbox } from "./outbox.js";
import { showConnectionState, startPage } from "./page.js";
import { People } from "./people.js";
import { pdfLinks } from "./downloads.js";
import { initPhoneView } from "./phone.js";
import { reasonOf, sendOnce } from "./send.js";
import { CanvasState, isRedacted } from "./state.js";
import { initTyping } from "./typing.js";
import { buildView, byBlock, positionAt, withGroups } from "./view.js";
import { NoteWriters } from "./note-writers.js";

const SAVED_SHOWN_MS = 2500;
const GAP_WAIT_MS = 1000;
const ERROR_KEYS = {
  forbidden: "error_forbidden", not_found: "error_not_found", locked: "error_locked",
  invalid: "error_invalid", too_large: "too_long",
};

class CanvasPage {
  constructor(boot) {
    this.boot = boot;
    this.me = boot.me;
    this.canvasId = boot.canvas.id;
    this.blocks = boot.blocks;
    this.colors = boot.colors;
    this.limit = boot.limits.text;
    this.page = document.querySelector(".canvas-page");
    this.sheet = document.querySelector(".sheet");

    this.state = new CanvasState({ notes_editable_by_all: boot.canvas.notes_editable_by_all });
    this.kept = new Map(); // note id → {kind: conflict|error|notice, text?, theirs?, message?, note?}
    this.bases = new Map(); // note id → the version the person's text is based on
    this.fresh = new Set(); // notes just added with "+", dropped if left empty
    this.dirty = new Set(); // notes typed in since their text was last queued
    this.savedAt = new Map();
    this.editingSent = null;
    this.gapTimer = null;
    this.renderQueued = false;
    this.lastAdded = 0;
    this.lastColor = this.storedColor();
    this.current = new Map();
    this.sortByVotes = false;
    this.voteBusy = new Set();

    initAnnouncer(document.getElementById("announcer"));
    this.live = new CanvasLive(this);
    this.outbox = new Outbox(`lienzo:outbox:${this.canvasId}:${this.me.id}`, {
      transport: (name, data) => this.connection.request(name, data),
      acked: (op, ack) => this.acked(op, ack),
      failed: (op, ack) => this.failed(op, ack),
      changed: () => this.scheduleRender(),
    });
    this.writers = new NoteWriters(this.me, (opId) => this.outbox.ops.some((op) => op.op_id === opId));
    this.people = new People(document.getElementById("presence"), this.me);
    this.people.render();
    this.board = new Board(this.sheet, {
      editable: (note) => this.canChange(note),
      limits: boot.limits,
      actions: { resolve: (id, which) => this.resolve(id, which), dismiss: (id) => this.dismiss(id) },
    });
    this.phone = initPhoneView(this.page);
    this.boardView = initBoardView(this.page, this.sheet);
    this.menus = new NoteMenus(this.sheet, this);
    initTyping(this.sheet, this);
    initDragAndDrop(this.board, {
      drop: (id, block, index, moved) => (moved ? this.moveNote(id, block, index) : this.render()),
      isServerNote: (id, block) => this.state.notes.has(id) && this.state.notes.get(id).block === block,
    });
    this.wireAdding();
    this.wireVoting();
    this.wireDownloads();
    this.render();

    this.connection = new Connection({
      token: boot.token,
      canvasId: this.canvasId,
      lastSeq: () => this.state.seq,
      state: (name, reason) => this.showConnection(name, reason),
      joined: (ack) => this.joined(ack),
      resync: () => this.catchUp(),
      left: () => this.left(),
      change: (envelope) => this.take(() => this.state.receive(envelope)),
      presence: (event) => { this.people.presence(event); this.scheduleRender(); },
      editing: (event) => {
        if (event.by && event.by.id !== this.me.id) this.people.setEditing(event.note_id, event.by, event.editing);
        this.scheduleRender();
      },
      refused: (code) => this.refused(code),
      events: {
        "change:private": (envelope) => this.take(() => this.state.receive(envelope, true)),
        workshop: (envelope) => this.live.workshopEvent(envelope),
        "workshop:private": (envelope) => this.live.workshopEvent(envelope, true),
        "session:ended": (event) => this.live.ended(event),
      },
    });
    const fromHash = decodeURIComponent(location.hash.slice(1));
    if (fromHash && !this.phone.narrow && this.blocks.some((b) => b.id === fromHash)) this.jumpTo(fromHash);
  }

  // ---- what the page shows -------------------------------------------------

  viewNow() {
    return buildView(this.state, this.outbox.overlay(), this.me);
  }

  noteOf(id) {
    return this.viewNow().get(id) || null;
  }

  canChange(note) {
    if (isRedacted(note) || this.live.locked(note.block)) return false;
    return Boolean(this.me.facilitator || this.state.controls.notes_editable_by_all
      || (note.author && note.author.id === this.me.id));
  }

  isMine(note) {
    return Boolean(note.author && note.author.id === this.me.id);
  }

  /** Who the note shows as its author: nobody by name on an anonymous canvas (the institution, if any). */
  authorLabel(note) {
    const author = note.author;
    if (!author) return "";
    const institution = this.live.workshop.institutionOf(author);
    if (author.anonymous) return institution;
    if (this.state.controls.anonymous && !this.me.facilitator) return this.isMine(note) ? t("you_author") : institution;
    return author.name || "";
  }

  privacyOf(note) {
    if (!note.hidden) return null;
    if (this.isMine(note) && !this.me.facilitator) return t("note_private_own");
    return this.me.facilitator ? t("note_private_facilitator") : null;
  }

  voteOf(note) {
    const voting = this.state.voting;
    if (!voting || note.local || note.hidden) return null;
    if (voting.round.status !== "open") return typeof note.votes === "number" ? { open: false, votes: note.votes } : null;
    const round = voting.round;
    if (this.me.facilitator || (round.blocks && !round.blocks.includes(note.block))) return null;
    if (!round.allow_own && this.isMine(note)) return null;
    const mine = (voting.mine && voting.mine[note.id]) || 0;
    const online = Boolean(this.connection && this.connection.joined) && !this.live.closed;
    return { open: true, mine, busy: this.voteBusy.has(note.id),
      canAdd: online && voting.remaining > 0 && mine < round.max_per_note, canRemove: online && mine > 0 };
  }

  blockTitle(id) {
    const block = this.blocks.find((b) => b.id === id);
    return block ? block.title : id;
  }

  statusOf(id) {
    if (this.outbox.queuedFor(id).length) {
      return this.outbox.online ? "saving" : "pending";
    }
    const saved = this.savedAt.get(id);
    if (saved && Date.now() - saved < SAVED_SHOWN_MS) return "saved";
    return null;
  }

  item(note, cluster = null) {
    const kept = this.kept.get(note.id) || null;
    const server = this.state.notes.get(note.id);
    const color = this.colors.find((c) => c.id === note.color);
    return {
      note,
      kept,
      theirs: kept && kept.kind === "conflict" ? (server ? server.text : kept.theirs && kept.theirs.text) : null,
      theirsBy: kept && kept.kind === "conflict" ? this.writers.lastWriter(note.id) : null,
      status: this.statusOf(note.id),
      editors: this.people.editorsOf(note.id),
      colorLabel: color ? color.label : "",
      authorLabel: this.authorLabel(note),
      privacy: this.privacyOf(note),
      vote: this.voteOf(note),
      cluster,
    };
  }

  scheduleRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  render(release = null) {
    if (this.live.over) return;
    const view = this.viewNow();
    this.current = view;
    this.keepVanishedFocus(view);
    const groups = new Map();
    const hidden = new Map();
    const clusters = this.state.clusters;
    const byVotes = this.sortByVotes && this.state.voting && this.state.voting.round.status === "closed";
    for (const [block, notes] of byBlock(view)) {
      const shown = notes.filter((note) => !isRedacted(note));
      if (shown.length < notes.length) hidden.set(block, notes.length - shown.length);
      groups.set(block, withGroups(shown, clusters, byVotes).map(
        (entry) => (entry.head ? entry : this.item(entry.note, entry.cluster || null))));
    }
    for (const [id, kept] of this.kept) {
      if (view.has(id)) continue;
      if (!kept.note) {
        this.kept.delete(id); // a notice about a note that is gone
        continue;
      }
      if (!groups.has(kept.note.block)) groups.set(kept.note.block, []);
      groups.get(kept.note.block).push({ ...this.item(kept.note), ghost: true });
    }
    this.board.render(groups, release);
    this.live.render(hidden);
    this.page.dataset.pending = String(this.outbox.size);
    this.boardView.scheduleFit();
  }

  /** Someone deleted the note being typed in: keep the text there, to copy. */
  keepVanishedFocus(view) {
    const li = this.board.focusedNote();
    if (!li) return;
    const id = li.dataset.noteId;
    if (view.has(id) || this.kept.has(id)) return;
    const previous = this.current.get(id) || (li.lienzo.lastNote);
    const text = li.lienzo.editable ? li.lienzo.text.value : li.lienzo.text.textContent;
    this.kept.set(id, {
      kind: "error", message: t("error_not_found"), text,
      note: previous || { id, block: li.dataset.block, text, color: "yellow", author: null },
    });
    announce(t("error_not_found"));
  }

  // ---- what the person does -------------------------------------------------

  wireAdding() {
    this.sheet.addEventListener("click", (event) => {
      const add = event.target.closest(".add-note");
      if (add) this.addNote(add.dataset.block, "", { focus: true });
    });
    this.sheet.addEventListener("submit", (event) => {
      const form = event.target.closest(".add-form");
      if (!form) return;
      event.preventDefault();
      const field = form.querySelector("textarea");
      const text = field.value.trim() ? field.value : "";
      if (!text) {
        field.focus();
        return;
      }
      this.addNote(form.dataset.block, text.slice(0, this.limit));
      field.value = "";
      field.focus();
    });
    this.sheet.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.closest(".add-form")) {
        event.preventDefault();
        event.target.closest(".add-form").requestSubmit();
      }
    });
  }

  storedColor() {
    try {
      const color = localStorage.getItem("lienzo:color");
      return this.boot.colors.some((c) => c.id === color) ? color : "yellow";
    } catch {
      return "yellow";
    }
  }

  addNote(block, text, { focus = false } = {}) {
    const id = uuid();
    const position = positionAt(this.viewNow(), block, null, id);
    this.outbox.add(uuid(), { note_id: id, block, text, color: this.lastColor },
      { position, created_at: new Date().toISOString() });
    if (!text) this.fresh.add(id);
    this.bases.set(id, 1);
    this.render();
    const li = this.board.element(id);
    if (focus && li) li.lienzo.text.focus();
    return id;
  }

  /** Queue the text of a note if it changed (called when typing pauses and on blur). */
  commitText(id) {
    const li = this.board.element(id);
    if (!this.dirty.has(id) || !li || !li.lienzo.editable || li.classList.contains("is-ghost")) return;
    const text = li.lienzo.text.value;
    const kept = this.kept.get(id);
    if (kept && kept.kind === "conflict") {
      kept.text = text;
      return;
    }
    const note = this.viewNow().get(id);
    this.dirty.delete(id);
    if (!note || note.text === text) return;
    const server = this.state.notes.get(id);
    const base = this.bases.has(id) ? this.bases.get(id) : (server ? server.version : 1);
    this.outbox.edit(uuid(), id, text, base);
    if (text.trim()) this.fresh.delete(id);
  }

  startedTyping(id) {
    const server = this.state.notes.get(id);
    if (server && !this.outbox.queuedFor(id).length && !this.dirty.has(id)) {
      this.bases.set(id, Math.max(this.bases.get(id) || 0, server.version));
    }
    if (server) this.tellEditing(id, true);
    const li = this.board.element(id);
    if (li && li.lienzo.editable) updateCounter(li, li.lienzo.text.value.length, this.limit);
  }

  typed(id) {
    const li = this.board.element(id);
    if (!li) return;
    this.dirty.add(id);
    const left = updateCounter(li, li.lienzo.text.value.length, this.limit);
    if (left <= 0) announce(t("too_long"));
    const kept = this.kept.get(id);
    if (kept && kept.kind === "conflict") kept.text = li.lienzo.text.value;
    else if (kept && kept.kind !== "conflict" && this.state.notes.has(id)) this.kept.delete(id);
  }

  stoppedTyping(id) {
    this.commitText(id);
    this.tellEditing(id, false);
    const li = this.board.element(id);
    if (li) li.lienzo.counter.hidden = true;
    this.scheduleRender();
  }

  /** Tell the others whether this person has note ``id`` open (its "is editing" badge). */
  tellEditing(id, editing) {
    if (!editing && this.editingSent !== id) return;
    if (editing && !this.state.notes.has(id)) return;
    this.connection.tell("note:editing", { note_id: id, editing });
    this.editingSent = editing ? id : null;
  }

  /** Someone else's edit replaced the text this person had saved: keep theirs to copy, and say so. */
  noteReplaced(id, { by, previous }) {
    const kept = this.kept.get(id);
    if (kept && kept.kind === "conflict") return;
    this.kept.set(id, { kind: "replaced", by, previous });
    announce(by ? t("replaced_by", { name: by }) : t("replaced_by_someone"));
  }

  /** The focus left a note: one added with "+" and left empty goes away. */
  leftNote(id) {
    const li = this.board.element(id);
    if (this.fresh.has(id)) {
      this.fresh.delete(id);
      if (li && li.lienzo.editable && !li.lienzo.text.value.trim()) this.deleteNote(id);
    }
    this.scheduleRender();
  }

  setColor(id, color) {
    this.outbox.color(uuid(), id, color);
    this.lastColor = color;
    try {
      localStorage.setItem("lienzo:color", color);
    } catch {
      // not kept: fine
    }
    this.render();
  }

  moveNote(id, block, index, { announce: speak = false } = {}) {
    const view = this.viewNow();
    const note = view.get(id);
    if (!note || (note.block === block && index === null)) {
      this.render();
      return;
    }
    const position = positionAt(view, block, index, id);
    this.outbox.move(uuid(), id, block, index, position);
    this.render(id);
    if (!speak) return;
    announce(t("moved_to", { block: this.blockTitle(block) }));
    const li = this.board.element(id);
    if (li && this.phone.shows(block)) li.querySelector(".note-menu-button").focus();
    else this.focusBlock(note.block);
  }

  deleteNote(id, { announce: speak = false } = {}) {
    const note = this.viewNow().get(id);
    this.kept.delete(id);
    this.fresh.delete(id);
    this.outbox.remove(uuid(), id);
    this.render(id);
    if (speak) {
      announce(t("note_deleted"));
      if (note) this.focusBlock(note.block);
    }
  }

  focusBlock(block) {
    const section = this.sheet.querySelector(`.block[data-block="${CSS.escape(block)}"]`);
    if (!section) return;
    const target = [...section.querySelectorAll(":scope > .add-note, :scope > .add-form textarea")]
      .find((node) => node.offsetParent !== null) || section.querySelector(".block-title");
    if (target.classList.contains("block-title")) target.tabIndex = -1;
    target.focus();
  }

  resolve(id, which) {
    const kept = this.kept.get(id);
    if (!kept) return;
    const li = this.board.element(id);
    const server = this.state.notes.get(id);
    this.kept.delete(id);
    this.dirty.delete(id);
    if (which === "mine") {
      const text = li ? li.lienzo.text.value : kept.text;
      const version = Math.max(server ? server.version : 0, kept.theirs ? kept.theirs.version : 0);
      this.bases.set(id, version);
      this.outbox.edit(uuid(), id, text, version);
    } else {
      const theirs = server || kept.theirs;
      this.bases.set(id, theirs.version);
      if (li) li.lienzo.text.value = theirs.text;
    }
    this.render();
    if (li && li.isConnected) li.lienzo.text.focus();
  }

  dismiss(id) {
    const kept = this.kept.get(id);
    this.kept.delete(id);
    const li = this.board.element(id);
    const focusWasInside = li && li.contains(document.activeElement);
    if (focusWasInside) document.activeElement.blur();
    this.render(id);
    if (!focusWasInside) return;
    if (li && li.isConnected) li.querySelector(".note-menu-button, .note-text").focus();
    else if (kept && kept.note) this.focusBlock(kept.note.block);
  }

  // ---- votes, groups and the facilitator's invitation ----------------------------

  wireVoting() {
    this.sheet.addEventListener("click", (event) => {
      const control = event.target.closest("[data-vote]");
      const li = control && control.closest("li.note");
      if (li && !control.disabled) this.vote(li.dataset.noteId, control.dataset.vote === "add");
    });
    document.getElementById("sort-votes").addEventListener("click", () => {
      this.sortByVotes = !this.sortByVotes;
      announce(t(this.sortByVotes ? "sorted_by_votes" : "sorted_by_place"));
      this.render();
    });
  }

  /** A facilitator downloads this canvas as a PDF (the server put the links in the boot data). */
  wireDownloads() {
    const holder = document.getElementById("canvas-downloads");
    const urls = this.boot.exports && this.boot.exports.canvas_pdf;
    if (!holder || !urls || !this.me.facilitator) return;
    const links = pdfLinks("", t("download_pdf"), urls, (size) => t("download_pdf_size", { size }));
    holder.setAttribute("role", "group");
    holder.setAttribute("aria-label", t("download_canvas"));
    holder.append(...links.childNodes);
    holder.hidden = false;
  }

  /** Send one operation that is not a note change (votes, status); resolves to its ack or null. */
  send(name, payload) {
    return sendOnce(this.connection, name, payload);
  }

  async vote(noteId, adding) {
    if (this.voteBusy.has(noteId)) return;
    this.voteBusy.add(noteId);
    this.render();
    const ack = await this.send(adding ? "vote:add" : "vote:remove", { note_id: noteId });
    this.voteBusy.delete(noteId);
    const note = document.getElementById("vote-note");
    if (ack && ack.ok) {
      this.take(() => this.state.receive(ack.event, true));
      note.textContent = "";
      announce(t(adding ? "vote_given" : "vote_taken_back", { left: ack.event.data.remaining }));
    } else {
      const message = t("not_sent", { reason: reasonOf(ack) });
      note.textContent = message;
      announce(message);
    }
    this.render();
  }

  /** Go to a block: on a phone open it, on a wider screen bring it into view and move there. */
  jumpTo(block) {
    if (!block || !this.blocks.some((b) => b.id === block)) return;
    if (this.phone.narrow) {
      this.phone.open(block);
      return;
    }
    const title = this.sheet.querySelector(`.block[data-block="${CSS.escape(block)}"] > .block-head .block-title`);
    if (!title) return;
    title.tabIndex = -1;
    title.scrollIntoView({ block: "center" });
    title.focus({ preventScroll: true });
  }

  // ---- what the server says -------------------------------------------------

  /** Apply what the server sent, then announce what matters and draw it. */
  take(receive) {
    const before = { controls: this.state.controls, voting: this.state.voting };
    const applied = receive();
    this.afterApply(applied);
    this.live.canvasChanged(applied, before);
  }

  afterApply(applied) {
    this.outbox.prune(this.state.seq);
    for (const envelope of applied) {
      const replaced = this.writers.seen(envelope);
      if (replaced) this.noteReplaced(envelope.data.id, replaced);
      const byOther = envelope.actor && envelope.actor.id !== this.me.id;
      if (envelope.type === "note.added" && byOther && Date.now() - this.lastAdded > 4000) {
        this.lastAdded = Date.now();
        announce(t("note_added", { block: this.blockTitle(envelope.data.block) }));
      }
    }
    this.checkGap();
    this.scheduleRender();
  }

  checkGap() {
    if (!this.state.hasGap) {
      clearTimeout(this.gapTimer);
      this.gapTimer = null;
    } else if (!this.gapTimer) {
      this.gapTimer = setTimeout(() => this.resync(), GAP_WAIT_MS);
    }
  }

  async resync(always = false) {
    clearTimeout(this.gapTimer);
    this.gapTimer = null;
    if ((!always && !this.state.hasGap) || !this.connection.joined) return;
    try {
      const ack = await this.connection.request("canvas:resync", { last_seq: this.state.seq });
      if (ack.ok) this.take(() => this.state.sync(ack));
    } catch {
      // the next join (after a reconnect) catches up anyway
    }
    this.checkGap();
  }

  /** The whole canvas again, as the server shows it to this person now (after a setting changed what that is). */
  async reload() {
    if (!this.connection.joined) return; // the next join brings it anyway
    try {
      const ack = await this.connection.request("canvas:resync", { last_seq: null });
      if (ack.ok) this.take(() => this.state.sync(ack));
    } catch {
      // the next join (after a reconnect) brings it anyway
    }
  }

  /** The server's message queue was away, so events may have been missed: catch up from the last seq. */
  async catchUp() {
    await this.resync(true);
    try {
      const ack = await this.connection.request("workshop:state", {});
      if (ack.ok) this.live.stateAgain(ack);
    } catch {
      // the next join (after a reconnect) brings the workshop's state anyway
    }
  }

  joined(ack) {
    this.live.joined(ack);
    this.take(() => this.state.sync(ack));
    this.people.reset(ack.presence, ack.editing);
    this.outbox.setOnline(true);
    const li = this.board.focusedNote();
    if (li && li.lienzo.editable && document.activeElement === li.lienzo.text) this.startedTyping(li.dataset.noteId);
    this.render();
    this.page.dataset.ready = "true";
  }

  left() {
    this.outbox.setOnline(false);
    this.people.clearEditing();
    this.editingSent = null;
    this.scheduleRender();
  }

  acked(op, ack) {
    const id = op.payload.note_id;
    if ((op.name === "note:edit" || op.name === "note:add") && ack.event) this.writers.wrote(op.op_id, ack.event);
    if (ack.event) this.take(() => this.state.receive(ack.event, true));
    if (op.name === "note:edit" && ack.event && ack.event.data) {
      const version = ack.event.data.version;
      this.outbox.rebase(id, version);
      this.bases.set(id, Math.max(this.bases.get(id) || 0, version));
    }
    if (op.name === "note:add") {
      this.bases.set(id, Math.max(this.bases.get(id) || 0, 1));
      const li = this.board.element(id);
      if (li && li.lienzo.editable && document.activeElement === li.lienzo.text) this.startedTyping(id);
    }
    if (!this.outbox.queuedFor(id).length) {
      this.savedAt.set(id, Date.now());
      setTimeout(() => this.scheduleRender(), SAVED_SHOWN_MS + 50);
    }
  }

  failed(op, ack) {
    const id = op.payload.note_id;
    const code = ack.error && ack.error.code;
    const li = this.board.element(id);
    const typing = li && li.lienzo.editable && document.activeElement === li.lienzo.text;
    if (code === "conflict") {
      const dropped = this.outbox.dropEdits(id);
      const mine = typing ? li.lienzo.text.value : (dropped !== null ? dropped : op.payload.text);
      this.kept.set(id, { kind: "conflict", text: mine, theirs: ack.note });
      announce(t("conflict_title"));
      return;
    }
    const message = t(ERROR_KEYS[code] || "error_generic") || t("error_generic");
    if (op.name === "note:add" || op.name === "note:edit") {
      const known = this.current.get(id);
      const text = typing ? li.lienzo.text.value : op.payload.text;
      if (op.name === "note:add") this.outbox.dropNote(id); // its later edits cannot succeed
      this.kept.set(id, { kind: "error", message, text, note: known ? { ...known, text } : null });
    } else {
      this.kept.set(id, { kind: "notice", message });
    }
    announce(message);
  }

  refused(code) {
    this.outbox.setOnline(false);
    let banner = document.getElementById("canvas-banner");
    if (!banner) {
      banner = document.createElement("p");
      banner.id = "canvas-banner";
      banner.className = "banner banner-error";
      banner.setAttribute("role", "alert");
      this.page.prepend(banner);
    }
    banner.textContent = code === "forbidden" ? t("session_ended") : t(ERROR_KEYS[code] || "error_generic");
  }

  showConnection(name, reason = null) {
    showConnectionState(name, reason);
    this.scheduleRender();
  }
}

window.lienzoCanvas = startPage((boot) => new CanvasPage(boot));
