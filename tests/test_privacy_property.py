"""Who sees what (docs/protocol.md), as a property rather than a list of cases.

For every operation in ``board.OPERATIONS`` and every canvas mode, a participant
with distinctive marker strings for a name and an institution writes a note with
a marker text, announces that they are editing it, and the operation is sent.
Then everything a second participant and the projector screen received (live
events of every kind, the acks of ``canvas:join``, ``canvas:resync`` and
``workshop:state``, a later joiner's snapshot) is searched for what the doc says
they may not learn: the text of a note still hidden, and on a hidden note or an
anonymous canvas who wrote it (the name, the id, and the institution unless the
workshop lets anonymous canvases show it).

Presence (who has the canvas open) names people by design; its frames are
checked for note text only. A new operation gets these checks for free, once it
has a sample below: a missing sample fails the test.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask_socketio import SocketIOTestClient

from facilitator import board
from facilitator.board.actors import projector_token
from facilitator.extensions import db
from facilitator.models import Workshop

from .conftest import World, close_app, sqlite_app

TEXT = "Txt-Marca-7Q9"
NAME = "Nom-Marca-4K2"
INSTITUTION = "Inst-Marca-8W5"

# mode: (silent writing, anonymous canvas, institutions shown on anonymous canvases)
MODES = {
    "neither": (False, False, True),
    "hidden": (True, False, True),
    "anonymous": (False, True, True),
    "anonymous-no-institutions": (False, True, False),
    "both": (True, True, True),
    "both-no-institutions": (True, True, False),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory, sqlite_schema):
    """One app for the whole module, which has hundreds of cases: creating an app costs
    more than a case. Each case still gets a workshop of its own (``world``), and its
    sockets are disconnected after it; nothing else outlives a case."""
    app = sqlite_app(tmp_path_factory.mktemp("privacy") / "test.db", sqlite_schema)
    yield app
    close_app(app)


@pytest.fixture
def world(app):
    """A workshop of the case's own, run by a facilitator of its own, on the shared app."""
    world = World(app, email=f"ana-{uuid.uuid4().hex[:12]}@example.org")
    yield world
    world.disconnect()


def op(**fields) -> dict:
    return {"op_id": uuid.uuid4().hex, **fields}


def ok(client: SocketIOTestClient, name: str, payload: dict) -> dict:
    ack = client.emit(name, payload, callback=True)
    assert ack["ok"], (name, payload, ack)
    return ack


@dataclass
class Scene:
    """A facilitator, an observer, the projector and the author of a note, on one canvas."""

    world: World
    hidden: bool
    anonymous: bool
    institutions: bool
    editable: bool = False  # every participant may change any note they can see
    frames: list = field(default_factory=list)  # (who, what, payload) the observers received

    def __post_init__(self) -> None:
        world = self.world
        self.canvas_id = world.canvas_id
        self.fac = world.socket(world.seat())
        if not self.institutions:
            ok(self.fac, "workshop:institutions", op(value=False))
        if self.hidden:
            ok(self.fac, "canvas:hidden", op(canvas_id=self.canvas_id, value=True))
        if self.anonymous:
            ok(self.fac, "canvas:anonymous", op(canvas_id=self.canvas_id, value=True))
        if self.editable:
            ok(self.fac, "canvas:editable", op(canvas_id=self.canvas_id, value=True))
        self.observers = {"participant": world.socket(world.join("Observadora", "Otra entidad")),
                          "projector": world.socket(self._projector_token())}
        for name, client in self.observers.items():
            self.keep(name, "canvas:join ack", client.join_ack)
        self.late_token = world.join("Recién llegada")  # opens the canvas only at the end
        self.author = world.socket(world.join(NAME, INSTITUTION))
        self.author_id = self.author.join_ack["me"]["id"]
        self.note = ok(self.author, "note:add", op(block="problem", text=TEXT))["event"]["data"]
        ok(self.author, "note:editing", {"note_id": self.note["id"], "editing": True})

    def _projector_token(self) -> str:
        with self.world.app.app_context():
            return projector_token(db.session.get(Workshop, self.world.workshop_id))

    def keep(self, who: str, what: str, payload) -> None:
        self.frames.append((who, what, payload))

    def collect(self) -> None:
        """Everything the observers got live, then what they get when they catch up and join anew."""
        for name, client in self.observers.items():
            for message in _received(client):
                self.keep(name, message["name"], message["args"])
        if self.author.is_connected():
            self.author.disconnect()  # ends the author's editing and presence: those frames count too
        for name, client in self.observers.items():
            for message in _received(client):
                self.keep(name, message["name"], message["args"])
            if not client.is_connected():
                continue  # a projector screen sent away (workshop closed, new code): it cannot ask again
            for last_seq in (0, None):
                if name != "projector":  # the projector has no seat to resync (it joins again)
                    self.keep(name, "canvas:resync ack", ok(client, "canvas:resync", {"last_seq": last_seq}))
                self.keep(name, "canvas:join ack",
                          ok(client, "canvas:join", {"canvas_id": self.canvas_id, "last_seq": last_seq}))
            self.keep(name, "workshop:state ack", ok(client, "workshop:state", {}))
        late = self.world.socket(self.late_token)
        self.keep("late participant", "canvas:join ack", late.join_ack)
        late.disconnect()


