"""The authorization matrix of docs/protocol.md, walked cell by cell.

The two tables (socket messages, HTTP routes) are read from the document itself,
so the document and the server cannot drift apart: a message or route without a
row, a row naming something the server lacks, or a cell the server does not honour
fails here. Every cell runs on a fresh copy of one prepared world (two workshops
built alike, see the document), restored by copying a SQLite file, so a refusal
is checked to change nothing at all and an allowed change to land where it should.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, select
from werkzeug.security import generate_password_hash

from facilitator import accounts, board, catalog_of, create_app, export
from facilitator.board import own_templates
from facilitator.board.actors import projector_token
from facilitator.board.schemas import JoinWorkshop, NewCanvases, NewWorkshop
from facilitator.board.workshops import (
    add_canvases,
    add_facilitator,
    create_workshop,
    facilitator_seat,
    join_workshop,
)
from facilitator.config import TestConfig
from facilitator.extensions import db, socketio
from facilitator.models import (
    AccountLink,
    Canvas,
    Cluster,
    Commitment,
    Event,
    Facilitator,
    Note,
    OwnTemplate,
    Participant,
    SavedRecipe,
    Vote,
    VotingRound,
    Workshop,
)
from facilitator.recipes import recipes_of
from facilitator.views.exports import jobs_of

from .conftest import PASSWORD

DOC = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"

# Column headers of both tables, in order, and the short keys used in test ids.
ROLES = {
    "anonymous": "anonymous",
    "participant of W": "participant",
    "participant of W2": "other_participant",
    "removed from W": "removed",
    "facilitator of W": "facilitator",
    "facilitator of W2": "other_facilitator",
    "projector of W": "projector",
}
SOCKET_CELLS = {"✓", "own", "forbidden", "not_found", "invalid", "refused"}
HTTP_CELLS = {"✓", "401", "403", "404", "302→login", "302→join"}
CHANGE_EVENTS = {"change", "change:private", "workshop", "workshop:private", "editing", "presence",
                 "session:ended"}


# ---- reading the tables -------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: tuple[str, str]  # socket: (message, qualifier); HTTP: (method, rule)
    cells: dict[str, str]  # role key -> cell


def _section(text: str, heading: str, level: str) -> str:
    match = re.search(rf"^{level} {re.escape(heading)}\s*$(.*?)(?=^#{{1,{len(level)}}} |\Z)", text, re.M | re.S)
    assert match, f"docs/protocol.md has no section “{level} {heading}”"
    return match.group(1)


def _table(section: str, title: str, allowed: set[str], first: str) -> list[Row]:
    lines = [line.strip() for line in section.splitlines() if line.strip().startswith("|")]
    assert len(lines) > 2, f"docs/protocol.md, Authorization matrix: “{title}” has no table"
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == [first, *ROLES], (
        f"docs/protocol.md, {title}: the columns must be {[first, *ROLES]}, not {header}")
    rows, seen = [], set()
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == len(header), f"docs/protocol.md, {title}: a row with a wrong number of cells: {line}"
        match = re.fullmatch(r"`([^`]+)`(?:\s*\((.+)\))?", cells[0])
        assert match, f"docs/protocol.md, {title}: the first cell must be `name` (qualifier): {cells[0]!r}"
        name, qualifier = match.group(1), match.group(2) or ""
        key = (name, qualifier) if first == "message" else tuple(name.split(" ", 1))
        assert len(key) == 2, f"docs/protocol.md, {title}: a route row must be `METHOD /path`: {cells[0]!r}"
        assert key not in seen, f"docs/protocol.md, {title}: two rows for {cells[0]}"
        seen.add(key)
        values = dict(zip(ROLES.values(), cells[1:], strict=True))
        wrong = {v for v in values.values() if v not in allowed}
        assert not wrong, f"docs/protocol.md, {title}, row {cells[0]}: unknown cells {wrong}; use one of {allowed}"
        rows.append(Row(key, values))
    return rows


def read_matrix(path: Path = DOC) -> tuple[list[Row], list[Row]]:
    section = _section(path.read_text(encoding="utf-8"), "Authorization matrix", "##")
    sockets = _table(_section(section, "Socket messages", "###"), "Socket messages", SOCKET_CELLS, "message")
    routes = _table(_section(section, "HTTP routes", "###"), "HTTP routes", HTTP_CELLS, "route")
    return sockets, routes


SOCKET_ROWS, HTTP_ROWS = read_matrix()


# ---- the world ----------------------------------------------------------------------


@dataclass
class Side:
    """The ids of one workshop of the world (W or W2), all built alike."""

    workshop_id: int = 0
    title: str = ""
    code: str = ""
    canvas: int = 0
    canvas2: int = 0
    facilitator: int = 0  # the account that created it
    cofacilitator: int = 0
    facilitator_email: str = ""
    seat: str = ""
    seat_id: int = 0
    p_token: str = ""
    p_id: int = 0
    q_id: int = 0
    r_token: str = ""
    r_id: int = 0
    note_p: str = ""
    note_q: str = ""
    note_hidden: str = ""
    cluster: int = 0
    commitment: int = 0
    projector: str = ""
    own_template: int = 0  # a canvas template of the facilitator's own (views/canvas_editor.py)
    recipe: int = 0  # an own recipe of the facilitator who created the workshop


@dataclass
class Matrix:
    app: Any
    work: Path
    pristine: Path
    w: Side
    w2: Side
    spare_email: str
    export_json: bytes = b""
    job_id: str = ""  # an export W's facilitator asked for (its progress page and file)
    link_token: str = ""  # a co-facilitator invitation to W that W's facilitator made
    link_id: int = 0
    live: list = field(default_factory=list)  # socket clients of the current cell

    def side(self, role: str) -> Side:
        return self.w2 if role.startswith("other_") else self.w


def op(**fields) -> dict:
    return {"op_id": uuid.uuid4().hex, **fields}


def _account(email: str, name: str) -> Facilitator:
    # A cheap hash: the walk logs in many times.
    account = Facilitator(email=email, name=name, password_hash=generate_password_hash(
        PASSWORD, method="pbkdf2:sha256:1000"))
    db.session.add(account)
    db.session.commit()
    return account


def _build_side(app, title: str, email: str, co_email: str) -> Side:
    side = Side(title=title, facilitator_email=email)
    account = _account(email, f"Facilitadora {title}")
    co = _account(co_email, f"Co {title}")
    workshop = create_workshop(account, NewWorkshop(title=title))
    add_facilitator(workshop, co_email)
    c1, c2 = add_canvases(catalog_of(app), workshop, NewCanvases(template_id="public-policy-lean-canvas",
                                                                 name="Mesa", count=2))
    side.workshop_id, side.code, side.canvas, side.canvas2 = workshop.id, workshop.code, c1.id, c2.id
    side.facilitator, side.cofacilitator = account.id, co.id
    fac, side.seat = facilitator_seat(account, workshop)
    side.seat_id = fac.participant_id
    p, side.p_token = join_workshop(JoinWorkshop(code=workshop.code, name="Pilar", institution="MEF"))
    q, q_token = join_workshop(JoinWorkshop(code=workshop.code, name="Quique"))
    r, side.r_token = join_workshop(JoinWorkshop(code=workshop.code, name="Rita"))
    side.p_id, side.q_id, side.r_id = p.id, q.id, r.id
    pa, qa = board.resolve_token(side.p_token), board.resolve_token(q_token)

    def apply(actor, canvas, name, **fields):
        return board.apply(actor, canvas, name, op(**fields)).envelope["data"]

    side.note_p = apply(pa, c1.id, "note:add", block="problem", text="de Pilar")["id"]
    side.note_q = apply(qa, c1.id, "note:add", block="problem", text="de Quique")["id"]
    apply(fac, None, "canvas:hidden", canvas_id=c1.id, value=True)
    side.note_hidden = apply(qa, c1.id, "note:add", block="problem", text="secreta de Quique")["id"]
    apply(fac, None, "canvas:hidden", canvas_id=c1.id, value=False)
    side.cluster = apply(fac, None, "cluster:create", canvas_id=c1.id, block="problem", title="Esperas",
                         note_ids=[side.note_q])["cluster"]["id"]
    apply(fac, None, "vote:open", canvas_id=c1.id, budget=5, max_per_note=3)
    apply(pa, c1.id, "vote:add", note_id=side.note_q)
    side.commitment = apply(fac, None, "commitment:add", canvas_id=c1.id, note_id=side.note_p,
                            responsible="MEF")["commitment_id"]
    apply(qa, None, "status:set", hand=True)
    apply(fac, None, "timer:start", seconds=3600)
    apply(fac, None, "timer:start", canvas_id=c1.id, seconds=3600)
    apply(fac, None, "participant:remove", participant_id=r.id)
    side.projector = projector_token(db.session.get(Workshop, workshop.id))
    side.own_template = own_templates.new_template(account, catalog_of(app), f"Plantilla {title}", "Prueba").id
    own = SavedRecipe(facilitator_id=account.id, name=f"Receta {title}",
                      data=recipes_of(app).get("public-policy-lean-canvas-90").model_dump(mode="json"))
    db.session.add(own)
    db.session.commit()
    side.recipe = own.id
    return side


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    folder = tmp_path_factory.mktemp("authorization")
    work, pristine = folder / "work.db", folder / "pristine.db"
    # Every cell replays messages as the same people: lift the per-participant
    # message budget (test_security checks it), or later cells would be rate_limited.
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{work}", SOCKET_BURST=10**9)
    with app.app_context():
        # A world is thrown away after each cell: no need to wait for the disk.
        event.listen(db.engine, "connect", lambda connection, _record: connection.execute("PRAGMA synchronous=OFF"))
        db.create_all()
        w = _build_side(app, "Taller W", "w@example.org", "co-w@example.org")
        w2 = _build_side(app, "Taller W2", "w2@example.org", "co-w2@example.org")
        _account("dora@example.org", "Dora")
        exported = export.render(db.session.get(Workshop, w.workshop_id), "json").content
        link_token = accounts.make_link("cofacilitate", db.session.get(Facilitator, w.facilitator), timedelta(days=7),
                                        workshop=db.session.get(Workshop, w.workshop_id))
        link_id = db.session.scalar(select(AccountLink.id))
        job = jobs_of(app).submit(w.facilitator, {"workshop_id": w.workshop_id, "fmt": "json", "canvas_id": None,
                                                  "size": None, "unrevealed": None})
        assert job.finished.wait(60) and job.state == "ready"
        db.session.remove()
        db.engine.dispose()
    with closing(sqlite3.connect(work)) as connection:  # fold the write-ahead log into the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(work, pristine)
    return Matrix(app, work, pristine, w, w2, "dora@example.org", exported, job.id, link_token, link_id)


@pytest.fixture
def fresh(matrix):
    """The pristine world, for one cell."""
    with matrix.app.app_context():
        db.session.remove()
        db.engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{matrix.work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(matrix.pristine, matrix.work)
    yield matrix
    for client in matrix.live:
        if client.is_connected():
            client.disconnect()
    matrix.live.clear()


# ---- what changed -------------------------------------------------------------------

TABLES = ("workshop", "workshop_facilitator", "facilitator", "canvas", "participant", "note", "cluster",
          "voting_round", "vote", "event", "account_link", "own_template", "saved_recipe", "commitment")
ACCOUNT_TABLES = {"facilitator", "saved_recipe"}  # rows of an account, not of a workshop


def _digest(rows: list) -> tuple[int, str]:
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def world_state(matrix: Matrix) -> dict[str, dict[str, tuple[int, str]]]:
    """Count and hash of the rows of every table: all of them, and W's and W2's apart."""
    with matrix.app.app_context():
        try:
            tables = {name: [row._asdict() for row in db.session.execute(
                select(db.metadata.tables[name]).order_by(*db.metadata.tables[name].primary_key.columns))]
                for name in TABLES}
        finally:
            db.session.remove()
    canvas = {row["id"]: row["workshop_id"] for row in tables["canvas"]}
    round_ = {row["id"]: canvas[row["canvas_id"]] for row in tables["voting_round"]}
    creator = {matrix.w.facilitator: matrix.w.workshop_id, matrix.w2.facilitator: matrix.w2.workshop_id}
    owner = {
        "own_template": lambda row: creator.get(row["owner_id"]),
        "workshop": lambda row: row["id"],
        "note": lambda row: canvas[row["canvas_id"]],
        "cluster": lambda row: canvas[row["canvas_id"]],
        "voting_round": lambda row: canvas[row["canvas_id"]],
        "vote": lambda row: round_[row["round_id"]],
    }
    state = {"all": {name: _digest(rows) for name, rows in tables.items()}}
    for key, workshop_id in (("w", matrix.w.workshop_id), ("w2", matrix.w2.workshop_id)):
        state[key] = {name: _digest([row for row in rows if owner.get(name, lambda r: r["workshop_id"])(row)
                                     == workshop_id]) for name, rows in tables.items() if name not in ACCOUNT_TABLES}
    return state


def assert_unchanged(before: dict, after: dict, what: str) -> None:
    changed = sorted(t for t in before["all"] if before["all"][t] != after["all"][t])
    assert not changed, f"{what} was refused but changed {changed}"


def query(matrix: Matrix, fn: Callable[[], Any]) -> Any:
    with matrix.app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def get(model, key):
    return db.session.get(model, key)


def count(model, **where) -> int:
    return db.session.scalar(select(db.func.count()).select_from(model).filter_by(**where))


# ---- socket messages ----------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """How to try one row: its payload (naming W's ids) and how to see it done."""

    payload: Callable[[Side], dict]
    done: Callable[[Side], bool] | None = None  # a change: true afterwards (in W, or W2 for ``own``)
    answer: Callable[[dict, Side], bool] | None = None  # a read: the ack is about this workshop
    setup: Callable[[Matrix], None] | None = None


def _note(note: str, **expected) -> Callable[[Side], bool]:
    def done(side: Side) -> bool:
        row = get(Note, getattr(side, note))
        return all((getattr(row, k) is not None) if v is ... else getattr(row, k) == v for k, v in expected.items())

    return done


def _canvas(**expected) -> Callable[[Side], bool]:
    return lambda side: all(getattr(get(Canvas, side.canvas), k) == v for k, v in expected.items())


def _workshop(check: Callable[[Workshop], bool]) -> Callable[[Side], bool]:
    return lambda side: check(get(Workshop, side.workshop_id))


def _as_facilitators(*messages: tuple[str, Callable[[Side], dict]]) -> Callable[[Matrix], None]:
    def setup(matrix: Matrix) -> None:
        with matrix.app.app_context():
            for side in (matrix.w, matrix.w2):
                actor = board.resolve_token(side.seat)
                for name, payload in messages:
                    board.apply(actor, None, name, payload(side))
            db.session.remove()

    return setup


def _my_votes(side: Side) -> int:
    return count(Vote, participant_id=side.p_id, note_id=side.note_q)


EDITED, ADDED = "texto cambiado", "nota nueva"
RECIPE = "public-policy-lean-canvas-90"
EDITS = {
    "note:edit": (lambda note: lambda s: op(note_id=getattr(s, note), text=EDITED, version=1),
                  lambda note: _note(note, text=EDITED)),
    "note:move": (lambda note: lambda s: op(note_id=getattr(s, note), block="solution"),
                  lambda note: _note(note, block="solution")),
    "note:color": (lambda note: lambda s: op(note_id=getattr(s, note), color="blue"),
                   lambda note: _note(note, color="blue")),
    "note:delete": (lambda note: lambda s: op(note_id=getattr(s, note)),
                    lambda note: _note(note, deleted_at=...)),
}

# The stacking rows, tried as they are and again in a phase that allows grouping.
STACKING = {
    "note:stack": (lambda s: op(note_id=s.note_p, onto=s.note_q),
                   lambda s: get(Note, s.note_p).cluster_id == s.cluster),
    "note:unstack": (lambda s: op(note_id=s.note_q),
                     lambda s: get(Note, s.note_q).cluster_id is None and get(Cluster, s.cluster) is None),
    "stack:rename": (lambda s: op(cluster_id=s.cluster, title="Colas"),
                     lambda s: get(Cluster, s.cluster).title == "Colas"),
    "stack:merge": (lambda s: op(note_id=s.note_p, into=s.cluster),
                    lambda s: get(Note, s.note_p).cluster_id == s.cluster),
}
_grouping = _as_facilitators(("recipe:choose", lambda s: op(recipe_id=RECIPE)), ("phase:next", lambda s: op()),
                             ("phase:next", lambda s: op()))

MESSAGES: dict[tuple[str, str], Message] = {
    ("connect", ""): Message(lambda s: {}),
    ("canvas:join", ""): Message(lambda s: {"canvas_id": s.canvas},
                                 answer=lambda ack, s: ack["canvas"]["id"] == s.canvas),
    ("canvas:resync", ""): Message(lambda s: {"last_seq": 0}, answer=lambda ack, s: ack["canvas"]["id"] == s.canvas),
    ("canvas:leave", ""): Message(lambda s: {}),
    ("workshop:watch", ""): Message(lambda s: {}, answer=lambda ack, s: [c["canvas"]["id"] for c in ack["canvases"]]
                                    == [s.canvas, s.canvas2]),
    ("workshop:state", ""): Message(lambda s: {}, answer=lambda ack, s: ack["workshop"]["status"] == "live"),
    ("note:editing", ""): Message(lambda s: {"note_id": s.note_p, "editing": True}),
    ("note:add", ""): Message(lambda s: op(block="problem", text=ADDED),
                              done=lambda s: count(Note, canvas_id=s.canvas, text=ADDED) == 1),
    **{(name, ""): Message(payload("note_p"), done=check("note_p")) for name, (payload, check) in EDITS.items()},
    **{(name, "someone else's note"): Message(payload("note_q"), done=check("note_q"))
       for name, (payload, check) in EDITS.items()},
    ("note:edit", "someone else's hidden note"): Message(EDITS["note:edit"][0]("note_hidden"),
                                                         done=EDITS["note:edit"][1]("note_hidden")),
    ("note:edit", "someone else's note, editable by all"): Message(
        EDITS["note:edit"][0]("note_q"), done=EDITS["note:edit"][1]("note_q"),
        setup=_as_facilitators(("canvas:editable", lambda s: op(canvas_id=s.canvas, value=True)))),
    ("vote:add", ""): Message(lambda s: op(note_id=s.note_q), done=lambda s: _my_votes(s) == 2),
    ("vote:remove", ""): Message(lambda s: op(note_id=s.note_q), done=lambda s: _my_votes(s) == 0),
    ("status:set", ""): Message(lambda s: op(ready=True), done=lambda s: get(Participant, s.p_id).ready),
    ("vote:open", ""): Message(lambda s: op(canvas_id=s.canvas2, budget=3, max_per_note=2),
                               done=lambda s: count(VotingRound, canvas_id=s.canvas2, status="open") == 1),
    ("vote:close", ""): Message(lambda s: op(canvas_id=s.canvas),
                                done=lambda s: count(VotingRound, canvas_id=s.canvas, status="closed") == 1),
    ("canvas:lock", ""): Message(lambda s: op(canvas_id=s.canvas, locked=True), done=_canvas(locked=True)),
    ("canvas:hidden", ""): Message(lambda s: op(canvas_id=s.canvas, value=True), done=_canvas(hidden=True)),
    ("canvas:reveal", ""): Message(lambda s: op(canvas_id=s.canvas), done=_note("note_hidden", hidden=False)),
    ("canvas:anonymous", ""): Message(lambda s: op(canvas_id=s.canvas, value=True), done=_canvas(anonymous=True)),
    ("canvas:editable", ""): Message(lambda s: op(canvas_id=s.canvas, value=True),
                                     done=_canvas(notes_editable_by_all=True)),
    ("cluster:create", ""): Message(lambda s: op(canvas_id=s.canvas, block="problem", title="Nuevo grupo",
                                                 note_ids=[s.note_p]),
                                    done=lambda s: count(Cluster, canvas_id=s.canvas, title="Nuevo grupo") == 1),
    ("cluster:rename", ""): Message(lambda s: op(canvas_id=s.canvas, cluster_id=s.cluster, title="Colas"),
                                    done=lambda s: get(Cluster, s.cluster).title == "Colas"),
    ("cluster:dissolve", ""): Message(lambda s: op(canvas_id=s.canvas, cluster_id=s.cluster),
                                      done=lambda s: get(Cluster, s.cluster) is None),
    ("note:cluster", ""): Message(lambda s: op(canvas_id=s.canvas, note_id=s.note_p, cluster_id=s.cluster),
                                  done=lambda s: get(Note, s.note_p).cluster_id == s.cluster),
    ("vote:add", "a stack"): Message(lambda s: op(cluster_id=s.cluster),
                                     done=lambda s: count(Vote, participant_id=s.p_id, cluster_id=s.cluster) == 1),
    **{(name, qualifier): Message(payload, done=done, setup=_grouping if qualifier else None)
       for qualifier in ("", "in a grouping phase") for name, (payload, done) in STACKING.items()},
    ("timer:start", "canvas"): Message(lambda s: op(canvas_id=s.canvas, seconds=300),
                                       done=lambda s: get(Canvas, s.canvas).timer["duration_ms"] == 300_000),
    ("timer:start", "workshop"): Message(lambda s: op(seconds=300),
                                         done=_workshop(lambda w: w.timer["duration_ms"] == 300_000)),
    ("timer:change", "canvas"): Message(lambda s: op(canvas_id=s.canvas, action="pause"),
                                        done=lambda s: get(Canvas, s.canvas).timer["state"] == "paused"),
    ("timer:change", "workshop"): Message(lambda s: op(action="pause"),
                                          done=_workshop(lambda w: w.timer["state"] == "paused")),
    ("focus:set", ""): Message(lambda s: op(canvas_id=s.canvas, block="problem"),
                               done=_workshop(lambda w: (w.focus or {}).get("block") == "problem")),
    ("focus:table", ""): Message(lambda s: op(canvas_id=s.canvas, block="problem"),
                                 done=lambda s: (get(Workshop, s.workshop_id).focus or {}).get("tables")
                                 == {str(s.canvas): "problem"}),
    ("projector:show", ""): Message(lambda s: op(mode="canvas", canvas_id=s.canvas, zoom=True),
                                    done=_workshop(lambda w: (w.projector or {}).get("mode") == "canvas"
                                                   and w.projector.get("zoom") is True)),
    ("status:reset", ""): Message(lambda s: op(), done=lambda s: not get(Participant, s.q_id).hand_raised),
    ("participant:remove", ""): Message(lambda s: op(participant_id=s.q_id),
                                        done=lambda s: get(Participant, s.q_id).removed_at is not None),
    ("workshop:institutions", ""): Message(lambda s: op(value=False),
                                           done=_workshop(lambda w: not w.anonymous_shows_institution)),
    ("workshop:new_code", ""): Message(lambda s: op(), done=lambda s: get(Workshop, s.workshop_id).code != s.code),
    ("workshop:close", ""): Message(lambda s: op(), done=_workshop(lambda w: w.status == "closed")),
    ("workshop:reopen", ""): Message(lambda s: op(), done=_workshop(lambda w: w.status == "live"),
                                     setup=_as_facilitators(("workshop:close", lambda s: op()))),
    ("recipe:choose", ""): Message(lambda s: op(recipe_id=RECIPE),
                                   done=_workshop(lambda w: (w.recipe or {}).get("id") == RECIPE)),
    ("phase:next", ""): Message(lambda s: op(canvas_ids=[s.canvas]),
                                done=_workshop(lambda w: w.recipe["tables"] == {str(w.canvases[0].id): 0}),
                                setup=_as_facilitators(("recipe:choose", lambda s: op(recipe_id=RECIPE)))),
    ("phase:previous", ""): Message(lambda s: op(canvas_ids=[s.canvas]),
                                    done=_workshop(lambda w: w.recipe["phase"] == 0
                                                   and w.recipe["tables"][str(w.canvases[0].id)] == 0),
                                    setup=_as_facilitators(("recipe:choose", lambda s: op(recipe_id=RECIPE)),
                                                           ("phase:next", lambda s: op()),
                                                           ("phase:next", lambda s: op()))),
    ("commitment:add", ""): Message(lambda s: op(canvas_id=s.canvas, cluster_id=s.cluster, responsible="PCM"),
                                    done=lambda s: count(Commitment, workshop_id=s.workshop_id) == 2),
    ("commitment:edit", ""): Message(lambda s: op(commitment_id=s.commitment, status="done"),
                                     done=lambda s: get(Commitment, s.commitment).status == "done"),
    ("commitment:move", ""): Message(lambda s: op(commitment_id=s.commitment, position=1),
                                     done=lambda s: get(Commitment, s.commitment).position == 1,
                                     setup=_as_facilitators(("commitment:add", lambda s: op(
                                         canvas_id=s.canvas, cluster_id=s.cluster)))),
    ("commitment:delete", ""): Message(lambda s: op(commitment_id=s.commitment),
                                       done=lambda s: get(Commitment, s.commitment) is None),
}


def _token(matrix: Matrix, role: str) -> str | None:
    side = matrix.side(role)
    return {"anonymous": None, "participant": side.p_token, "other_participant": side.p_token,
            "removed": side.r_token, "facilitator": side.seat, "other_facilitator": side.seat,
            "projector": side.projector}[role]


def _connect(matrix: Matrix, token: str | None):
    client = socketio.test_client(matrix.app, auth={"token": token} if token else {})
    matrix.live.append(client)
    return client


def _open(client, canvas_id: int) -> None:
    ack = client.emit("canvas:join", {"canvas_id": canvas_id}, callback=True)
    assert ack["ok"], ack


def _removed_but_connected(matrix: Matrix, join: bool):
    """A socket of R opened before the removal (as on a process the removal did not reach)."""
    def set_removed(value):
        row = get(Participant, matrix.w.r_id)
        removed_at, row.removed_at = row.removed_at, value
        db.session.commit()
        return removed_at

    with matrix.app.app_context():
        removed_at = set_removed(None)
        client = _connect(matrix, matrix.w.r_token)
        assert client.is_connected()
        if join:
            _open(client, matrix.w.canvas)
        set_removed(removed_at)
        db.session.remove()
    return client


def _closed_but_connected(matrix: Matrix, join: bool):
    """A projector screen of W opened before W was closed (as on a process the closing did not reach)."""
    def set_status(value):
        row = get(Workshop, matrix.w.workshop_id)
        status, row.status = row.status, value
        db.session.commit()
        return status

    with matrix.app.app_context():
        status = set_status("live")
        client = _connect(matrix, matrix.w.projector)
        assert client.is_connected()
        if join:
            _open(client, matrix.w.canvas)
        set_status(status)
        db.session.remove()
    return client


def _watchers(matrix: Matrix) -> list:
    """Both workshops' facilitators in their control rooms: every event of W and W2 reaches them."""
    clients = [_connect(matrix, side.seat) for side in (matrix.w, matrix.w2)]
    for client in clients:
        assert client.emit("workshop:watch", {}, callback=True)["ok"]
    return clients


SOCKET_CELLS_TO_RUN = [
    pytest.param(row.key, role, cell, id=f"{row.key[0]}{f'[{row.key[1]}]' if row.key[1] else ''}-{role}")
    for row in SOCKET_ROWS for role, cell in row.cells.items()]


@pytest.mark.parametrize(("key", "role", "cell"), SOCKET_CELLS_TO_RUN)
def test_socket_cell(fresh, key, role, cell):
    matrix, (name, qualifier) = fresh, key
    message = MESSAGES.get(key)
    assert message is not None, f"no scenario for the row `{name}` ({qualifier}) in tests/test_authorization.py"
    if message.setup is not None:
        message.setup(matrix)
    w, own = matrix.w, matrix.side(role)
    payload = message.payload(w)
    watchers = _watchers(matrix)
    what = f"{name} ({qualifier}) from {role}" if qualifier else f"{name} from {role}"

    if name == "connect":
        before = world_state(matrix)
        client = _connect(matrix, _token(matrix, role))
        assert client.is_connected() == (cell != "refused"), what
        assert_unchanged(before, world_state(matrix), what)
        return

    if cell == "refused":
        assert not _connect(matrix, _token(matrix, role)).is_connected(), f"{what}: the connection was accepted"
        if role == "anonymous":
            return
        kept_open = _closed_but_connected if role == "projector" else _removed_but_connected
        client = kept_open(matrix, join=name != "canvas:join")
        cell = "forbidden"
    else:
        client = _connect(matrix, _token(matrix, role))
        assert client.is_connected(), what
        if name != "canvas:join":
            _open(client, own.canvas)

    side = w if cell != "own" else own
    was_done = message.done is not None and query(matrix, lambda: message.done(side))
    for watcher in watchers:
        watcher.get_received()
    before = world_state(matrix)
    ack = client.emit(name, payload, callback=True)
    after = world_state(matrix)

    if cell not in ("✓", "own"):
        assert ack["ok"] is False and ack["error"]["code"] == cell, f"{what}: expected {cell}, got {ack}"
        assert_unchanged(before, after, what)
        heard = [m["name"] for watcher in watchers for m in watcher.get_received() if m["name"] in CHANGE_EVENTS]
        assert not heard, f"{what} was refused but was broadcast: {heard}"
        return

    assert ack.get("ok") is True, f"{what}: expected {cell}, got {ack}"
    assert before["w" if cell == "own" else "w2"] == after["w" if cell == "own" else "w2"], (
        f"{what} changed the wrong workshop")
    if name in board.OPERATIONS:
        actor_id = {"participant": side.p_id, "facilitator": side.seat_id}.get(role.removeprefix("other_"))
        events = query(matrix, lambda: db.session.execute(select(Event.workshop_id, Event.actor_id).filter_by(
            op_id=payload["op_id"])).all())
        assert events == [(side.workshop_id, actor_id)], f"{what}: expected one new event, found {events}"
        assert not was_done and query(matrix, lambda: message.done(side)), f"{what}: the change is not in the database"
    else:
        assert_unchanged(before, after, what)  # reads change nothing
        if message.answer is not None:
            assert message.answer(ack, side), f"{what}: the answer is not about this workshop: {ack}"


# ---- HTTP routes --------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """How to call one route as W's: its URL and body, what success looks like."""

    path: Callable[[Matrix], str]
    ok: tuple[int, ...] = (200,)
    kwargs: Callable[[Matrix], dict] = lambda m: {}
    done: Callable[[Matrix], bool] | None = None  # a change: true afterwards
    answer: Callable[[Any, Matrix, str], bool] | None = None  # the answer, for this role
    unchanged_for: tuple[str, ...] = ()  # roles for whom a ✓ changes nothing (there is nothing to do)


def _exists(model, **where) -> Callable[[Matrix], bool]:
    return lambda m: count(model, **where) == 1


def _facilitators(m: Matrix) -> set[int]:
    return {f.id for f in get(Workshop, m.w.workshop_id).facilitators}


def _boot(response) -> bool:
    return response.status_code == 200 and 'id="boot"' in response.text


def _canvas_page(response, m: Matrix, role: str) -> bool:
    if role == "facilitator":  # sent to the facilitator's own canvas page
        return urlsplit(response.headers["Location"]).path == f"/f/workshops/{m.w.workshop_id}/canvases/{m.w.canvas}"
    return _boot(response)


def _dashboard(response, m: Matrix, role: str) -> bool:
    return (m.w.code in response.text) == (role == "facilitator")


W_ROUTE = "/f/workshops/{m.w.workshop_id}"


def _url(template: str) -> Callable[[Matrix], str]:
    return lambda m: template.format(m=m)


IMPORTED_TOML = b"""id = "imported-one"
version = 1
name = { es = "Importada", en = "Imported" }
description = { es = "Prueba", en = "Test" }
layout = { columns = "1fr", rows = "1fr", areas = ["idea"] }

[[blocks]]
id = "idea"
title = { es = "Idea", en = "Idea" }
question = { es = "Pregunta", en = "What?" }
"""

REQUESTS: dict[tuple[str, str], Request] = {
    ("GET", "/"): Request(_url("/")),
    # The licence and the source are everyone's (the AGPL's section 13).
    ("GET", "/licence"): Request(_url("/licence")),
    ("GET", "/licence.txt"): Request(_url("/licence.txt"), answer=lambda r, m, role: "AFFERO" in r.text),
    ("GET", "/source.tar.gz"): Request(_url("/source.tar.gz"), answer=lambda r, m, role: r.data[:2] == b"\x1f\x8b"),
    ("GET", "/join"): Request(_url("/join?code={m.w.code}"), ok=(302,),
                              answer=lambda r, m, role: r.headers["Location"].endswith(f"/j/{m.w.code}")),
    ("GET", "/j/<code>"): Request(_url("/j/{m.w.code}")),
    ("POST", "/j/<code>"): Request(_url("/j/{m.w.code}"), ok=(302,), kwargs=lambda m: {"data": {"name": "Nadia"}},
                                   done=_exists(Participant, name="Nadia")),
    ("GET", "/j/<code>/qr.svg"): Request(_url("/j/{m.w.code}/qr.svg")),
    ("GET", "/w/<code>"): Request(_url("/w/{m.w.code}"), answer=lambda r, m, role: f"/c/{m.w.canvas2}" in r.text),
    ("GET", "/c/<int:canvas_id>"): Request(_url("/c/{m.w.canvas}"), ok=(200, 302), answer=_canvas_page),
    ("GET", "/c/<int:canvas_id>/layout.css"): Request(_url("/c/{m.w.canvas}/layout.css")),
    ("GET", "/lang/<lang>"): Request(_url("/lang/en?next=/"), ok=(302,)),
    ("GET", "/p/<token>"): Request(_url("/p/{m.w.projector}"), answer=lambda r, m, role: m.w.code in r.text),
    ("GET", "/static/<path:filename>"): Request(_url("/static/favicon.svg")),
    ("GET", "/f/login"): Request(_url("/f/login")),
    ("POST", "/f/login"): Request(_url("/f/login"), ok=(302,), kwargs=lambda m: {"data": {
        "email": m.w.facilitator_email, "password": PASSWORD}}),
    ("POST", "/f/logout"): Request(_url("/f/logout"), ok=(302,)),
    ("GET", "/f/"): Request(_url("/f/"), answer=_dashboard),
    ("GET", "/f/workshops/new"): Request(_url("/f/workshops/new")),
    ("POST", "/f/workshops/new"): Request(_url("/f/workshops/new"), ok=(302,),
                                          kwargs=lambda m: {"data": {"title": "Taller nuevo"}},
                                          done=_exists(Workshop, title="Taller nuevo")),
    ("POST", "/f/workshops/import"): Request(
        _url("/f/workshops/import"), ok=(302,), done=lambda m: count(Workshop, title=m.w.title) == 2,
        kwargs=lambda m: {"data": {"file": (io.BytesIO(m.export_json), "taller.json")},
                          "content_type": "multipart/form-data"}),
    ("GET", "/f/workshops/<int:workshop_id>"): Request(_url(W_ROUTE), answer=lambda r, m, role: m.w.code in r.text),
    ("POST", "/f/workshops/<int:workshop_id>/canvases"): Request(
        _url(W_ROUTE + "/canvases"), ok=(302,), done=_exists(Canvas, name="Mesa nueva"),
        kwargs=lambda m: {"data": {"template_id": "lean-canvas", "name": "Mesa nueva"}}),
    ("GET", "/f/workshops/<int:workshop_id>/canvases/<int:canvas_id>"): Request(
        _url(W_ROUTE + "/canvases/{m.w.canvas}"), answer=lambda r, m, role: _boot(r)),
    ("GET", "/f/workshops/<int:workshop_id>/canvases/<int:canvas_id>/export.pdf"): Request(
        _url(W_ROUTE + "/canvases/{m.w.canvas}/export.pdf"), answer=lambda r, m, role: r.mimetype == "application/pdf"),
    ("GET", "/f/workshops/<int:workshop_id>/export/<fmt>"): Request(
        _url(W_ROUTE + "/export/json"), answer=lambda r, m, role: r.json["workshop"]["title"] == m.w.title),
    ("GET", "/f/workshops/<int:workshop_id>/exports/<job_id>"): Request(
        _url(W_ROUTE + "/exports/{m.job_id}"), answer=lambda r, m, role: "taller-w" in r.text),
    ("GET", "/f/workshops/<int:workshop_id>/exports/<job_id>/file"): Request(
        _url(W_ROUTE + "/exports/{m.job_id}/file"), answer=lambda r, m, role: r.json["workshop"]["title"] == m.w.title),
    ("GET", "/f/workshops/<int:workshop_id>/room"): Request(_url(W_ROUTE + "/room"),
                                                            answer=lambda r, m, role: _boot(r)),
    ("GET", "/f/workshops/<int:workshop_id>/commitments"): Request(
        _url(W_ROUTE + "/commitments"), answer=lambda r, m, role: m.w.title in r.text and "data-commitment=" in r.text),
    ("POST", "/f/workshops/<int:workshop_id>/facilitators"): Request(
        _url(W_ROUTE + "/facilitators"), ok=(302,), kwargs=lambda m: {"data": {"email": m.spare_email}},
        done=lambda m: len(_facilitators(m)) == 3),
    ("POST", "/f/workshops/<int:workshop_id>/facilitators/<int:facilitator_id>/remove"): Request(
        _url(W_ROUTE + "/facilitators/{m.w.cofacilitator}/remove"), ok=(302,),
        done=lambda m: _facilitators(m) == {m.w.facilitator}),
    ("POST", "/f/workshops/<int:workshop_id>/institutions/hide"): Request(
        _url(W_ROUTE + "/institutions/hide"), ok=(302,),
        done=lambda m: not get(Workshop, m.w.workshop_id).anonymous_shows_institution),
    # The world's workshop is open and sets no webhook: the facilitator is sent back with a message.
    ("POST", "/f/workshops/<int:workshop_id>/handoff/send"): Request(
        _url(W_ROUTE + "/handoff/send"), ok=(302,),
        answer=lambda r, m, role: r.headers["Location"].endswith(f"/f/workshops/{m.w.workshop_id}#handoff")),
    ("POST", "/f/workshops/<int:workshop_id>/invite"): Request(
        _url(W_ROUTE + "/invite"), ok=(302,), done=lambda m: count(AccountLink, workshop_id=m.w.workshop_id) == 2),
    ("GET", "/f/people"): Request(_url("/f/people")),
    ("POST", "/f/people/invite"): Request(_url("/f/people/invite"), ok=(302,)),
    ("POST", "/f/people/<int:facilitator_id>/reset"): Request(_url("/f/people/{m.w.cofacilitator}/reset"), ok=(302,)),
    ("POST", "/f/people/<int:facilitator_id>/admin"): Request(_url("/f/people/{m.w.cofacilitator}/admin"), ok=(302,),
                                                           kwargs=lambda m: {"data": {"admin": "yes"}}),
    ("POST", "/f/links/<int:link_id>/revoke"): Request(_url("/f/links/{m.link_id}/revoke"), ok=(302,),
                                                       done=lambda m: count(AccountLink, id=m.link_id) == 0),
    ("GET", "/f/link/<token>"): Request(_url("/f/link/{m.link_token}"), answer=lambda r, m, role: m.w.title in r.text),
    ("POST", "/f/link/<token>"): Request(
        _url("/f/link/{m.link_token}"), ok=(302,), unchanged_for=("facilitator",),
        kwargs=lambda m: {"data": {"name": "Nueva", "email": "nueva@example.org", "password": PASSWORD,
                                   "password2": PASSWORD}},
        done=lambda m: get(AccountLink, m.link_id).used_at is not None and len(_facilitators(m)) == 3),
    ("GET", "/f/canvases/"): Request(_url("/f/canvases/"), answer=lambda r, m, role: (
        f'href="/f/canvases/{m.w.own_template}"' in r.text) == (role == "facilitator")),
    ("POST", "/f/canvases/new"): Request(_url("/f/canvases/new"), ok=(302,), kwargs=lambda m: {"data": {"name": "N"}},
                                         done=lambda m: count(OwnTemplate) == 3),
    ("POST", "/f/canvases/copy/<template_id>"): Request(_url("/f/canvases/copy/lean-canvas"), ok=(302,),
                                                        done=_exists(OwnTemplate, copied_from="lean-canvas")),
    ("POST", "/f/canvases/import"): Request(
        _url("/f/canvases/import"), ok=(302,), done=_exists(OwnTemplate, slug="imported-one"),
        kwargs=lambda m: {"data": {"file": (io.BytesIO(IMPORTED_TOML), "t.toml")}}),
    ("GET", "/f/canvases/<int:template_id>"): Request(_url("/f/canvases/{m.w.own_template}")),
    ("POST", "/f/canvases/<int:template_id>"): Request(
        _url("/f/canvases/{m.w.own_template}"), ok=(302,), done=_exists(OwnTemplate, slug="renamed"),
        kwargs=lambda m: {"data": {"id": "renamed", "name.es": "R", "name.en": "R", "description.es": "D",
                                   "description.en": "D", "columns": "1", "rows": "1", "blocks[0].id": "idea",
                                   "blocks[0].title.es": "I", "blocks[0].title.en": "I", "blocks[0].question.es": "Q",
                                   "blocks[0].question.en": "Q", "blocks[0].row": "1", "blocks[0].col": "1",
                                   "blocks[0].row_span": "1", "blocks[0].col_span": "1"}}),
    ("GET", "/f/canvases/<int:template_id>/file.toml"): Request(
        _url("/f/canvases/{m.w.own_template}/file.toml"), answer=lambda r, m, role: "[[blocks]]" in r.text),
    ("POST", "/f/canvases/<int:template_id>/delete"): Request(
        _url("/f/canvases/{m.w.own_template}/delete"), ok=(302,),
        done=lambda m: count(OwnTemplate, id=m.w.own_template) == 0),
    ("POST", "/f/workshops/<int:workshop_id>/duplicate"): Request(
        _url(W_ROUTE + "/duplicate"), ok=(302,), done=_exists(Workshop, title="Taller W (copia)")),
    ("GET", "/f/workshops/<int:workshop_id>/save-recipe"): Request(_url(W_ROUTE + "/save-recipe")),
    ("POST", "/f/workshops/<int:workshop_id>/save-recipe"): Request(
        _url(W_ROUTE + "/save-recipe"), ok=(302,), kwargs=lambda m: {"data": {"name": "Receta nueva"}},
        done=_exists(SavedRecipe, name="Receta nueva")),
    ("GET", "/f/recipes/start"): Request(_url("/f/recipes/start?recipe=own:{m.w.recipe}"),
                                         answer=lambda r, m, role: f'value="own:{m.w.recipe}" selected' in r.text),
    ("POST", "/f/recipes/start"): Request(
        _url("/f/recipes/start"), ok=(302,), done=_exists(Workshop, title="Taller con receta"),
        kwargs=lambda m: {"data": {"title": "Taller con receta", "recipe": f"own:{m.w.recipe}", "tables": "2"}}),
    ("POST", "/f/recipes/<int:recipe_id>/delete"): Request(
        _url("/f/recipes/{m.w.recipe}/delete"), ok=(302,), done=lambda m: count(SavedRecipe, id=m.w.recipe) == 0),
    ("POST", "/api/login"): Request(_url("/api/login"), kwargs=lambda m: {"json": {
        "email": m.w.facilitator_email, "password": PASSWORD}}),
    ("POST", "/api/logout"): Request(_url("/api/logout")),
    ("GET", "/api/templates"): Request(_url("/api/templates")),
    ("POST", "/api/join"): Request(_url("/api/join"), ok=(201,), done=_exists(Participant, name="Nadia"),
                                   kwargs=lambda m: {"json": {"code": m.w.code, "name": "Nadia"}}),
    ("POST", "/api/workshops"): Request(_url("/api/workshops"), ok=(201,), done=_exists(Workshop, title="Taller API"),
                                        kwargs=lambda m: {"json": {"title": "Taller API"}}),
    ("GET", "/api/workshops/<int:workshop_id>"): Request(
        _url("/api/workshops/{m.w.workshop_id}"), answer=lambda r, m, role: r.json["workshop"]["code"] == m.w.code),
    ("POST", "/api/workshops/<int:workshop_id>/canvases"): Request(
        _url("/api/workshops/{m.w.workshop_id}/canvases"), ok=(201,), done=_exists(Canvas, name="Mesa API"),
        kwargs=lambda m: {"json": {"template_id": "lean-canvas", "name": "Mesa API"}}),
    ("POST", "/api/workshops/<int:workshop_id>/seat"): Request(
        _url("/api/workshops/{m.w.workshop_id}/seat"), answer=lambda r, m, role: r.json["token"] == m.w.seat),
    ("GET", "/api/canvases/<int:canvas_id>"): Request(
        _url("/api/canvases/{m.w.canvas}"), answer=lambda r, m, role: r.json["canvas"]["id"] == m.w.canvas),
}


def _browser(matrix: Matrix, role: str):
    """A test client holding what this role's browser holds."""
    side = matrix.side(role)
    client = matrix.app.test_client()
    session = {
        "participant": {"seats": {str(side.workshop_id): side.p_token}},
        "other_participant": {"seats": {str(side.workshop_id): side.p_token}},
        "removed": {"seats": {str(side.workshop_id): side.r_token}},
        "facilitator": {"facilitator_id": side.facilitator},
        "other_facilitator": {"facilitator_id": side.facilitator},
    }.get(role)
    if session:
        with client.session_transaction() as cookie:
            cookie.update(session)
    token = _token(matrix, role)
    return client, ({"Authorization": f"Bearer {token}"} if token else {})


HTTP_CELLS_TO_RUN = [pytest.param(row.key, role, cell, id=f"{row.key[0]} {row.key[1]}-{role}")
                     for row in HTTP_ROWS for role, cell in row.cells.items()]


@pytest.mark.parametrize(("key", "role", "cell"), HTTP_CELLS_TO_RUN)
def test_http_cell(fresh, key, role, cell):
    matrix, (method, rule) = fresh, key
    request = REQUESTS.get(key)
    assert request is not None, f"no scenario for the row `{method} {rule}` in tests/test_authorization.py"
    what = f"{method} {rule} as {role}"
    client, headers = _browser(matrix, role)
    was_done = request.done is not None and query(matrix, lambda: request.done(matrix))
    before = world_state(matrix)
    response = client.open(request.path(matrix), method=method, headers=headers, **request.kwargs(matrix))
    after = world_state(matrix)
    status, location = response.status_code, urlsplit(response.headers.get("Location", "")).path

    if cell != "✓":
        redirects = {"302→login": (302, "/f/login"), "302→join": (302, f"/j/{matrix.w.code}")}
        wanted = redirects[cell] if cell in redirects else (int(cell), "")
        assert (status, location) == wanted, f"{what}: expected {cell}, got {status} {location}"
        assert_unchanged(before, after, what)
        return

    assert status in request.ok, f"{what}: expected {request.ok}, got {status} {location}"
    assert location != "/f/login", f"{what}: sent to the login page"
    if request.done is not None and role not in request.unchanged_for:
        assert not was_done and query(matrix, lambda: request.done(matrix)), f"{what}: nothing was created"
    else:
        assert_unchanged(before, after, what)
    if request.answer is not None:
        assert request.answer(response, matrix, role), f"{what}: not the expected answer"


# ---- the tables cover everything, and nothing else -----------------------------------


def test_the_socket_table_has_a_row_for_every_message_and_no_other(matrix):
    # "*" answers every unknown name with invalid (docs/protocol.md, Limits; test_security).
    handled = {name for name, *_ in socketio.handlers if name not in {"disconnect", "*"}}
    assert set(board.OPERATIONS) <= handled
    documented = {name for name, _qualifier in (row.key for row in SOCKET_ROWS)}
    assert not handled - documented, (
        f"docs/protocol.md, Authorization matrix: no row for the socket messages {sorted(handled - documented)}")
    assert not documented - handled, (
        f"docs/protocol.md, Authorization matrix: rows for messages the server does not handle: "
        f"{sorted(documented - handled)}")
    assert {row.key for row in SOCKET_ROWS} == set(MESSAGES), "every row needs a scenario here, and only rows"


def test_the_http_table_has_a_row_for_every_route_and_no_other(matrix):
    routes = {(method, rule.rule) for rule in matrix.app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {row.key for row in HTTP_ROWS}

    def names(keys):
        return ", ".join(f"{method} {rule}" for method, rule in sorted(keys))

    assert not routes - documented, (
        f"docs/protocol.md, Authorization matrix: no row for the routes {names(routes - documented)}")
    assert not documented - routes, (
        f"docs/protocol.md, Authorization matrix: rows for routes the app does not have: {names(documented - routes)}")
    assert documented == set(REQUESTS), "every row needs a scenario here, and only rows"


def test_a_broken_table_is_reported_plainly(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    broken = tmp_path / "protocol.md"
    broken.write_text(text.replace("| `canvas:leave` | refused | ✓ |", "| `canvas:leave` | refused | maybe |"),
                      encoding="utf-8")
    with pytest.raises(AssertionError, match="unknown cells"):
        read_matrix(broken)
    broken.write_text(text.replace("## Authorization matrix", "## Who may do what"), encoding="utf-8")
    with pytest.raises(AssertionError, match="no section"):
        read_matrix(broken)
