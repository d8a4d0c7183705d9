"""The real-size demo workshop (facilitator/demo.py) and ``flask demo-workshop``."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import Canvas, Cluster, Event, Note, Participant, Vote, VotingRound, Workshop

from .conftest import make_facilitator
from .real_size import build


@pytest.mark.backends
def test_the_demo_workshop_has_the_size_of_a_real_one(app, real_size):
    with app.app_context():
        workshop = db.session.get(Workshop, real_size.workshop_id)
        assert [c.name for c in workshop.canvases] == [f"Mesa {i}" for i in range(1, 11)]
        assert {c.template_id for c in workshop.canvases} == {"public-policy-lean-canvas"}
        people = db.session.scalars(select(Participant).filter_by(workshop_id=workshop.id)
                                    .where(Participant.facilitator_id.is_(None))).all()
        assert len(people) == 60 and len({p.name for p in people}) == 60
        assert 50 <= len({p.institution for p in people}) <= 58
        # Six people at each table.
        assert Counter(seat.canvas_id for seat in real_size.seats) == {c: 6 for c in real_size.canvas_ids}

        first = db.session.scalars(select(Note).filter_by(canvas_id=real_size.canvas_id)).all()
        assert len(first) == 150 and {n.id for n in first} == set(real_size.note_ids)
        per_block = Counter(n.block for n in first)
        blocks = [b["id"] for b in db.session.get(Canvas, real_size.canvas_id).template["blocks"]]
        assert 1 <= sum(1 for b in blocks if per_block[b] == 0) <= 2  # an empty block or two
        assert max(per_block.values()) >= 25  # and a dense one
        lengths = [len(n.text) for n in first]
        assert min(lengths) <= 12 and max(lengths) >= 90  # a word to three lines
        assert len({n.author_id for n in first}) >= 40  # the room writes, not one person
        for canvas_id in real_size.canvas_ids[1:]:
            assert 2 <= db.session.scalar(select(func.count(Note.id)).filter_by(canvas_id=canvas_id)) <= 6

        # Built through the board: every note came with its event.
        added = db.session.scalar(select(func.count(Event.id)).filter_by(canvas_id=real_size.canvas_id,
                                                                          type="note.added"))
        assert added == 150
        assert db.session.scalar(select(func.count(Cluster.id)).filter_by(canvas_id=real_size.canvas_id)) == 2
        (round_,) = db.session.scalars(select(VotingRound).filter_by(canvas_id=real_size.canvas_id)).all()
        assert round_.status == "closed"
        assert db.session.scalar(select(func.count(Vote.id)).filter_by(round_id=round_.id)) >= 20
        assert workshop.projector == {"mode": "canvas", "canvas_id": real_size.canvas_id, "zoom": False}
        assert workshop.focus["canvas_id"] == real_size.canvas_id


def _shape(app, demo) -> list:
    with app.app_context():
        notes = db.session.scalars(select(Note).where(Note.canvas_id.in_(demo.canvas_ids))
                                   .order_by(Note.canvas_id, Note.block, Note.position)).all()
        return [[(s.name, s.institution) for s in demo.seats],
                [(demo.canvas_ids.index(n.canvas_id), n.block, n.text, n.color, n.author.name) for n in notes]]


def test_the_same_seed_builds_the_same_workshop(tmp_path):
    from facilitator import create_app
    from facilitator.config import TestConfig

    shapes = []
    for run in ("a", "b", "c"):
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / run}.db")
        with app.app_context():
            db.create_all()
        demo = build(app, notes_count=20, people_count=9, tables=3, seed=7 if run != "c" else 8)
        shapes.append(_shape(app, demo))
        with app.app_context():
            db.engine.dispose()
    assert shapes[0] == shapes[1]
    assert shapes[0] != shapes[2]


def test_flask_demo_workshop_builds_it(app, runner):
    with app.app_context():
        make_facilitator()
    result = runner.invoke(args=["demo-workshop", "--email", "Ana@Example.org", "--notes", "12", "--people", "8",
                                 "--tables", "2", "--template", "empathy-map"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        workshop = db.session.scalars(select(Workshop)).one()
        assert workshop.code in result.output and f"/f/workshops/{workshop.id}/room" in result.output
        assert [c.template_id for c in workshop.canvases] == ["empathy-map", "empathy-map"]
        assert db.session.scalar(select(func.count(Note.id)).filter_by(canvas_id=workshop.canvases[0].id)) == 12
        assert db.session.scalar(select(func.count(Participant.id)).where(
            Participant.facilitator_id.is_(None))) == 8


@pytest.mark.parametrize(("args", "message"), [
    (["--email", "nadie@example.org"], "No facilitator has the email nadie@example.org"),
    (["--notes", "-1"], "The number of notes must be between 0 and 2000"),
    (["--notes", "2001"], "The number of notes must be between 0 and 2000"),
    (["--people", "0"], "The number of people must be between 1 and 500"),
    (["--tables", "0"], "The number of tables must be between 1 and 30"),
    (["--tables", "31"], "The number of tables must be between 1 and 30"),
    (["--template", "no-such-canvas"], "There is no template 'no-such-canvas'"),
    (["--notes", "muchas"], "'muchas' is not a valid integer"),
])
def test_flask_demo_workshop_refuses_bad_input_and_creates_nothing(app, runner, args, message):
    with app.app_context():
        make_facilitator()
    result = runner.invoke(args=["demo-workshop", "--email", "ana@example.org", *args])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Workshop.id))) == 0
        assert db.session.scalar(select(func.count(Participant.id))) == 0
