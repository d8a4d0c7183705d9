"""Workshop-wide controls: the shared timer, focus, what the projector shows,
ready and raised hands, removing a participant, closing the workshop.

These are workshop events: numbered by the workshop's ``version`` (later
state replaces earlier), not part of any canvas's ``seq``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ..db import db
from ..models import Participant, Workshop, utcnow
from . import rules
from .actors import Actor
from .controls import next_timer
from .errors import BoardError
from .log import WORKSHOP, Change, record
from .schemas import (
    MyStatus,
    NewJoinCode,
    RemoveParticipant,
    ResetStatus,
    SetFocus,
    SetTableFocus,
    ShowOnProjector,
    TimerChange,
    TimerStart,
    WorkshopFlag,
)
from .serialize import person
from .workshops import new_code


def state(workshop: Workshop) -> dict:
    """What everyone in the workshop may know of its live state."""
    return {"status": workshop.status, "timer": workshop.timer, "focus": workshop.focus,
            "projector": workshop.projector or {"mode": "join", "canvas_id": None, "zoom": False},
            "anonymous_shows_institution": workshop.anonymous_shows_institution,
            "recipe": recipe_state(workshop.recipe)}


def recipe_state(recipe: dict | None) -> dict | None:
    """What everyone may know of the workshop's recipe: its agenda, the room's phase,
    each table's phase, and the full settings of the phases in play (not of every phase,
    so every workshop event stays small)."""
    if not recipe:
        return None
    phases = recipe["phases"]
    in_play = {i for i in recipe["tables"].values()} | ({recipe["phase"]} if recipe["phase"] is not None else set())
    return {"id": recipe["id"], "name": recipe["name"], "template": recipe["template"], "phase": recipe["phase"],
            "started_at": recipe["started_at"], "tables": recipe["tables"],
            "agenda": [{"id": p["id"], "name": p["name"], "minutes": p["minutes"]} for p in phases],
            "phases": {str(i): phases[i] for i in sorted(in_play)}}


def status_of(participant: Participant) -> dict:
    return {**person(participant), "ready": participant.ready, "hand": participant.hand_raised,
            "removed": participant.removed_at is not None}


def facilitator_op(actor: Actor, op, event_type: str, change, while_closed: bool = False) -> Change:
    def apply(workshop: Workshop) -> dict:
        if not while_closed:
            rules.check_workshop_open(workshop)
        extra = change(workshop) or {}
        return {**state(workshop), **extra}

    return record(actor, WORKSHOP, actor.workshop_id, op.op_id, event_type, apply,
                  lambda: rules.require_facilitator(actor))


def set_workshop_timer(actor: Actor, op: TimerStart | TimerChange) -> Change:
    """Start, change or stop the countdown of the whole workshop."""

    def change(workshop: Workshop) -> None:
        workshop.timer = next_timer(workshop.timer, op)

    return facilitator_op(actor, op, "workshop.timer", change)


def set_focus(actor: Actor, op: SetFocus) -> Change:
    """Bring everyone to a canvas or a block (or clear the focus)."""

    def change(workshop: Workshop) -> None:
        if op.canvas_id is None:
            workshop.focus = None
            return
        canvas = rules.canvas_for(actor, op.canvas_id)
        if op.block is not None:
            rules.check_block(canvas, op.block)
        workshop.focus = {"canvas_id": canvas.id, "block": op.block, "canvas_name": canvas.name}

    return facilitator_op(actor, op, "workshop.focus", change)


def set_table_focus(actor: Actor, op: SetTableFocus) -> Change:
    """Invite one table to a block of its own canvas, or end that table's invitation.

    The room's toolbar sends one per table (every table, or the chosen ones), so the log
    holds one event per table, as for its other controls. Each table keeps its own block
    (half the room may be on one block, half on another) in ``focus["tables"]``, keyed by
    canvas id. A focus on one place for everyone (``set_focus``) replaces the tables' focus,
    and this replaces such a place: a facilitator brings the room either to one canvas or
    each table to a block of its own, not both at once."""

    def change(workshop: Workshop) -> None:
        canvas = rules.canvas_for(actor, op.canvas_id)
        if op.block is not None:
            rules.check_block(canvas, op.block)
        tables = dict((workshop.focus or {}).get("tables") or {})
        if op.block is None:
            tables.pop(str(canvas.id), None)
        else:
            tables[str(canvas.id)] = op.block
        workshop.focus = {"tables": tables} if tables else None

    return facilitator_op(actor, op, "workshop.focus", change)


def show_on_projector(actor: Actor, op: ShowOnProjector) -> Change:
    """Choose what the projector screen shows."""

    def change(workshop: Workshop) -> None:
        if op.mode in {"canvas", "results"}:
            if op.canvas_id is None:
                raise BoardError("invalid", _l("Choose the canvas to show."), field="canvas_id")
            rules.canvas_for(actor, op.canvas_id)
        workshop.projector = {"mode": op.mode, "canvas_id": op.canvas_id if op.mode in {"canvas", "results"}
                              else None, "zoom": op.mode == "canvas" and op.zoom}

    return facilitator_op(actor, op, "workshop.projector", change, while_closed=True)


def reset_status(actor: Actor, op: ResetStatus) -> Change:
    """Clear everyone's "ready" marks, raised hands, or both."""

    def change(workshop: Workshop) -> dict:
        values = {}
        if op.ready:
            values["ready"] = False
        if op.hands:
            values["hand_raised"] = False
        if values:
            db.session.execute(update(Participant).where(Participant.workshop_id == workshop.id).values(values))
        return {"reset": {"ready": op.ready, "hands": op.hands}}

    return facilitator_op(actor, op, "workshop.status_reset", change)


