"""The note and dot operations' write path (board/notes.py and voting.py, through
SQLAlchemy Core) against the ORM's reading of what it wrote.

A seeded random session of a small room (two participants and the facilitator) adds,
edits (at the right version and at a stale one), moves, recolours and deletes notes,
and puts dots on notes and stacks and takes them back, while the facilitator turns
silent writing, anonymity, editing by all and locks on and off, stacks notes and runs
dot-voting rounds. After every message:

- a change that went through is the next ``seq``, and the event stored for it carries
  the note exactly as the ORM reads it back (``voting.note_data``: every column, its
  author, its published dots), which is also what its ack carried to its author or a
  facilitator; a dot's event counts the voter's dots, what they have left and the
  voters as the ORM counts them;
- a refused change changed nothing: the same ``seq``, the same notes, column for
  column, and the same dots; a ``conflict`` carries the note as it is.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from facilitator.board import voting
from facilitator.extensions import db
from facilitator.models import Canvas, Event, Note, Vote, VotingRound

from .conftest import World, op

pytestmark = pytest.mark.backends

BLOCKS = ("problem", "solution", "key_metrics")
COLORS = ("yellow", "pink", "blue", "green")


def _state(app, canvas_id: int) -> tuple[int, dict, list]:
    """The canvas's seq, every note's columns and every dot, read through the ORM in a fresh session."""
    with app.app_context():
        seq = db.session.get(Canvas, canvas_id).seq
        notes = {note.id: {c.key: getattr(note, c.key) for c in Note.__table__.columns}
                 for note in db.session.scalars(select(Note).where(Note.canvas_id == canvas_id))}
        dots = sorted((v.id, v.round_id, v.participant_id, v.note_id, v.cluster_id) for v in db.session.scalars(
            select(Vote).join(VotingRound).where(VotingRound.canvas_id == canvas_id)))
        db.session.remove()
    return seq, notes, dots


def _dots_read_back(app, data: dict, voter_id: int) -> dict:
    """What a dot's event says of its round, as the ORM counts it now."""
    with app.app_context():
        round_ = db.session.get(VotingRound, data["round_id"])
        mine, mine_stacks = voting._mine(round_, voter_id), voting._mine_stacks(round_, voter_id)
        counted = {"mine": mine, "mine_stacks": mine_stacks, "voters": voting.voters(round_),
                   "remaining": round_.budget - sum(mine.values()) - sum(mine_stacks.values())}
        db.session.remove()
    return counted


def _stored(app, canvas_id: int, seq: int) -> tuple[dict, dict | None]:
    """The event stored under ``seq`` and, for a note event, the note as the ORM serialises it now."""
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.canvas_id == canvas_id, Event.seq == seq))
        about_a_note = event.type.startswith("note.") and event.type != "note.deleted"
        note = db.session.get(Note, event.data["id"]) if about_a_note else None
        read_back = voting.note_data(note) if note is not None else None
        data = dict(event.data)
        db.session.remove()
    return data, read_back


