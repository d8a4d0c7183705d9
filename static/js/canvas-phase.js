// A workshop following a recipe: the canvas page runs with its table's phase.
// - The phase and what to do in it stay at the top of the page (phone and laptop).
// - Following: when the table's phase changes (and when the page loads mid-phase) a
//   participant's page goes to the phase's block by itself: a phone opens it, a laptop
//   brings it into view. "Stay here" opts out for this page (sessionStorage); turning
//   following back on goes to the room's block at once. Never while the person types:
//   the move waits until the focus leaves the field.
// - In play: only the phase's blocks are shown (its focus block with its sub-blocks or
//   the block around it, and its vote's blocks; every block when the phase names none);
//   "Show the whole canvas" shows the rest until the next phase.

import { announce } from "./announce.js";
import { setPressed, setText } from "./dom.js";
import { t } from "./i18n.js";
import { localized, tablePhase } from "./phase.js";

const STAY_KEY = "lienzo:stay:";

/** The blocks a phase puts in play on a canvas of `blocks` ({id, inside}), or null for all of them. */
export function blocksInPlay(phase, blocks) {
  if (!phase) return null;
  const named = [phase.focus, ...((phase.vote && phase.vote.blocks) || [])].filter(Boolean);
  if (!named.length) return null;
  const play = new Set();
  for (const id of named) {
    const block = blocks.find((b) => b.id === id);
    if (!block) continue;
    play.add(id);
    if (block.inside) play.add(block.inside); // the block around it holds it on the sheet
    for (const child of blocks) if (child.inside === id) play.add(child.id);
  }
  return play.size ? play : null;
}

/** Whether the person is writing in a field of `root` (an empty field is left for the move). */
function typingIn(root) {
  const active = document.activeElement;
  return Boolean(active && root.contains(active) && active.matches("textarea, input") && active.value.trim());
}

export class CanvasPhase {
  constructor(page) {
    this.page = page;
    this.bar = document.getElementById("phase-bar");
    this.text = document.getElementById("phase-text");
    this.stayButton = document.getElementById("phase-stay");
    this.allButton = document.getElementById("phase-all");
    this.seen = undefined; // the phase key last rendered (undefined: nothing read yet)
    this.showAll = false;
    this.waiting = false; // a move waits for the person to stop typing
    this.storage = this.sessionStorage();
    this.stayHere = this.storage ? this.storage.getItem(STAY_KEY + page.canvasId) === "1" : false;
    this.stayButton.addEventListener("click", () => this.setStay(!this.stayHere));
    this.allButton.addEventListener("click", () => {
      this.showAll = !this.showAll;
      this.renderBlocks(this.phase());
      announce(t(this.showAll ? "phase_showing_all" : "phase_showing_play"));
    });
    document.addEventListener("focusout", () => {
      if (this.waiting) setTimeout(() => this.followNow(), 0);
    });
  }

  sessionStorage() {
    try {
      return globalThis.sessionStorage || null;
    } catch {
      return null;
    }
  }

  /** Participants follow; the facilitator's own page only shows the phase. */
  get follows() {
    return !this.page.me.facilitator;
  }

  get following() {
    return this.follows && !this.stayHere;
  }

  /** This table's phase now, or null (no recipe, not driven yet, or the workshop closed). */
  phase() {
    const live = this.page.live;
    if (live.closed) return null;
    return tablePhase(live.workshop.state.recipe, this.page.canvasId);
  }

  key() {
    const recipe = this.page.live.workshop.state.recipe;
    const phase = this.phase();
    if (!phase) return null;
    // The table's own phase (not the room's start time: a phase sent to other tables is no change here).
    return `${recipe.id}:${recipe.tables[String(this.page.canvasId)]}`;
  }

  /** The block the page follows to in this phase (null: the whole canvas). */
  target(phase) {
    return phase ? phase.focus || null : null;
  }

  render() {
    const phase = this.phase();
    const key = phase ? this.key() : null;
    if (key !== this.seen) {
      this.seen = key;
      this.showAll = false;
      if (phase) announce(t("phase_notice", { name: localized(phase.name), instruction: localized(phase.instruction) }));
      if (phase && this.following && this.page.connection && this.page.connection.joined) this.follow();
    }
    this.bar.hidden = !phase;
    document.body.classList.toggle("has-phase", Boolean(phase));
    if (phase) {
      setText(this.text, t("phase_notice", { name: localized(phase.name), instruction: localized(phase.instruction) }));
      this.stayButton.hidden = !this.follows;
      setPressed(this.stayButton, this.stayHere);
    }
    this.renderBlocks(phase);
  }

  renderBlocks(phase) {
    const play = this.follows ? blocksInPlay(phase, this.page.blocks) : null;
    const target = this.target(phase);
    const filtering = Boolean(play) && !this.showAll;
    this.allButton.hidden = !play;
    setText(this.allButton, t(this.showAll ? "phase_show_play" : "phase_show_all"));
    setPressed(this.allButton, this.showAll);
    this.page.page.dataset.inPlay = filtering ? "only" : "all";
    for (const section of this.page.sheet.querySelectorAll(".block")) {
      const block = section.dataset.block;
      section.classList.toggle("is-phase-block", Boolean(target) && block === target);
      section.classList.toggle("is-out-of-play", filtering && !play.has(block));
    }
    for (const item of document.querySelectorAll(".block-index-item")) {
      item.parentElement.hidden = filtering && !play.has(item.dataset.block);
    }
  }

  /** Go to the phase's block (or, on a phone, to the list when the phase names none). */
  follow() {
    this.waiting = true;
    this.followNow();
  }

  /** Whether a phone shows the phase's place already (its block, or the list when it names none). */
  arrived(block) {
    const phone = this.page.phone;
    return phone.narrow && (block ? phone.current === block : !phone.current);
  }

  followNow() {
    const block = this.target(this.phase());
    if (!this.waiting || !this.following || this.arrived(block)) {
      this.waiting = false;
      return;
    }
    if (typingIn(document.getElementById("main") || document.body)) return; // after the focus leaves
    this.waiting = false;
    const page = this.page;
    if (page.phone.narrow) {
      if (block) page.phone.follow(block);
      else page.phone.list();
      return;
    }
    const opened = page.boardView.openBlock && page.boardView.openBlock();
    if (opened && opened !== block) page.boardView.close(false);
    if (!block) return;
    const section = page.sheet.querySelector(`.block[data-block="${CSS.escape(block)}"]`);
    if (section) section.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  setStay(stay) {
    this.stayHere = stay;
    try {
      if (this.storage) {
        if (stay) this.storage.setItem(STAY_KEY + this.page.canvasId, "1");
        else this.storage.removeItem(STAY_KEY + this.page.canvasId);
      }
    } catch {
      // not remembered: fine for this page
    }
    setPressed(this.stayButton, stay);
    announce(t(stay ? "phase_staying" : "phase_following"));
    if (!stay) this.follow();
    this.page.state.touch("phase"); // the invitation to the room's block shows only to who stays
  }
}