def show_institutions(actor: Actor, op: WorkshopFlag) -> Change:
    """Whether anonymous canvases still show the institution of each note's author, to the
    other participants and in the exports. Also after closing: it shapes the exports."""

    def change(workshop: Workshop) -> None:
        workshop.anonymous_shows_institution = op.value

    return facilitator_op(actor, op, "workshop.institutions", change, while_closed=True)


def close_workshop(actor: Actor, op) -> Change:
    """Close the workshop: read-only from now on, still viewable and exportable."""

    def change(workshop: Workshop) -> None:
        workshop.status = "closed"
        workshop.timer = None

    return facilitator_op(actor, op, "workshop.closed", change)


def new_join_code(actor: Actor, op: NewJoinCode) -> Change:
    """Replace a join code that went where it should not: the old code and the projector
    link made from it stop at once. People already in keep their seats (their tokens are
    not the code). The new code itself is not in the event: it is for the facilitators
    (and the projector), not for everyone in the room. Also while closed, so a leaked code
    can be withdrawn before reopening."""

    def change(workshop: Workshop) -> dict:
        workshop.code = new_code()
        return {"projectors": op.projectors}

    return facilitator_op(actor, op, "workshop.code", change, while_closed=True)


def reopen_workshop(actor: Actor, op) -> Change:
    def change(workshop: Workshop) -> None:
        if workshop.status != "closed":
            raise BoardError("invalid", _l("This workshop is not closed."))
        workshop.status = "live"

    return facilitator_op(actor, op, "workshop.reopened", change, while_closed=True)


def mark_seen(participant_id: int) -> None:
    """Remember when someone was last connected ("seen earlier" in the control room)."""
    db.session.execute(update(Participant).where(Participant.id == participant_id).values(last_seen_at=utcnow()))
    db.session.commit()


def set_my_status(actor: Actor, op: MyStatus) -> Change:
    """A participant marks themselves ready, or raises or lowers a hand (not a facilitator's seat)."""

    def apply(workshop: Workshop) -> dict:
        rules.check_workshop_open(workshop)
        participant = db.session.get(Participant, actor.participant_id)
        if op.ready is not None:
            participant.ready = op.ready
        if op.hand is not None:
            participant.hand_raised = op.hand
        return status_of(participant)

    return record(actor, WORKSHOP, actor.workshop_id, op.op_id, "participant.status", apply,
                  lambda: rules.require_taking_part(actor))


def remove_participant(actor: Actor, op: RemoveParticipant) -> Change:
    """Remove someone: their connections end and the same identity cannot come back."""

    def check() -> None:
        rules.require_facilitator(actor)
        participant = rules.participant_for(actor, op.participant_id)
        if participant.facilitator_id is not None:
            raise BoardError("invalid", _l("A facilitator cannot be removed from here."))

    def apply(workshop: Workshop) -> dict:
        participant = rules.participant_for(actor, op.participant_id)
        if participant.removed_at is None:
            participant.removed_at = utcnow()
            participant.ready = participant.hand_raised = False
        return status_of(participant)

    return record(actor, WORKSHOP, actor.workshop_id, op.op_id, "participant.removed", apply, check)
