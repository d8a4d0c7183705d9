"""Issue 12, the cost of a change: SQLITE_SYNCHRONOUS gives the commit the durability
configured and documented (database.py; a level that could corrupt the file is refused;
process-death durability at the default level is tests/test_faults.py's SIGKILL test,
which runs on the default); at FULL a socket change reaches the room before its disk sync
and its ack comes after it; and outgoing packets skip the search for bytes."""

from __future__ import annotations

import errno
import logging

import pytest
from sqlalchemy import event, text

from facilitator import create_app, database
from facilitator.config import TestConfig
from facilitator.extensions import db

from .conftest import World, close_app, op, received, sqlite_app

LEVELS = {"NORMAL": 1, "FULL": 2, "EXTRA": 3}


def _level(tmp_path, **config) -> tuple[int, str]:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'sync.db'}", **config)
    with app.app_context():
        try:
            level = db.session.execute(text("PRAGMA synchronous")).scalar()
            journal = db.session.execute(text("PRAGMA journal_mode")).scalar()
        finally:
            db.session.remove()
            db.engine.dispose()
    return level, journal


def test_default_is_full_in_wal(tmp_path):
    """"Never losing a note": by default an acknowledged note is on the disk, power cut or not."""
    assert _level(tmp_path) == (LEVELS["FULL"], "wal")


def test_normal_is_only_offered_with_wal(tmp_path):
    """NORMAL is only crash-safe with WAL: both must hold together."""
    assert _level(tmp_path, SQLITE_SYNCHRONOUS="normal") == (LEVELS["NORMAL"], "wal")


@pytest.mark.parametrize("value", ["full", "FULL", " Extra "])
def test_full_and_extra_can_be_chosen(tmp_path, value):
    assert _level(tmp_path, SQLITE_SYNCHRONOUS=value)[0] == LEVELS[value.strip().upper()]


@pytest.mark.parametrize("value", ["OFF", "0", "fast"])
def test_off_and_unknown_levels_are_refused_at_start(tmp_path, value):
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        _level(tmp_path, SQLITE_SYNCHRONOUS=value)


def test_server_packets_skip_the_search_for_bytes_and_still_refuse_bytes(monkeypatch):
    """Outgoing packets are JSON: python-socketio's recursive search for bytes through a
    whole payload (a canvas:join ack with 150 notes) is skipped; a bytes value still fails
    loudly when the packet is encoded, never goes out as a binary attachment."""
    from socketio import packet

    from facilitator.live.packets import ProtocolPacket

    searched = []
    original = packet.Packet.data_is_binary.__func__
    monkeypatch.setattr(packet.Packet, "data_is_binary",
                        classmethod(lambda cls, data: searched.append(1) or original(cls, data)))
    notes = [{"id": str(i), "text": "x" * 40, "author": {"name": "Ana", "id": i}} for i in range(150)]
    ack = ProtocolPacket(packet.ACK, data=[{"ok": True, "notes": notes}], id=7)
    assert ack.packet_type == packet.ACK and searched == []
    assert ack.encode().startswith('37[{"ok":true')
    with pytest.raises(TypeError):
        ProtocolPacket(packet.EVENT, data=["change", {"blob": b"\x00"}]).encode()
    # what a client sends is still decoded and checked as before
    assert ProtocolPacket(encoded_packet='2["note:add",{}]').data == ["note:add", {}]


class Disk:
    """Watches an app's SQLite commits and WAL syncs, both still made for real: the
    ``PRAGMA synchronous`` each commit runs at, and for each sync of the WAL file, the
    file and the changes that had reached ``watcher`` by then."""

    def __init__(self, app, monkeypatch, watcher=None):
        self.levels: list[int] = []
        self.syncs: list[tuple[str, list]] = []
        self.failures = 0  # syncs still to fail, as a dying disk's would
        with app.app_context():
            event.listen(db.engine, "commit", self._commit)
        real_sync = database._sync_file

        def sync(path: str) -> None:
            self.syncs.append((path, received(watcher) if watcher is not None else []))
            if self.failures:
                self.failures -= 1
                raise OSError(errno.EIO, "Input/output error", path)
            real_sync(path)

        monkeypatch.setattr(database, "_sync_file", sync)

    def _commit(self, connection) -> None:
        self.levels.append(connection.connection.driver_connection.execute("PRAGMA synchronous").fetchone()[0])


@pytest.fixture
def pair(world):
    """Ana and Ben on one canvas, both joined before anything is watched."""
    ana, ben = (world.socket(world.join(name)) for name in ("Ana", "Ben"))
    for client in (ana, ben):
        client.get_received()
    return ana, ben


