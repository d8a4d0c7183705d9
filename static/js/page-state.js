// One state for the canvas page, and the only way to change it. It holds the
// canvas as the server last told it (a CanvasState, by seq) and the person's own
// side of it: the operations not yet acknowledged (the outbox), the version each
// typed text is based on, notes typed in since last queued, notes just added
// with "+", texts kept after a conflict or an error, when each note was last
// saved, votes on their way and the sort order. Every change goes through a
// named method, which marks what changed; one render is then scheduled per
// animation frame, and every view of the page renders from this state in it.
// Methods that change only what no view shows (a keystroke's `dirty`, a base
// version) mark nothing, so typing never re-renders 150 notes per keystroke.

import { uuid } from "./ids.js";
import { CanvasState } from "./state.js";
import { buildView, positionAt } from "./view.js";

/** How long a note says "Saved" after its last operation was acknowledged. */
export const SAVED_SHOWN_MS = 2500;
const COLOR_KEY = "lienzo:color";

function browserFrame(callback) {
  return requestAnimationFrame(callback);
}

export class PageState {
  // The person's side, private: only the methods below change it.
  #keptNotes = new Map(); // note id → {kind: conflict|error|notice|replaced, text?, theirs?, message?, note?}
  #bases = new Map(); // note id → the version the person's text is based on
  #fresh = new Set(); // notes just added with "+", dropped if left empty
  #dirty = new Set(); // notes typed in since their text was last queued
  #savedAt = new Map(); // note id → when its last operation was acknowledged
  #votesOnTheirWay = new Set(); // notes whose vote is on its way
  #sortByVotes = false;
  #lastColor = "yellow";
  #shown = new Map(); // the notes as last rendered
  // Rendering: subscribers, what changed since the last render, and a count for tests.
  #views = [];
  #pending = new Set();
  #release = null;
  #queued = false;
  #rendering = false;
  #renders = 0;
  #lastChanges = [];
  #server;
  #frame;
  #storage;

  /**
   * @param {object} options controls (the boot's), me, outbox (an Outbox: the queue of the person's
   *   operations), colors (ids the person may pick), frame (schedules a callback for the next frame;
   *   tests pass their own), storage (where the last colour is remembered; localStorage by default)
   */
  constructor({ controls = null, me, outbox = null, colors = null, frame = browserFrame, storage = undefined }) {
    this.me = me;
    this.#server = new CanvasState(controls);
    this.outbox = outbox;
    this.#frame = frame;
    this.#storage = storage === undefined ? (globalThis.localStorage || null) : storage;
    this.#lastColor = this.storedColor(colors);
  }

  // ---- reading ------------------------------------------------------------------------

