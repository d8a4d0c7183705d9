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
const COLUMN_LEVELS = [[1, 7], [2, 6], [3, 4]]; // [level, narrowest column in em]: narrower says too little

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
