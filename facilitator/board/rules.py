"""Who may do what: every authorization rule of the board, in one place."""

from __future__ import annotations

from flask import current_app
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.engine import Row

from ..db import db
from ..models import Canvas, Cluster, Note, Participant, Workshop
from . import timers
from .actors import Actor
from .errors import BoardError
from .rows import CanvasView


def canvas_for(actor: Actor, canvas_id: int) -> Canvas:
    """The canvas, if the actor's workshop holds it; otherwise ``not_found``.

    A canvas of another workshop is reported as missing, not forbidden, so ids
    cannot be probed.
    """
    canvas = db.session.get(Canvas, canvas_id)
    check_canvas_of(actor, canvas)
    return canvas


def check_canvas_of(actor: Actor, canvas: Canvas | CanvasView | None) -> None:
    """Refuse with ``not_found`` a canvas that is missing or of another workshop (see canvas_for)."""
    if canvas is None or canvas.workshop_id != actor.workshop_id:
        raise BoardError("not_found", _l("This canvas does not exist."))


def require_facilitator(actor: Actor) -> None:
    """Refuse anything a participant sends that only a facilitator may do."""
    if not actor.is_facilitator:
        raise BoardError("forbidden", _l("Only a facilitator can do this."))


def require_participant(actor: Actor) -> None:
    """Refuse changes from a watch-only screen (the projector)."""
    if actor.is_projector:
        raise BoardError("forbidden", _l("This screen can only watch."))


def require_taking_part(actor: Actor) -> None:
    """Refuse, from a facilitator's seat or the projector, what only participants do:
    voting and marking themselves ready or raising a hand. Facilitators run the vote
    and read the marks; their dots would count among the participants' results."""
    require_participant(actor)
    if actor.is_facilitator:
        raise BoardError("forbidden", _l("Only participants can do this."))


def check_workshop_open(workshop: Workshop) -> None:
    if workshop.is_closed:
        raise BoardError("locked", _l("This workshop is closed: it can be read but not changed."))


def is_locked(canvas: Canvas | CanvasView, block: str | None = None, now: int | None = None) -> bool:
    """Locked for participants: the canvas, the block, or a timer that ran out."""
    now = timers.now_ms() if now is None else now
    if canvas.locked or (block is not None and block in (canvas.locked_blocks or [])):
        return True
    return timers.locks_now(canvas.timer, now) or timers.locks_now(canvas.workshop.timer, now)


def check_can_write(actor: Actor, canvas: Canvas | CanvasView, *blocks: str) -> None:
    """Refuse changes to a closed workshop, and participants' changes where it is locked."""
    require_participant(actor)
    check_workshop_open(canvas.workshop)
    if actor.is_facilitator:
        return
    if is_locked(canvas) or any(is_locked(canvas, block) for block in blocks):
        raise BoardError("locked", _l("The facilitator has locked this for now."))


def check_room_for_a_note(canvas: Canvas | CanvasView) -> None:
    """Refuse a note beyond the canvas's limit (MAX_NOTES_PER_CANVAS)."""
    limit = current_app.config["MAX_NOTES_PER_CANVAS"]
    if canvas.seq <= limit:  # every note was added by an event, so there are no more notes than events
        return
    count = db.session.scalar(select(func.count(Note.id)).where(Note.canvas_id == canvas.id,
                                                                Note.deleted_at.is_(None)))
    if count >= limit:
        raise BoardError("too_large", _l("This canvas is full: it holds at most %(max)s notes.", max=limit))


def check_room_for_a_participant(workshop: Workshop) -> None:
    """Refuse a participant beyond the workshop's limit (MAX_PARTICIPANTS_PER_WORKSHOP)."""
    limit = current_app.config["MAX_PARTICIPANTS_PER_WORKSHOP"]
    count = db.session.scalar(select(func.count(Participant.id)).where(Participant.workshop_id == workshop.id))
    if count >= limit:
        raise BoardError("too_large", _l("This workshop is full: it takes at most %(max)s participants.",
                                         max=limit))


def block_ids(canvas: Canvas | CanvasView) -> frozenset[str]:
    """A canvas's block ids, remembered per app: its template snapshot never changes once made."""
    known = current_app.extensions.setdefault("lienzo.block_ids", {})
    if canvas.id not in known:
        template = db.session.scalar(select(Canvas.template).where(Canvas.id == canvas.id))
        known[canvas.id] = frozenset(b["id"] for b in template["blocks"])
    return known[canvas.id]


def check_block(canvas: Canvas | CanvasView, block: str) -> None:
    """Refuse a block the canvas's template does not have."""
    if block not in block_ids(canvas):
        raise BoardError("invalid", _l("This canvas has no block “%(block)s”.", block=block), field="block")


