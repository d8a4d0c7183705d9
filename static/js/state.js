// The canvas as the server last told it: notes by id and the last applied `seq`.
// Change envelopes are applied strictly in seq order: older ones are ignored,
// early ones wait in a buffer until the gap before them fills (or a resync fills it).

export class CanvasState {
  constructor() {
    this.seq = null; // null until the first canvas:join ack
    this.notes = new Map();
    this.early = new Map(); // seq -> envelope, waiting for the gap before it
  }

  get ready() {
    return this.seq !== null;
  }

  /** Whether envelopes are waiting for a missing seq. */
  get hasGap() {
    return this.early.size > 0;
  }

  /** Replace everything with a snapshot; returns the envelopes applied after it. */
  replace(notes, seq) {
    this.notes = new Map(notes.map((note) => [note.id, note]));
    this.seq = seq;
    return this.drain();
  }

  /** Take one envelope; returns the envelopes applied (in order), possibly none. */
  receive(envelope) {
    if (!envelope || typeof envelope.seq !== "number") return [];
    if (this.seq !== null && envelope.seq <= this.seq) return [];
    this.early.set(envelope.seq, envelope);
    return this.ready ? this.drain() : [];
  }

  drain() {
    const applied = [];
    for (const seq of [...this.early.keys()]) {
      if (seq <= this.seq) this.early.delete(seq);
    }
    while (this.early.has(this.seq + 1)) {
      const envelope = this.early.get(this.seq + 1);
      this.early.delete(this.seq + 1);
      this.apply(envelope);
      this.seq = envelope.seq;
      applied.push(envelope);
    }
    return applied;
  }

  apply({ type, data }) {
    if (type === "note.deleted") {
      this.notes.delete(data.id);
    } else if (type && type.startsWith("note.") && data && data.id) {
      this.notes.set(data.id, data);
    }
  }

  /** Apply a canvas:join / canvas:resync answer; returns the envelopes applied. */
  sync(ack) {
    if (ack.mode === "snapshot") return this.replace(ack.notes || [], ack.seq);
    const applied = [];
    for (const envelope of ack.events || []) applied.push(...this.receive(envelope));
    return applied;
  }
}
