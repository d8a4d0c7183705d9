// Drag and drop between blocks with SortableJS (mouse and touch). A note moves
// only by its grip, and on touch only after a short press, so scrolling a
// phone never moves a note by accident. The keyboard way is the note's menu.

import Sortable from "../vendor/sortable.esm.js";

export function initDragAndDrop(board, { drop, isServerNote }) {
  const sortables = [];
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
      ghostClass: "note-drop-place",
      chosenClass: "note-chosen",
      dragClass: "note-dragging",
      onStart() {
        board.paused = true;
        document.body.classList.add("is-dragging");
      },
      onEnd(event) {
        board.paused = false;
        document.body.classList.remove("is-dragging");
        const li = event.item;
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
