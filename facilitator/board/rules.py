"""Who may do what: every authorization rule of the board, in one place."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Canvas, Note
from .actors import Actor
from .errors import BoardError


def canvas_for(actor: Actor, canvas_id: int) -> Canvas:
    """The canvas, if the actor's workshop holds it; otherwise ``not_found``.

    A canvas of another workshop is reported as missing, not forbidden, so ids
    cannot be probed.
    """
    canvas = db.session.get(Canvas, canvas_id)
    if canvas is None or canvas.workshop_id != actor.workshop_id:
        raise BoardError("not_found", _l("This canvas does not exist."))
    return canvas


def check_can_write(actor: Actor, canvas: Canvas) -> None:
    """Refuse changes to a closed workshop."""
    if canvas.workshop.is_closed:
        raise BoardError("locked", _l("This workshop is closed: it can be read but not changed."))


def check_block(canvas: Canvas, block: str) -> None:
    """Refuse a block the canvas's template does not have."""
    if block not in {b["id"] for b in canvas.template["blocks"]}:
        raise BoardError("invalid", _l("This canvas has no block “%(block)s”.", block=block), field="block")


def note_for(canvas: Canvas, note_id: str) -> Note:
    """A live (not deleted) note of this canvas, or ``not_found``."""
    note = db.session.get(Note, note_id)
    if note is None or note.canvas_id != canvas.id or note.deleted_at is not None:
        raise BoardError("not_found", _l("This note no longer exists."))
    return note


def check_can_change_note(actor: Actor, canvas: Canvas, note: Note) -> None:
    """Participants change their own notes unless the canvas lets everyone edit."""
    if actor.is_facilitator or note.author_id == actor.participant_id or canvas.notes_editable_by_all:
        return
    raise BoardError("forbidden", _l("Only the author of this note can change it."))
