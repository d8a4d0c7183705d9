// The canvas page's one state (static/js/page-state.js), driven as the page drives it:
// with the real CanvasState and the real Outbox, under Node (no browser). Run by
// tests/test_page_state.py as `node --test`.

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

// What the Outbox needs of a browser: storage, window events, timers that do not keep Node running.
class MemoryStorage {
  constructor() { this.items = new Map(); }
  get length() { return this.items.size; }
  key(i) { return [...this.items.keys()][i] ?? null; }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
  removeItem(key) { this.items.delete(key); }
}
globalThis.localStorage = new MemoryStorage();
globalThis.window = new EventTarget();
const realSetInterval = globalThis.setInterval;
globalThis.setInterval = (fn, ms) => { const timer = realSetInterval(fn, ms); timer.unref(); return timer; };

const { Outbox } = await import("../../static/js/outbox.js");
const { PageState } = await import("../../static/js/page-state.js");

const ME = { id: 7, name: "Ana" };
let frames; // callbacks waiting for the next animation frame
let state;
let outbox;
let drawn; // what each render saw

function nextFrame() {
  const waiting = frames;
  frames = [];
  for (const callback of waiting) callback();
}

function note(id, text, version = 1, block = "problem", position = 1) {
  return { id, block, text, color: "yellow", position, version, author: { id: 9, name: "Bea" } };
}

function added(seq, data) {
  return { seq, type: "note.added", data, actor: { id: 9 } };
}

beforeEach(() => {
  globalThis.localStorage = new MemoryStorage();
  frames = [];
  drawn = [];
  outbox = new Outbox(`lienzo:outbox:c1:${ME.id}`, {
    transport: async () => null, acked: () => {}, failed: () => {}, changed: () => state.touch("outbox"),
  });
  state = new PageState({ me: ME, outbox, colors: ["yellow", "blue"], frame: (cb) => frames.push(cb) });
  state.subscribe(({ changes, view, release }) => drawn.push({ changes: [...changes].sort(), ids: [...view.keys()], release }));
  state.sync({ mode: "snapshot", seq: 0, notes: [] });
  nextFrame();
  drawn = [];
});

test("many changes in one frame are drawn once, with everything that changed", () => {
  for (let seq = 1; seq <= 50; seq += 1) state.receive(added(seq, note(`n${seq}`, `Nota ${seq}`, 1, "problem", seq)));
  const mine = state.addNote("solution", "Mía");
  state.touch("presence");
  state.touch("connection");
  assert.equal(frames.length, 1, "one frame asked for, not one per change");
  assert.equal(drawn.length, 0, "nothing drawn before the frame");
  nextFrame();
  assert.equal(drawn.length, 1);
  assert.equal(state.renders, 2); // the snapshot's, then this one
  assert.deepEqual(drawn[0].changes, ["connection", "notes", "outbox", "presence", "server"]);
  assert.equal(drawn[0].ids.length, 51);
  assert.ok(drawn[0].ids.includes(mine), "the person's own note, not yet acknowledged, is in the view");
  nextFrame();
  assert.equal(drawn.length, 1, "no frame left to draw");
});

test("keystrokes draw nothing; queuing the text does, once", () => {
  state.receive(added(1, note("a", "Hola")));
  nextFrame();
  drawn = [];
  state.startTyping("a");
  for (const text of ["Hola m", "Hola mu", "Hola mun", "Hola mundo"]) state.typed("a", text);
  assert.equal(frames.length, 0, "typing alone schedules no render");
  assert.ok(state.isDirty("a"));
  state.commit("a", "Hola mundo");
  assert.equal(state.isDirty("a"), false);
  assert.deepEqual(outbox.ops.map((op) => [op.name, op.payload.text, op.payload.version]),
    [["note:edit", "Hola mundo", 1]]);
  assert.equal(state.statusOf("a"), "pending"); // offline: waiting in the outbox
  nextFrame();
  assert.equal(drawn.length, 1);
  assert.equal(state.noteOf("a").text, "Hola mundo");
});

test("flush draws at once (for the focus) and the frame then has nothing left", () => {
  const id = state.addNote("problem", "");
  state.flush();
  assert.equal(drawn.length, 1);
  assert.ok(drawn[0].ids.includes(id));
  nextFrame();
  assert.equal(drawn.length, 1);
  // An empty note added with "+" goes when the focus leaves it; a note with text stays.
  assert.equal(state.leave(id), true);
  assert.equal(state.leave(id), false);
});

test("a conflict keeps both texts; the person's pick is queued on the newer version", () => {
  state.receive(added(1, note("a", "Primera")));
  state.startTyping("a");
  state.typed("a", "Mi texto");
  state.commit("a", "Mi texto");
  const [edit] = outbox.ops;
  // The server refuses the edit: Bea saved version 2 first, while the person kept typing.
  outbox.discard(edit);
  state.conflict(edit, { typing: "Mi texto largo", theirs: note("a", "Texto de Bea", 2) });
  assert.deepEqual(state.kept("a"), { kind: "conflict", text: "Mi texto largo", theirs: note("a", "Texto de Bea", 2) });
  state.typed("a", "Mi texto más largo");
  assert.equal(state.kept("a").text, "Mi texto más largo", "typing during a conflict keeps the text, queues nothing");
  state.commit("a", "Mi texto más largo");
  assert.equal(outbox.ops.length, 0);
  assert.equal(state.resolve("a", "mine", "Mi texto más largo"), "Mi texto más largo");
  assert.equal(state.kept("a"), null);
  assert.deepEqual(outbox.ops.map((op) => [op.name, op.payload.text, op.payload.version]),
    [["note:edit", "Mi texto más largo", 2]]);
});

