// Fitting the projector's boxes to the screen without ever dropping a note.
//
// Each box (a block's notes, the ranking of a vote) has a `data-level`, a
// density the stylesheet draws (static/css/projector.css): for a block, 0 full
// text at the base size, then at the smallest size three lines, two lines,
// the first line of each note in columns, and last a count of the block's
// notes with its top-voted few (COUNT_LEVEL). Fitting
// starts every box at 0 and moves the boxes that overflow one level denser,
// all boxes at once: one layout read per level whatever the number of notes,
// so a live change or a resize costs a handful of layouts, not one per note.

export const COUNT_LEVEL = 4;

/** Whether a box's content runs past its own box (it is never allowed to scroll). */
export function overflows(box) {
  return box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1;
}

/**
 * Give each box the lightest level at which it fits, up to `maxLevel`. At the
 * last level, `shrink(box)` may take away optional content (the top-voted few
 * under a count) one piece at a time while it still overflows; it returns
 * false when nothing is left to take.
 */
export function fitBoxes(boxes, maxLevel, shrink = null) {
  for (const box of boxes) box.dataset.level = "0";
  let pending = boxes;
  for (let level = 1; level <= maxLevel && pending.length; level += 1) {
    pending = pending.filter(overflows); // every read first, then every write
    for (const box of pending) box.dataset.level = String(level);
  }
  shrinkAll(pending, shrink);
}

function shrinkAll(boxes, shrink) {
  let pending = boxes;
  for (let round = 0; shrink && round < 8 && pending.length; round += 1) {
    pending = pending.filter(overflows).filter((box) => shrink(box));
  }
}

// Levels of a canvas's block: 0 full text; 1, 2, 3 three lines, two lines, the first line, each in
// as many columns as the block's height asks for (so every line is as wide as it can be); 4 the count.
export const COLUMN_LEVELS = [[1, 9], [2, 8], [3, 5]]; // [level, narrowest column in em]: narrower says too little

/** Fit a canvas's blocks; `em` is the size in px of their smallest type. */
export function fitNoteBoxes(boxes, em, shrink) {
  for (const box of boxes) {
    box.dataset.level = "0";
    box.style.removeProperty("--columns");
  }
  let pending = boxes.filter(overflows);
  for (const [level, narrowest] of COLUMN_LEVELS) {
    if (!pending.length) break;
    pending = fitColumns(pending, level, narrowest * em);
  }
  for (const box of pending) {
    box.dataset.level = String(COUNT_LEVEL);
    box.style.removeProperty("--columns");
  }
  shrinkAll(pending, shrink);
}

/** Try `level` on the boxes, each with the fewest columns it needs; returns the boxes that still overflow. */
function fitColumns(boxes, level, narrowest) {
  const columns = (box, count) => box.style.setProperty("--columns", String(count));
  for (const box of boxes) {
    box.dataset.level = String(level);
    columns(box, 1);
  }
  // In one column the notes run on into columns beyond the box, each as wide as the box:
  // how many there are is how many the box needs (or nearly: wider columns wrap less).
  const plans = boxes.map((box) => ({ box, count: Math.max(1, Math.round(box.scrollWidth / Math.max(1, box.clientWidth))),
    most: Math.max(1, Math.floor(box.clientWidth / narrowest)) }));
  const failed = plans.filter((plan) => plan.count > plan.most).map((plan) => plan.box);
  let trying = plans.filter((plan) => plan.count <= plan.most);
  for (const plan of trying) columns(plan.box, plan.count);
  for (let round = 0; round < 3 && trying.length; round += 1) {
    trying = trying.filter((plan) => overflows(plan.box));
    for (const plan of trying) {
      plan.count += 1;
      if (plan.count > plan.most) failed.push(plan.box);
      else columns(plan.box, plan.count);
    }
    trying = trying.filter((plan) => plan.count <= plan.most);
  }
  failed.push(...trying.filter((plan) => overflows(plan.box)).map((plan) => plan.box));
  return failed;
}

/** Call `fn` once, `wait` ms after the last of a burst of calls. */
export function debounce(fn, wait) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, wait);
  };
}

// ---- Sizing the canvas's rows and columns by what its blocks hold ----------------------
//
// The template's grid gives each row and column a share of the screen (its fr). With many notes
// those shares no longer fit: a crowded block in a small cell would fall back to a count while an
// empty block keeps its room. So the screen starts from the template's shares and moves room only
// as far as needed, from tracks whose blocks have room to spare to those of the most crowded
// blocks, never taking a track below a floor (a part of its share, and room for its titles), so
// the canvas keeps its shape. What a block needs is an area: its notes measured in full text at
// the template's size and, in first lines, estimated; between the two, as dense as the whole
// canvas has to be to fit at all (see `blockNeeds`).