def _received(client: SocketIOTestClient) -> list:
    """What ``client`` received, also when the server has since disconnected it (what it got
    before that still counts)."""
    if client.is_connected():
        return client.get_received()
    received, client.queue = [p for p in client.queue if p["namespace"] == "/"], []
    return received


# One sample per operation: what to set up first, who sends it and with what.
# Returns (sender, payload); ``relaxes`` says which mode the operation ends.
Sample = Callable[[Scene], tuple[SocketIOTestClient, dict]]


RECIPE = "public-policy-lean-canvas-90"  # its first phase is silent writing, its second the reveal


def _vote_open(s: Scene) -> None:
    ok(s.fac, "vote:open", op(canvas_id=s.canvas_id, budget=3, max_per_note=2, allow_own=True))


def _vote_cast(s: Scene) -> None:
    _vote_open(s)
    ok(s.author, "vote:add", op(note_id=s.note["id"]))


def _cluster(s: Scene) -> int:
    return ok(s.fac, "cluster:create", op(canvas_id=s.canvas_id, block="problem", title="Grupo",
                                          note_ids=[s.note["id"]]))["event"]["data"]["cluster"]["id"]


def _fac_note(s: Scene) -> str:
    """A note of the facilitator's that may be stacked: silent writing ends first (which
    reveals nothing: the author's note stays hidden)."""
    if s.hidden:
        ok(s.fac, "canvas:hidden", op(canvas_id=s.canvas_id, value=False))
    return ok(s.fac, "note:add", op(block="problem", text="Colas"))["event"]["data"]["id"]


def _stackable(s: Scene) -> str:
    """The author's note, unless it is hidden (a hidden note is never stacked)."""
    return _fac_note(s) if s.hidden else s.note["id"]


def _stacked(s: Scene) -> str:
    note = _stackable(s)
    ok(s.fac, "note:stack", op(note_id=note, onto=_fac_note(s)))
    return note


def _commitment(s: Scene) -> int:
    """A commitment made from a note of the facilitator's (a hidden note is never one)."""
    return ok(s.fac, "commitment:add", op(canvas_id=s.canvas_id, note_id=_fac_note(s), responsible="MEF")
              )["event"]["data"]["commitment_id"]


def _then(setup: Callable[[Scene], object], sample: Sample) -> Sample:
    def run(s: Scene):
        setup(s)
        return sample(s)
    return run


