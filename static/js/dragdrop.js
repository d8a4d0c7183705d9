// Drag and drop between blocks with SortableJS (mouse and touch). A note moves
// only by its grip, and on touch only after a short press, so scrolling a
// phone never moves a note by accident. The keyboard way is the note's menu.
//
// Dropped onto the middle of another note (where the page offers stacking,
// `stack` given), a note is stacked with it instead of moved: while the pointer
// is there the other note is marked and stays put, and the drop stacks the two.

import Sortable from "../vendor/sortable.esm.js";

const MIDDLE = 0.25; // the band of a note's height, from either edge, that still reorders

/** The note under a point of a drag (not the dragged one) if the point is in its middle band. */
function stackTarget(node, dragged, x, y) {
  const li = node && node.closest ? node.closest("li.note") : null;
  if (!li || li === dragged || !li.dataset.noteId || li.classList.contains("is-ghost")) return null;
  if (li.dataset.block !== dragged.dataset.block) return null; // stacks hold notes of one block
  const box = li.getBoundingClientRect();
  const inside = x >= box.left && x <= box.right && y > box.top + box.height * MIDDLE
    && y < box.bottom - box.height * MIDDLE;
  return inside ? li : null;
}

export function initDragAndDrop(board, { drop, isServerNote, stack = null, mayStack = () => false }) {
  const sortables = [];
  let dragged = null;
  let target = null;

  function mark(li) {
    if (li === target) return;
    if (target) target.classList.remove("stack-drop-target");
    target = li;
    if (target) target.classList.add("stack-drop-target");
  }

  function follow(x, y, node) {
    if (!dragged || !stack || !mayStack()) return;
    mark(stackTarget(node || document.elementFromPoint(x, y), dragged, x, y));
  }

  // Captured: SortableJS stops the drag's events on its lists.
  document.addEventListener("dragover", (event) => follow(event.clientX, event.clientY, event.target), true);
  document.addEventListener("pointermove", (event) => follow(event.clientX, event.clientY, null), true);
  document.addEventListener("touchmove", (event) => {
    const touch = event.touches && event.touches[0];
    if (touch) follow(touch.clientX, touch.clientY, null);
  }, { passive: true, capture: true });

  for (const ul of board.lists.values()) {
    sortables.push(Sortable.create(ul, {
      group: "notes",
      draggable: "li.note",
      handle: ".note-grip",
      animation: 150,
      delay: 150,
      delayOnTouchOnly: true,
      touchStartThreshold: 5,
      emptyInsertThreshold: 24,
      invertedSwapThreshold: 1 - 2 * MIDDLE,
      ghostClass: "note-drop-place",
      chosenClass: "note-chosen",
      dragClass: "note-dragging",
      onStart(event) {
        // Where stacking is offered, notes make way only when the pointer is near their edges:
        // their middle is where a drop stacks.
        const stacking = Boolean(stack) && mayStack();
        for (const sortable of sortables) sortable.option("invertSwap", stacking);
        board.paused = true;
        dragged = event.item;
        document.body.classList.add("is-dragging");
      },
      // Over the middle of a note to stack onto, the notes stay where they are.
      onMove(event, originalEvent) {
        if (originalEvent && typeof originalEvent.clientX === "number") {
          follow(originalEvent.clientX, originalEvent.clientY, null);
        }
        return !(target && event.related === target);
      },
      onEnd(event) {
        board.paused = false;
        document.body.classList.remove("is-dragging");
        const li = event.item;
        const onto = target;
        dragged = null;
        mark(null);
        if (onto && stack) {
          stack(li.dataset.noteId, onto.dataset.noteId);
          drop(li.dataset.noteId, event.to.dataset.block, null, false); // back in its place until the server answers
          return;
        }
        const block = event.to.dataset.block;
        // The place among the block's other notes that the server knows of.
        let index = 0;
        for (const sibling of event.to.children) {
          if (sibling === li) break;
          if (sibling.dataset && isServerNote(sibling.dataset.noteId, block)) index += 1;
        }
        const moved = event.from !== event.to || event.oldIndex !== event.newIndex;
        drop(li.dataset.noteId, block, moved ? index : null, moved);
      },
    }));
  }
  return sortables;
}