export const FLOOR = 0.35; // no track goes below this part of its template share

/** A template's track list as shares ("repeat(10, 1fr)", "1fr 1fr auto"): `auto` counts 0.6; null if unknown. */
export function trackShares(tracks) {
  const text = String(tracks).replace(/repeat\(\s*(\d+)\s*,\s*([^()]+)\)/g,
    (_all, count, track) => Array(Number(count)).fill(track.trim()).join(" "));
  const shares = [];
  for (const token of text.split(/\s+/).filter(Boolean)) {
    const fr = /^(\d*\.?\d+)fr$/.exec(token);
    if (fr) shares.push(Number(fr[1]));
    else if (token === "auto") shares.push(0.6);
    else return null;
  }
  return shares;
}

/** Each named area's first and last column and row (0-based); "." cells are empty. */
export function areaSpans(areas) {
  const spans = new Map();
  areas.forEach((row, r) => String(row).trim().split(/\s+/).forEach((name, c) => {
    if (/^\.+$/.test(name)) return;
    const span = spans.get(name);
    if (!span) spans.set(name, { c0: c, c1: c, r0: r, r1: r });
    else Object.assign(span, { c0: Math.min(span.c0, c), c1: Math.max(span.c1, c),
      r0: Math.min(span.r0, r), r1: Math.max(span.r1, r) });
  }));
  return spans;
}

/** Grid tracks that share the screen and may shrink below their content: `auto` rows get a share too. */
export function fillingTracks(tracks) {
  return String(tracks).replace(/\bauto\b/g, "0.6fr").replace(/(\d*\.?\d+)fr/g, "minmax(0, $1fr)");
}

/** The sum of the sizes of tracks `from` to `to` (inclusive). */
export const sumOf = (sizes, from, to) => sizes.slice(from, to + 1).reduce((a, b) => a + b, 0);

/** A canvas's grid as the screen sizes it: the template's tracks, each top block's span and the
 * figures its template draws (a Value Proposition Canvas's square and circle, each around the
 * blocks the template names). `info`: {layout: {columns, rows, areas}, blocks: [{id, inside}],
 * figures: {square, circle}}. Null if the grid cannot be read. */
export function gridOf(info) {
  const layout = info.layout;
  if (!layout || !Array.isArray(layout.areas) || !layout.areas.length) return null;
  const cols = trackShares(layout.columns);
  const rows = trackShares(layout.rows);
  const spans = areaSpans(layout.areas);
  const tops = info.blocks.filter((b) => !b.inside);
  if (!cols || !rows || rows.length !== layout.areas.length || tops.some((b) => !spans.has(b.id))
      || layout.areas.some((row) => String(row).trim().split(/\s+/).length !== cols.length)) return null;
  const blocks = tops.map((b) => ({ id: b.id, ...spans.get(b.id) }));
  const figures = [];
  for (const shape of ["square", "circle"]) {
    const names = info.figures && Array.isArray(info.figures[shape]) ? info.figures[shape] : [];
    const members = blocks.filter((b) => names.includes(b.id));
    if (!members.length) continue;
    figures.push({ shape, blocks: members.map((b) => b.id), c0: Math.min(...members.map((b) => b.c0)),
      c1: Math.max(...members.map((b) => b.c1)), r0: Math.min(...members.map((b) => b.r0)),
      r1: Math.max(...members.map((b) => b.r1)) });
  }
  return { columnTracks: layout.columns, rowTracks: layout.rows, cols, rows, blocks, figures };
}

/**
 * Each track's floor in px and the runs of tracks that keep their proportions, for `sizeTracks`.
 * `cols`, `rows`: the template's sizes in px; `blocks`: [{c0, c1, r0, r1, head, entries}] (`head`
 * the px of a block's titles, `entries` its lines of notes); `line`: a note's first line in px.
 * No track below FLOOR of its share, a column wide enough for a title's words (`title` px, with
 * what sits beside it, or `title(block)`), a row tall enough for its blocks' titles and a line; an empty track of the
 * template keeps its size; a figure keeps its shape (its rows and its columns tied, their floors in
 * the same proportions).
 */
