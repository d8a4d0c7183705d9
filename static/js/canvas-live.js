// The live session around the canvas: the timer, the facilitator's settings as
// the person meets them (locked, silent writing, closed workshop), the
// invitation to a block, "I'm ready" and "raise hand", the vote bar, and a calm
// end when the person was removed. Changes that matter are announced.

import { announce } from "./announce.js";
import { Clock, formatDuration, locksNow } from "./clock.js";
import { el, setPressed, setText, syncChildren } from "./dom.js";
import { invitationFor } from "./focus.js";
import { CanvasPhase } from "./canvas-phase.js";
import { t, tn } from "./i18n.js";
import { localized, tablePhase } from "./phase.js";
import { reasonOf } from "./send.js";
import { TimerView } from "./timer-view.js";
import { WorkshopState } from "./workshop-state.js";

const REVEALED_SHOWN_MS = 15000;

export class CanvasLive {
  constructor(page) {
    this.page = page;
    this.me = page.me;
    this.clock = new Clock();
    this.workshop = new WorkshopState();
    this.timer = new TimerView(document.getElementById("timer"), document.getElementById("timer-time"), this.clock,
      { ended: (timer) => this.timeUp(timer) }, document.getElementById("timer-label"));
    this.notices = document.getElementById("live-notices");
    this.revealedUntil = 0;
    this.focusSeen = "null";
    this.focusDismissed = null;
    this.busy = new Set();
    this.timeLockedBefore = false;
    this.wireStatus();
    this.wireFocus();
    this.phase = new CanvasPhase(page);
    setInterval(() => this.checkTimeLock(), 500);
  }

  // ---- what the person may do here -------------------------------------------------

  get closed() {
    return this.workshop.closed;
  }

  /** Where the facilitator invites the people of this canvas: one place for everyone, or this table's block. */
  get focus() {
    return invitationFor(this.workshop.state.focus, this.page.canvasId);
  }

  timeLocked() {
    return locksNow(this.page.state.controls.timer, this.clock) || locksNow(this.workshop.state.timer, this.clock);
  }

  /** Locked for this person (facilitators still write; nobody writes in a closed workshop). */
  locked(block = null) {
    if (this.closed) return true;
    if (this.me.facilitator) return false;
    const controls = this.page.state.controls;
    return controls.locked || (block !== null && controls.locked_blocks.includes(block)) || this.timeLocked();
  }

  /** Why this person may not add notes in the table's phase ("In this phase (“…”) no notes
   * are added."), or "" when the phase allows it, no phase applies, or they facilitate. */
  phaseRefusesAdding() {
    if (this.me.facilitator) return "";
    const phase = tablePhase(this.workshop.state.recipe, this.page.canvasId);
    if (!phase || (phase.allow || []).includes("add")) return "";
    return t("phase_no_add", { phase: localized(phase.name) });
  }

  checkTimeLock() {
    const now = this.timeLocked();
    if (now === this.timeLockedBefore) return;
    this.timeLockedBefore = now;
    this.page.state.touch("clock");
  }

  // ---- what the server says ----------------------------------------------------------

  joined(ack) {
    this.clock.sync(ack);
    this.workshop.adopt(ack.workshop);
    if (ack.status) this.workshop.person(ack.status, ack.workshop ? ack.workshop.version : 0);
    this.focusSeen = JSON.stringify(this.focus);
  }

  /** The workshop's state asked for again (after a `resync`): a change we missed is announced like an event. */
  stateAgain(ack) {
    const wasClosed = this.closed;
    if (!this.workshop.adopt(ack.workshop)) return;
    if (ack.status) this.workshop.person(ack.status, ack.workshop.version);
    if (this.closed !== wasClosed) announce(t(this.closed ? "notice_closed" : "announce_reopened"));
    this.page.state.touch("workshop");
  }

