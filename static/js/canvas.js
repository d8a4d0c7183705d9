// The canvas page: wires the server's boot data and the live connection to the
// page's one state (page-state.js: the server's canvas by seq and the person's
// side of it), and draws the notes from that state once per change-frame.

import { announce, initAnnouncer } from "./announce.js";
import { Board } from "./board.js";
import { initBoardView } from "./board-view.js";
import { CanvasLive } from "./canvas-live.js";
import { Connection } from "./connection.js";
import { initDragAndDrop } from "./dragdrop.js";
import { t } from "./i18n.js";
import { updateCounter } from "./note-element.js";
import { NoteMenus } from "./note-menu.js";
import { Outbox } from "./outbox.js";
import { PageState } from "./page-state.js";
import { showConnectionState, startPage } from "./page.js";
import { People } from "./people.js";
import { pdfLinks } from "./downloads.js";
import { tablePhase } from "./phase.js";
import { initPhoneView } from "./phone.js";
import { reasonOf, sendOnce } from "./send.js";
import { isRedacted } from "./state.js";
import { initTyping } from "./typing.js";
import { byBlock, withGroups } from "./view.js";
import { NoteWriters } from "./note-writers.js";

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

    this.editingSent = null;
    this.gapTimer = null;
    this.lastAdded = 0;

    initAnnouncer(document.getElementById("announcer"));
    this.outbox = new Outbox(`lienzo:outbox:${this.canvasId}:${this.me.id}`, {
      transport: (name, data) => this.connection.request(name, data),
      acked: (op, ack) => this.acked(op, ack),
      failed: (op, ack) => this.failed(op, ack),
      changed: () => this.state.touch("outbox"),
    });
    // The page's one state: every change goes through its methods, and every view draws from it.
    this.state = new PageState({
      controls: { notes_editable_by_all: boot.canvas.notes_editable_by_all },
      me: this.me, outbox: this.outbox, colors: this.colors.map((c) => c.id),
    });
    this.live = new CanvasLive(this);
    this.writers = new NoteWriters(this.me, (opId) => this.outbox.ops.some((op) => op.op_id === opId));
    this.people = new People(document.getElementById("presence"), this.me);
    this.people.render();
    this.board = new Board(this.sheet, {
      editable: (note) => this.canChange(note),
      stackable: (note) => Boolean(this.menus) && !isRedacted(note) && this.menus.stacks.mayGroup(),
      limits: boot.limits,
      actions: { resolve: (id, which) => this.resolve(id, which), dismiss: (id) => this.dismiss(id) },
    });
    this.phone = initPhoneView(this.page);
    this.boardView = initBoardView(this.page, this.sheet, boot);
    this.menus = new NoteMenus(this.sheet, this);
    initTyping(this.sheet, this);
    initDragAndDrop(this.board, {
      drop: (id, block, index, moved) => (moved ? this.moveNote(id, block, index) : this.state.redraw()),
      isServerNote: (id, block) => this.state.notes.has(id) && this.state.notes.get(id).block === block,
      stack: (id, onto) => this.menus.stacks.stack(id, onto),
      mayStack: () => this.menus.stacks.mayGroup(),
    });
    this.wireAdding();
    this.wireVoting();
    this.wireDownloads();
    this.state.subscribe((frame) => this.render(frame));
    this.state.redraw();

    this.connection = new Connection({
      token: boot.token,
      canvasId: this.canvasId,
      since: () => this.state.since(),
      state: (name, reason) => this.showConnection(name, reason),
      joined: (ack) => this.joined(ack),
      resync: () => this.catchUp(),
      left: () => this.left(),
      change: (envelope) => this.take(() => this.state.receive(envelope)),
      presence: (event) => { this.people.presence(event); this.state.touch("presence"); },
      editing: (event) => {
        if (event.by && event.by.id !== this.me.id) this.people.setEditing(event.note_id, event.by, event.editing);
        this.state.touch("presence");
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

  noteOf(id) {
    return this.state.noteOf(id);
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
    return { open: true, mine, busy: this.state.voteBusy(note.id),
      canAdd: online && voting.remaining > 0 && mine < round.max_per_note, canRemove: online && mine > 0 };
  }

  blockTitle(id) {
    const block = this.blocks.find((b) => b.id === id);
    return block ? block.title : id;
  }

  item(note, cluster = null) {
    const kept = this.state.kept(note.id);
    const server = this.state.notes.get(note.id);
    const color = this.colors.find((c) => c.id === note.color);
    return {
      note,
      kept,
      theirs: kept && kept.kind === "conflict" ? (server ? server.text : kept.theirs && kept.theirs.text) : null,
      theirsBy: kept && kept.kind === "conflict" ? this.writers.lastWriter(note.id) : null,
      status: this.state.statusOf(note.id),
      editors: this.people.editorsOf(note.id),
      colorLabel: color ? color.label : "",
      authorLabel: this.authorLabel(note),
      privacy: this.privacyOf(note),
      vote: this.voteOf(note),
      cluster,
    };
  }

  /** Draw the page from its state: the notes, the live session around them, the pending count. */
  render({ view, release }) {
    if (this.live.over) return;
    this.keepVanishedFocus(view);
    this.state.forgetGone(view);
    const groups = new Map();
    const hidden = new Map();
    const clusters = this.state.clusters;
    const byVotes = this.state.byVotes;
    for (const [block, notes] of byBlock(view)) {
      const shown = notes.filter((note) => !isRedacted(note));
      if (shown.length < notes.length) hidden.set(block, notes.length - shown.length);
      groups.set(block, withGroups(shown, clusters, byVotes).map(
        (entry) => (entry.head ? entry : this.item(entry.note, entry.cluster || null))));
    }
    for (const [id, kept] of this.state.keptEntries()) {
      if (view.has(id)) continue;
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
    if (view.has(id) || this.state.kept(id)) return;
    const previous = li.lienzo.lastNote;
    const text = li.lienzo.editable ? li.lienzo.text.value : li.lienzo.text.textContent;
    const note = previous || { id, block: li.dataset.block, text, color: "yellow", author: null };
    if (this.state.vanished(id, { text, note, message: t("error_not_found") })) announce(t("error_not_found"));
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

  addNote(block, text, { focus = false } = {}) {
    const id = this.state.addNote(block, text);
    this.state.flush();
    const li = this.board.element(id);
    if (focus && li) li.lienzo.text.focus();
    return id;
  }

  /** Queue the text of a note if it changed (called when typing pauses and on blur). */
  commitText(id) {
    const li = this.board.element(id);
    if (!this.state.isDirty(id) || !li || !li.lienzo.editable || li.classList.contains("is-ghost")) return;
    this.state.commit(id, li.lienzo.text.value);
  }

  startedTyping(id) {
    this.state.startTyping(id);
    if (this.state.notes.has(id)) this.tellEditing(id, true);
    const li = this.board.element(id);
    if (li && li.lienzo.editable) updateCounter(li, li.lienzo.text.value.length, this.limit);
  }

  typed(id) {
    const li = this.board.element(id);
    if (!li) return;
    this.state.typed(id, li.lienzo.text.value);
    const left = updateCounter(li, li.lienzo.text.value.length, this.limit);
    if (left <= 0) announce(t("too_long"));
  }

  stoppedTyping(id) {
    this.commitText(id);
    this.tellEditing(id, false);
    const li = this.board.element(id);
    if (li) li.lienzo.counter.hidden = true;
    this.state.touch("focus");
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
    if (!this.state.replaced(id, { by, previous })) return;
    announce(by ? t("replaced_by", { name: by }) : t("replaced_by_someone"));
  }

  /** The focus left a note: one added with "+" and left empty goes away. */
  leftNote(id) {
    const li = this.board.element(id);
    if (this.state.leave(id) && li && li.lienzo.editable && !li.lienzo.text.value.trim()) this.deleteNote(id);
  }

  setColor(id, color) {
    this.state.colorNote(id, color);
    this.state.flush();
  }

  moveNote(id, block, index, { announce: speak = false } = {}) {
    const note = this.state.moveNote(id, block, index);
    this.state.flush();
    if (!note || !speak) return;
    announce(t("moved_to", { block: this.blockTitle(block) }));
    const li = this.board.element(id);
    if (li && this.phone.shows(block)) li.querySelector(".note-menu-button").focus();
    else this.focusBlock(note.block);
  }

  deleteNote(id, { announce: speak = false } = {}) {
    const note = this.state.deleteNote(id);
    this.state.flush();
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
    const li = this.board.element(id);
    const text = this.state.resolve(id, which, which === "mine" && li ? li.lienzo.text.value : null);
    if (text === null) return;
    if (which !== "mine" && li) li.lienzo.text.value = text;
    this.state.flush();
    if (li && li.isConnected) li.lienzo.text.focus();
  }

  dismiss(id) {
    const kept = this.state.dismiss(id);
    const li = this.board.element(id);
    const focusWasInside = li && li.contains(document.activeElement);
    if (focusWasInside) document.activeElement.blur();
    this.state.flush();
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
      announce(t(this.state.toggleSort() ? "sorted_by_votes" : "sorted_by_place"));
      this.state.flush();
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
    if (!this.state.voteSent(noteId)) return;
    this.state.flush();
    const ack = await this.send(adding ? "vote:add" : "vote:remove", { note_id: noteId });
    this.state.voteAnswered(noteId);
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
    this.state.flush();
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
      const ack = await this.connection.request("canvas:resync", this.state.since());
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
    this.state.redraw();
    this.page.dataset.ready = "true";
  }

  left() {
    this.outbox.setOnline(false);
    this.people.clearEditing();
    this.editingSent = null;
    this.state.touch("connection");
  }

  acked(op, ack) {
    const id = op.payload.note_id;
    if ((op.name === "note:edit" || op.name === "note:add") && ack.event) this.writers.wrote(op.op_id, ack.event);
    if (ack.event) this.take(() => this.state.receive(ack.event, true));
    const edited = op.name === "note:edit" && ack.event && ack.event.data;
    this.state.acknowledged(op, edited ? ack.event.data.version : null);
    if (op.name === "note:add") {
      const li = this.board.element(id);
      if (li && li.lienzo.editable && document.activeElement === li.lienzo.text) this.startedTyping(id);
    }
  }

  failed(op, ack) {
    const id = op.payload.note_id;
    const code = ack.error && ack.error.code;
    const li = this.board.element(id);
    const typing = li && li.lienzo.editable && document.activeElement === li.lienzo.text;
    if (code === "conflict") {
      this.state.conflict(op, { typing: typing ? li.lienzo.text.value : null, theirs: ack.note });
      announce(t("conflict_title"));
      return;
    }
    // A phase's refusal names the phase and what it does not allow: the server's own words.
    const phaseRefusal = code === "locked" && tablePhase(this.live.workshop.state.recipe, this.canvasId)
      && ack.error && ack.error.message;
    const message = phaseRefusal || t(ERROR_KEYS[code] || "error_generic") || t("error_generic");
    this.state.refused(op, { message, text: typing ? li.lienzo.text.value : null });
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
    this.state.touch("connection");
  }
}

window.lienzoCanvas = startPage((boot) => new CanvasPage(boot));