export function trackFloors(grid, cols, rows, blocks, em, line, title = 7 * em) {
  const colMin = cols.map((size) => size * FLOOR);
  const rowMin = rows.map((size) => size * FLOOR);
  const used = { cols: cols.map(() => false), rows: rows.map(() => false) };
  const titleOf = typeof title === "function" ? title : () => title;
  for (const b of blocks) {
    for (let c = b.c0; c <= b.c1; c += 1) {
      used.cols[c] = true;
      colMin[c] = Math.max(colMin[c], titleOf(b) / (b.c1 - b.c0 + 1)); // room for a title's words
    }
    for (let r = b.r0; r <= b.r1; r += 1) {
      used.rows[r] = true;
      rowMin[r] = Math.max(rowMin[r], (b.head + (b.entries ? 2 * line : 0)) / (b.r1 - b.r0 + 1)); // its titles and a line
    }
  }
  cols.forEach((size, c) => { if (!used.cols[c]) colMin[c] = size; }); // an empty column of the template keeps its size
  rows.forEach((size, r) => { if (!used.rows[r]) rowMin[r] = size; });
  const colTies = grid.figures.map((f) => [f.c0, f.c1]);
  const rowTies = grid.figures.map((f) => [f.r0, f.r1]);
  for (const [ties, sizes, mins] of [[colTies, cols, colMin], [rowTies, rows, rowMin]]) {
    for (const [first, last] of ties) {
      let part = 0;
      for (let i = first; i <= last; i += 1) part = Math.max(part, mins[i] / sizes[i]);
      for (let i = first; i <= last; i += 1) mins[i] = sizes[i] * part;
    }
  }
  return { colMin, rowMin, colTies, rowTies };
}

/**
 * How crowded block `b` is in tracks (c, r), for `sizeTracks`: by area (`b.need` against its room),
 * or by its first lines (how many fit in columns of `column` px, each part of the block, a block
 * drawn inside it, getting its `share` of the height below the titles), times `b.boost`.
 * `room(c, r)`: {w, h, inset} its room (inset: already inside its padding). `b`: {need, entries,
 * partLines, share, head, side, boost}.
 */
export function crowdingOf(b, room, line, column) {
  return (c, r) => {
    const { w, h, inset } = room(c, r);
    const inner = inset ? w : w - b.side;
    const byArea = b.need / Math.max(1, w * h);
    if (!b.entries) return byArea;
    const columns = Math.max(1, Math.floor(inner / column));
    const shares = b.share.reduce((x, y) => x + y, 0);
    let byLines = 0;
    b.partLines.forEach((count, i) => {
      if (!count) return;
      const fit = Math.max(0, Math.floor(((h - b.head) * b.share[i]) / shares / line)) * columns;
      byLines = Math.max(byLines, count / Math.max(0.5, fit));
    });
    return b.boost * Math.max(byArea, byLines);
  };
}

/**
 * Size the tracks (`sizeTracks(args)`), draw them (`apply(sized)` returns {counted: the blocks
 * that still cannot show all their notes, lost: how much is not shown}), and while some block is
 * short, let those ask for more room (their `boost`), `rounds` times at most; the sizing that
 * loses least is what stays drawn. Deterministic: the same blocks give the same tracks.
 */
export function sizeInRounds(args, apply, rounds) {
  let best = null;
  for (let round = 0; round < rounds; round += 1) {
    const sized = sizeTracks(args);
    const drawn = apply(sized);
    if (!best || drawn.lost < best.lost) best = { sized, lost: drawn.lost, round };
    if (!drawn.counted.length) return sized;
    for (const b of drawn.counted) b.boost *= 1.4; // it needs more than the estimate says
  }
  if (best.round !== rounds - 1) apply(best.sized);
  return best.sized;
}

const total = (sizes, from, to) => {
  let sum = 0;
  for (let i = from; i <= to; i += 1) sum += sizes[i];
  return sum;
};

/**
 * Sizes in px for the columns and rows. `cols`, `rows`: the template's sizes in px (summing to the
 * room there is); `colMin`, `rowMin`: each track's floor; `blocks`: [{c0, c1, r0, r1, crowding}],
 * `crowding(cols, rows)` how much more room than it has the block needs (1: just enough). Moves
 * room toward the blocks that need more than they have, in steps (a small one, or larger ones
 * to reach a block's next column of notes), while that lowers the crowding of the most crowded
 * ones; stops as soon as every block has what it needs (so a canvas that fits keeps its
 * template's exact shape). `colTies`, `rowTies`: [first, last] runs of tracks that keep their
 * proportions (a figure's halves), grown together (their floors in the same proportions).
 * `reach`: how many neighbouring tracks may give room together (see `givers`).
 */
