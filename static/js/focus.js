// Where the facilitator invites people. The workshop's `focus` is one place for
// everyone ({canvas_id, block, canvas_name}: `focus:set`) or each table's block on
// its own canvas ({tables: {"<canvas id>": block}}: `focus:table`), or null
// (docs/protocol.md, workshop events). Pages ask here rather than read its shape.

/** The place the people on canvas `canvasId` are invited to: `{canvas_id, block, canvas_name?}` or null.
 *  With the tables' focus, only a table in it is invited (to a block of its own canvas). */
export function invitationFor(focus, canvasId) {
  if (!focus) return null;
  if (focus.tables) {
    const block = focus.tables[String(canvasId)];
    return block ? { canvas_id: canvasId, block } : null;
  }
  return focus;
}

/** The block in focus on canvas `canvasId`, or null (none, or the whole canvas is the place). */
export function focusedBlock(focus, canvasId) {
  const place = invitationFor(focus, canvasId);
  return place && place.canvas_id === canvasId ? place.block || null : null;
}

/** The tables' focus as [block, [canvas ids]] pairs (one per block), or null with a single place or none. */
export function tablesByBlock(focus) {
  if (!focus || !focus.tables) return null;
  const blocks = new Map();
  for (const [id, block] of Object.entries(focus.tables)) blocks.set(block, [...(blocks.get(block) || []), Number(id)]);
  return [...blocks.entries()];
}
