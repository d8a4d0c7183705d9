"""Issue 12, the cost of a change: SQLITE_SYNCHRONOUS gives the commit the durability
configured and documented (database.py; a level that could corrupt the file is refused;
process-death durability at the default level is tests/test_faults.py's SIGKILL test,
which runs on the default), and outgoing packets skip the search for bytes."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from facilitator import create_app
from facilitator.config import TestConfig
from facilitator.extensions import db

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