  workshopEvent(envelope, whole = false) {
    const before = this.workshop.state;
    const changed = whole ? this.workshop.receivePrivate(envelope) : this.workshop.receive(envelope);
    if (!changed) return;
    const now = this.workshop.state;
    if (envelope.type === "workshop.closed") announce(t("notice_closed"));
    if (envelope.type === "workshop.reopened") announce(t("announce_reopened"));
    // The notes of an anonymous canvas came with institutions under the previous setting.
    if (envelope.type === "workshop.institutions" && this.page.state.controls.anonymous) this.page.reload();
    if (envelope.type === "workshop.timer" && now.timer && now.timer.state === "running"
        && !(before.timer && before.timer.state === "running") && !this.page.state.controls.timer) {
      announce(t("announce_timer_started", { time: formatDuration(this.clock.remaining(now.timer)) }));
    }
    this.page.state.touch("workshop");
  }

  /** Announce what changed on the canvas (`before`: controls and voting before the envelopes). */
  canvasChanged(envelopes, before) {
    const { controls, voting } = this.page.state;
    for (const { type } of envelopes) {
      if (type === "canvas.locked") {
        if (controls.locked !== before.controls.locked) announce(t(controls.locked ? "announce_locked" : "announce_unlocked"));
        for (const block of controls.locked_blocks) {
          if (!before.controls.locked_blocks.includes(block)) announce(t("announce_block_locked", { block: this.page.blockTitle(block) }));
        }
      } else if (type === "canvas.hidden" && controls.hidden && !before.controls.hidden) {
        announce(t(this.me.facilitator ? "notice_hidden_facilitator" : "notice_hidden"));
      } else if (type === "canvas.revealed") {
        this.revealedUntil = Date.now() + REVEALED_SHOWN_MS;
        setTimeout(() => this.page.state.touch("revealed"), REVEALED_SHOWN_MS + 50);
        announce(t("notice_revealed"));
      } else if (type === "canvas.timer" && controls.timer && controls.timer.state === "running"
                 && !(before.controls.timer && before.controls.timer.state === "running")) {
        announce(t("announce_timer_started", { time: formatDuration(this.clock.remaining(controls.timer)) }));
      } else if (type === "vote.opened") {
        announce(t("announce_vote_opened"));
      } else if (type === "vote.closed" && before.voting && before.voting.round.status === "open") {
        announce(t("announce_vote_closed"));
      }
    }
    if (voting !== before.voting) this.page.state.touch("votes");
  }

  timeUp(timer) {
    announce(t(timer.lock_on_end && !this.me.facilitator ? "notice_time_locked" : "time_up"));
    this.page.state.touch("clock");
  }

  ended(event) {
    this.over = true;
    this.page.connection.end();
    const section = el("section", "ended-page");
    const title = el("h1", "", { tabindex: "-1" }, t("ended_title"));
    section.append(title, el("p", "", {}, (event && event.message) || t("ended_text")),
      el("p", "", {}, t("ended_hint")), el("a", "button primary", { href: "/" }, t("ended_link")));
    document.body.classList.add("is-ended");
    document.getElementById("main").replaceChildren(section, document.getElementById("announcer"));
    title.focus();
  }

  // ---- what the page shows ---------------------------------------------------------------

  render(hiddenCounts) {
    if (this.over) return;
    const controls = this.page.state.controls;
    this.timer.set(controls.timer || this.workshop.state.timer);
    document.body.classList.toggle("is-closed", this.closed);
    this.renderNotices(controls);
    this.renderBlocks(hiddenCounts);
    this.phase.render();
    this.renderStatus();
    this.renderFocus();
    this.renderVoteBar();
  }