SAMPLES: dict[str, Sample] = {
    "note:add": lambda s: (s.author, op(block="population", text=TEXT + " dos")),
    "note:edit": lambda s: (s.author, op(note_id=s.note["id"], text=TEXT + " editada", version=1)),
    "note:move": lambda s: (s.author, op(note_id=s.note["id"], block="population", index=0)),
    "note:color": lambda s: (s.author, op(note_id=s.note["id"], color="green")),
    "note:delete": lambda s: (s.author, op(note_id=s.note["id"])),
    "vote:add": _then(_vote_open, lambda s: (s.author, op(note_id=s.note["id"]))),
    "vote:remove": _then(_vote_cast, lambda s: (s.author, op(note_id=s.note["id"]))),
    "status:set": lambda s: (s.author, op(ready=True, hand=True)),
    "vote:open": lambda s: (s.fac, op(canvas_id=s.canvas_id, budget=3, max_per_note=2, allow_own=True)),
    "vote:close": _then(_vote_cast, lambda s: (s.fac, op(canvas_id=s.canvas_id))),
    "canvas:lock": lambda s: (s.fac, op(canvas_id=s.canvas_id, locked=True)),
    "canvas:hidden": lambda s: (s.fac, op(canvas_id=s.canvas_id, value=True)),
    "canvas:reveal": lambda s: (s.fac, op(canvas_id=s.canvas_id)),
    "canvas:anonymous": lambda s: (s.fac, op(canvas_id=s.canvas_id, value=True)),
    "canvas:editable": lambda s: (s.fac, op(canvas_id=s.canvas_id, value=True)),
    "cluster:create": lambda s: (s.fac, op(canvas_id=s.canvas_id, block="problem", title="Grupo",
                                           note_ids=[s.note["id"]])),
    "cluster:rename": lambda s: (s.fac, op(canvas_id=s.canvas_id, cluster_id=_cluster(s), title="Otro")),
    "cluster:dissolve": lambda s: (s.fac, op(canvas_id=s.canvas_id, cluster_id=_cluster(s))),
    "note:cluster": lambda s: (s.fac, op(canvas_id=s.canvas_id, note_id=s.note["id"], cluster_id=_cluster(s))),
    "note:stack": lambda s: (s.fac, op(note_id=_stackable(s), onto=_fac_note(s))),
    "note:unstack": lambda s: (s.fac, op(note_id=_stacked(s))),
    "stack:rename": lambda s: (s.fac, op(cluster_id=_cluster(s), title="Otro")),
    "stack:merge": lambda s: (s.fac, op(note_id=_fac_note(s), into=_cluster(s))),
    "timer:start": lambda s: (s.fac, op(canvas_id=s.canvas_id, seconds=60)),
    "timer:change": _then(lambda s: ok(s.fac, "timer:start", op(seconds=60)),
                          lambda s: (s.fac, op(action="pause"))),
    "focus:set": lambda s: (s.fac, op(canvas_id=s.canvas_id, block="problem")),
    "focus:table": lambda s: (s.fac, op(canvas_id=s.canvas_id, block="problem")),
    "projector:show": lambda s: (s.fac, op(mode="canvas", canvas_id=s.canvas_id)),
    "status:reset": _then(lambda s: ok(s.author, "status:set", op(hand=True)), lambda s: (s.fac, op())),
    "participant:remove": lambda s: (s.fac, op(participant_id=s.author_id)),
    "workshop:institutions": lambda s: (s.fac, op(value=s.institutions)),
    "workshop:close": lambda s: (s.fac, op()),
    "workshop:new_code": lambda s: (s.fac, op()),
    "workshop:reopen": _then(lambda s: ok(s.fac, "workshop:close", op()), lambda s: (s.fac, op())),
    "commitment:add": lambda s: (s.fac, op(canvas_id=s.canvas_id, note_id=_fac_note(s), responsible="MEF",
                                           co_responsible=["PCM"], indicator="Plazo medio")),
    "commitment:edit": lambda s: (s.fac, op(commitment_id=_commitment(s), status="in_progress")),
    "commitment:delete": lambda s: (s.fac, op(commitment_id=_commitment(s))),
    "commitment:move": _then(_commitment, lambda s: (s.fac, op(commitment_id=_commitment(s), position=0))),
    "recipe:choose": lambda s: (s.fac, op(recipe_id=RECIPE)),
    "phase:next": _then(lambda s: ok(s.fac, "recipe:choose", op(recipe_id=RECIPE)), lambda s: (s.fac, op())),
    # Back from "reveal and group" to silent writing: the way there revealed the notes.
    "phase:previous": _then(lambda s: [ok(s.fac, name, payload) for name, payload in (
        ("recipe:choose", op(recipe_id=RECIPE)), ("phase:next", op()), ("phase:next", op()))],
        lambda s: (s.fac, op(from_phase=1))),
}
# Operations that end a mode, so that what it hid may be seen afterwards.
ENDS_SILENT_WRITING = {"canvas:reveal", "phase:previous"}
# Samples whose set-up itself reveals (going back from the reveal phase walks through it).
SETUP_REVEALS = {"phase:previous"}
# Samples whose set-up makes the canvas anonymous before a hidden note is revealed (the
# recipe's first phase is anonymous), so its author's name is rightly never seen.
SETUP_ANONYMIZES = {"phase:previous"}


