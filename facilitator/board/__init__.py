"""The domain core: every change to a workshop is an operation applied here.

It knows nothing of HTTP or Socket.IO; the socket layer, the JSON API, the CLI
and the tests all drive the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import notes, rules
from .actors import Actor, resolve_token
from .errors import CODES, BoardError
from .log import Change
from .queries import snapshot, sync
from .schemas import AddNote, DeleteNote, EditNote, MoveNote, RecolorNote, parse

# Protocol message name -> (payload schema, operation). The socket layer
# registers one handler per entry, so adding an operation is adding a line.
OPERATIONS: dict[str, tuple[type, Callable[..., Change]]] = {
    "note:add": (AddNote, notes.add_note),
    "note:edit": (EditNote, notes.edit_note),
    "note:move": (MoveNote, notes.move_note),
    "note:color": (RecolorNote, notes.recolor_note),
    "note:delete": (DeleteNote, notes.delete_note),
}


def check_canvas_visible(actor: Actor, canvas_id: int) -> None:
    """Refuse with ``not_found`` unless the actor's workshop holds this canvas."""
    rules.canvas_for(actor, canvas_id)


def check_note_visible(actor: Actor, canvas_id: int, note_id: str) -> None:
    """Refuse with ``not_found`` unless the actor can see this note on this canvas."""
    rules.note_for(rules.canvas_for(actor, canvas_id), note_id)


def apply(actor: Actor, canvas_id: int, name: str, payload: Any) -> Change:
    """Validate and apply one named operation for ``actor`` on a canvas."""
    schema, operation = OPERATIONS[name]
    return operation(actor, canvas_id, parse(schema, payload))


__all__ = [
    "CODES", "OPERATIONS", "Actor", "BoardError", "Change", "apply", "check_canvas_visible", "check_note_visible",
    "resolve_token", "snapshot", "sync",
]
