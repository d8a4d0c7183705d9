// The canvas as the server last told it: notes by id, the facilitator's controls,
// the vote and the groups, and the last applied `seq`. Change envelopes are
// applied strictly in seq order: older ones are ignored, early ones wait in a
// buffer until the gap before them fills (or a resync fills it).
//
// Some viewers get an event twice under the same seq: the public form (a hidden
// note without its text, an anonymous author) and the whole one (`change:private`,
// or the ack of their own operation). The whole one adds detail; a public form
// never erases a note's text or author once known.

const NO_CONTROLS = { locked: false, locked_blocks: [], hidden: false, anonymous: false,
  notes_editable_by_all: false, timer: null };

/** A note as a viewer who may not see it: no text, no author (silent writing). */
export function isRedacted(note) {
  return Boolean(note && note.hidden && typeof note.text !== "string");
}

function ranking(tallies) {
  return Object.entries(tallies || {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
}

export class CanvasState {
  constructor(controls = null) {
    this.seq = null; // null until the first canvas:join ack
    this.lastOpId = null; // the op_id of the event at `seq`, named when coming back (since())
    this.notes = new Map();
    this.noteSeq = new Map(); // note id → seq of the event that last set it
    this.early = new Map(); // seq → {envelope, full}, waiting for the gap before it
    this.controls = { ...NO_CONTROLS, ...(controls || {}) };
    this.voting = null; // {round, voters, mine?, remaining?, tallies?, ranking?}
    this.clusters = new Map();
  }

  get ready() {
    return this.seq !== null;
  }

  /** Whether envelopes are waiting for a missing seq. */
  get hasGap() {
    return this.early.size > 0;
  }

  /** Take one envelope (`full`: the whole form); returns the envelopes applied, in order. */
  receive(envelope, full = false) {
    if (!envelope || typeof envelope.seq !== "number") return [];
    if (this.seq !== null && envelope.seq <= this.seq) {
      return full && this.detail(envelope) ? [envelope] : [];
    }
    const waiting = this.early.get(envelope.seq);
    if (!waiting || !waiting.full) this.early.set(envelope.seq, { envelope, full });
    return this.ready ? this.drain() : [];
  }

  drain() {
    const applied = [];
    for (const seq of [...this.early.keys()]) {
      if (seq <= this.seq) this.early.delete(seq);
    }
    while (this.early.has(this.seq + 1)) {
      const { envelope, full } = this.early.get(this.seq + 1);
      this.early.delete(this.seq + 1);
      this.apply(envelope, full);
      this.advance(envelope);
      applied.push(envelope);
    }
    return applied;
  }

  advance(envelope) {
    this.seq = envelope.seq;
    this.lastOpId = envelope.op_id || null;
  }

  /** What canvas:join and canvas:resync name: the last seq applied and its event's op_id, so that
   * a server that lost that event (a power cut) and gave its number to another answers a snapshot. */
  since() {
    return { last_seq: this.seq, last_op_id: this.seq ? this.lastOpId : null };
  }

  setNote(data, seq, full) {
    const known = this.notes.get(data.id);
    let note = data;
    if (!full && known) {
      if (isRedacted(data) && typeof known.text === "string") {
        note = { ...known, block: data.block, position: data.position };
      } else if (data.author && data.author.anonymous && known.author && known.author.name) {
        note = { ...data, author: known.author };
      }
    }
    this.notes.set(data.id, note);
    this.noteSeq.set(data.id, seq);
  }

  apply({ type, data, seq }, full = false) {
    if (!type || !data) return;
    if (type === "note.deleted") {
      this.notes.delete(data.id);
      this.noteSeq.delete(data.id);
    } else if (type.startsWith("note.") && data.id) {
      this.setNote(data, seq, full);
    } else if (type.startsWith("canvas.")) {
      if (data.controls) this.controls = { ...NO_CONTROLS, ...data.controls };
      for (const note of data.notes || []) this.setNote(note, seq, full);
    } else if (type.startsWith("vote.")) {
      this.applyVote(type, data, seq);
    } else if (type.startsWith("cluster.")) {
      this.applyCluster(type, data);
    } else if (type.startsWith("stack.")) {
      this.applyStack(data);
    }
  }

  /** Every `stack.*` event alike: stacks made or renamed, stacks gone, notes that changed stack. */
  applyStack(data) {
    for (const cluster of data.clusters || []) this.clusters.set(cluster.id, cluster);
    for (const id of data.dissolved || []) {
      this.clusters.delete(id);
      for (const [noteId, note] of this.notes) {
        if (note.cluster_id === id) this.notes.set(noteId, { ...note, cluster_id: null });
      }
    }
    for (const [noteId, clusterId] of Object.entries(data.members || {})) {
      const note = this.notes.get(noteId);
      if (note) this.notes.set(noteId, { ...note, cluster_id: clusterId });
    }
  }

  applyVote(type, data, seq) {
    if (type === "vote.opened") {
      this.voting = { round: data.round, voters: data.voters || 0, mine: {}, remaining: data.round.budget };
    } else if (type === "vote.closed") {
      this.voting = { round: data.round, voters: data.voters, tallies: data.tallies,
        ranking: data.ranking || ranking(data.tallies), stack_tallies: data.stack_tallies || {},
        results: data.results || [] };
      for (const [id, note] of this.notes) {
        if (!isRedacted(note)) this.notes.set(id, { ...note, votes: data.tallies[id] || 0 });
      }
    } else if (this.voting && this.voting.round.id === data.round_id) {
      this.voting = { ...this.voting, voters: data.voters };
      if (data.mine && seq >= (this.voting.mineSeq || 0)) {
        this.voting = { ...this.voting, mine: data.mine, mine_stacks: data.mine_stacks || {},
          remaining: data.remaining, mineSeq: seq };
      }
    }
  }

  applyCluster(type, data) {
    if (type === "cluster.created" || type === "cluster.renamed") {
      this.clusters.set(data.cluster.id, data.cluster);
    }
    if (type === "cluster.created") {
      for (const id of data.note_ids || []) {
        const note = this.notes.get(id);
        if (note) this.notes.set(id, { ...note, cluster_id: data.cluster.id });
      }
    }
    if (type === "cluster.dissolved") {
      this.clusters.delete(data.cluster_id);
      for (const [id, note] of this.notes) {
        if (note.cluster_id === data.cluster_id) this.notes.set(id, { ...note, cluster_id: null });
      }
    }
  }

  /** The whole form of an event already applied in its public form; true if anything changed. */
  detail({ type, data, seq }) {
    if (!type || !data) return false;
    const notes = type.startsWith("note.") && type !== "note.deleted" ? [data] : (data.notes || []);
    let changed = false;
    for (const note of notes) {
      const known = this.notes.get(note.id);
      if (!known) continue;
      if (this.noteSeq.get(note.id) === seq) this.notes.set(note.id, note);
      else if (isRedacted(known)) this.notes.set(note.id, { ...note, block: known.block, position: known.position });
      else continue;
      changed = true;
    }
    if ((type === "vote.cast" || type === "vote.withdrawn") && data.mine) {
      this.applyVote(type, data, seq);
      changed = true;
    }
    return changed;
  }

  /** Take the controls, vote and groups of a join or resync answer. */
  adopt(ack) {
    if (ack.controls) this.controls = { ...NO_CONTROLS, ...ack.controls };
    if ("voting" in ack) {
      const voting = ack.voting;
      this.voting = voting && voting.tallies ? { ...voting, ranking: ranking(voting.tallies) } : voting;
    }
    if (ack.clusters) this.clusters = new Map(ack.clusters.map((c) => [c.id, c]));
  }

  /** Apply a canvas:join / canvas:resync answer; returns the envelopes applied. */
  sync(ack) {
    if (ack.mode === "snapshot") {
      this.notes = new Map((ack.notes || []).map((note) => [note.id, note]));
      this.noteSeq = new Map((ack.notes || []).map((note) => [note.id, ack.seq]));
      this.seq = ack.seq;
      this.lastOpId = ack.last_op_id || null;
      this.adopt(ack);
      return this.drain();
    }
    const applied = [];
    for (const envelope of ack.events || []) {
      if (envelope.seq !== this.seq + 1) continue;
      this.early.delete(envelope.seq);
      this.apply(envelope, false); // already as this viewer may see it
      this.advance(envelope);
      applied.push(envelope);
    }
    if (this.seq === ack.seq) this.adopt(ack); // the answer's state is that of its seq
    return [...applied, ...this.drain()];
  }
}
