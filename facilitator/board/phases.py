"""Running a workshop by a recipe: choosing it, and going to the next or previous phase.

Going to a phase is one workshop event (``workshop.phase``: the room's phase and each
table's) followed, for every table it applies to, by the canvas controls that bring the
table to the phase's settings. Those are the ordinary control operations (``controls``,
``voting``, ``session.set_table_focus``), so each rule lives in one place and the log
holds them as the facilitator would have done them by hand, one table at a time. Each
control gets an ``op_id`` derived from the phase operation's, so a retry of the same
phase change replays what was done and completes what was not, without doing anything
twice. Only what differs from the table's present state is sent.

A phase never ends anonymity: that would name the authors of what was written
anonymously, which only the facilitator decides, by hand.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..catalog import catalog_of
from ..db import db
from ..models import Canvas, Note, Workshop
from ..recipes import recipes_of
from . import controls, reuse, rules, session, timers, voting
from .actors import Actor
from .errors import BoardError
from .log import Change
from .schemas import (
    ChooseRecipe,
    CloseVote,
    OpenVote,
    Reveal,
    SetFlag,
    SetLock,
    SetTableFocus,
    StepPhase,
    TimerChange,
    TimerStart,
)


def choose_recipe(actor: Actor, op: ChooseRecipe) -> Change:
    """Follow a recipe (a copy of it, as a canvas copies its template): a shipped one or the
    facilitator's own (``own-<n>``), or none again. No phase is applied yet: "next phase" starts the first."""

    def change(workshop: Workshop) -> None:
        if op.recipe_id is None:
            workshop.recipe = None
            return
        recipe = recipes_of(current_app).get(op.recipe_id) or reuse.own_recipe_of_actor(
            actor, op.recipe_id, catalog_of(current_app))
        if recipe is None:
            raise BoardError("invalid", _l("There is no recipe “%(id)s”.", id=op.recipe_id), field="recipe_id")
        workshop.recipe = recipe.workshop_copy()

    return session.facilitator_op(actor, op, "workshop.recipe", change)


def next_phase(actor: Actor, op: StepPhase) -> Change:
    """Bring the room (every table of the recipe's canvas, or the chosen ones) to the next phase."""
    return _step(actor, op, +1)


def previous_phase(actor: Actor, op: StepPhase) -> Change:
    """Go back one phase: its settings are applied again to the tables."""
    return _step(actor, op, -1)


def _tables(actor: Actor, workshop: Workshop, recipe: dict, chosen: list[int] | None) -> list[Canvas]:
    if chosen is None:
        tables = [c for c in workshop.canvases if c.template_id == recipe["template"]]
        if not tables:
            raise BoardError("invalid", _l("No table has the canvas this recipe runs on. Add its canvases first."))
        return tables
    tables = [rules.canvas_for(actor, canvas_id) for canvas_id in dict.fromkeys(chosen)]
    for canvas in tables:
        if canvas.template_id != recipe["template"]:
            raise BoardError("invalid", _l("“%(name)s” is not a canvas this recipe runs on.", name=canvas.name),
                             field="canvas_ids")
    return tables


def _step(actor: Actor, op: StepPhase, delta: int) -> Change:
    def change(workshop: Workshop) -> dict:
        recipe = workshop.recipe
        if not recipe:
            raise BoardError("invalid", _l("This workshop follows no recipe. Choose one first."))
        current = -1 if recipe["phase"] is None else recipe["phase"]
        if op.from_phase is not None and op.from_phase != current:
            raise BoardError("conflict", _l("The room is no longer in that phase: someone moved it meanwhile."),
                             field="from_phase")
        index = current + delta
        if index < 0:
            raise BoardError("invalid", _l("This is the first phase."))
        if index >= len(recipe["phases"]):
            raise BoardError("invalid", _l("This was the last phase of the recipe."))
        tables = _tables(actor, workshop, recipe, op.canvas_ids)
        workshop.recipe = {**recipe, "phase": index, "started_at": timers.now_ms(),
                           "tables": {**recipe["tables"], **{str(c.id): index for c in tables}}}
        return {"phase_tables": [c.id for c in tables]}

    main = session.facilitator_op(actor, op, "workshop.phase", change)
    data = main.envelope["data"]
    db.session.commit()  # read the workshop as it is now
    recipe = db.session.get(Workshop, actor.workshop_id).recipe
    if not recipe or recipe["id"] != data["recipe"]["id"] or recipe["phase"] != data["recipe"]["phase"]:
        return main  # a retry after the room moved on: that phase is history, not to apply again
    phase = recipe["phases"][recipe["phase"]]
    follow: list[Change] = []
    for canvas_id in data["phase_tables"]:
        follow += apply_to_table(actor, canvas_id, phase, op.op_id)
    return replace(main, follow=tuple(follow))


