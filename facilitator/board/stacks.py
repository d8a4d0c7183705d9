"""Stacks: participants group notes by dropping one onto another.

A stack is a cluster (the facilitator's groups, ``controls``): one concept, made by
either. Participants stack, name and unstack notes on the canvas they have open,
only in a phase that allows ``group`` (``rules.check_may_group``); facilitators always,
and they alone merge duplicates. A stack that a note leaves with one note dissolves
(its dots go to that note); a stack merged into another hands it its notes and dots.

Every operation here records one ``stack.*`` event with the same data, so a client
applies them all alike: ``clusters`` (stacks made or changed, whole), ``dissolved``
(stack ids gone; their notes are in no stack now) and ``members`` (note id -> its stack
id, or null). Hidden notes are never stacked, so nothing here names one.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..db import db
from ..models import Canvas, Cluster, Note, Vote
from ..text import MAX_GROUP_TITLE
from . import rules, serialize
from .actors import Actor
from .errors import BoardError
from .log import CANVAS, Change, record
from .schemas import MergeStack, RenameStack, StackNote, UnstackNote

DEFAULT_TITLE_LENGTH = 40


class _Result:
    """What one stacking operation changed, as its event tells it."""

    def __init__(self) -> None:
        self.clusters: dict[int, Cluster] = {}
        self.dissolved: list[int] = []
        self.members: dict[str, int | None] = {}

    def put(self, note: Note, cluster: Cluster | None) -> None:
        note.cluster_id = cluster.id if cluster is not None else None
        self.members[note.id] = note.cluster_id

    def data(self) -> dict:
        return {"clusters": [serialize.cluster(c) for c in self.clusters.values() if c.id not in self.dissolved],
                "dissolved": self.dissolved, "members": self.members}


def default_title(note: Note) -> str:
    """A new stack's name until someone names it: the first words of the note it was made on."""
    words = " ".join(note.text.split())
    if not words:
        return _("Stack")
    limit = min(DEFAULT_TITLE_LENGTH, MAX_GROUP_TITLE)
    return words if len(words) <= limit else words[:limit - 1].rstrip() + "…"


def _stackable(canvas: Canvas, note_id: str, actor: Actor) -> Note:
    note = rules.note_for(canvas, note_id, actor)
    if note.hidden:
        raise BoardError("invalid", _l("A note of silent writing is stacked once it is revealed."), field="note_id")
    return note


def _settle(result: _Result, cluster_id: int | None) -> None:
    """Dissolve a stack that a note left with a single note; its dots go to that note."""
    if cluster_id is None:
        return
    db.session.flush()
    left = db.session.scalars(select(Note).where(Note.cluster_id == cluster_id, Note.deleted_at.is_(None))).all()
    if len(left) > 1:
        return
    if left:
        db.session.execute(update(Vote).where(Vote.cluster_id == cluster_id)
                           .values(cluster_id=None, note_id=left[0].id))
        result.put(left[0], None)
    _dissolve(result, cluster_id)


def _dissolve(result: _Result, cluster_id: int) -> None:
    db.session.execute(update(Note).where(Note.cluster_id == cluster_id).values(cluster_id=None))
    db.session.delete(db.session.get(Cluster, cluster_id))
    db.session.flush()
    result.dissolved.append(cluster_id)


def _record(actor: Actor, canvas_id: int, op_id: str, event_type: str, change) -> Change:
    def apply(canvas: Canvas) -> dict:
        result = _Result()
        change(canvas, result)
        db.session.flush()
        return result.data()

    return record(actor, CANVAS, canvas_id, op_id, event_type, apply, lambda: rules.canvas_for(actor, canvas_id))


