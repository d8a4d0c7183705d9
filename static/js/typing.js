// Typing in a note: the text is queued when typing pauses (~600 ms) and when
// the note loses focus, never per keystroke. Others are told who has a note open,
// and no longer once the tab is hidden or the person stopped typing for a while.

const PAUSE_MS = 600;
/** After this long without typing in an open note, its "is editing" badge goes away. */
export const IDLE_MS = 30_000;

function idleMs() {
  return Number(window.lienzoIdleMs) || IDLE_MS; // tests shorten it
}

export function initTyping(root, page) {
  const timers = new Map();
  let idleTimer = null;
  let quiet = null; // the open note whose badge was taken down (idle or hidden tab)

  function openNote() {
    const active = document.activeElement;
    return active && root.contains(active) ? noteOf(active) : null;
  }

  // The badge says "is editing" only while it is true: it goes when typing stops for
  // IDLE_MS, and comes back at the next keystroke.
  function awake(id) {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = null;
      quiet = id;
      page.tellEditing(id, false);
    }, idleMs());
  }

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
    if (!li) return;
    quiet = null;
    page.startedTyping(li.dataset.noteId);
    awake(li.dataset.noteId);
  });

  root.addEventListener("input", (event) => {
    const li = noteOf(event.target);
    if (!li) return;
    const id = li.dataset.noteId;
    page.typed(id);
    if (quiet === id) {
      quiet = null;
      page.tellEditing(id, true);
    }
    awake(id);
    clearTimeout(timers.get(id));
    timers.set(id, setTimeout(() => flush(id), PAUSE_MS));
  });

  root.addEventListener("focusout", (event) => {
    const note = event.target.closest ? event.target.closest("li.note") : null;
    if (!note) return;
    const id = note.dataset.noteId;
    if (noteOf(event.target)) {
      clearTimeout(idleTimer);
      idleTimer = null;
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
  // A hidden tab is not editing anything; back in sight with the note still open, it is again.
  document.addEventListener("visibilitychange", () => {
    const li = openNote();
    if (document.visibilityState === "hidden") {
      flushAll();
      clearTimeout(idleTimer);
      idleTimer = null;
      if (li) {
        quiet = li.dataset.noteId;
        page.tellEditing(quiet, false);
      }
    } else if (li) {
      quiet = null;
      page.tellEditing(li.dataset.noteId, true);
      awake(li.dataset.noteId);
    }
  });
}