def _sub_id(op_id: str, canvas_id: int, action: str) -> str:
    """The op_id of one control of a phase change: the same for a retry of that change."""
    return "ph-" + hashlib.sha256(f"{op_id}|{canvas_id}|{action}".encode()).hexdigest()[:40]


def apply_to_table(actor: Actor, canvas_id: int, phase: dict, op_id: str) -> list[Change]:
    """The control operations that bring one table to a phase's settings, applied in order:
    its block in focus, block locks, silent writing or reveal, anonymity, the vote, the timer."""
    changes: list[Change] = []

    def sub(action: str) -> str:
        return _sub_id(op_id, canvas_id, action)

    db.session.commit()  # read the table as it is now
    canvas = db.session.get(Canvas, canvas_id)
    workshop = canvas.workshop
    tables_focus = (workshop.focus or {}).get("tables") or {}
    if tables_focus.get(str(canvas_id)) != phase["focus"]:
        changes.append(session.set_table_focus(actor, SetTableFocus(op_id=sub("focus"), canvas_id=canvas_id,
                                                                    block=phase["focus"])))
    locked_now = set(canvas.locked_blocks or [])
    wanted = set(phase["locked_blocks"])
    for block in sorted(locked_now ^ wanted):
        changes.append(controls.set_lock(actor, SetLock(op_id=sub(f"lock-{block}"), canvas_id=canvas_id,
                                                        locked=block in wanted, block=block)))
    has_hidden = db.session.scalar(select(Note.id).where(Note.canvas_id == canvas_id, Note.hidden.is_(True),
                                                         Note.deleted_at.is_(None)).limit(1)) is not None
    if phase["silent"] and not canvas.hidden:
        changes.append(controls.set_hidden(actor, SetFlag(op_id=sub("hidden"), canvas_id=canvas_id, value=True)))
    elif not phase["silent"] and (canvas.hidden or has_hidden):
        changes.append(controls.reveal(actor, Reveal(op_id=sub("reveal"), canvas_id=canvas_id)))
    if phase["anonymous"] and not canvas.anonymous:
        changes.append(controls.set_anonymous(actor, SetFlag(op_id=sub("anonymous"), canvas_id=canvas_id,
                                                             value=True)))
    open_round = voting.open_round(canvas_id)
    vote = phase["vote"]
    if vote is not None and open_round is None:
        changes.append(voting.open_vote(actor, OpenVote(
            op_id=sub("vote-open"), canvas_id=canvas_id, budget=vote["budget"], max_per_note=vote["max_per_note"],
            allow_own=vote["allow_own"], blocks=list(vote["blocks"]) if vote["blocks"] else None)))
    elif vote is None and open_round is not None:
        changes.append(voting.close_vote(actor, CloseVote(op_id=sub("vote-close"), canvas_id=canvas_id)))
    if phase["minutes"] is not None:
        changes.append(controls.set_canvas_timer(actor, TimerStart(
            op_id=sub("timer"), canvas_id=canvas_id, seconds=phase["minutes"] * 60, lock_on_end=phase["lock_on_end"])))
    elif canvas.timer is not None:
        changes.append(controls.set_canvas_timer(actor, TimerChange(op_id=sub("timer-stop"), canvas_id=canvas_id,
                                                                    action="stop")))
    return changes