def test_every_operation_has_a_sample():
    """A new operation must come with a sample here, so the property covers it."""
    missing = sorted(set(board.OPERATIONS) - set(SAMPLES))
    assert not missing, f"add a sample payload to SAMPLES for: {missing}"
    assert not set(SAMPLES) - set(board.OPERATIONS), "SAMPLES names an operation that no longer exists"


def _people_of(value, key: str | None = None):
    """Every person-shaped dict under the keys that name an author or actor: author, actor, by."""
    if isinstance(value, dict):
        if key in ("author", "actor", "by"):
            yield value
        for k, v in value.items():
            yield from _people_of(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _people_of(item)


def _without_presence(what: str, payload):
    """A frame with the presence lists taken out (presence names people by design)."""
    if what == "presence":
        return None
    if isinstance(payload, dict) and "presence" in payload:
        return {k: v for k, v in payload.items() if k != "presence"}
    return payload


def leaks(scene: Scene, relaxed: set[str]) -> list[str]:
    """What the observers received that "Who sees what" says they may not."""
    hidden = scene.hidden and "hidden" not in relaxed  # a revealed note shows what the canvas shows
    identity_secret = hidden or scene.anonymous
    identity = ([NAME] if identity_secret else []) + (
        [INSTITUTION] if hidden or (scene.anonymous and not scene.institutions) else [])
    found = []
    for who, what, payload in scene.frames:
        if hidden and TEXT in json.dumps(payload, ensure_ascii=False):  # no frame at all, presence included
            found.append(f"{who} got the hidden text in {what}")
        rest = _without_presence(what, payload)
        text = json.dumps(rest, ensure_ascii=False)
        found += [f"{who} got {marker!r} in {what}: {text}" for marker in identity if marker in text]
        if identity_secret:
            found += [f"{who} got the author's id in {what}: {person}" for person in _people_of(rest)
                      if person.get("id") == scene.author_id]
    return found


def _seen(scene: Scene, marker: str) -> bool:
    return any(marker in json.dumps(_without_presence(what, payload), ensure_ascii=False)
               for _who, what, payload in scene.frames)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(board.OPERATIONS))
def test_no_frame_tells_an_observer_what_who_sees_what_withholds(world, name, mode):
    assert name in SAMPLES, f"no sample payload for {name}: add one to SAMPLES"
    scene = Scene(world, *MODES[mode])
    sender, payload = SAMPLES[name](scene)
    ok(sender, name, payload)
    scene.collect()
    relaxed = {"hidden"} if name in ENDS_SILENT_WRITING else set()
    assert leaks(scene, relaxed) == []
    # The search finds what may be seen, so its silence above means something.
    hidden = scene.hidden and name not in ENDS_SILENT_WRITING
    anonymous, institutions = scene.anonymous or name in SETUP_ANONYMIZES, scene.institutions
    if not hidden:
        assert _seen(scene, TEXT)
    if not hidden and not anonymous:
        assert _seen(scene, NAME) and _seen(scene, INSTITUTION)
    if anonymous and institutions and not hidden:
        assert _seen(scene, INSTITUTION)


