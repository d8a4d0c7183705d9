// What the page shows: the server's notes with the person's unacknowledged
// operations laid over them (optimistic), grouped by block in order.

function applyOp(notes, op, me) {
  const p = op.payload;
  const note = notes.get(p.note_id);
  switch (op.name) {
    case "note:add":
      if (!note) {
        notes.set(p.note_id, {
          id: p.note_id, block: p.block, text: p.text || "", color: p.color || "yellow",
          position: op.local && typeof op.local.position === "number" ? op.local.position : Number.MAX_SAFE_INTEGER,
          version: 1, author: me, created_at: op.local && op.local.created_at, local: true,
        });
      }
      break;
    case "note:edit":
      if (note) notes.set(p.note_id, { ...note, text: p.text });
      break;
    case "note:move":
      if (note) {
        const position = op.local && typeof op.local.position === "number" ? op.local.position : note.position;
        notes.set(p.note_id, { ...note, block: p.block, position });
      }
      break;
    case "note:color":
      if (note) notes.set(p.note_id, { ...note, color: p.color });
      break;
    case "note:delete":
      notes.delete(p.note_id);
      break;
    default:
      break;
  }
}

export function buildView(state, ops, me) {
  const notes = new Map(state.notes);
  for (const op of ops) applyOp(notes, op, me);
  return notes;
}

function compare(a, b) {
  if (a.position !== b.position) return a.position - b.position;
  const ca = a.created_at || "";
  const cb = b.created_at || "";
  if (ca !== cb) return ca < cb ? -1 : 1;
  return a.id < b.id ? -1 : 1;
}

export function byBlock(notes) {
  const blocks = new Map();
  for (const note of notes.values()) {
    if (!blocks.has(note.block)) blocks.set(note.block, []);
    blocks.get(note.block).push(note);
  }
  for (const list of blocks.values()) list.sort(compare);
  return blocks;
}

/** A position that puts a note at `index` among the block's other notes (as the server does). */
export function positionAt(notes, block, index, moving) {
  const positions = [...notes.values()]
    .filter((n) => n.block === block && n.id !== moving)
    .map((n) => n.position)
    .sort((a, b) => a - b);
  if (index === null || index >= positions.length) return (positions.length ? positions[positions.length - 1] : 0) + 1;
  const before = index > 0 ? positions[index - 1] : positions[0] - 2;
  return (before + positions[index]) / 2;
}

/**
 * A block's notes in the order the page shows them: by position (or by votes,
 * most first), each group drawn together where its first note falls, under a
 * title entry. Returns entries {note, cluster?} and {head: {id, title, count}}.
 */
export function withGroups(notes, clusters, byVotes = false) {
  const ordered = byVotes ? [...notes].sort((a, b) => (b.votes || 0) - (a.votes || 0)) : notes;
  const entries = [];
  const drawn = new Set();
  for (const note of ordered) {
    const cluster = note.cluster_id != null ? clusters.get(note.cluster_id) : null;
    if (!cluster || cluster.block !== note.block) {
      entries.push({ note });
      continue;
    }
    if (drawn.has(cluster.id)) continue;
    drawn.add(cluster.id);
    const members = ordered.filter((n) => n.cluster_id === cluster.id);
    entries.push({ head: { id: cluster.id, title: cluster.title, count: members.length } });
    for (const member of members) entries.push({ note: member, cluster });
  }
  return entries;
}
