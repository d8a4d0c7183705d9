"""Shapes and limits of everything a client may send, in one place.

Validation is strict (no type coercion, no unknown fields) so that a wrong
type is an error ack, never a surprise later.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..text import (
    MAX_CANVAS_NAME,
    MAX_GROUP_TITLE,
    MAX_INSTITUTION,
    MAX_NAME,
    MAX_NOTE_TEXT,
    MAX_TITLE,
    MultiLine,
    SingleLine,
)
from .errors import BoardError

MAX_CANVASES_AT_ONCE = 30
# Ids, seq numbers and versions are INTEGER columns: 32 bits on PostgreSQL, where a
# larger number in a query is a database error, not a missing row.
MAX_INTEGER = 2**31 - 1
MAX_COMMITMENT_TEXT = 1000
MAX_CO_RESPONSIBLE = 12
# The palette of notes, and the name each colour has on pages and in exports.
COLOR_NAMES = {
    "yellow": _l("Yellow"), "pink": _l("Pink"), "blue": _l("Blue"),
    "green": _l("Green"), "orange": _l("Orange"), "purple": _l("Purple"),
}
COLORS = tuple(COLOR_NAMES)


# Every text field follows one of the two rules of facilitator/text.py.
NoteText = MultiLine(MAX_NOTE_TEXT)
Name = SingleLine(MAX_NAME)
Institution = SingleLine(MAX_INSTITUTION, required=False)
Title = SingleLine(MAX_TITLE)
CanvasName = SingleLine(MAX_CANVAS_NAME)
ClusterTitle = SingleLine(MAX_GROUP_TITLE)
OpId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
NoteId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
BlockId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Color = Literal["yellow", "pink", "blue", "green", "orange", "purple"]
Seq = Annotated[int, Field(ge=0, le=MAX_INTEGER)]
DatabaseId = Annotated[int, Field(ge=1, le=MAX_INTEGER)]


class Message(BaseModel):
    """Base of every client message: strict types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Operation(Message):
    """A change to a canvas, retried by the client under the same ``op_id``."""

    op_id: OpId


class AddNote(Operation):
    note_id: NoteId | None = None
    block: BlockId
    text: NoteText = ""
    color: Color = "yellow"


class EditNote(Operation):
    note_id: NoteId
    text: NoteText
    version: Annotated[int, Field(ge=1, le=MAX_INTEGER)]


class MoveNote(Operation):
    note_id: NoteId
    block: BlockId
    index: Annotated[int, Field(ge=0, le=10_000)] | None = None


class RecolorNote(Operation):
    note_id: NoteId
    color: Color


class DeleteNote(Operation):
    note_id: NoteId


CanvasId = DatabaseId


class CanvasOperation(Operation):
    """A facilitator's operation on a named canvas (the control room works on many)."""

    canvas_id: CanvasId


class CastVote(Operation):
    """A dot for a note or for a stack: exactly one of ``note_id`` and ``cluster_id``."""

    note_id: NoteId | None = None
    cluster_id: DatabaseId | None = None


class OpenVote(CanvasOperation):
    budget: Annotated[int, Field(ge=1, le=50)] = 5
    max_per_note: Annotated[int, Field(ge=1, le=50)] = 3
    allow_own: bool = False
    blocks: Annotated[list[BlockId], Field(min_length=1, max_length=40)] | None = None


class CloseVote(CanvasOperation):
    pass


class SetLock(CanvasOperation):
    locked: bool
    block: BlockId | None = None


class SetFlag(CanvasOperation):
    """Turn a canvas setting on or off (silent writing, anonymity, editing by all)."""

    value: bool


class Reveal(CanvasOperation):
    pass


class CreateCluster(CanvasOperation):
    block: BlockId
    title: ClusterTitle
    note_ids: Annotated[list[NoteId], Field(min_length=1, max_length=200)]


class RenameCluster(CanvasOperation):
    cluster_id: DatabaseId
    title: ClusterTitle


class DissolveCluster(CanvasOperation):
    cluster_id: DatabaseId


class ClusterNote(CanvasOperation):
    note_id: NoteId
    cluster_id: DatabaseId | None


class StackNote(Operation):
    """Drop a note onto another of its block: into the other's stack, or a new stack of the two.
    ``title`` names a new stack (default: the first words of ``onto``)."""

    note_id: NoteId
    onto: NoteId
    title: ClusterTitle | None = None


class UnstackNote(Operation):
    """Take a note out of its stack (a stack left with one note dissolves)."""

    note_id: NoteId


class RenameStack(Operation):
    cluster_id: DatabaseId
    title: ClusterTitle


class MergeStack(Operation):
    """The facilitator merges duplicates: a stack (``cluster_id``) or a note (``note_id``)
    into the stack ``into``; exactly one of the first two."""

    cluster_id: DatabaseId | None = None
    note_id: NoteId | None = None
    into: DatabaseId


class TimerStart(Operation):
    canvas_id: CanvasId | None = None  # None: the whole workshop
    seconds: Annotated[int, Field(ge=5, le=6 * 60 * 60)]
    lock_on_end: bool = False


class TimerChange(Operation):
    canvas_id: CanvasId | None = None
    action: Literal["pause", "resume", "stop", "adjust"]
    seconds: Annotated[int, Field(ge=-3600, le=3600)] = 0


class SetFocus(Operation):
    canvas_id: CanvasId | None = None  # None clears the focus
    block: BlockId | None = None


