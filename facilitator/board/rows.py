"""A canvas and its notes read as plain rows, for the note operations' write path.

Every note change reads its canvas with its workshop (their state decides what the
change may do), sometimes one note with its author, and writes a row or two. Read
and written through SQLAlchemy Core, a change costs about what its statements cost;
as ORM objects, the unit of work, the identity map and the attribute tracking cost
several times that (bench/README.md, issue 12). The rules (``rules``, ``visibility``)
read these views exactly as they read the mapped rows: by attribute.

The statements are built once, with ``bindparam`` placeholders: SQLAlchemy then keeps
each one's cache key and compiled form, where a statement built per call is traversed
again every time (about 0.4 ms against 0.08 ms a statement, measured).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection, Row

from ..models import Canvas, Note, Participant, VotingRound, Workshop
from . import serialize

_canvas = Canvas.__table__
_workshop = Workshop.__table__
_note = Note.__table__
_participant = Participant.__table__
_round = VotingRound.__table__


@dataclass(frozen=True)
class WorkshopView:
    """What a note change reads of its workshop."""

    id: int
    status: str
    timer: dict | None
    recipe: dict | None
    anonymous_shows_institution: bool

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"


@dataclass(frozen=True)
class CanvasView:
    """A canvas as it is when a change locks it, with its workshop and the last closed
    voting round (whose dots a note carries once published)."""

    id: int
    workshop_id: int
    seq: int
    locked: bool
    locked_blocks: list | None
    hidden: bool
    anonymous: bool
    notes_editable_by_all: bool
    timer: dict | None
    workshop: WorkshopView
    closed_round_id: int | None


_LAST_CLOSED_ROUND = (select(_round.c.id).where(_round.c.canvas_id == _canvas.c.id, _round.c.status == "closed")
                      .order_by(_round.c.id.desc()).limit(1).scalar_subquery())

_LOCK_CANVAS = (
    select(_canvas.c.id, _canvas.c.workshop_id, _canvas.c.seq, _canvas.c.locked, _canvas.c.locked_blocks,
           _canvas.c.hidden, _canvas.c.anonymous, _canvas.c.notes_editable_by_all, _canvas.c.timer,
           _workshop.c.status.label("workshop_status"), _workshop.c.timer.label("workshop_timer"),
           _workshop.c.recipe.label("workshop_recipe"),
           _workshop.c.anonymous_shows_institution.label("workshop_anonymous_shows_institution"),
           _LAST_CLOSED_ROUND.label("closed_round_id"))
    .join(_workshop, _workshop.c.id == _canvas.c.workshop_id)
    .where(_canvas.c.id == bindparam("canvas_id")).with_for_update(of=_canvas)
)


def lock_canvas(connection: Connection, canvas_id: int) -> CanvasView | None:
    """Read the canvas with its workshop in one statement, locking the canvas row until
    the transaction ends (FOR UPDATE on PostgreSQL; on SQLite the write transaction
    already holds the database). None if there is no such canvas."""
    row = connection.execute(_LOCK_CANVAS, {"canvas_id": canvas_id}).first()
    if row is None:
        return None
    workshop = WorkshopView(row.workshop_id, row.workshop_status, row.workshop_timer, row.workshop_recipe,
                            row.workshop_anonymous_shows_institution)
    return CanvasView(row.id, row.workshop_id, row.seq, row.locked, row.locked_blocks, row.hidden, row.anonymous,
                      row.notes_editable_by_all, row.timer, workshop, row.closed_round_id)


NOTE_COLUMNS = (_note.c.id, _note.c.canvas_id, _note.c.block, _note.c.text, _note.c.color, _note.c.position,
                _note.c.version, _note.c.author_id, _note.c.created_at, _note.c.updated_at, _note.c.deleted_at,
                _note.c.hidden, _note.c.cluster_id)
AUTHOR_COLUMNS = (_participant.c.name, _participant.c.institution, _participant.c.facilitator_id,
                  _participant.c.imported_role)

# Notes with their authors' columns as ``author_name``, ``author_institution``...: one
# note for a change (note_with_author), a canvas's for a snapshot (queries), one author_of.
NOTES_WITH_AUTHORS = (select(*NOTE_COLUMNS, *(column.label(f"author_{column.key}") for column in AUTHOR_COLUMNS))
                      .join(_participant, _participant.c.id == _note.c.author_id))
_NOTE_WITH_AUTHOR = NOTES_WITH_AUTHORS.where(_note.c.id == bindparam("note_id"))


def note_with_author(connection: Connection, note_id: str) -> Row | None:
    """One note's columns, with its author's as ``author_name``, ``author_institution``..."""
    return connection.execute(_NOTE_WITH_AUTHOR, {"note_id": note_id}).first()


def author_of(row: Row) -> dict:
    """``serialize.person`` of the author read with a note (note_with_author)."""
    return serialize.person_of(row.author_id, row.author_name, row.author_institution, row.author_facilitator_id,
                               row.author_imported_role)