  renderNotices(controls) {
    const facilitator = this.me.facilitator;
    const notices = [];
    if (this.closed) notices.push(["closed", t("notice_closed")]);
    else {
      if (controls.locked) notices.push(["locked", t(facilitator ? "notice_locked_facilitator" : "notice_locked")]);
      if (!facilitator && this.timeLocked()) notices.push(["time", t("notice_time_locked")]);
      if (controls.hidden) notices.push(["hidden", t(facilitator ? "notice_hidden_facilitator" : "notice_hidden")]);
      if (controls.anonymous) notices.push(["anonymous", t(facilitator ? "notice_anonymous_facilitator" : "notice_anonymous")]);
      const noAdding = this.phaseRefusesAdding();
      if (noAdding) notices.push(["phase-add", noAdding]);
    }
    if (Date.now() < this.revealedUntil) notices.push(["revealed", t("notice_revealed")]);
    syncChildren(this.notices, notices, ([key]) => key,
      ([key]) => el("p", `notice notice--${key}`), (node, [, text]) => setText(node, text));
  }

  renderBlocks(hiddenCounts) {
    const focus = this.focus;
    const participant = !this.me.facilitator;
    const noAdding = this.phaseRefusesAdding();
    for (const section of document.querySelectorAll(".sheet .block")) {
      const block = section.dataset.block;
      const blockLocked = this.closed || this.page.state.controls.locked_blocks.includes(block);
      const shut = this.locked(block);
      const focused = Boolean(focus && focus.canvas_id === this.page.canvasId && focus.block === block);
      section.classList.toggle("is-locked", blockLocked || (participant && shut));
      section.classList.toggle("is-focus", focused);
      const flags = section.querySelector(`:scope > .block-head [data-flags-for="${CSS.escape(block)}"]`);
      if (flags) {
        const words = [];
        if (blockLocked && !this.closed) words.push(t("block_locked"));
        if (focused) words.push(t("block_focus"));
        setText(flags, words.join(" · "));
        flags.hidden = !words.length;
      }
      for (const control of section.querySelectorAll(`:scope > .add-note, :scope > .add-form textarea, :scope > .add-form button`)) {
        control.disabled = shut || Boolean(noAdding);
      }
      // The reason where the person reaches for "+": the phase's own words.
      const add = section.querySelector(":scope > .add-note");
      if (add) {
        if (noAdding) add.title = noAdding;
        else add.removeAttribute("title");
        add.classList.toggle("is-phase-refused", Boolean(noAdding));
      }
      const field = section.querySelector(":scope > .add-form textarea");
      if (field) {
        if (field.dataset.placeholder === undefined) field.dataset.placeholder = field.placeholder;
        field.placeholder = noAdding || field.dataset.placeholder;
      }
      const entry = document.querySelector(`.block-index-item[data-block="${CSS.escape(block)}"]`);
      if (entry) {
        entry.classList.toggle("is-locked", blockLocked || (participant && shut));
        entry.classList.toggle("is-focus", focused); // the phone's list of blocks says it too
        if (focused) entry.dataset.focusLabel = t("block_focus");
        else delete entry.dataset.focusLabel;
      }
      const hidden = section.querySelector(`:scope > [data-hidden-for="${CSS.escape(block)}"]`);
      if (hidden) {
        const count = hiddenCounts.get(block) || 0;
        hidden.hidden = !count;
        setText(hidden, count ? tn("hidden_notes", count) : "");
      }
    }
  }

  // ---- "I'm ready" and "raise hand" -------------------------------------------------------

  wireStatus() {
    this.statusBox = document.getElementById("my-status");
    this.statusNote = document.getElementById("my-status-note");
    this.toggles = { ready: document.getElementById("ready-toggle"), hand: document.getElementById("hand-toggle") };
    if (this.me.facilitator || !this.statusBox) return;
    this.statusBox.hidden = false;
    for (const [which, node] of Object.entries(this.toggles)) node.addEventListener("click", () => this.toggle(which));
  }

  myStatus() {
    return this.workshop.people.get(this.me.id) || { ready: false, hand: false };
  }

  async toggle(which) {
    if (this.busy.has(which)) return;
    const value = !this.myStatus()[which];
    this.busy.add(which);
    setText(this.statusNote, t("sending"));
    this.renderStatus();
    const ack = await this.page.send("status:set", { [which]: value });
    this.busy.delete(which);
    if (ack && ack.ok) {
      this.workshop.receivePrivate(ack.event);
      setText(this.statusNote, "");
      announce(t(`${which}_${value ? "on" : "off"}`));
    } else {
      setText(this.statusNote, t("not_sent", { reason: reasonOf(ack) }));
    }
    this.renderStatus();
  }