def note_for(canvas: Canvas, note_id: str, actor: Actor | None = None) -> Note:
    """A live (not deleted) note of this canvas, or ``not_found``.

    With an ``actor``, a hidden note of someone else is missing too.
    """
    note = db.session.get(Note, note_id)
    check_note_of(canvas, note, actor)
    return note


def check_note_of(canvas: Canvas | CanvasView, note: Note | Row | None, actor: Actor | None = None) -> None:
    """Refuse with ``not_found`` a note that is missing, deleted, of another canvas or,
    with an ``actor``, hidden from them (see note_for)."""
    if note is None or note.canvas_id != canvas.id or note.deleted_at is not None:
        raise BoardError("not_found", _l("This note no longer exists."))
    if actor is not None and not can_see(actor, note):
        raise BoardError("not_found", _l("This note no longer exists."))


def cluster_for(canvas: Canvas | CanvasView, cluster_id: int) -> Cluster:
    """A group (stack) of this canvas, or ``not_found``."""
    cluster = db.session.get(Cluster, cluster_id)
    check_cluster_of(canvas, cluster)
    return cluster


def check_cluster_of(canvas: Canvas | CanvasView, cluster: Cluster | Row | None) -> None:
    """Refuse with ``not_found`` a group that is missing or of another canvas (see cluster_for)."""
    if cluster is None or cluster.canvas_id != canvas.id:
        raise BoardError("not_found", _l("This group does not exist."))


def can_see(actor: Actor, note: Note | Row) -> bool:
    return not note.hidden or actor.is_facilitator or note.author_id == actor.participant_id


def check_can_change_note(actor: Actor, canvas: Canvas | CanvasView, note: Note | Row) -> None:
    """Participants change their own notes unless the canvas lets everyone edit."""
    if actor.is_facilitator or note.author_id == actor.participant_id:
        return
    if canvas.notes_editable_by_all and can_see(actor, note):
        return
    raise BoardError("forbidden", _l("Only the author of this note can change it."))


def participant_for(actor: Actor, participant_id: int) -> Participant:
    """A participant of the actor's workshop, or ``not_found``."""
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.workshop_id != actor.workshop_id:
        raise BoardError("not_found", _l("This participant does not exist."))
    return participant


# Why a participant's change is refused in a phase, by the action the phase does not allow.
REFUSALS = {
    "add": lambda phase: _l("In this phase (“%(phase)s”) no notes are added.", phase=phase),
    "edit": lambda phase: _l("In this phase (“%(phase)s”) notes are not changed.", phase=phase),
    "move": lambda phase: _l("In this phase (“%(phase)s”) notes are not moved.", phase=phase),
    "vote": lambda phase: _l("In this phase (“%(phase)s”) there is no voting.", phase=phase),
    "group": lambda phase: _l("In this phase (“%(phase)s”) notes are not stacked.", phase=phase),
}


def _localized(text: dict) -> str:
    lang = str(get_locale() or "es")
    return text.get(lang) or text["es"]


def table_phase(canvas: Canvas | CanvasView) -> dict | None:
    """The phase a table is in, or None (no recipe, or not driven by it yet)."""
    recipe = canvas.workshop.recipe
    if not recipe:
        return None
    index = recipe["tables"].get(str(canvas.id))
    return None if index is None else recipe["phases"][index]


def check_phase_allows(actor: Actor, canvas: Canvas | CanvasView, action: str) -> None:
    """Refuse a participant's change that the table's phase does not allow (facilitators may)."""
    if actor.is_facilitator:
        return
    phase = table_phase(canvas)
    if phase is None or action in phase["allow"]:
        return
    name = phase["name"]
    # The phase's name in the language the refusal is shown in (worked out then, not now).
    raise BoardError("locked", REFUSALS[action](LazyString(lambda: _localized(name))))


def check_may_group(actor: Actor, canvas: Canvas, *blocks: str) -> None:
    """Refuse a participant's stacking unless the table's phase allows ``group``.

    Grouping is the facilitator's by default (clusters were theirs alone): a participant
    stacks notes only in a phase that hands it to the room. Outside any phase that is
    ``forbidden``; in a phase without ``group`` it is ``locked``, naming the phase, like
    the other phase refusals. Locks and a closed workshop apply as to any change."""
    check_can_write(actor, canvas, *blocks)
    if actor.is_facilitator:
        return
    if table_phase(canvas) is None:
        raise BoardError("forbidden", _l("Notes are stacked only in a phase of the workshop that allows it."))
    check_phase_allows(actor, canvas, "group")
