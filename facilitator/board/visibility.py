"""Who may see what: hidden notes (silent writing), anonymous canvases, votes.

Every event is stored whole. What a viewer gets is decided here, for live
broadcasts as for snapshots and resyncs, so the rule lives in one place:
the text of a hidden note reaches only its author and the facilitators; an
anonymous canvas names no author except to the author and the facilitators;
a vote is known only to the voter (facilitators see how many voted, not who
voted what). Exports follow the same rules, and on an anonymous canvas they
name no author even when a facilitator asks for them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ..models import Canvas, Event, Workshop
from .actors import Actor

PRIVATE_VOTE_EVENTS = frozenset({"vote.cast", "vote.withdrawn"})
Redactor = Callable[[dict], dict | None]


@dataclass(frozen=True)
class Audience:
    """How an event is shared: ``redact`` turns the full envelope into the public one."""

    redact: Redactor | None = None
    private_to: tuple[int, ...] = ()
    facilitators: bool = False

    def public(self, full: dict) -> dict | None:
        return full if self.redact is None else self.redact(full)


def anonymous_author(author: dict, workshop: Workshop) -> dict:
    return {"id": None, "name": None, "anonymous": True, "facilitator": False,
            "institution": author.get("institution") if workshop.anonymous_shows_institution else None}


def public_note(note: dict, canvas: Canvas) -> dict:
    """A note as someone who is neither its author nor a facilitator may see it."""
    if note.get("hidden"):
        return {"id": note["id"], "block": note["block"], "position": note["position"], "hidden": True,
                "cluster_id": None, "votes": None}
    if canvas.anonymous:
        return {**note, "author": anonymous_author(note["author"], canvas.workshop)}
    return note


def note_for(note: dict, canvas: Canvas, viewer: Actor) -> dict:
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


def _redact_notes(canvas: Canvas) -> Redactor:
    def redact(full: dict) -> dict:
        data = full["data"]
        if "author" in data:
            data = public_note(data, canvas)
        if "notes" in data:
            data = {**data, "notes": [public_note(n, canvas) for n in data["notes"]]}
        hide_actor = canvas.anonymous or data.get("hidden")
        return {**full, "data": data, "actor": None if hide_actor else full["actor"]}

    return redact


def _redactor(kind: str, data: dict, canvas: Canvas | None) -> Redactor | None:
    if kind in PRIVATE_VOTE_EVENTS:
        return _redact_votes
    if kind.startswith("participant."):
        return lambda full: None
    if canvas is None:
        return None
    about_notes = "author" in data or "notes" in data
    if (canvas.anonymous and about_notes) or data.get("hidden") or any(n.get("hidden") for n in data.get("notes", ())):
        return _redact_notes(canvas)
    return None


def _privileged(kind: str, data: dict, actor_id: int | None, viewer: Actor) -> bool:
    if kind in PRIVATE_VOTE_EVENTS:
        return actor_id is not None and actor_id == viewer.participant_id
    if kind.startswith("participant."):
        return viewer.is_facilitator or data.get("id") == viewer.participant_id
    if viewer.is_facilitator:
        return True
    author = data.get("author", {}).get("id")
    return author is not None and author == viewer.participant_id


def audience(event: Event, actor: Actor, target: Canvas | Workshop) -> Audience:
    """How a just-recorded event is shared."""
    redact = _redactor(event.type, event.data, target if isinstance(target, Canvas) else None)
    if redact is None:
        return Audience()
    if event.type in PRIVATE_VOTE_EVENTS:
        return Audience(redact, private_to=(event.actor_id,))
    if event.type.startswith("participant."):
        return Audience(redact, private_to=(event.data["id"],), facilitators=True)
    author = event.data.get("author", {}).get("id")
    return Audience(redact, private_to=(author,) if author else (), facilitators=True)


def event_for(envelope: dict, canvas: Canvas, viewer: Actor) -> dict:
    """A stored canvas event as ``viewer`` may see it (for resync)."""
    kind, data = envelope["type"], envelope["data"]
    actor_id = envelope["actor"]["id"] if envelope.get("actor") else None
    if _privileged(kind, data, actor_id, viewer):
        return envelope
    redact = _redactor(kind, data, canvas)
    return envelope if redact is None else redact(envelope)
