// Dot voting on one canvas from the control room: open a round (votes per
// person, most on one note, own notes allowed or not, optionally some blocks),
// "N have voted" while it is open, close it, and the ranked results after (a stack as
// one item, as on the projector), each of which can be turned into a commitment.

import { button, el, setText, syncChildren } from "./dom.js";
import { formatNumber, t, tn } from "./i18n.js";

const SHOWN_RESULTS = 10;

function field(id, label, attrs) {
  const wrap = el("div", "field");
  wrap.append(el("label", "", { for: id }, label), el("input", "", { id, ...attrs }));
  return wrap;
}

export class VoteControls {
  constructor(room, canvas) {
    this.room = room;
    this.canvas = canvas;
    const id = canvas.info.id;
    this.root = el("fieldset", "control-group vote-controls", { "data-vote-for": String(id) });
    this.root.append(el("legend", "", {}, t("dot_voting")));

    this.form = el("div", "vote-form");
    const budget = field(`vote-${id}-budget`, t("votes_per_person"), { type: "number", min: "1", max: "50", value: "5", "data-field": "budget" });
    const most = field(`vote-${id}-max`, t("max_per_note"), { type: "number", min: "1", max: "50", value: "3", "data-field": "max" });
    this.budget = budget.querySelector("input");
    this.max = most.querySelector("input");
    this.own = el("input", "", { id: `vote-${id}-own`, type: "checkbox" });
    const own = el("label", "choice", { for: this.own.id });
    own.append(this.own, document.createTextNode(` ${t("allow_own")}`));
    const some = el("details", "vote-blocks");
    some.append(el("summary", "", {}, t("only_some_blocks")));
    this.blockBoxes = canvas.info.blocks.map((block) => {
      const box = el("input", "", { id: `vote-${id}-block-${block.id}`, type: "checkbox", value: block.id });
      const label = el("label", "choice", { for: box.id });
      label.append(box, document.createTextNode(` ${block.title}`));
      some.append(label);
      return box;
    });
    this.openButton = button(t("start_vote"), "button small primary", () => this.open(), { "data-action": "vote-open" });
    this.form.append(budget, most, own, some, this.openButton);

    this.running = el("div", "vote-running");
    this.voters = el("p", "vote-voters", { "aria-live": "polite" });
    this.closeButton = button(t("close_vote"), "button small primary", () => this.room.send("vote:close", { canvas_id: id },
      { status: this.status, control: this.closeButton }), { "data-action": "vote-close" });
    this.running.append(this.voters, this.closeButton);

    this.results = el("div", "vote-results");
    this.resultsTitle = el("h3", "", {}, t("results"));
    this.ranking = el("ol", "ranking");
    this.groupsTitle = el("h4", "", {}, t("ranked_groups"));
    this.groupRanking = el("ol", "ranking ranking-groups");
    this.results.append(this.resultsTitle, this.ranking, this.groupsTitle, this.groupRanking);
    this.status = el("p", "control-status", { role: "status" });
    this.root.append(this.form, this.running, this.results, this.status);
  }

  open() {
    const budget = Number(this.budget.value);
    const most = Number(this.max.value);
    if (!Number.isInteger(budget) || budget < 1 || budget > 50 || !Number.isInteger(most) || most < 1) {
      this.room.say(this.status, t("vote_numbers_invalid"), "error");
      return;
    }
    if (most > budget) {
      this.room.say(this.status, t("vote_max_over_budget"), "error");
      return;
    }
    const blocks = this.blockBoxes.filter((box) => box.checked).map((box) => box.value);
    this.room.send("vote:open", { canvas_id: this.canvas.info.id, budget, max_per_note: most, allow_own: this.own.checked,
      ...(blocks.length ? { blocks } : {}) }, { status: this.status, control: this.openButton });
  }