  renderStatus() {
    if (this.me.facilitator || !this.toggles.ready) return;
    const status = this.myStatus();
    for (const [which, node] of Object.entries(this.toggles)) {
      setPressed(node, status[which]);
      node.setAttribute("aria-busy", String(this.busy.has(which)));
      node.disabled = this.closed || !this.page.connection || !this.page.connection.joined;
    }
  }

  // ---- the facilitator's invitation --------------------------------------------------------

  wireFocus() {
    this.focusBox = document.getElementById("focus-prompt");
    this.focusText = document.getElementById("focus-text");
    this.focusGo = document.getElementById("focus-go");
    this.focusGo.addEventListener("click", (event) => {
      const focus = this.focus;
      if (!focus || focus.canvas_id !== this.page.canvasId) return; // another canvas: follow the link
      event.preventDefault();
      this.focusDismissed = JSON.stringify(focus);
      this.page.jumpTo(focus.block);
      this.renderFocus();
    });
    document.getElementById("focus-dismiss").addEventListener("click", () => {
      this.focusDismissed = JSON.stringify(this.focus);
      this.renderFocus();
      document.getElementById("main").focus();
    });
  }

  focusPlace(focus) {
    const canvas = (this.page.boot.workshop.canvases || []).find((c) => c.id === focus.canvas_id);
    const name = canvas ? canvas.name : focus.canvas_name;
    if (!focus.block) return name;
    const title = focus.canvas_id === this.page.canvasId ? this.page.blockTitle(focus.block)
      : ((canvas && canvas.blocks[focus.block]) || focus.block);
    return focus.canvas_id === this.page.canvasId ? title : `${name} — ${title}`;
  }

  renderFocus() {
    const focus = this.focus;
    const key = JSON.stringify(focus);
    if (this.focusDismissed !== null && key !== this.focusDismissed) this.focusDismissed = null; // a new invitation
    const here = Boolean(focus && focus.canvas_id === this.page.canvasId);
    // A page that follows the phase is taken to its block already: no invitation to go there.
    const followed = here && this.phase.following && focus.block === this.phase.target(this.phase.phase());
    const show = Boolean(focus && !this.me.facilitator && !this.closed && !(here && !focus.block)
      && key !== this.focusDismissed && !followed);
    this.focusBox.hidden = !show;
    if (show) {
      const text = t("focus_invite", { place: this.focusPlace(focus) });
      setText(this.focusText, text);
      const canvas = (this.page.boot.workshop.canvases || []).find((c) => c.id === focus.canvas_id);
      const url = here ? "" : (canvas ? canvas.url : `/c/${focus.canvas_id}`);
      this.focusGo.href = `${url}${focus.block ? `#${focus.block}` : ""}` || "#";
      if (key !== this.focusSeen) announce(text);
    }
    this.focusSeen = key;
  }

  // ---- the vote bar -----------------------------------------------------------------------

  renderVoteBar() {
    const bar = document.getElementById("vote-bar");
    const text = document.getElementById("vote-text");
    const sort = document.getElementById("sort-votes");
    const voting = this.page.state.voting;
    bar.hidden = !voting;
    if (!voting) return;
    const open = voting.round.status === "open";
    bar.dataset.state = open ? "open" : "closed";
    let message;
    if (!open) message = t("vote_closed_bar");
    else if (this.me.facilitator) message = tn("voters_count", voting.voters);
    else {
      message = t("vote_open_bar", { left: voting.remaining, budget: voting.round.budget });
      const blocks = voting.round.blocks;
      if (blocks && blocks.length) message += ` ${t("vote_only_in", { blocks: blocks.map((b) => this.page.blockTitle(b)).join(", ") })}`;
    }
    setText(text, message);
    sort.hidden = open;
    setPressed(sort, this.page.state.sortByVotes);
  }
}