export function sizeTracks({ cols, rows, colMin, rowMin, blocks, colTies = [], rowTies = [], reach = 1 }) {
  const crowding = (c, r) => blocks.map((b) => b.crowding(c, r));
  // A soft maximum: lowering the most crowded block counts most, but not alone (no stalemates between two).
  const cost = (p) => p.reduce((sum, x) => sum + x ** 8, 0);
  const widen = (ties, from, to) => {
    let [a, b] = [from, to];
    for (const [first, last] of ties) {
      if (first <= b && last >= a) [a, b] = [Math.min(a, first), Math.max(b, last)];
    }
    return [a, b];
  };
  // Move `share` of the receiving run's size from the giving run (down to its floors) to the receiving one.
  const move = (sizes, mins, [to0, to1], [from0, from1], share) => {
    const inside = total(sizes, to0, to1);
    let slack = 0;
    for (let i = from0; i <= from1; i += 1) slack += Math.max(0, sizes[i] - mins[i]);
    const add = Math.min(inside * share, slack);
    if (add <= 0.5) return null;
    return sizes.map((size, i) => {
      if (i >= to0 && i <= to1) return size * (1 + add / inside);
      if (i >= from0 && i <= from1) return size - (Math.max(0, size - mins[i]) / slack) * add;
      return size;
    });
  };
  // The runs a track can give from: each track, or its whole tie; with `reach` > 1, also up to that
  // many neighbouring tracks together (a block two tracks wide that has room to spare gives from both).
  const givers = (count, ties) => {
    const runs = [];
    for (let i = 0; i < count; i += 1) {
      for (let j = i; j < Math.min(count, i + reach); j += 1) {
        const run = widen(ties, i, j);
        if (!runs.some(([a, b]) => a === run[0] && b === run[1])) runs.push(run);
      }
    }
    return runs;
  };
  const colRuns = givers(cols.length, colTies);
  const rowRuns = givers(rows.length, rowTies);
  let c = [...cols];
  let r = [...rows];
  let p = crowding(c, r);
  let now = cost(p);
  let step = 0.08;
  for (let round = 0; round < 200 && step > 0.004 && Math.max(...p) > 1; round += 1) {
    const b = blocks[p.indexOf(Math.max(...p))];
    let best = null;
    const consider = (nc, nr) => {
      if (!nc || !nr) return;
      const np = crowding(nc, nr);
      const next = cost(np);
      if (next < now * 0.9999 && (!best || next < best.cost)) best = { c: nc, r: nr, p: np, cost: next };
    };
    const wide = widen(colTies, b.c0, b.c1);
    const tall = widen(rowTies, b.r0, b.r1);
    for (const jump of [1, 3, 8]) {
      for (const run of colRuns) if (run[1] < wide[0] || run[0] > wide[1]) consider(move(c, colMin, wide, run, step * jump), r);
      for (const run of rowRuns) if (run[1] < tall[0] || run[0] > tall[1]) consider(c, move(r, rowMin, tall, run, step * jump));
    }
    if (best) ({ c, r, p, cost: now } = best);
    else step /= 2;
  }
  return { cols: c, rows: r, crowding: p };
}

/**
 * Each block's need in px²: `full` its notes in full text (measured), `lines` in first lines
 * (estimated), `fixed` its titles. When the canvas cannot hold every block in full text, the
 * need is taken between the two, as far toward first lines as the whole canvas must go
 * (geometrically: t in [0, 1] with Σ full^t · lines^(1-t) = the room), so blocks are sized for
 * the density they will be drawn at.
 */
export function blockNeeds(blocks, room) {
  const need = (b, t) => b.fixed + (b.full > 0 && b.lines > 0 ? b.full ** t * b.lines ** (1 - t) : Math.max(b.full, b.lines));
  const sum = (t) => blocks.reduce((s, b) => s + need(b, t), 0);
  let t = 1;
  if (sum(1) > room) {
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 20; i += 1) {
      const mid = (lo + hi) / 2;
      if (sum(mid) > room) hi = mid;
      else lo = mid;
    }
    t = lo;
  }
  return blocks.map((b) => need(b, t));
}

/**
 * The largest rectangle inside a cell that is also inside the ellipse filling the box (0,0)-(w,h):
 * where a block drawn in a circle puts its title and notes. Cell and result as {x0, y0, x1, y1}.
 */
export function insideEllipse(cell, w, h) {
  const a = w / 2;
  const b = h / 2;
  const u = (x) => (x - a) / a;
  const STEPS = 10;
  let best = { x0: cell.x0, y0: cell.y0, x1: cell.x0, y1: cell.y0, area: 0 };
  for (let i = 0; i <= STEPS; i += 1) {
    for (let j = i + 1; j <= STEPS; j += 1) {
      const x0 = cell.x0 + ((cell.x1 - cell.x0) * i) / STEPS;
      const x1 = cell.x0 + ((cell.x1 - cell.x0) * j) / STEPS;
      const far = Math.max(Math.abs(u(x0)), Math.abs(u(x1))); // the corners farthest from the centre bind
      if (far >= 1) continue;
      const half = b * Math.sqrt(1 - far * far);
      const y0 = Math.max(cell.y0, b - half);
      const y1 = Math.min(cell.y1, b + half);
      const size = (x1 - x0) * Math.max(0, y1 - y0);
      if (size > best.area) best = { x0, y0, x1, y1, area: size };
    }
  }
  return best;
}
