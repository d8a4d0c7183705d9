"""A canvas's notes are read for a snapshot as columns, not rows (queries._notes, issue 12's
join burst): every viewer must get exactly what the rows serialised one by one give."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from facilitator import board
from facilitator.board import queries, visibility
from facilitator.board.actors import projector_actor
from facilitator.board.voting import canvas_tallies, note_data
from facilitator.extensions import db
from facilitator.models import Canvas, Note, Workshop

pytestmark = pytest.mark.backends


def _apply(who, name, open_canvas, **payload):
    """``open_canvas``: the canvas the actor's socket has open (None for operations naming theirs)."""
    return board.apply(who, open_canvas, name, {"op_id": uuid.uuid4().hex, **payload})


def _as_rows(canvas: Canvas, viewer: board.Actor) -> list[dict]:
    """The notes serialised row by row (how a snapshot read them before)."""
    notes = db.session.scalars(
        select(Note).where(Note.canvas_id == canvas.id, Note.deleted_at.is_(None))
        .options(selectinload(Note.author)).order_by(Note.block, Note.position, Note.created_at)).all()
    published = canvas_tallies(canvas.id)
    return [visibility.note_for(note_data(n, published), canvas, viewer) for n in notes]


def test_every_viewer_gets_the_notes_the_rows_give(app, world):
    with app.app_context():
        fac = board.resolve_token(world.seat())
        ana = board.resolve_token(world.join("Ana", "MEF"))
        ben = board.resolve_token(world.join("Ben"))
        canvas_id = world.canvas_id
        ids = [_apply(who, "note:add", canvas_id, block=block, text=f"{who.name} {i}").envelope["data"]["id"]
               for i, (who, block) in enumerate([(ana, "problem"), (ben, "problem"), (ana, "solution"),
                                                  (fac, "problem"), (ben, "costs")])]
        _apply(fac, "note:move", canvas_id, note_id=ids[1], block="problem", index=0)
        _apply(fac, "vote:open", None, canvas_id=canvas_id, budget=3, max_per_note=2)
        _apply(ana, "vote:add", canvas_id, note_id=ids[1])
        _apply(ben, "vote:add", canvas_id, note_id=ids[0])
        _apply(ben, "vote:add", canvas_id, note_id=ids[0])
        _apply(fac, "vote:close", None, canvas_id=canvas_id)
        _apply(fac, "cluster:create", None, canvas_id=canvas_id, block="problem", title="Colas",
               note_ids=[ids[0], ids[1]])
        _apply(ana, "note:delete", canvas_id, note_id=ids[2])
        _apply(fac, "canvas:hidden", None, canvas_id=canvas_id, value=True)  # silent writing: hidden notes
        _apply(ana, "note:add", canvas_id, block="problem", text="secreto de Ana")
        _apply(ben, "note:add", canvas_id, block="costs", text="secreto de Ben")
        viewers = [fac, ana, ben, projector_actor(db.session.get(Workshop, world.workshop_id))]
        for anonymous in (False, True):
            _apply(fac, "canvas:anonymous", None, canvas_id=canvas_id, value=anonymous)
            db.session.commit()
            canvas = db.session.get(Canvas, canvas_id)
            for viewer in viewers:
                seen = queries._notes(canvas, viewer)
                assert seen == _as_rows(canvas, viewer), (viewer.name, anonymous)
                assert len(seen) == 6
            hidden = [n for n in queries._notes(canvas, ana) if n.get("hidden")]
            assert any("text" not in n for n in hidden)  # Ben's secret, to Ana: a placeholder
        assert {n["votes"] for n in queries._notes(canvas, fac)} == {0, 1, 2}
        db.session.remove()
