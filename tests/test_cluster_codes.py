"""A new join code with two real server processes sharing PostgreSQL and Redis: the
projector screens connected to either process get their new link before they are
disconnected (in the process that handled the message too, whose own sockets hear
of it through Redis), and the old link is refused by both."""

from __future__ import annotations

import json
import re
import time

import pytest
import socketio

from .test_cluster import WirePeer, cluster, connect  # noqa: F401 (the two processes, and clients closed after)
from .test_server import TIMEOUT, op

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]


def projector_token(server, workshop: dict) -> str:
    page = workshop["http"].get(f"{server.url}/f/workshops/{workshop['workshop_id']}/room", timeout=TIMEOUT)
    boot = json.loads(re.search(r'<script type="application/json" id="boot">(.*?)</script>', page.text, re.S)[1])
    return boot["projector_url"].rsplit("/p/", 1)[1]


def wait_disconnected(peer: WirePeer) -> bool:
    deadline = time.monotonic() + TIMEOUT
    while peer.sio.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    return not peer.sio.connected


def test_the_projector_screens_of_both_processes_move_to_the_new_link(cluster, connect):  # noqa: F811
    a, b = cluster
    workshop = a.seed()
    seat = workshop["http"].post(f"{a.url}/api/workshops/{workshop['workshop_id']}/seat", timeout=TIMEOUT).json()
    facilitator = connect(a, seat["token"], "Facilitadora on A")
    old = projector_token(a, workshop)
    screens = [connect(a, old, "projector on A"), connect(b, old, "projector on B")]
    for screen in screens:
        assert screen.call("workshop:state", {})["ok"]

    ack = facilitator.call("workshop:new_code", op())
    assert ack["ok"], ack
    new = ack["links"]["projector_url"].rsplit("/p/", 1)[1]
    assert new != old
    for screen in screens:
        assert screen.wait_for(lambda p: p.events("projector:moved")), screen.name
        assert [m["token"] for m in screen.events("projector:moved")] == [new]
        assert wait_disconnected(screen), screen.name
    for server in (a, b):
        with pytest.raises(socketio.exceptions.ConnectionError):
            connect(server, old)
        assert connect(server, new).call("workshop:state", {})["ok"]