  get seq() { return this.#server.seq; }
  since() { return this.#server.since(); }
  get notes() { return this.#server.notes; }
  get controls() { return this.#server.controls; }
  get voting() { return this.#server.voting; }
  get clusters() { return this.#server.clusters; }
  get hasGap() { return this.#server.hasGap; }
  get ready() { return this.#server.ready; }
  get sortByVotes() { return this.#sortByVotes; }
  get lastColor() { return this.#lastColor; }
  /** How many times the views rendered, and what had changed for the last one (for tests). */
  get renders() { return this.#renders; }
  get lastChanges() { return [...this.#lastChanges]; }

  /** The notes as this person sees them now: the server's, with their own unacknowledged operations over them. */
  view() {
    return buildView(this.#server, this.outbox ? this.outbox.overlay() : [], this.me);
  }

  noteOf(id) {
    return this.view().get(id) || null;
  }

  kept(id) {
    return this.#keptNotes.get(id) || null;
  }

  keptEntries() {
    return [...this.#keptNotes];
  }

  isDirty(id) {
    return this.#dirty.has(id);
  }

  voteBusy(id) {
    return this.#votesOnTheirWay.has(id);
  }

  /** "saving"/"pending" while an operation on the note waits, "saved" for a moment after, else null. */
  statusOf(id) {
    if (this.outbox && this.outbox.queuedFor(id).length) return this.outbox.online ? "saving" : "pending";
    const saved = this.#savedAt.get(id);
    if (saved && Date.now() - saved < SAVED_SHOWN_MS) return "saved";
    return null;
  }

  /** Whether the notes are drawn by votes, most first (only once the vote is closed). */
  get byVotes() {
    const voting = this.#server.voting;
    return this.#sortByVotes && Boolean(voting) && voting.round.status === "closed";
  }

  // ---- rendering -------------------------------------------------------------------------

  /** A view to render on every change: `render({changes, release, view})`, in the order subscribed. */
  subscribe(render) {
    this.#views.push(render);
    return () => {
      this.#views = this.#views.filter((view) => view !== render);
    };
  }

  /** Mark what changed (words such as "server", "outbox", "presence") and render once in the next frame. */
  touch(...what) {
    for (const word of what) this.#pending.add(word);
    if (this.#queued || this.#rendering) return;
    this.#queued = true;
    this.#frame(() => {
      this.#queued = false;
      this.flush();
    });
  }

  /**
   * Render now what changed, not waiting for the frame (when the focus must go to what
   * the change draws). `release`: a focused note that may move anyway (the person moved it).
   */
  flush(release = null) {
    if (release) this.#release = release;
    if (this.#rendering || !this.#pending.size) return;
    const changes = this.#pending;
    this.#pending = new Set();
    const frame = { changes, release: this.#release, view: this.view() };
    this.#release = null;
    this.#shown = frame.view;
    this.#rendering = true;
    try {
      for (const render of this.#views) render(frame);
    } finally {
      this.#rendering = false;
      this.#renders += 1;
      this.#lastChanges = [...changes];
    }
    if (this.#pending.size) this.touch(); // changed while drawing (a note kept as it vanished): the next frame
  }

  /** Draw again though nothing changed here (the page moved an element that must go back). */
  redraw(release = null) {
    this.touch("redraw");
    this.flush(release);
  }

  // ---- what the server says ---------------------------------------------------------------

  /** Take one change envelope (`full`: its whole form); returns the envelopes applied. */
  receive(envelope, full = false) {
    return this.#settle(this.#server.receive(envelope, full));
  }

  /** Take a canvas:join or canvas:resync answer; returns the envelopes applied. */
  sync(ack) {
    return this.#settle(this.#server.sync(ack));
  }

  #settle(applied) {
    if (this.outbox) this.outbox.prune(this.#server.seq);
    this.touch("server");
    return applied;
  }

  // ---- the person's notes -------------------------------------------------------------------

  /** A new note at the end of `block`; returns its id. An empty one ("+") goes if left empty. */
  addNote(block, text) {
    const id = uuid();
    const position = positionAt(this.view(), block, null, id);
    this.outbox.add(uuid(), { note_id: id, block, text, color: this.#lastColor },
      { position, created_at: new Date().toISOString() });
    if (!text) this.#fresh.add(id);
    this.#bases.set(id, 1);
    this.touch("notes");
    return id;
  }

  /** The person opened a note to type: their text is based on the version they see. */
  startTyping(id) {
    const server = this.#server.notes.get(id);
    if (server && !this.outbox.queuedFor(id).length && !this.#dirty.has(id)) {
      this.#bases.set(id, Math.max(this.#bases.get(id) || 0, server.version));
    }
  }

  /** A keystroke in note `id` (its whole text now). */
  typed(id, text) {
    this.#dirty.add(id);
    const kept = this.#keptNotes.get(id);
    if (kept && kept.kind === "conflict") kept.text = text;
    else if (kept && this.#server.notes.has(id)) {
      this.#keptNotes.delete(id); // typing again answers an error or a notice
      this.touch("kept");
    }
  }

  /** Queue the text of a note typed in (typing paused, or the note lost focus). */
  commit(id, text) {
    if (!this.#dirty.has(id)) return;
    const kept = this.#keptNotes.get(id);
    if (kept && kept.kind === "conflict") {
      kept.text = text;
      return;
    }
    const note = this.view().get(id);
    this.#dirty.delete(id);
    if (!note || note.text === text) return;
    const server = this.#server.notes.get(id);
    const base = this.#bases.has(id) ? this.#bases.get(id) : (server ? server.version : 1);
    this.outbox.edit(uuid(), id, text, base);
    if (text.trim()) this.#fresh.delete(id);
  }

  /** The focus left note `id`: true if it was just added with "+" (and so goes if empty). */
  leave(id) {
    const fresh = this.#fresh.delete(id);
    this.touch("focus");
    return fresh;
  }

  colorNote(id, color) {
    this.outbox.color(uuid(), id, color);
    this.#lastColor = color;
    try {
      if (this.#storage) this.#storage.setItem(COLOR_KEY, color);
    } catch {
      // not kept: fine
    }
    this.touch("notes");
  }

  /** Move a note to `index` in `block` (null: the end); returns the note as it was, or null if it stays. */
  moveNote(id, block, index) {
    const view = this.view();
    const note = view.get(id);
    if (!note || (note.block === block && index === null)) {
      this.touch("notes");
      return null;
    }
    this.outbox.move(uuid(), id, block, index, positionAt(view, block, index, id));
    this.#release = id;
    this.touch("notes");
    return note;
  }

  /** Delete a note; returns it as it was (null if unknown). */
  deleteNote(id) {
    const note = this.view().get(id) || null;
    this.#keptNotes.delete(id);
    this.#fresh.delete(id);
    this.outbox.remove(uuid(), id);
    this.#release = id;
    this.touch("notes");
    return note;
  }

  storedColor(colors) {
    try {
      const color = this.#storage && this.#storage.getItem(COLOR_KEY);
      return colors && colors.includes(color) ? color : "yellow";
    } catch {
      return "yellow";
    }
  }

  // ---- what came back for the person's operations -------------------------------------------

  /** The server took an operation on note `id`; `version` the note's new version, if an edit. */
  acknowledged(op, version = null) {
    const id = op.payload.note_id;
    if (op.name === "note:edit" && version !== null) {
      this.outbox.rebase(id, version);
      this.#bases.set(id, Math.max(this.#bases.get(id) || 0, version));
    }
    if (op.name === "note:add") this.#bases.set(id, Math.max(this.#bases.get(id) || 0, 1));
    if (!this.outbox.queuedFor(id).length) {
      this.#savedAt.set(id, Date.now());
      this.touch("saved");
      setTimeout(() => this.touch("saved"), SAVED_SHOWN_MS + 50);
    }
  }

  /**
   * Someone else saved the note first: keep both texts until the person picks one.
   * `typing`: the text in the note now, if the person is typing in it.
   */
  conflict(op, { typing = null, theirs }) {
    const id = op.payload.note_id;
    const dropped = this.outbox.dropEdits(id);
    const text = typing !== null ? typing : (dropped !== null ? dropped : op.payload.text);
    this.#keptNotes.set(id, { kind: "conflict", text, theirs });
    this.touch("kept");
  }

  /** An operation on note `id` was refused for good: keep the text (and the note, to copy it) with why. */
  refused(op, { message, text = null }) {
    const id = op.payload.note_id;
    if (op.name === "note:add" || op.name === "note:edit") {
      const known = this.#shown.get(id);
      if (op.name === "note:add") this.outbox.dropNote(id); // its later edits cannot succeed
      const kept = text !== null ? text : op.payload.text;
      this.#keptNotes.set(id, { kind: "error", message, text: kept, note: known ? { ...known, text: kept } : null });
    } else {
      this.#keptNotes.set(id, { kind: "notice", message });
    }
    this.touch("kept");
  }

  /** Someone else's edit replaced the text this person saved; false when a conflict is open there already. */
  replaced(id, { by, previous }) {
    const kept = this.#keptNotes.get(id);
    if (kept && kept.kind === "conflict") return false;
    this.#keptNotes.set(id, { kind: "replaced", by, previous });
    this.touch("kept");
    return true;
  }

  /** The note being typed in vanished (someone deleted it): keep it, with its text, to copy. */
  vanished(id, { text, note, message }) {
    if (this.#keptNotes.has(id)) return false;
    this.#keptNotes.set(id, { kind: "error", message, text, note });
    this.touch("kept");
    return true;
  }

  /** Forget kept texts about notes that are gone and have nothing to show. */
  forgetGone(view) {
    for (const [id, kept] of this.#keptNotes) {
      if (!view.has(id) && !kept.note) this.#keptNotes.delete(id);
    }
  }

  /**
   * The person picked a text after a conflict: "mine" queues `text` (theirs as base),
   * "theirs" takes the server's. Returns the text the note shows now, or null if nothing was kept.
   */
  resolve(id, which, text = null) {
    const kept = this.#keptNotes.get(id);
    if (!kept) return null;
    const server = this.#server.notes.get(id);
    this.#keptNotes.delete(id);
    this.#dirty.delete(id);
    this.touch("kept");
    if (which === "mine") {
      const mine = text !== null ? text : kept.text;
      const version = Math.max(server ? server.version : 0, kept.theirs ? kept.theirs.version : 0);
      this.#bases.set(id, version);
      this.outbox.edit(uuid(), id, mine, version);
      return mine;
    }
    const theirs = server || kept.theirs;
    this.#bases.set(id, theirs.version);
    return theirs.text;
  }

  /** Close what was kept about note `id`; returns it. */
  dismiss(id) {
    const kept = this.#keptNotes.get(id) || null;
    this.#keptNotes.delete(id);
    this.#release = id;
    this.touch("kept");
    return kept;
  }

  // ---- votes and order ----------------------------------------------------------------------

  /** A vote on note `id` is on its way; false if one is already. */
  voteSent(id) {
    if (this.#votesOnTheirWay.has(id)) return false;
    this.#votesOnTheirWay.add(id);
    this.touch("votes");
    return true;
  }

  voteAnswered(id) {
    this.#votesOnTheirWay.delete(id);
    this.touch("votes");
  }

  /** Draw by votes or by place; returns whether by votes now. */
  toggleSort() {
    this.#sortByVotes = !this.#sortByVotes;
    this.touch("order");
    return this.#sortByVotes;
  }
}
