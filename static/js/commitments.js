// The workshop's commitments as the server sends them: the `commitments` of a
// facilitator's or the projector's `workshop` ack, then each `commitment.*`
// workshop event, which carries the whole list. A later version replaces an
// earlier one (versions have gaps: other workshop events come between).

import { language, t, tn } from "./i18n.js";

export class CommitmentList {
  constructor() {
    this.version = -1;
    this.items = [];
  }

  /** The `workshop` of an ack; returns true when it brought a newer list. */
  adopt(workshop) {
    if (!workshop || !Array.isArray(workshop.commitments) || workshop.version < this.version) return false;
    this.version = workshop.version;
    this.items = workshop.commitments;
    return true;
  }

  /** A workshop event; returns true when it was a newer list. */
  receive(envelope) {
    if (!envelope || !String(envelope.type || "").startsWith("commitment.")) return false;
    const data = envelope.data || {};
    if (!Array.isArray(data.commitments) || envelope.version <= this.version) return false;
    this.version = envelope.version;
    this.items = data.commitments;
    return true;
  }
}

export const STATUSES = ["planned", "in_progress", "at_risk", "done"];

export function statusName(status) {
  return STATUSES.includes(status) ? t(`status_${status}`) : status;
}

/** "31 de marzo de 2027" from "2027-03-31" (a calendar day: no time zone moves it). */
export function formatDue(due) {
  if (!due) return "";
  try {
    return new Intl.DateTimeFormat(language(), { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${due}T00:00:00Z`));
  } catch {
    return due;
  }
}

/** Where it came from: the note's text or the group's title, and its votes. */
export function sourceLine(commitment) {
  const source = commitment.source || {};
  const text = source.kind === "cluster" ? t("commitment_group", { title: source.text || "" }) : source.text || "";
  const votes = source.votes ? ` · ${tn("votes_count", source.votes)}` : "";
  const canvas = commitment.canvas_name ? `${commitment.canvas_name} · ` : "";
  return t("commitment_from", { text: `${canvas}${text}${votes}` });
}

/** Who answers for it, with whom, by when: the short facts under its title. */
export function factsOf(commitment) {
  const facts = [commitment.responsible ? t("commitment_by", { who: commitment.responsible }) : t("commitment_unassigned")];
  if (commitment.co_responsible && commitment.co_responsible.length) {
    facts.push(t("commitment_with", { who: commitment.co_responsible.join(", ") }));
  }
  facts.push(commitment.due ? t("commitment_due_on", { date: formatDue(commitment.due) }) : t("commitment_no_due"));
  return facts;
}
