// The outbox: every operation the person makes, kept (in localStorage, per canvas
// and person) until the server acknowledges it, then sent one at a time in order
// under its op_id. A retry after a reconnect or a reload reuses the same op_id,
// so the server applies it at most once.
//
// The same person may have the canvas open in several tabs of one browser, which
// share localStorage. So each tab stores its queue under its own key, stamped with
// the time it was last alive (0 once the tab is closing), and a tab takes over the
// queue of a tab that was closed or died: on opening (a reload finds its previous
// self closed) and every few seconds after. Ops taken over count as already sent,
// so they are never merged with new typing: they go out exactly as they were (and a
// tab that finds its queue taken over treats its own the same way).

import { uuid } from "./ids.js";

const RETRY_LATER = new Set(["unavailable", "rate_limited"]);
const ALIVE_EVERY_MS = 3000;
// A tab silent for this long has died (a closed tab says so at once). Browsers run the
// timers of a tab hidden for a while only once a minute, so this must be longer.
const GONE_AFTER_MS = 75000;

function validOps(list) {
  return Array.isArray(list)
    ? list.filter((op) => op && typeof op.op_id === "string" && typeof op.name === "string" && op.payload)
    : [];
}

function lastOf(list, test) {
  for (let i = list.length - 1; i >= 0; i -= 1) if (test(list[i])) return list[i];
  return null;
}

