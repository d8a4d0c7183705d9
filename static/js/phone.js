// On a narrow screen the sheet becomes one block at a time: first the list of
// blocks with their note counts, then one block with its notes and an add field,
// and a way back (the button, or the phone's own Back through history).

const NARROW = "(max-width: 699.98px)";

export function initPhoneView(page) {
  const media = window.matchMedia(NARROW);
  let current = null;

  function sections() {
    return page.querySelectorAll(".sheet .block");
  }

  function apply() {
    const narrow = media.matches;
    page.dataset.view = !narrow ? "sheet" : current ? "block" : "list";
    // The header reads it: it folds to one line while the person writes in a block.
    document.body.dataset.phoneView = page.dataset.view;
    for (const section of sections()) {
      section.classList.toggle("is-current", narrow && section.dataset.block === current);
      const child = current && section.querySelector(`:scope > .sub-block[data-block="${current}"]`);
      section.classList.toggle("is-ancestor", Boolean(narrow && child));
    }
    for (const item of page.querySelectorAll(".block-index-item")) {
      if (item.dataset.block === current) item.setAttribute("aria-current", "true");
      else item.removeAttribute("aria-current");
    }
  }

  function focusTitle(block) {
    const title = page.querySelector(`.block[data-block="${block}"] > .block-head .block-title`);
    if (title) {
      title.tabIndex = -1;
      title.focus();
    }
  }

  // `push`: a new history entry; "replace": this entry becomes the block (one block follows
  // another: Back still goes to the list).
  function open(block, push) {
    current = block;
    if (push === "replace") history.replaceState({ lienzoBlock: block }, "", `#${block}`);
    else if (push) history.pushState({ lienzoBlock: block }, "", `#${block}`);
    apply();
    window.scrollTo(0, 0);
    focusTitle(block);
  }

  function close() {
    const previous = current;
    current = null;
    apply();
    const item = previous && page.querySelector(`.block-index-item[data-block="${previous}"]`);
    if (item) item.focus();
  }

  page.addEventListener("click", (event) => {
    const item = event.target.closest(".block-index-item");
    if (item) {
      open(item.dataset.block, true);
      return;
    }
    if (event.target.closest(".back-to-blocks")) {
      if (history.state && history.state.lienzoBlock) history.back();
      else close();
    }
  });

  window.addEventListener("popstate", (event) => {
    const block = event.state && event.state.lienzoBlock;
    if (!media.matches) {
      current = block || null;
      apply();
      return;
    }
    if (block) open(block, false);
    else close();
  });

  media.addEventListener("change", apply);

  // A reload on a phone keeps the block the person was in.
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash && page.querySelector(`.block-index-item[data-block="${CSS.escape(fromHash)}"]`)) {
    current = fromHash;
    history.replaceState(null, "", location.pathname + location.search);
    history.pushState({ lienzoBlock: fromHash }, "", `#${fromHash}`);
  }
  apply();

  return {
    get narrow() { return media.matches; },
    get current() { return current; },
    /** Open one block (the phone's way of going to it). */
    open(block) { open(block, true); },
    /** Go to another block in place of the open one (the page follows the room): Back still leads to the list. */
    follow(block) {
      open(block, current && history.state && history.state.lienzoBlock ? "replace" : true);
    },
    /** Back to the list of blocks (the room's phase names no block). */
    list() {
      if (!current) return;
      if (history.state && history.state.lienzoBlock) history.back();
      else close();
    },
    /** Whether a block's notes are on screen now. */
    shows(block) {
      if (!media.matches) return true;
      if (!current) return false;
      const section = page.querySelector(`.sheet .block[data-block="${CSS.escape(block)}"]`);
      return block === current || Boolean(section && section.classList.contains("is-current"));
    },
  };
}
