"""The read model every export renders from: visibility, anonymity, deletions, votes."""

from __future__ import annotations

import pytest

from facilitator import board
from facilitator.export.data import facilitator_viewer, is_anonymous, read_workshop
from facilitator.extensions import db
from facilitator.models import Workshop

from .export_world import HIDDEN, MANY, build, make_app


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("data"))
    return app, build(app)


def test_a_facilitator_export_holds_every_live_note_hidden_ones_marked(done):
    app, results = done
    with app.app_context():
        workshop = db.session.get(Workshop, results.workshop_id)
        data = read_workshop(workshop)
        notes = {n.id: n for c in data.canvases for n in c.notes}
        assert set(notes) == set(results.texts)
        assert results.deleted_id not in notes
        assert notes[results.hidden_id].hidden and notes[results.hidden_id].text == HIDDEN
        for note_id, (_canvas_id, block, text) in results.texts.items():
            assert notes[note_id].text == text and notes[note_id].block == block
        lean = data.canvas(results.lean)
        assert len(lean.block("problem").notes) == 2 + MANY
        assert lean.hidden and not data.anonymous


def test_a_participant_viewer_gets_no_hidden_note_of_someone_else(done):
    app, results = done
    with app.app_context():
        workshop = db.session.get(Workshop, results.workshop_id)
        eva = board.resolve_token(results.world.join("Eva", "MEF"))
        data = read_workshop(workshop, eva)
        ids = {n.id for c in data.canvases for n in c.notes}
        assert results.hidden_id not in ids and results.deleted_id not in ids
        assert len(ids) == len(results.texts) - 1


def test_anonymous_canvas_names_no_author_even_for_facilitators(done):
    app, results = done
    with app.app_context():
        workshop = db.session.get(Workshop, results.workshop_id)
        data = read_workshop(workshop, facilitator_viewer(workshop))
        empathy = data.canvas(results.empathy)
        assert empathy.anonymous and len(empathy.notes) == 2
        for note in empathy.notes:
            assert note.author.name is None and note.author.ref is None
            assert note.author.institution in {"MEF", "PCM"}  # the workshop lets institutions show
        named = [n for n in data.canvas(results.lean).notes if n.author.name]
        assert {n.author.name for n in named} >= {"Ana Núñez", "Benjamín Peña"}
        workshop.anonymous_shows_institution = False
        hidden_institutions = read_workshop(workshop).canvas(results.empathy)
        assert all(n.author.institution is None for n in hidden_institutions.notes)
        db.session.rollback()


def test_votes_are_ranked_with_their_tallies_and_groups_keep_their_notes(done):
    app, results = done
    with app.app_context():
        data = read_workshop(db.session.get(Workshop, results.workshop_id))
        lean = data.canvas(results.lean)
        (round_,) = lean.rounds
        assert round_.tallies == results.tally and round_.voters == 3
        assert [(rank, note.id, votes) for rank, note, votes in round_.ranking] == [
            (1, results.cluster_notes[1], 3), (2, results.cluster_notes[0], 2)]
        (cluster,) = lean.clusters
        assert [n.id for n in cluster.notes] == results.cluster_notes
        assert all(n.votes == results.tally.get(n.id, 0) for n in lean.notes)
        assert all(n.votes is None for n in data.canvas(results.empathy).notes)


def test_a_workshop_is_anonymous_when_every_canvas_is(app):
    results = build(app, anonymous_everywhere=True)
    with app.app_context():
        workshop = db.session.get(Workshop, results.workshop_id)
        assert is_anonymous(workshop)
        data = read_workshop(workshop)
        assert data.anonymous and data.people is None and data.participants is None
        assert all(n.author.name is None for c in data.canvases for n in c.notes)
        assert sum(count for _inst, count in data.attendance) == 4
