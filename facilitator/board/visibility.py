"""Who may see what: hidden notes (silent writing), anonymous canvases, votes.

Every event is stored whole. What a viewer gets is decided here, for live
broadcasts as for snapshots and resyncs, so the rule lives in one place:
the text of a hidden note reaches only its author and the facilitators; an
anonymous canvas names no author except to the author and the facilitators,
and no one who changed or deleted a note (nor does a hidden note's event); a
vote is known only to the voter (facilitators see how many voted, not who
voted what). A resync shows each event as anonymous as the canvas was when it
happened. Exports follow the same rules, and on an anonymous canvas they name
no author even when a facilitator asks for them. (The editing indicator's
badge is decided in ``board.editing_badge``.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from ..db import db
from ..models import Canvas, Event, Workshop
from .actors import Actor
from .rows import CanvasView, WorkshopView

PRIVATE_VOTE_EVENTS = frozenset({"vote.cast", "vote.withdrawn"})
Redactor = Callable[[dict], dict | None]


@dataclass(frozen=True)
class Audience:
    """How an event is shared: ``redact`` turns the full envelope into the public one."""

    redact: Redactor | None = None
    private_to: tuple[int, ...] = ()
    facilitators: bool = False
    actor_sees_all: bool = True  # whether the one who made the change gets it whole (in the ack)

    def public(self, full: dict) -> dict | None:
        return full if self.redact is None else self.redact(full)

    def for_actor(self, full: dict) -> dict:
        """What the one who made the change is answered: the public form, naming them as the
        actor, unless they may see it all (someone who changes another's note on an anonymous
        canvas learns no more of its author than anyone else)."""
        if self.actor_sees_all:
            return full
        public = self.public(full)
        return full if public is None else {**public, "actor": full["actor"]}


def anonymous_author(author: dict, workshop: Workshop | WorkshopView) -> dict:
    return {"id": None, "name": None, "anonymous": True, "facilitator": False,
            "institution": author.get("institution") if workshop.anonymous_shows_institution else None}


def public_note(note: dict, canvas: Canvas | CanvasView, anonymous: bool | None = None) -> dict:
    """A note as someone who is neither its author nor a facilitator may see it.

    ``anonymous``: whether authors are withheld (default: the canvas as it is now).
    """
    if note.get("hidden"):
        return {"id": note["id"], "block": note["block"], "position": note["position"], "hidden": True,
                "cluster_id": None, "votes": None}
    if canvas.anonymous if anonymous is None else anonymous:
        return {**note, "author": anonymous_author(note["author"], canvas.workshop)}
    return note


def note_for(note: dict, canvas: Canvas | CanvasView, viewer: Actor) -> dict:
    """A note as ``viewer`` may see it."""
    if viewer.is_facilitator or note["author"]["id"] == viewer.participant_id:
        return note
    return public_note(note, canvas)


def note_for_export(note: dict, canvas: Canvas, viewer: Actor, *, unrevealed: bool = True) -> dict | None:
    """A note as an export made for ``viewer`` holds it, or None if it holds none of it.

    The viewer's own rights decide hidden notes (a facilitator's export has them),
    unless ``unrevealed`` is False: then no note silent writing still hides goes in,
    whoever asks (the workshop report's default, since it is written for people
    outside the workshop). On an anonymous canvas no export names an author, not
    even a facilitator's.
    """
    if note.get("hidden") and not unrevealed:
        return None
    seen = note_for(note, canvas, viewer)
    if seen.get("hidden") and "text" not in seen:
        return None
    if canvas.anonymous:
        return {**seen, "author": anonymous_author(note["author"], canvas.workshop)}
    return seen


def lone_institutions(workshop: Workshop) -> dict:
    """Institutions that name a person on the workshop's anonymous canvases, and those canvases.

    While anonymous canvases show each author's institution (the workshop's
    ``anonymous_shows_institution``), an institution that only one participant of
    the workshop gave names that person on every note it labels: to the room, on
    the projector and in the exports (whose attendance counts say so outright).
    Everyone who joined counts, removed people too (their notes stay); facilitators
    and the stand-in authors of an imported anonymous canvas do not. Institutions
    are compared as typed, since each label is shown as typed. Both lists are empty
    when nothing is exposed: ``{"institutions": ["MEF"], "canvases": [{"id", "name"}]}``.
    """
    canvases = [c for c in workshop.canvases if c.anonymous]
    if not canvases or not workshop.anonymous_shows_institution:
        return {"institutions": [], "canvases": []}
    counts = Counter(p.institution for p in workshop.participants
                     if p.institution and p.facilitator_id is None and p.imported_role not in ("facilitator",
                                                                                                 "anonymous"))
    lone = sorted((name for name, count in counts.items() if count == 1), key=lambda name: (name.casefold(), name))
    return {"institutions": lone, "canvases": [{"id": c.id, "name": c.name} for c in canvases] if lone else []}


def _redact_votes(full: dict) -> dict:
    data = full["data"]
    return {**full, "data": {"round_id": data["round_id"], "voters": data["voters"]}, "actor": None}


def _hidden_note(kind: str, data: dict) -> bool:
    """Whether the event is about one hidden note. A ``note.deleted`` recorded before it
    said whether the note was hidden counts as hidden."""
    return bool(data.get("hidden", kind == "note.deleted"))


def _about_a_hidden_note(kind: str, data: dict) -> bool:
    return _hidden_note(kind, data) or any(n.get("hidden") for n in data.get("notes", ()))


def _about_notes(kind: str, data: dict) -> bool:
    # Stacking names no author, but who stacks a note on an anonymous canvas is most often
    # its author: ``stack.*`` events keep their actor unsaid there, as note events do.
    return kind.startswith(("note.", "stack.")) or "author" in data or "notes" in data


def _redact_notes(canvas: Canvas | CanvasView, anonymous: bool) -> Redactor:
    def redact(full: dict) -> dict:
        data = full["data"]
        if "author" in data:
            data = public_note(data, canvas, anonymous)
        if "notes" in data:
            data = {**data, "notes": [public_note(n, canvas, anonymous) for n in data["notes"]]}
        # Whoever changes a note of an anonymous canvas, or a hidden note, stays unnamed: most
        # often it is the author (only authors delete their notes, unless everyone may edit).
        hide_actor = anonymous or _hidden_note(full["type"], full["data"])
        return {**full, "data": data, "actor": None if hide_actor else full["actor"]}

    return redact


def _redactor(kind: str, data: dict, canvas: Canvas | CanvasView | None, anonymous: bool = False) -> Redactor | None:
    if kind in PRIVATE_VOTE_EVENTS:
        return _redact_votes
    if kind.startswith("participant."):
        return lambda full: None
    if canvas is None or not _about_notes(kind, data):
        return None
    if anonymous or _about_a_hidden_note(kind, data):
        return _redact_notes(canvas, anonymous)
    return None


def _insiders(kind: str, data: dict, actor_id: int | None) -> tuple[tuple[int, ...], bool]:
    """Who gets an event whole when its public form hides something: participant ids, and
    whether the facilitators do. The deleter of a note learns only their own name back."""
    if kind in PRIVATE_VOTE_EVENTS:
        return (actor_id,) if actor_id is not None else (), False
    if kind.startswith("participant."):
        return (data["id"],), True
    if kind == "note.deleted":
        return (actor_id,) if actor_id is not None else (), True
    author = data.get("author", {}).get("id")
    return (author,) if author else (), True


def audience(event: Event, actor: Actor, canvas: Canvas | CanvasView | None) -> Audience:
    """How a just-recorded event is shared (``canvas``: the event's canvas as it is now, None
    for a workshop's event)."""
    redact = _redactor(event.type, event.data, canvas, canvas is not None and canvas.anonymous)
    if redact is None:
        return Audience()
    private_to, facilitators = _insiders(event.type, event.data, event.actor_id)
    return Audience(redact, private_to=private_to, facilitators=facilitators,
                    actor_sees_all=(facilitators and actor.is_facilitator) or actor.participant_id in private_to)


def for_its_actor(full: dict, canvas: Canvas | None, actor: Actor, seq: int) -> dict:
    """A recorded event as ``Audience.for_actor`` answers its actor, for a repeated ``op_id``."""
    if canvas is None:
        return full
    seen = event_for(full, canvas, actor, anonymous_as_of(canvas, seq))
    return seen if seen is full else {**seen, "actor": full["actor"]}


def event_for(envelope: dict, canvas: Canvas, viewer: Actor, anonymous: bool | None = None) -> dict:
    """A stored canvas event as ``viewer`` may see it (for resync).

    ``anonymous``: whether the canvas withheld authors when the event happened (see
    ``events_for``); the canvas as it is now withholds them too.
    """
    kind, data = envelope["type"], envelope["data"]
    actor_id = envelope["actor"]["id"] if envelope.get("actor") else None
    private_to, facilitators = _insiders(kind, data, actor_id)
    if (facilitators and viewer.is_facilitator) or (viewer.participant_id is not None
                                                    and viewer.participant_id in private_to):
        return envelope
    redact = _redactor(kind, data, canvas, bool(anonymous) or canvas.anonymous)
    return envelope if redact is None else redact(envelope)


def anonymous_as_of(canvas: Canvas, seq: int) -> bool:
    """Whether the canvas withheld authors just after event ``seq``, from the log: every
    canvas control event records the controls. Before any, a canvas made here was not
    anonymous (an imported one may have been: the canvas as it is now still counts)."""
    controls = db.session.scalar(
        select(Event.data).where(Event.canvas_id == canvas.id, Event.seq <= seq, Event.type.like("canvas.%"))
        .order_by(Event.seq.desc()).limit(1))
    return bool(controls and controls.get("controls", {}).get("anonymous"))


def events_for(envelopes: list[dict], canvas: Canvas, viewer: Actor, last_seq: int) -> list[dict]:
    """Stored canvas events after ``last_seq``, in order, as ``viewer`` may see them: each as
    anonymous as the canvas was when it happened (or is now), as it was broadcast live."""
    anonymous, seen = anonymous_as_of(canvas, last_seq), []
    for envelope in envelopes:
        controls = envelope["data"].get("controls") if envelope["type"].startswith("canvas.") else None
        if controls is not None:
            anonymous = bool(controls.get("anonymous"))
        seen.append(event_for(envelope, canvas, viewer, anonymous))
    return seen
