// The workshop's live state (status, timer, focus, projector, whether anonymous
// canvases show institutions) and, for the
// people entitled to it, ready marks and raised hands.
//
// Workshop events carry the whole public state and a `version`; a later version
// replaces an earlier one (versions have gaps: some events are private). Private
// events (`participant.status`, `participant.removed`) concern one person each
// and are kept per person, by version too.

const EMPTY = { status: "live", timer: null, focus: null, projector: { mode: "join", canvas_id: null },
  anonymous_shows_institution: true, recipe: null };
const KEYS = Object.keys(EMPTY);

export class WorkshopState {
  constructor() {
    this.version = -1;
    this.state = { ...EMPTY };
    this.people = new Map(); // participant id → {id, name, institution, facilitator, ready, hand, removed, ...}
    this.peopleVersion = new Map();
  }

  get closed() {
    return this.state.status === "closed";
  }

  /** The `workshop` of a join/watch/state ack. */
  adopt(workshop) {
    if (!workshop || typeof workshop.version !== "number" || workshop.version < this.version) return false;
    this.version = workshop.version;
    this.state = { ...EMPTY, ...pick(workshop) };
    return true;
  }

  /** The institution an anonymous note may show (none if the workshop turned that off). */
  institutionOf(author) {
    return (this.state.anonymous_shows_institution && author && author.institution) || "";
  }

  /** A `workshop` event; returns true when it was newer than what we had. */
  receive(envelope) {
    if (!envelope || typeof envelope.version !== "number") return false;
    if (envelope.type && envelope.type.startsWith("participant.")) return this.receivePrivate(envelope);
    if (envelope.version <= this.version) return false;
    this.version = envelope.version;
    this.state = { ...EMPTY, ...pick(envelope.data || {}) };
    const reset = envelope.data && envelope.data.reset;
    if (reset) {
      for (const [id, person] of this.people) {
        if ((this.peopleVersion.get(id) || 0) > envelope.version) continue;
        this.people.set(id, { ...person, ready: reset.ready ? false : person.ready, hand: reset.hands ? false : person.hand });
        this.peopleVersion.set(id, envelope.version);
      }
    }
    return true;
  }

  /** A `workshop:private` event: someone's ready mark, hand, or removal. */
  receivePrivate(envelope) {
    if (!envelope || typeof envelope.version !== "number") return false;
    const data = envelope.data;
    if (!envelope.type || !envelope.type.startsWith("participant.")) return this.receive(envelope);
    if (!data || typeof data.id !== "number") return false;
    if ((this.peopleVersion.get(data.id) || 0) >= envelope.version) return false;
    this.peopleVersion.set(data.id, envelope.version);
    this.people.set(data.id, { ...(this.people.get(data.id) || {}), ...data });
    return true;
  }

  /** Someone's status as known from an ack (`status` or a roster entry). */
  person(entry, version = this.version) {
    if (!entry || typeof entry.id !== "number") return;
    if ((this.peopleVersion.get(entry.id) || 0) > version) return;
    this.people.set(entry.id, { ...(this.people.get(entry.id) || {}), ...entry });
    this.peopleVersion.set(entry.id, Math.max(0, version));
  }
}

function pick(data) {
  const state = {};
  for (const key of KEYS) if (key in data) state[key] = data[key];
  return state;
}