export class Outbox {
  /**
   * @param {string} key localStorage key
   * @param {object} hooks transport(name, data) → Promise<ack>; acked(op, ack); failed(op, ack); changed()
   */
  constructor(key, hooks) {
    this.key = key; // this canvas and person; each tab's queue is under `${key}:tab:<id>`
    this.ownKey = `${key}:tab:${uuid()}`;
    this.hooks = hooks;
    this.ops = [];
    this.closing = false;
    this.settled = []; // acked ops whose event the canvas state has not reached yet: {op, seq}
    this.online = false;
    this.inflight = null;
    this.attempt = 0;
    this.failures = 0;
    this.retryTimer = null;
    this.takeOver();
    setInterval(() => {
      this.checkTakenOver();
      if (this.ops.length) this.save(); // still alive
      if (this.takeOver()) this.changed();
    }, ALIVE_EVERY_MS);
    window.addEventListener("pagehide", () => {
      this.closing = true;
      this.save();
    });
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted) return; // back from the back-forward cache: alive again
      this.closing = false;
      this.save();
    });
  }

  /** Queues of this canvas and person left by tabs that are gone (and by older
   * versions of this page, which kept one queue under `key`): take them over. */
  takeOver() {
    let found = false;
    try {
      const keys = [];
      for (let i = 0; i < localStorage.length; i += 1) keys.push(localStorage.key(i));
      const taken = [];
      for (const key of keys) {
        if (key !== this.key && (!key.startsWith(`${this.key}:tab:`) || key === this.ownKey)) continue;
        const stored = JSON.parse(localStorage.getItem(key) || "null");
        const entry = Array.isArray(stored) ? { alive: 0, ops: stored } : stored;
        if (!entry || Date.now() - (Number(entry.alive) || 0) < GONE_AFTER_MS) continue;
        const known = new Set(this.ops.map((op) => op.op_id));
        for (const op of validOps(entry.ops)) {
          if (!known.has(op.op_id)) this.ops.push({ ...op, sent: true });
        }
        taken.push(key);
      }
      if (!taken.length) return false;
      this.save(); // ours first, so a crash in between loses nothing
      for (const key of taken) localStorage.removeItem(key);
      found = true;
    } catch {
      // Storage disabled or unreadable: nothing to take over.
    }
    return found;
  }

  /** If another tab took this queue over (it thought this tab gone), both may send it: that is
   * harmless under op_id, as long as no op changes after the other copy left, so none may. */
  checkTakenOver() {
    if (!this.ops.length) return;
    try {
      if (localStorage.getItem(this.ownKey) !== null) return;
    } catch {
      return;
    }
    for (const op of this.ops) op.sent = true;
    this.save();
  }

  save() {
    try {
      if (this.ops.length) {
        localStorage.setItem(this.ownKey, JSON.stringify({ alive: this.closing ? 0 : Date.now(), ops: this.ops }));
      } else {
        localStorage.removeItem(this.ownKey);
      }
    } catch {
      // Storage full or disabled: the queue still lives in memory.
    }
  }

  get size() {
    return this.ops.length;
  }

  /** Ops to lay over the server's state: acked-but-not-yet-seen ones, then the queue. */
  overlay() {
    return [...this.settled.map((s) => s.op), ...this.ops];
  }

  /** Forget acked ops once the canvas state has reached their seq. */
  prune(seq) {
    if (seq === null) return;
    this.settled = this.settled.filter((s) => s.seq > seq);
  }

  queuedFor(noteId) {
    return this.ops.filter((op) => op.payload.note_id === noteId);
  }

  isInflight(noteId) {
    return Boolean(this.inflight && this.inflight.payload.note_id === noteId);
  }

  push(op) {
    this.ops.push(op);
    this.changed();
    return op;
  }

  changed() {
    this.save();
    this.hooks.changed();
    this.pump();
  }

  makeOp(opId, name, payload, local = {}) {
    return { op_id: opId, name, payload, local, sent: false };
  }

  lastUnsent(noteId) {
    this.checkTakenOver();
    const last = lastOf(this.ops, (op) => op.payload.note_id === noteId);
    return last && !last.sent ? last : null;
  }

  add(opId, payload, local) {
    return this.push(this.makeOp(opId, "note:add", payload, local));
  }

  /** Queue a text edit. `base` is the note version the person's text started from. */
  edit(opId, noteId, text, base) {
    const last = this.lastUnsent(noteId);
    if (last && (last.name === "note:add" || last.name === "note:edit")) {
      last.payload.text = text;
      this.changed();
      return last;
    }
    const earlier = lastOf(this.ops, (op) => op.payload.note_id === noteId
      && (op.name === "note:add" || op.name === "note:edit"));
    const version = earlier ? (earlier.name === "note:add" ? 1 : earlier.payload.version) : base;
    return this.push(this.makeOp(opId, "note:edit", { note_id: noteId, text, version }));
  }

  color(opId, noteId, color) {
    const last = this.lastUnsent(noteId);
    if (last && (last.name === "note:add" || last.name === "note:color")) {
      last.payload.color = color;
      this.changed();
      return last;
    }
    return this.push(this.makeOp(opId, "note:color", { note_id: noteId, color }));
  }

  move(opId, noteId, block, index, position) {
    const last = this.lastUnsent(noteId);
    if (last && index === null && (last.name === "note:add" || last.name === "note:move")) {
      last.payload.block = block;
      if (last.name === "note:move") delete last.payload.index;
      last.local = { ...last.local, position };
      this.changed();
      return last;
    }
    const payload = { note_id: noteId, block };
    if (index !== null) payload.index = index;
    return this.push(this.makeOp(opId, "note:move", payload, { position }));
  }

  /** Queue a delete; a note the server never saw is simply forgotten. */
  remove(opId, noteId) {
    const neverSent = this.ops.some((op) => op.name === "note:add" && op.payload.note_id === noteId && !op.sent);
    this.ops = this.ops.filter((op) => op.payload.note_id !== noteId || op.sent);
    if (neverSent) {
      this.changed();
      return null;
    }
    return this.push(this.makeOp(opId, "note:delete", { note_id: noteId }));
  }

  /** Later edits of a note continue from the version the server just gave it. */
  rebase(noteId, version) {
    for (const op of this.ops) {
      if (op.name === "note:edit" && op.payload.note_id === noteId) op.payload.version = version;
    }
    this.save();
  }

  /** Drop queued edits of a note (after a conflict); returns the newest text among them. */
  dropEdits(noteId) {
    let text = null;
    this.ops = this.ops.filter((op) => {
      if (op === this.inflight || op.name !== "note:edit" || op.payload.note_id !== noteId) return true;
      text = op.payload.text;
      return false;
    });
    this.save();
    return text;
  }

  /** Forget every queued operation on a note (not the one on its way). */
  dropNote(noteId) {
    this.ops = this.ops.filter((op) => op === this.inflight || op.payload.note_id !== noteId);
    this.save();
  }

  discard(op) {
    this.ops = this.ops.filter((o) => o !== op);
    this.save();
  }

  setOnline(online) {
    this.online = online;
    if (!online) {
      this.attempt += 1; // any answer still on its way belongs to a dead connection
      this.inflight = null;
    }
    this.hooks.changed();
    if (online) {
      this.failures = 0;
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.pump();
    }
  }

  retryLater() {
    this.failures += 1;
    const delay = Math.min(15000, 1000 * 2 ** Math.min(this.failures - 1, 4)) * (0.75 + Math.random() / 2);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, delay);
  }

  async pump() {
    if (!this.online || this.inflight || this.retryTimer || !this.ops.length) return;
    const op = this.ops[0];
    op.sent = true;
    this.save();
    this.inflight = op;
    const attempt = ++this.attempt;
    this.hooks.changed();
    let ack = null;
    try {
      ack = await this.hooks.transport(op.name, { op_id: op.op_id, ...op.payload });
    } catch {
      ack = null; // no answer in time: send again, same op_id
    }
    if (attempt !== this.attempt) return;
    this.inflight = null;
    if (ack && ack.ok) {
      this.failures = 0;
      this.discard(op);
      this.settled.push({ op, seq: ack.seq });
      this.hooks.acked(op, ack);
    } else if (!ack || !ack.error || RETRY_LATER.has(ack.error.code)) {
      this.retryLater();
    } else {
      this.discard(op);
      this.hooks.failed(op, ack);
    }
    this.hooks.changed();
    this.pump();
  }
}