class SetTableFocus(CanvasOperation):
    """Invite one table to a block of its own canvas (``None`` ends that table's invitation)."""

    block: BlockId | None


class ShowOnProjector(Operation):
    mode: Literal["join", "canvas", "results", "timer", "commitments"]
    canvas_id: CanvasId | None = None
    zoom: bool = False  # canvas mode: the focused block alone, filling the screen


class MyStatus(Operation):
    ready: bool | None = None
    hand: bool | None = None


class ResetStatus(Operation):
    ready: bool = True
    hands: bool = True


class RemoveParticipant(Operation):
    participant_id: DatabaseId


class WorkshopOperation(Operation):
    pass


class NewJoinCode(WorkshopOperation):
    """Replace the join code. Projector screens open now move to the new link, or are
    disconnected (when the old link itself may have been seen by the wrong people)."""

    projectors: Literal["move", "disconnect"] = "move"


class WorkshopFlag(WorkshopOperation):
    """Turn a workshop setting on or off (institutions on anonymous canvases)."""

    value: bool


class ChooseRecipe(WorkshopOperation):
    """Follow a recipe of the catalog, or none (``null``: the manual controls alone)."""

    recipe_id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,59}$")] | None


class StepPhase(WorkshopOperation):
    """Go to the next or the previous phase, on every table of the recipe's canvas or the
    chosen ones. ``from_phase`` is the phase the sender's page shows (-1: none started yet):
    if the room has moved meanwhile (another facilitator), the step is refused, not doubled."""

    from_phase: Annotated[int, Field(ge=-1, le=40)] | None = None
    canvas_ids: Annotated[list[CanvasId], Field(min_length=1, max_length=200)] | None = None


# A commitment's status, in order of progress (board/commitments.py names them).
CommitmentStatus = Literal["planned", "in_progress", "at_risk", "done"]
CommitmentText = MultiLine(MAX_COMMITMENT_TEXT)
OptionalInstitution = SingleLine(MAX_INSTITUTION, required=False)
RequiredInstitution = SingleLine(MAX_INSTITUTION)
IsoDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


def _real_date(value: str | None) -> str | None:
    if value is not None:
        dt.date.fromisoformat(value)  # 2026-02-30 is refused here, as "not valid"
    return value


DueDate = Annotated[IsoDate | None, AfterValidator(_real_date)]
CoResponsible = Annotated[list[RequiredInstitution], Field(max_length=MAX_CO_RESPONSIBLE)]


class CommitmentFields(Operation):
    """What a commitment says: every field optional on an edit (absent: unchanged)."""

    title: CommitmentText | None = None
    responsible: OptionalInstitution | None = None
    co_responsible: CoResponsible | None = None
    due: DueDate = None
    indicator: CommitmentText | None = None
    status: CommitmentStatus | None = None


class AddCommitment(CommitmentFields):
    """Turn a note or a group of a canvas into a commitment (``note_id`` or ``cluster_id``)."""

    canvas_id: CanvasId
    note_id: NoteId | None = None
    cluster_id: DatabaseId | None = None


class EditCommitment(CommitmentFields):
    commitment_id: DatabaseId
    clear_due: bool = False  # ``due`` absent keeps the date; this removes it


class DeleteCommitment(Operation):
    commitment_id: DatabaseId


class MoveCommitment(Operation):
    """Put a commitment at ``position`` (0: first) of the workshop's list."""

    commitment_id: DatabaseId
    position: Annotated[int, Field(ge=0, le=10_000)]


class JoinCanvas(Message):
    canvas_id: DatabaseId
    last_seq: Seq | None = None
    last_op_id: OpId | None = None  # the op_id of the event at ``last_seq``, as the client saw it


class Resync(Message):
    last_seq: Seq | None = None
    last_op_id: OpId | None = None


class Editing(Message):
    note_id: NoteId
    editing: bool


class NewWorkshop(Message):
    title: Title
    date: dt.date | None = None
    language: Literal["es", "en"] = "es"


class NewCanvases(Message):
    template_id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,59}$")]
    name: CanvasName
    count: Annotated[int, Field(ge=1, le=MAX_CANVASES_AT_ONCE)] = 1


class JoinWorkshop(Message):
    code: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    name: Name
    institution: Institution = ""


def parse(model: type[Message], data: Any, *, lenient: bool = False) -> Any:
    """Validate ``data`` against ``model`` or raise BoardError(invalid / too_large).

    ``lenient`` accepts strings for numbers and dates, as HTML forms send them.
    """
    if not isinstance(data, dict):
        raise BoardError("invalid", _l("The message must be an object with fields."))
    try:
        return model.model_validate(data, strict=not lenient)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"]) or "message"
        code, message = {
            "string_too_long": ("too_large", _l("The field “%(field)s” is too long.", field=field)),
            "too_long": ("too_large", _l("The field “%(field)s” is too long.", field=field)),
            "missing": ("invalid", _l("The field “%(field)s” is missing.", field=field)),
            "extra_forbidden": ("invalid", _l("The field “%(field)s” is not expected.", field=field)),
            "text_too_long": ("too_large", _l("The field “%(field)s” is too long.", field=field)),
            "text_empty": ("invalid", _l("The field “%(field)s” is empty.", field=field)),
            "text_line_break": ("invalid", _l("The field “%(field)s” must be a single line.", field=field)),
            "text_control": ("invalid", _l("The field “%(field)s” contains control characters.", field=field)),
        }.get(first["type"], ("invalid", _l("The field “%(field)s” is not valid.", field=field)))
        raise BoardError(code, message, field=field) from None
