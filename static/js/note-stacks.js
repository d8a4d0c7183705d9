// Stacks on the canvas page: a note dropped onto another (dragdrop.js) or stacked
// from its menu (note-menu.js) joins the other's stack; a stack is named, a note
// taken out again, and a vote given to a whole stack from its title line. The
// server decides who may (a phase that allows grouping, or a facilitator): the
// page offers it only then, and says in plain words when it is refused.

import { announce } from "./announce.js";
import { t } from "./i18n.js";
import { reasonOf, sendOnce } from "./send.js";

/** The first words of a note, to name it in a list of targets. */
export function firstWords(text, limit = 60) {
  const words = (text || "").split(/\s+/).filter(Boolean).join(" ");
  if (!words) return "—";
  return [...words].length <= limit ? words : `${[...words].slice(0, limit - 1).join("").trimEnd()}…`;
}

export class NoteStacks {
  /** @param {object} page the canvas page: me, canvasId, state, connection, live, take(), board */
  constructor(page) {
    this.page = page;
    this.busy = false;
    const sheet = page.sheet;
    if (sheet) {
      sheet.addEventListener("click", (event) => {
        const control = event.target.closest("[data-stack-vote]");
        if (control && !control.disabled) this.vote(Number(control.dataset.clusterId), control.dataset.stackVote === "add");
      });
    }
    // After the page has drawn (its view is subscribed after this one): once the frame is done.
    if (page.state && page.state.subscribe) page.state.subscribe(() => queueMicrotask(() => this.decorateHeads()));
  }

  /** Whether this person may stack now: a facilitator, or the table's phase allows grouping. */
  mayGroup() {
    const page = this.page;
    if (page.me.facilitator) return !(page.live && page.live.closed);
    const recipe = page.live && page.live.workshop && page.live.workshop.state.recipe;
    if (!recipe || !recipe.tables) return false;
    const index = recipe.tables[String(page.canvasId)];
    const phase = index == null || !recipe.phases ? null : recipe.phases[String(index)];
    return Boolean(phase && (phase.allow || []).includes("group")) && !page.live.locked(null);
  }

  /** The notes a note may be stacked onto: the others of its block that the person sees. */
  targets(note) {
    const notes = [...this.page.state.notes.values()];
    return notes.filter((other) => other.id !== note.id && other.block === note.block && !other.hidden
      && typeof other.text === "string" && (note.cluster_id == null || other.cluster_id !== note.cluster_id));
  }

  /** The stacks a facilitator may merge a note's stack (or the loose note) into: the others of its block. */
  mergeTargets(note) {
    return [...this.page.state.clusters.values()]
      .filter((cluster) => cluster.block === note.block && cluster.id !== note.cluster_id);
  }

  /** How many notes a stack holds. */
  size(clusterId) {
    return [...this.page.state.notes.values()].filter((n) => n.cluster_id === clusterId).length;
  }

  clusterOf(note) {
    return note && note.cluster_id != null ? this.page.state.clusters.get(note.cluster_id) || null : null;
  }

  async #send(name, payload, done) {
    const ack = await sendOnce(this.page.connection, name, payload);
    if (ack && ack.ok) {
      this.page.take(() => this.page.state.receive(ack.event, true));
      announce(done(ack.event.data));
      return true;
    }
    announce(t("not_sent", { reason: reasonOf(ack) }));
    this.page.state.redraw();
    return false;
  }

  stack(noteId, ontoId) {
    return this.#send("note:stack", { note_id: noteId, onto: ontoId }, (data) => {
      const cluster = data.clusters && data.clusters[0];
      return t("stacked", { title: cluster ? cluster.title : "" });
    });
  }

  unstack(noteId) {
    return this.#send("note:unstack", { note_id: noteId }, () => t("unstacked"));
  }

  /** "Merge duplicates" (facilitators): `what` is {cluster_id} or {note_id}; it goes into stack `into`. */
  merge(what, into) {
    return this.#send("stack:merge", { ...what, into: into.id }, () => t("stack_merged", { title: into.title }));
  }

  rename(clusterId, title) {
    return this.#send("stack:rename", { cluster_id: clusterId, title }, () => t("stack_renamed", { title }));
  }

  async vote(clusterId, adding) {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.#send(adding ? "vote:add" : "vote:remove", { cluster_id: clusterId },
        (data) => t(adding ? "vote_given" : "vote_taken_back", { left: data.remaining }));
    } finally {
      this.busy = false;
    }
  }

  /** A stack's vote on its title line: your dots and the buttons while a round is open, its votes once closed. */
  voteOf(clusterId) {
    const page = this.page;
    const voting = page.state.voting;
    const cluster = page.state.clusters.get(clusterId);
    if (!voting || !cluster) return null;
    const round = voting.round;
    if (round.status !== "open") {
      const item = (voting.results || []).find((r) => r.stack === clusterId);
      return item ? { open: false, votes: item.votes } : null;
    }
    if (page.me.facilitator || (round.blocks && !round.blocks.includes(cluster.block))) return null;
    const mine = (voting.mine_stacks && voting.mine_stacks[String(clusterId)]) || 0;
    const online = Boolean(page.connection && page.connection.joined);
    return { open: true, mine, canAdd: online && voting.remaining > 0 && mine < round.max_per_note,
      canRemove: online && mine > 0 };
  }

  /** After each render: the vote of every stack on its title line (board.js draws the title). */
  decorateHeads() {
    const sheet = this.page.sheet;
    if (!sheet) return;
    for (const head of sheet.querySelectorAll("li.cluster-head")) {
      const id = Number(head.dataset.clusterId);
      const cluster = this.page.state.clusters.get(id);
      const vote = this.voteOf(id);
      let box = head.querySelector(".stack-votes");
      if (!vote || !cluster) {
        if (box) box.remove();
        continue;
      }
      if (!box) {
        box = document.createElement("span");
        box.className = "stack-votes";
        head.append(box);
      }
      const key = JSON.stringify(vote);
      if (box.dataset.shown === key) continue;
      box.dataset.shown = key;
      box.replaceChildren();
      if (!vote.open) {
        box.textContent = t("stack_votes", { count: vote.votes });
        continue;
      }
      const count = document.createElement("span");
      count.className = "vote-count";
      count.textContent = vote.mine ? "●".repeat(Math.min(vote.mine, 10)) : "";
      const add = this.#button("+", "add", id, t("stack_vote_for", { title: cluster.title }), !vote.canAdd);
      const remove = this.#button("−", "remove", id, t("stack_vote_take_back", { title: cluster.title }),
        !vote.canRemove);
      box.append(count, remove, add);
    }
  }

  #button(text, which, clusterId, label, disabled) {
    const node = document.createElement("button");
    node.type = "button";
    node.className = `button small stack-vote-${which}`;
    node.textContent = text;
    node.dataset.stackVote = which;
    node.dataset.clusterId = String(clusterId);
    node.setAttribute("aria-label", label);
    node.disabled = disabled;
    return node;
  }
}
