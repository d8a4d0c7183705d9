"""What the database holds whatever the timing: one number per workshop event,
one seat per facilitator and workshop, and the participant and note limits
under people joining and writing at the same moment; and the migration that
brings an existing database there (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from facilitator import board, create_app
from facilitator.board.schemas import JoinWorkshop
from facilitator.board.workshops import facilitator_seat, join_workshop
from facilitator.config import TestConfig
from facilitator.extensions import db
from facilitator.models import Event, Facilitator, Note, Participant, Workshop, utcnow, workshop_facilitators

from . import services

pytestmark = pytest.mark.backends

RACERS = 12
LIMIT = 5


def race(app, work: Callable[[int], object]) -> tuple[list, list[BaseException]]:
    """Run ``work(i)`` on RACERS threads released at the same moment; results and errors."""
    start = threading.Barrier(RACERS)
    results: list = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        with app.app_context():
            try:
                start.wait(timeout=30)
                results.append(work(i))
            except board.BoardError as refused:
                results.append(refused.code)
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def test_people_joining_at_once_never_exceed_the_participant_limit(app, world):
    app.config["MAX_PARTICIPANTS_PER_WORKSHOP"] = LIMIT
    results, errors = race(app, lambda i: join_workshop(JoinWorkshop(code=world.code, name=f"Persona {i}"))[0].id)
    assert not errors, errors
    assert sorted(r for r in results if isinstance(r, str)) == ["too_large"] * (RACERS - LIMIT)
    with app.app_context():
        assert db.session.scalar(select(func.count(Participant.id)).filter_by(workshop_id=world.workshop_id)) == LIMIT


def test_notes_added_at_once_never_exceed_the_note_limit(app, world):
    app.config["MAX_NOTES_PER_CANVAS"] = LIMIT
    tokens = [world.join(f"Persona {i}") for i in range(RACERS)]

    def add(i: int) -> int:
        actor = board.resolve_token(tokens[i])
        db.session.rollback()
        return board.apply(actor, world.canvas_id, "note:add",
                           {"op_id": uuid.uuid4().hex, "block": "problem", "text": f"nota {i}"}).seq

    results, errors = race(app, add)
    assert not errors, errors
    assert sorted(r for r in results if isinstance(r, str)) == ["too_large"] * (RACERS - LIMIT)
    assert sorted(r for r in results if isinstance(r, int)) == list(range(1, LIMIT + 1))
    with app.app_context():
        assert db.session.scalar(select(func.count(Note.id)).filter_by(canvas_id=world.canvas_id)) == LIMIT


def test_tabs_opening_a_seat_at_once_share_one_seat(app, world):
    def open_seat(_i: int) -> int:
        facilitator = db.session.get(Facilitator, world.facilitator_id)
        actor, _token = facilitator_seat(facilitator, db.session.get(Workshop, world.workshop_id))
        return actor.participant_id

    results, errors = race(app, open_seat)
    assert not errors, errors
    assert len(set(results)) == 1 and len(results) == RACERS
    with app.app_context():
        assert db.session.scalar(select(func.count(Participant.id)).filter_by(
            workshop_id=world.workshop_id, facilitator_id=world.facilitator_id)) == 1


def test_the_database_refuses_a_second_seat_and_a_second_workshop_version(app, world):
    world.seat()
    with app.app_context():
        db.session.add(Participant(workshop_id=world.workshop_id, name="Otra", facilitator_id=world.facilitator_id,
                                   token_hash="seat:" + uuid.uuid4().hex))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        seat = db.session.scalar(select(Participant.id).filter_by(facilitator_id=world.facilitator_id))

        def workshop_event(version: int) -> Event:
            return Event(workshop_id=world.workshop_id, canvas_id=None, seq=version, type="focus.set", data={},
                         actor_id=seat, op_id=uuid.uuid4().hex, created_at=utcnow())

        db.session.add(workshop_event(1))
        db.session.commit()
        db.session.add(workshop_event(1))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        # Canvas events keep their own numbering beside the workshop's.
        db.session.add(Event(workshop_id=world.workshop_id, canvas_id=world.canvas_id, seq=1, type="note.added",
                             data={}, actor_id=seat, op_id=uuid.uuid4().hex, created_at=utcnow()))
        db.session.commit()


@pytest.fixture
def empty_url(backend, tmp_path):
    if backend == "postgresql":
        url = services.create_database()
        yield url
        services.drop_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"


def test_the_migration_upgrades_a_database_with_duplicate_seats(empty_url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_url)
    with app.app_context():
        upgrade(revision="0003")
        # The facilitator as that revision had it (the model has columns added since).
        facilitator_id = db.session.execute(db.text(
            "INSERT INTO facilitator (email, name, password_hash, created_at) "
            "VALUES ('ana@example.org', 'Ana', 'x', '2026-01-01 00:00:00') RETURNING id")).scalar_one()
        workshop = Workshop(title="Antes", code="ABCDEF", status="live")
        db.session.add(workshop)
        db.session.flush()
        db.session.execute(workshop_facilitators.insert().values(workshop_id=workshop.id,
                                                                 facilitator_id=facilitator_id))
        seats = [Participant(workshop_id=workshop.id, name="Ana", facilitator_id=facilitator_id,
                             token_hash=f"seat:{i}") for i in range(3)]
        db.session.add_all([*seats, Participant(workshop_id=workshop.id, name="Ben", token_hash="t:ben")])
        db.session.flush()
        db.session.add_all(Event(workshop_id=workshop.id, canvas_id=None, seq=v, type="focus.set", data={},
                                 actor_id=seats[v].id, op_id=f"op{v}", created_at=utcnow()) for v in (1, 2))
        db.session.commit()
        first = seats[0].id
        db.session.remove()

        upgrade()
        rows = db.session.execute(select(Participant.id, Participant.facilitator_id, Participant.imported_role)
                                  .order_by(Participant.id)).all()
        assert [tuple(r) for r in rows] == [(first, facilitator_id, None), (first + 1, None, "facilitator"),
                                            (first + 2, None, "facilitator"), (first + 3, None, None)]
        assert db.session.scalar(select(func.count(Event.id))) == 2
        # SQLite copies a table to change it: its facilitators and seats must survive the copy.
        assert db.session.execute(select(workshop_facilitators)).all() == [(workshop.id, facilitator_id)]
        db.session.add(Participant(workshop_id=workshop.id, name="Ana", facilitator_id=facilitator_id,
                                   token_hash="seat:again"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()

        downgrade(revision="0003")
        upgrade()
        assert db.session.execute(select(workshop_facilitators)).all() == [(workshop.id, facilitator_id)]
        assert db.session.scalar(select(Participant.facilitator_id).where(Participant.id == first)) == facilitator_id
        db.session.remove()
        db.engine.dispose()


def test_the_migrations_run_on_an_empty_database(empty_url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_url)
    with app.app_context():
        upgrade()
        names = {row[0] for row in db.session.execute(db.text(
            "SELECT name FROM sqlite_master WHERE type = 'index'" if db.engine.dialect.name == "sqlite"
            else "SELECT indexname FROM pg_indexes"))}
        assert {"uq_participant_seat", "uq_event_workshop_version"} <= names
        db.session.remove()
        db.engine.dispose()