def stack_note(actor: Actor, canvas_id: int, op: StackNote) -> Change:
    """Drop a note onto another of its block: it joins the other's stack, or the two
    make a new one (named ``title``, or after the note it was dropped on)."""

    def change(canvas: Canvas, result: _Result) -> None:
        note, onto = _stackable(canvas, op.note_id, actor), _stackable(canvas, op.onto, actor)
        if note.id == onto.id:
            raise BoardError("invalid", _l("A note cannot be stacked onto itself."), field="onto")
        if note.block != onto.block:
            raise BoardError("invalid", _l("Only notes of the same block can be stacked."), field="onto")
        rules.check_may_group(actor, canvas, note.block)
        if note.cluster_id is not None and note.cluster_id == onto.cluster_id:
            raise BoardError("invalid", _l("These notes are already in one stack."), field="onto")
        leaving = note.cluster_id
        if onto.cluster_id is None:
            stack = Cluster(canvas_id=canvas.id, block=onto.block, title=op.title or default_title(onto))
            db.session.add(stack)
            db.session.flush()
            result.put(onto, stack)
        else:
            stack = db.session.get(Cluster, onto.cluster_id)
        result.clusters[stack.id] = stack
        result.put(note, stack)
        _settle(result, leaving)

    return _record(actor, canvas_id, op.op_id, "stack.stacked", change)


def unstack_note(actor: Actor, canvas_id: int, op: UnstackNote) -> Change:
    """Take a note out of its stack; a stack left with one note dissolves."""

    def change(canvas: Canvas, result: _Result) -> None:
        note = rules.note_for(canvas, op.note_id, actor)
        rules.check_may_group(actor, canvas, note.block)
        if note.cluster_id is None:
            raise BoardError("invalid", _l("This note is in no stack."), field="note_id")
        leaving = note.cluster_id
        result.put(note, None)
        _settle(result, leaving)

    return _record(actor, canvas_id, op.op_id, "stack.unstacked", change)


def rename_stack(actor: Actor, canvas_id: int, op: RenameStack) -> Change:
    """Name a stack (any group of the canvas)."""

    def change(canvas: Canvas, result: _Result) -> None:
        stack = rules.cluster_for(canvas, op.cluster_id)
        rules.check_may_group(actor, canvas, stack.block)
        stack.title = op.title
        result.clusters[stack.id] = stack

    return _record(actor, canvas_id, op.op_id, "stack.renamed", change)


def merge_stack(actor: Actor, canvas_id: int, op: MergeStack) -> Change:
    """The facilitator merges duplicates: a stack, or a single note, into another stack of
    the same block. A merged stack's notes and dots go to the other, and it is gone."""

    def change(canvas: Canvas, result: _Result) -> None:
        rules.require_facilitator(actor)
        rules.check_workshop_open(canvas.workshop)
        if (op.cluster_id is None) == (op.note_id is None):
            raise BoardError("invalid", _l("Name the stack or the note to merge."), field="cluster_id")
        into = rules.cluster_for(canvas, op.into)
        result.clusters[into.id] = into
        if op.note_id is not None:
            note = _stackable(canvas, op.note_id, actor)
            if note.block != into.block:
                raise BoardError("invalid", _l("Only notes of the same block can be stacked."), field="note_id")
            if note.cluster_id == into.id:
                raise BoardError("invalid", _l("These notes are already in one stack."), field="note_id")
            leaving = note.cluster_id
            result.put(note, into)
            _settle(result, leaving)
            return
        source = rules.cluster_for(canvas, op.cluster_id)
        if source.id == into.id:
            raise BoardError("invalid", _l("A stack cannot be merged into itself."), field="into")
        if source.block != into.block:
            raise BoardError("invalid", _l("Only stacks of the same block can be merged."), field="into")
        for note in db.session.scalars(select(Note).where(Note.cluster_id == source.id)):
            result.put(note, into)
        db.session.execute(update(Vote).where(Vote.cluster_id == source.id).values(cluster_id=into.id))
        _dissolve(result, source.id)

    return _record(actor, canvas_id, op.op_id, "stack.merged", change)

