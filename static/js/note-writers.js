// Who wrote each note's text, as this page saw the edits go by. It names the other
// writer in a conflict ("Keep Ana's text") and notices when someone else's edit
// replaced the text this person had just saved, so the page can tell them.
// No protocol change: every `note.edited` envelope already carries its actor (null
// where the canvas withholds it) and its op_id.

export class NoteWriters {
  constructor(me, isMyOp) {
    this.me = me;
    this.isMyOp = isMyOp; // (op_id) → whether this page sent it (still in its outbox)
    this.myOps = new Set();
    this.last = new Map(); // note id → the actor of its latest text ({name} or null)
    this.mine = new Map(); // note id → {version, text} this person saved last
  }

  /** This person's add or edit was saved (its ack's event). */
  wrote(opId, event) {
    if (opId) this.myOps.add(opId);
    const note = event && event.data;
    if (!note || typeof note.version !== "number" || typeof note.text !== "string") return;
    this.mine.set(note.id, { version: note.version, text: note.text });
    this.last.delete(note.id);
  }

  ownEvent(envelope) {
    return Boolean((envelope.actor && envelope.actor.id === this.me.id)
      || (envelope.op_id && (this.myOps.has(envelope.op_id) || this.isMyOp(envelope.op_id))));
  }

  /**
   * An applied change. Returns {by, previous} when it is someone else's edit that
   * replaced the text this person saved just before it (by: a name, or null when
   * the canvas does not say who), else null.
   */
  seen(envelope) {
    if (!envelope || envelope.type !== "note.edited" || !envelope.data || envelope.data.text === undefined) return null;
    const note = envelope.data;
    if (this.ownEvent(envelope)) return null;
    const name = (envelope.actor && envelope.actor.name) || null;
    this.last.set(note.id, name);
    const saved = this.mine.get(note.id);
    if (!saved || note.version !== saved.version + 1) return null;
    this.mine.delete(note.id);
    if (note.text === saved.text || !saved.text.trim()) return null;
    return { by: name, previous: saved.text };
  }

  /** The name of whoever wrote the note's current text, when known and not this person. */
  lastWriter(noteId) {
    return this.last.get(noteId) || null;
  }
}