test("keeping their text takes the server's and bases later typing on it", () => {
  state.receive(added(1, note("a", "Primera")));
  state.receive({ seq: 2, type: "note.edited", data: note("a", "De Bea", 2), actor: { id: 9 } });
  state.conflict({ name: "note:edit", payload: { note_id: "a", text: "Mío", version: 1 } },
    { typing: null, theirs: note("a", "De Bea", 2) });
  assert.equal(state.kept("a").text, "Mío");
  assert.equal(state.resolve("a", "theirs"), "De Bea");
  state.typed("a", "De Bea y mío");
  state.commit("a", "De Bea y mío");
  assert.equal(outbox.ops[0].payload.version, 2);
  assert.equal(state.resolve("a", "theirs"), null, "nothing kept any more");
});

test("a refused new note keeps its text with the note as last drawn, and drops its later operations", () => {
  const id = state.addNote("problem", "Nueva");
  state.flush();
  state.colorNote(id, "blue");
  const [add] = outbox.ops;
  outbox.discard(add);
  state.refused(add, { message: "Bloqueado" });
  assert.equal(outbox.ops.length, 0);
  const kept = state.kept(id);
  assert.equal(kept.kind, "error");
  assert.equal(kept.text, "Nueva");
  assert.equal(kept.note.block, "problem");
  // Drawn as a ghost while kept; a notice about a note that is gone and shows nothing is forgotten.
  state.refused({ name: "note:color", payload: { note_id: "gone" } }, { message: "No existe" });
  state.forgetGone(state.view());
  assert.equal(state.kept("gone"), null);
  assert.ok(state.kept(id));
});

test("the server's events apply in seq order; an acknowledged operation leaves the overlay once reached", () => {
  state.receive(added(2, note("b", "Segunda")));
  assert.equal(state.hasGap, true);
  assert.equal(state.noteOf("b"), null);
  state.receive(added(1, note("a", "Primera")));
  assert.equal(state.seq, 2);
  assert.deepEqual([...state.view().keys()].sort(), ["a", "b"]);
  const id = state.addNote("problem", "Mía");
  const [add] = outbox.ops;
  outbox.discard(add);
  outbox.settled.push({ op: add, seq: 3 });
  state.acknowledged(add);
  assert.equal(state.statusOf(id), "saved");
  assert.ok(state.noteOf(id), "shown while the server's event is on its way");
  state.receive({ seq: 3, type: "note.added", data: { ...note(id, "Mía"), author: ME }, actor: ME });
  assert.equal(outbox.settled.length, 0);
  assert.equal(state.noteOf(id).text, "Mía");
});

test("votes on their way, the order, and changes made while drawing", () => {
  assert.equal(state.voteSent("a"), true);
  assert.equal(state.voteSent("a"), false, "one vote at a time per note");
  assert.equal(state.voteBusy("a"), true);
  state.voteAnswered("a");
  assert.equal(state.voteBusy("a"), false);
  assert.equal(state.toggleSort(), true);
  assert.equal(state.byVotes, false, "by votes only once a vote is closed");
  nextFrame();
  drawn = [];
  // A view that changes the state while drawing (a note kept as it vanished) gets one more frame.
  let once = true;
  state.subscribe(() => {
    if (once) state.vanished("x", { text: "t", note: note("x", "t"), message: "Gone" });
    once = false;
  });
  state.redraw();
  assert.equal(drawn.length, 1);
  assert.equal(frames.length, 1);
  nextFrame();
  assert.equal(drawn.length, 2);
  assert.deepEqual(drawn[1].changes, ["kept"]);
});

test("coming back names the last seq applied and its event's op_id, from live events, a snapshot or missed events", () => {
  assert.deepEqual(state.since(), { last_seq: 0, last_op_id: null }); // nothing yet: no event to name
  state.receive({ ...added(2, note("b", "Segunda")), op_id: "op-2" }); // early: waits for 1
  assert.deepEqual(state.since(), { last_seq: 0, last_op_id: null });
  state.receive({ ...added(1, note("a", "Primera")), op_id: "op-1" });
  assert.deepEqual(state.since(), { last_seq: 2, last_op_id: "op-2" });
  state.sync({ mode: "events", seq: 3, events: [{ ...added(3, note("c", "Tercera")), op_id: "op-3" }] });
  assert.deepEqual(state.since(), { last_seq: 3, last_op_id: "op-3" });
  state.sync({ mode: "snapshot", seq: 9, last_op_id: "op-9", notes: [note("a", "Primera")] });
  assert.deepEqual(state.since(), { last_seq: 9, last_op_id: "op-9" });
});