  update() {
    const voting = this.canvas.state.voting;
    const open = Boolean(voting && voting.round.status === "open");
    this.form.hidden = open;
    this.running.hidden = !open;
    if (open) setText(this.voters, tn("voters_count", voting.voters));
    const closed = Boolean(voting && voting.round.status === "closed");
    this.results.hidden = !closed;
    if (!closed) return;
    const titles = new Map(this.canvas.info.blocks.map((b) => [b.id, b.title]));
    const ranked = this.rankedItems(voting).slice(0, SHOWN_RESULTS);
    setText(this.resultsTitle, `${t("results")} · ${tn("voters_count", voting.voters)}`);
    syncChildren(this.ranking, ranked.length ? ranked : [null], (item) => (item ? item.key : "none"), (item) => {
      const li = el("li");
      if (!item) li.textContent = t("no_votes");
      else li.append(el("span", "result-line"), this.turnButton(li));
      return li;
    }, (li, item) => {
      if (!item) return;
      const line = `${item.line} — ${tn("votes_count", item.votes)} (${titles.get(item.block) || item.block})`;
      setText(li.firstChild, line);
      li.dataset.votes = String(item.votes);
      li.source = { canvas_id: this.canvas.info.id, ...item.source, label: `${this.canvas.info.name} · ${line}` };
      li.lastChild.setAttribute("aria-label", t("turn_into_commitment_named", { text: item.source.text || "…" }));
    });
    this.ranking.dataset.count = formatNumber(ranked.length);
    // With `results` a stack (a group) is already one item of the ranking; an older round
    // without them ranks notes, and then groups by their notes' votes.
    const groups = voting.results ? [] : [...this.canvas.state.clusters.values()].map((cluster) => ({ cluster,
      votes: [...this.canvas.state.notes.values()].filter((n) => n.cluster_id === cluster.id)
        .reduce((sum, n) => sum + (voting.tallies[n.id] || 0), 0) }))
      .filter((g) => g.votes > 0).sort((a, b) => b.votes - a.votes).slice(0, SHOWN_RESULTS);
    this.groupsTitle.hidden = this.groupRanking.hidden = !groups.length;
    syncChildren(this.groupRanking, groups, (g) => String(g.cluster.id), () => {
      const li = el("li");
      li.append(el("span", "result-line"), this.turnButton(li));
      return li;
    }, (li, { cluster, votes }) => {
      const line = `${t("commitment_group", { title: cluster.title })} — ${tn("votes_count", votes)} (${titles.get(cluster.block) || cluster.block})`;
      setText(li.firstChild, line);
      li.source = { canvas_id: this.canvas.info.id, cluster_id: cluster.id, text: cluster.title, label: `${this.canvas.info.name} · ${line}` };
      li.lastChild.setAttribute("aria-label", t("turn_into_commitment_named", { text: cluster.title }));
    });
  }

  /** The closed round's items, most votes first, as the projector ranks them: with `results`
   * a stack is one item (its title, its note count, its dots and its notes'), its notes
   * not ranked apart; without them (an older round), the notes by their votes. */
  rankedItems(voting) {
    const { notes, clusters } = this.canvas.state;
    const noteItem = (note, votes) => ({ key: note.id, votes, block: note.block, line: note.text || "…",
      source: { note_id: note.id, text: note.text || "" } });
    if (!voting.results) {
      return (voting.ranking || []).map((id) => notes.get(id)).filter((note) => note && (voting.tallies[note.id] || 0) > 0)
        .map((note) => noteItem(note, voting.tallies[note.id]));
    }
    const items = [];
    for (const result of voting.results) {
      if (result.stack != null) {
        const stack = clusters.get(result.stack);
        if (!stack) continue;
        const count = [...notes.values()].filter((n) => n.cluster_id === stack.id).length;
        items.push({ key: `stack-${stack.id}`, votes: result.votes, block: stack.block,
          line: `▣ ${stack.title} (${formatNumber(count)})`, source: { cluster_id: stack.id, text: stack.title } });
        continue;
      }
      const note = notes.get(result.note);
      if (note) items.push(noteItem(note, result.votes));
    }
    return items;
  }

  /** "Turn into a commitment": the room's form, filled from the result this button belongs to. */
  turnButton(li) {
    return button(t("turn_into_commitment"), "button small turn-into", () => this.room.commitments.turn(li.source),
      { "data-action": "commitment-turn" });
  }
}