class Room:
    def __init__(self, app, rng: random.Random):
        self.app, self.rng = app, rng
        self.world = World(app, template_id="lean-canvas")
        self.canvas_id = self.world.canvas_id
        self.people = {"ana": self.world.socket(self.world.join("Ana", "MEF")),
                       "bea": self.world.socket(self.world.join("Bea")),
                       "facilitator": self.world.socket(self.world.seat())}
        self.notes: dict[str, dict] = {}  # id -> who added it, the last version and block seen
        self.stacks: list[int] = []
        self.dots: dict[str, list[dict]] = {}  # who -> the targets of their dots in the open round
        self.voting = False

    def send(self, who: str, name: str, payload: dict) -> dict:
        return self.people[who].emit(name, payload, callback=True)

    def some_note(self) -> str:
        if self.notes and self.rng.random() < 0.9:
            return self.rng.choice(list(self.notes))  # in the order they came: the same run every time
        return str(uuid.uuid4())  # no such note

    def step(self) -> tuple[str, str, dict]:
        """One random message: (who, name, payload)."""
        rng, canvas = self.rng, {"canvas_id": self.canvas_id}
        who = rng.choice(("ana", "bea", "facilitator"))
        kind = rng.choices(("add", "edit", "move", "color", "delete", "control", "stack", "vote"),
                           (5, 4, 3, 1, 1, 2, 1, 4))[0]
        if kind == "add":
            taken = list(self.notes)[:1]
            # A new id of the server's or the client's, rarely one already taken.
            note_id = rng.choices([None, str(uuid.uuid4()), *taken], (5, 4, 1)[:2 + len(taken)])[0]
            return who, "note:add", op(block=rng.choice(BLOCKS), text=f"idea {rng.randrange(1000)}",
                                       color=rng.choice(COLORS), **({"note_id": note_id} if note_id else {}))
        if kind == "edit":
            note_id = self.some_note()
            version = self.notes.get(note_id, {"version": 1})["version"]
            if rng.random() < 0.4:  # a version that is no longer (or not) the note's: a conflict
                version = version - 1 if version > 1 else version + 1
            return who, "note:edit", op(note_id=note_id, text=f"edited {rng.randrange(1000)}", version=version)
        if kind == "move":
            index = rng.choice((None, 0, 1, 5))
            return who, "note:move", op(note_id=self.some_note(), block=rng.choice(BLOCKS),
                                        **({"index": index} if index is not None else {}))
        if kind == "color":
            return who, "note:color", op(note_id=self.some_note(), color=rng.choice(COLORS))
        if kind == "delete":
            return who, "note:delete", op(note_id=self.some_note())
        if kind == "control":
            name = rng.choice(("canvas:hidden", "canvas:anonymous", "canvas:editable", "canvas:lock"))
            field = "locked" if name == "canvas:lock" else "value"
            return "facilitator", name, op(**canvas, **{field: rng.random() < 0.3})
        if kind == "stack" and self.notes:
            note_id = self.some_note()
            block = self.notes.get(note_id, {"block": "problem"})["block"]
            return "facilitator", "cluster:create", op(**canvas, block=block, title="Grupo", note_ids=[note_id])
        if not self.voting:
            return "facilitator", "vote:open", op(**canvas, budget=5, max_per_note=3, allow_own=rng.random() < 0.7)
        if rng.random() < 0.15:
            return "facilitator", "vote:close", op(**canvas)
        voter = rng.choice(("ana", "bea", "ana", "bea", "facilitator"))  # a facilitator's dot is refused
        if self.dots.get(voter) and rng.random() < 0.5:
            return voter, "vote:remove", op(**rng.choice(self.dots[voter]))  # one of theirs
        target = ({"cluster_id": rng.choice(self.stacks)} if self.stacks and rng.random() < 0.3
                  else {"note_id": self.some_note()})
        return voter, rng.choice(("vote:add", "vote:add", "vote:add", "vote:remove")), op(**target)

    def remember(self, name: str, who: str, ack: dict) -> None:
        data = ack["event"]["data"]
        if name == "vote:open":
            self.voting, self.dots = True, {}
        elif name == "vote:close":
            self.voting = False
        elif name in ("vote:add", "vote:remove"):
            target = {key: data[key] for key in ("note_id", "cluster_id") if data[key] is not None}
            mine = self.dots.setdefault(who, [])
            mine.append(target) if name == "vote:add" else mine.remove(target)
        elif name == "cluster:create":
            self.stacks.append(data["cluster"]["id"])
        elif name == "note:delete":
            self.notes.pop(data["id"], None)
        elif name.startswith("note:"):
            added_by = self.notes.get(data["id"], {"by": who})["by"]
            self.notes[data["id"]] = {"by": added_by, "version": data["version"], "block": data["block"]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_note_change_stores_the_note_as_it_reads_back_and_a_refusal_changes_nothing(app, seed):
    room = Room(app, random.Random(seed))
    went_through, refusals, voted = 0, Counter(), Counter()
    for _ in range(120):
        who, name, payload = room.step()
        before_seq, before, dots_before = _state(app, room.canvas_id)
        ack = room.send(who, name, payload)
        after_seq, after, dots_after = _state(app, room.canvas_id)
        if not ack["ok"]:
            refusals[ack["error"]["code"]] += 1
            assert (after_seq, after, dots_after) == (before_seq, before, dots_before), (name, payload, ack)
            if ack["error"]["code"] == "conflict":
                with app.app_context():
                    current = voting.note_data(db.session.get(Note, payload["note_id"]))
                shown = ack["note"]
                assert shown == current or (shown.get("hidden") and "text" not in shown), (shown, current)
            continue
        went_through += 1
        assert ack["seq"] == after_seq == before_seq + 1, (name, ack)
        stored, read_back = _stored(app, room.canvas_id, ack["seq"])
        if name.startswith("note:") and name != "note:delete":
            assert stored == read_back, (name, payload)
            if who == "facilitator" or room.notes.get(stored["id"], {"by": who})["by"] == who:
                assert ack["event"]["data"] == read_back, (name, payload)  # the author's and a facilitator's ack
        if name == "note:delete":
            assert after[payload["note_id"]]["deleted_at"] is not None
            assert stored == {"id": payload["note_id"], "block": before[payload["note_id"]]["block"],
                              "hidden": before[payload["note_id"]]["hidden"]}
        if name in ("vote:add", "vote:remove"):
            assert len(dots_after) == len(dots_before) + (1 if name == "vote:add" else -1)
            counted = _dots_read_back(app, stored, ack["event"]["actor"]["id"])
            assert {key: stored[key] for key in counted} == counted, (name, payload)
            assert ack["event"]["data"] == stored  # the voter's ack carries it whole
            voted[name] += 1
        room.remember(name, who, ack)
    assert went_through > 20 and refusals["conflict"] and refusals["not_found"], (went_through, refusals)
    assert voted["vote:add"] and voted["vote:remove"], voted
    room.world.disconnect()