# The modes where a participant may be refused or told less (the others add nothing for acks:
# with institutions shown, less is withheld).
WITHHOLDING_MODES = ("hidden", "anonymous-no-institutions", "both-no-institutions")


@pytest.mark.parametrize("mode", WITHHOLDING_MODES)
@pytest.mark.parametrize("name", sorted(board.OPERATIONS))
def test_no_ack_tells_a_participant_more_than_the_others_get(world, name, mode):
    """The same, with the observer sending the operation itself (on the author's note, on a
    canvas where everyone may edit), twice with one ``op_id``: its acks, granted, repeated
    or refused, are frames it receives."""
    assert name in SAMPLES, f"no sample payload for {name}: add one to SAMPLES"
    scene = Scene(world, *MODES[mode], editable=True)
    _sender, payload = SAMPLES[name](scene)
    payload = json.loads(json.dumps(payload).replace(TEXT, "Texto propio"))  # the observer's own words
    for _attempt in ("first", "repeated op_id"):  # a repeat is answered from the log
        scene.keep("participant", f"{name} ack", scene.observers["participant"].emit(name, payload, callback=True))
    scene.collect()
    assert leaks(scene, {"hidden"} if name in SETUP_REVEALS else set()) == []


def test_a_resync_shows_each_event_as_anonymous_as_it_was_live(world):
    """Ending anonymity sends the live notes with their authors again, but a note deleted
    while the canvas was anonymous keeps its secret: a later resync must not name who
    wrote or deleted it, since the canvas is no longer anonymous by then."""
    scene = Scene(world, hidden=False, anonymous=True, institutions=False)
    start = scene.observers["participant"].join_ack["seq"]
    ok(scene.author, "note:delete", op(note_id=scene.note["id"]))
    ok(scene.fac, "canvas:anonymous", op(canvas_id=scene.canvas_id, value=False))
    resync = ok(scene.observers["participant"], "canvas:resync", {"last_seq": start})
    assert resync["mode"] == "events"
    assert [e["type"] for e in resync["events"]] == ["note.added", "note.deleted", "canvas.anonymous"]
    assert [e["actor"] for e in resync["events"][:2]] == [None, None]
    assert resync["events"][0]["data"]["author"]["name"] is None
    assert NAME not in json.dumps(resync, ensure_ascii=False)
    # The deleter still learns their own deletion whole, live and on resync.
    author_resync = scene.author.emit("canvas:resync", {"last_seq": start}, callback=True)
    assert author_resync["events"][1]["actor"]["name"] == NAME


def test_the_editing_of_a_hidden_note_is_not_announced(world):
    """Others see only a placeholder for a hidden note; telling them someone is typing in it
    would point at its author (and name them). The author still may edit it."""
    scene = Scene(world, hidden=True, anonymous=False, institutions=True)
    observer = scene.observers["participant"]
    assert [m for m in observer.get_received() if m["name"] == "editing"] == []
    late = scene.world.socket(scene.late_token)
    assert late.join_ack["editing"] == []
    ok(scene.author, "note:edit", op(note_id=scene.note["id"], text="otra", version=1))


def test_a_conflict_shows_the_current_note_as_its_sender_may_see_it(world):
    """On an anonymous canvas where everyone may edit, a stale edit of someone else's note
    is answered with the current note, without its author's name."""
    scene = Scene(world, hidden=False, anonymous=True, institutions=False, editable=True)
    observer = scene.observers["participant"]
    ok(scene.author, "note:edit", op(note_id=scene.note["id"], text=TEXT + " nueva", version=1))
    refused = observer.emit("note:edit", op(note_id=scene.note["id"], text="mía", version=1), callback=True)
    assert refused["error"]["code"] == "conflict" and refused["note"]["version"] == 2
    assert refused["note"]["author"]["name"] is None
    assert NAME not in json.dumps(refused, ensure_ascii=False) and INSTITUTION not in json.dumps(refused)
