// Typing in a note: the text is queued when typing pauses (~600 ms) and when
// the note loses focus, never per keystroke. Others are told who has a note open.

const PAUSE_MS = 600;

export function initTyping(root, page) {
  const timers = new Map();

  function noteOf(target) {
    if (!target.classList || !target.classList.contains("note-text") || target.tagName !== "TEXTAREA") return null;
    const li = target.closest("li.note");
    return li && !li.classList.contains("is-ghost") ? li : null;
  }

  function flush(id) {
    clearTimeout(timers.get(id));
    timers.delete(id);
    page.commitText(id);
  }

  root.addEventListener("focusin", (event) => {
    const li = noteOf(event.target);
    if (li) page.startedTyping(li.dataset.noteId);
  });

  root.addEventListener("input", (event) => {
    const li = noteOf(event.target);
    if (!li) return;
    const id = li.dataset.noteId;
    page.typed(id);
    clearTimeout(timers.get(id));
    timers.set(id, setTimeout(() => flush(id), PAUSE_MS));
  });

  root.addEventListener("focusout", (event) => {
    const note = event.target.closest ? event.target.closest("li.note") : null;
    if (!note) return;
    const id = note.dataset.noteId;
    if (noteOf(event.target)) {
      clearTimeout(timers.get(id));
      timers.delete(id);
      page.stoppedTyping(id);
    }
    // Once the focus has settled: has it left the note altogether? (Not when
    // only the window lost focus: the note's element is still the active one.)
    setTimeout(() => {
      if (!note.contains(document.activeElement)) page.leftNote(id);
    }, 0);
  });

  root.addEventListener("keydown", (event) => {
    const li = noteOf(event.target);
    if (!li || event.key !== "Escape") return;
    event.preventDefault();
    const menuButton = li.querySelector(".note-menu-button");
    if (menuButton && !menuButton.hidden) menuButton.focus();
    else event.target.blur();
  });

  // Leaving the page (reload, closing the tab, switching app on a phone):
  // what was typed goes into the outbox, which is kept in localStorage.
  const flushAll = () => {
    for (const id of [...timers.keys()]) flush(id);
  };
  window.addEventListener("pagehide", flushAll);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flushAll();
  });
}
