"""The domain core: every change to a workshop is an operation applied here.

It knows nothing of HTTP or Socket.IO; the socket layer, the JSON API, the CLI
and the tests all drive the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l

from . import commitments, controls, notes, phases, rules, schemas, session, stacks, voting
from .actors import Actor, resolve_token
from .errors import CODES, BoardError
from .log import Change
from .queries import my_status, overview, roster, snapshot, sync, workshop_state

Handler = Callable[[Actor, Any, "int | None"], Change]


def _on_open_canvas(operation: Callable[[Actor, int, Any], Change]) -> Handler:
    """Operations a participant sends about the canvas their socket has open."""

    def handle(actor: Actor, op: Any, current_canvas: int | None) -> Change:
        if current_canvas is None:
            raise BoardError("invalid", _l("Open a canvas before sending changes to it."))
        return operation(actor, current_canvas, op)

    return handle


def _named(operation: Callable[[Actor, Any], Change]) -> Handler:
    """Operations that name their canvas (or concern the whole workshop)."""
    return lambda actor, op, _current: operation(actor, op)


def _timer(actor: Actor, op: Any) -> Change:
    return (controls.set_canvas_timer if op.canvas_id is not None else session.set_workshop_timer)(actor, op)


# Protocol message name -> (payload schema, handler). The socket layer registers
# one handler per entry, so adding an operation is adding a line here.
OPERATIONS: dict[str, tuple[type, Handler]] = {
    "note:add": (schemas.AddNote, _on_open_canvas(notes.add_note)),
    "note:edit": (schemas.EditNote, _on_open_canvas(notes.edit_note)),
    "note:move": (schemas.MoveNote, _on_open_canvas(notes.move_note)),
    "note:color": (schemas.RecolorNote, _on_open_canvas(notes.recolor_note)),
    "note:delete": (schemas.DeleteNote, _on_open_canvas(notes.delete_note)),
    "vote:add": (schemas.CastVote, _on_open_canvas(voting.cast_vote)),
    "vote:remove": (schemas.CastVote, _on_open_canvas(voting.withdraw_vote)),
    "status:set": (schemas.MyStatus, _named(session.set_my_status)),
    # Stacks: participants in a phase that allows grouping, facilitators always.
    "note:stack": (schemas.StackNote, _on_open_canvas(stacks.stack_note)),
    "note:unstack": (schemas.UnstackNote, _on_open_canvas(stacks.unstack_note)),
    "stack:rename": (schemas.RenameStack, _on_open_canvas(stacks.rename_stack)),
    "stack:merge": (schemas.MergeStack, _on_open_canvas(stacks.merge_stack)),
    # Facilitators only (the board refuses anyone else with ``forbidden``).
    "vote:open": (schemas.OpenVote, _named(voting.open_vote)),
    "vote:close": (schemas.CloseVote, _named(voting.close_vote)),
    "canvas:lock": (schemas.SetLock, _named(controls.set_lock)),
    "canvas:hidden": (schemas.SetFlag, _named(controls.set_hidden)),
    "canvas:reveal": (schemas.Reveal, _named(controls.reveal)),
    "canvas:anonymous": (schemas.SetFlag, _named(controls.set_anonymous)),
    "canvas:editable": (schemas.SetFlag, _named(controls.set_editable_by_all)),
    "cluster:create": (schemas.CreateCluster, _named(controls.create_cluster)),
    "cluster:rename": (schemas.RenameCluster, _named(controls.rename_cluster)),
    "cluster:dissolve": (schemas.DissolveCluster, _named(controls.dissolve_cluster)),
    "note:cluster": (schemas.ClusterNote, _named(controls.cluster_note)),
    "timer:start": (schemas.TimerStart, _named(_timer)),
    "timer:change": (schemas.TimerChange, _named(_timer)),
    "focus:set": (schemas.SetFocus, _named(session.set_focus)),
    "focus:table": (schemas.SetTableFocus, _named(session.set_table_focus)),
    "projector:show": (schemas.ShowOnProjector, _named(session.show_on_projector)),
    "status:reset": (schemas.ResetStatus, _named(session.reset_status)),
    "participant:remove": (schemas.RemoveParticipant, _named(session.remove_participant)),
    "workshop:institutions": (schemas.WorkshopFlag, _named(session.show_institutions)),
    "workshop:new_code": (schemas.NewJoinCode, _named(session.new_join_code)),
    "workshop:close": (schemas.WorkshopOperation, _named(session.close_workshop)),
    "workshop:reopen": (schemas.WorkshopOperation, _named(session.reopen_workshop)),
    "recipe:choose": (schemas.ChooseRecipe, _named(phases.choose_recipe)),
    "phase:next": (schemas.StepPhase, _named(phases.next_phase)),
    "phase:previous": (schemas.StepPhase, _named(phases.previous_phase)),
    "commitment:add": (schemas.AddCommitment, _named(commitments.add_commitment)),
    "commitment:edit": (schemas.EditCommitment, _named(commitments.edit_commitment)),
    "commitment:delete": (schemas.DeleteCommitment, _named(commitments.delete_commitment)),
    "commitment:move": (schemas.MoveCommitment, _named(commitments.move_commitment)),
}


def apply(actor: Actor, current_canvas: int | None, name: str, payload: Any) -> Change:
    """Validate and apply one named operation for ``actor``.

    ``current_canvas`` is the canvas the actor's connection has open, which
    note and vote operations act on.
    """
    rules.require_participant(actor)  # a projector screen changes nothing
    schema, handle = OPERATIONS[name]
    return handle(actor, schemas.parse(schema, payload), current_canvas)


def check_canvas_visible(actor: Actor, canvas_id: int) -> None:
    """Refuse with ``not_found`` unless the actor's workshop holds this canvas."""
    rules.canvas_for(actor, canvas_id)


def editing_badge(actor: Actor, canvas_id: int, note_id: str) -> dict | None:
    """Who others see editing a note: the actor, or no one in particular on an anonymous
    canvas; None for a hidden note, whose editing is told to no one (the others see only
    a placeholder, and "someone is typing in it" would point at its author).
    Refuses with ``not_found`` unless the actor can see the note."""
    rules.require_participant(actor)
    canvas = rules.canvas_for(actor, canvas_id)
    note = rules.note_for(canvas, note_id, actor)
    if note.hidden:
        return None
    if canvas.anonymous:
        return {"id": None, "name": None, "anonymous": True, "institution": None, "facilitator": False}
    return actor.public()


__all__ = [
    "CODES", "OPERATIONS", "Actor", "BoardError", "Change", "apply", "check_canvas_visible", "editing_badge",
    "my_status", "overview", "resolve_token", "roster", "snapshot", "sync", "workshop_state",
]