def test_a_socket_change_reaches_the_room_before_its_disk_sync_and_its_ack_comes_after(app, world, pair,
                                                                                        tmp_path, monkeypatch):
    """At FULL (the default) a change from a socket commits without waiting for the disk,
    goes to the room, and only then is the WAL file synced, before the sender's ack: the
    ack still means "on the disk", and no one else waits for the disk."""
    ana, ben = pair
    disk = Disk(app, monkeypatch, watcher=ben)
    ack = ana.emit("note:add", op(block="problem", text="Colas largas"), callback=True)
    assert ack["ok"]
    assert disk.levels == [LEVELS["NORMAL"]]  # the commit itself did not sync
    [(path, ben_had)] = disk.syncs  # one sync, made while the ack was still unsent
    assert path == f"{tmp_path / 'test.db'}-wal"
    assert [(change["seq"], change["type"]) for change in ben_had] == [(ack["seq"], "note.added")]
    # A facilitator's control on the workshop takes the same path.
    boss = world.socket(world.seat())
    boss.get_received()
    assert boss.emit("canvas:lock", op(canvas_id=world.canvas_id, locked=True), callback=True)["ok"]
    assert disk.levels[-1] == LEVELS["NORMAL"] and len(disk.syncs) == 2
    assert [change["type"] for change in disk.syncs[1][1]] == ["canvas.locked"]


def test_every_other_commit_still_syncs_before_it_returns(app, world, pair, monkeypatch):
    """A page's or the CLI's write answers as soon as it returns: it commits at FULL, also on a
    pooled connection that a socket change left at NORMAL, and owes no later sync."""
    ana, _ben = pair
    disk = Disk(app, monkeypatch)
    assert ana.emit("note:add", op(block="problem", text="Una"), callback=True)["ok"]
    joined = app.test_client().post("/api/join", json={"code": world.code, "name": "Caro"})
    assert joined.status_code in (200, 201), joined.get_json()
    assert disk.levels[0] == LEVELS["NORMAL"]
    assert disk.levels[1:] and set(disk.levels[1:]) == {LEVELS["FULL"]}  # the join's commits
    assert len(disk.syncs) == 1  # the socket change's, none for the page's


@pytest.mark.parametrize("config, level", [
    ({"SQLITE_SYNC_AFTER_BROADCAST": False}, "FULL"),  # asked for: the commit syncs first, as before
    ({"SQLITE_SYNCHRONOUS": "NORMAL"}, "NORMAL"),  # no sync to make at all
], ids=["sync-first", "normal"])
def test_without_a_sync_to_move_the_commit_is_made_at_the_configured_level(tmp_path, sqlite_schema, monkeypatch,
                                                                           config, level):
    app = sqlite_app(tmp_path / "moved.db", sqlite_schema, **config)
    try:
        world = World(app)
        ana = world.socket(world.join("Ana"))
        disk = Disk(app, monkeypatch)
        assert ana.emit("note:add", op(block="problem", text="Colas"), callback=True)["ok"]
        assert disk.levels == [LEVELS[level]] and disk.syncs == []
    finally:
        close_app(app)


def test_a_failed_sync_is_answered_unavailable_and_the_retry_is_synced_before_its_ok(app, pair, monkeypatch,
                                                                                      caplog):
    """The disk refused the sync: the change is committed (the room has it) but the sender
    is not told it is saved. Its retry (the same ``op_id``) is answered from the Event, as
    every retry is, after a sync of its own."""
    ana, ben = pair
    disk = Disk(app, monkeypatch, watcher=ben)
    disk.failures = 1
    payload = op(block="problem", text="Colas largas")
    with caplog.at_level(logging.WARNING, logger="facilitator.database"):
        failed = ana.emit("note:add", payload, callback=True)
    assert failed["ok"] is False and failed["error"]["code"] == "unavailable" and failed["error"]["message"]
    assert "Input/output error" in caplog.text
    retried = ana.emit("note:add", payload, callback=True)
    assert retried["ok"] and retried["seq"] == 1 and retried["event"]["data"]["text"] == "Colas largas"
    assert len(disk.syncs) == 2
    assert [change["seq"] for change in disk.syncs[0][1]] == [1] and disk.syncs[1][1] == []  # no second change
    assert received(ben) == []


def _write_and_commit() -> None:
    """A write transaction whose sync is owed, committed (what a socket change does before ``settle``)."""
    database.begin_write(sync_later=True)
    db.session.execute(text("UPDATE workshop SET version = version + 1"))
    db.session.commit()


def test_one_sync_covers_every_change_committed_before_it_began(app, world, monkeypatch, tmp_path):
    """Group commit: two messages committed before either synced (the second ran while the
    first let its frames go out) need one sync between them; a change committed after that
    sync began needs one of its own."""
    disk = Disk(app, monkeypatch)
    with app.app_context():
        _write_and_commit()  # the first message, its sync still owed
        with app.app_context():  # another message, handled meanwhile
            _write_and_commit()
            database.settle()
            db.session.remove()
        assert len(disk.syncs) == 1
        database.settle()  # the first's: the sync above began after its commit
        assert len(disk.syncs) == 1
        db.session.remove()
    with app.app_context():
        _write_and_commit()
        database.settle()
        db.session.remove()
    assert len(disk.syncs) == 2 and disk.levels == [LEVELS["NORMAL"]] * 3
    # A sync that began while a change was still being written does not cover it.
    wal = f"{tmp_path / 'test.db'}-wal"
    with app.app_context():
        database.begin_write(sync_later=True)
        db.session.execute(text("UPDATE workshop SET version = version + 1"))
        database._syncs.sync(wal, database._syncs.ticket(wal))  # another message's, meanwhile
        db.session.commit()
        database.settle()
        db.session.remove()
    assert len(disk.syncs) == 4

