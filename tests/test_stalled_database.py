"""A frozen database: PostgreSQL (or the network to it) keeps the connection
open and sends nothing back. The real server, on PostgreSQL through a TCP
proxy that stops passing the server's answers, must answer ``unavailable`` and
503 within its deadline, say so in its log, and work again once the database
answers again."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from . import services
from .netcut import NetworkCut
from .servers import ServerProcess
from .test_server import TIMEOUT, Peer, api_snapshot, op

pytestmark = [pytest.mark.server, pytest.mark.faults, pytest.mark.postgres]

RESPONSE_TIMEOUT = 2
CONNECT_TIMEOUT = 2
# One round trip that times out (the pool's ping), then one new connection that times out.
BOUND = RESPONSE_TIMEOUT + CONNECT_TIMEOUT + 1.5


def through(proxy: NetworkCut, url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()


def test_a_frozen_database_answers_unavailable_and_503_within_the_deadline_then_recovers(tmp_path):
    url = services.create_database()
    parts = urlsplit(url)
    proxy = NetworkCut(parts.port or 5432, parts.hostname or "127.0.0.1")
    server = ServerProcess(tmp_path, env={"DATABASE_URL": through(proxy, url),
                                          "DATABASE_RESPONSE_TIMEOUT": str(RESPONSE_TIMEOUT),
                                          "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT)}).prepare()
    try:
        server.create_facilitator()
        server.start()
        workshop = server.seed()
        canvas_id = workshop["canvas_ids"][0]
        ana = Peer(server, server.join(workshop["code"], "Ana"), "Ana")
        ana.join(canvas_id)
        assert ana.call("note:add", op(block="problem", text="antes"))["ok"]

        proxy.deafen()  # PostgreSQL hears everything and its answers are lost: frozen
        payload = op(block="problem", text="durante el bloqueo")
        started = time.monotonic()
        refused = ana.call("note:add", payload)
        took = time.monotonic() - started
        assert refused["ok"] is False and refused["error"]["code"] == "unavailable", refused
        assert took < BOUND, f"the socket message took {took:.1f} s"

        started = time.monotonic()
        page = workshop["http"].get(f"{server.url}/f/", timeout=TIMEOUT)
        took = time.monotonic() - started
        assert page.status_code == 503, page.status_code
        assert took < BOUND, f"the page took {took:.1f} s"
        assert "Traceback" not in page.text and "psycopg" not in page.text
        assert "database unavailable" in server.log() and "did not answer" in server.log(), server.log()[-3000:]

        proxy.restore()  # answers come through again: the same op_id goes through, once
        deadline = time.monotonic() + TIMEOUT
        again = ana.call("note:add", payload)
        while not again["ok"] and time.monotonic() < deadline:
            time.sleep(0.2)
            again = ana.call("note:add", payload)
        assert again["ok"], again
        assert ana.call("note:add", payload) == again
        assert workshop["http"].get(f"{server.url}/f/", timeout=TIMEOUT).status_code == 200
        texts = sorted(n["text"] for n in api_snapshot(server, canvas_id, ana.token)["notes"])
        assert texts == sorted(["antes", "durante el bloqueo"])
        assert server.process.poll() is None
        assert "Traceback" not in server.log(), server.log()[-3000:]
        ana.close()
    finally:
        server.stop()
        proxy.close()
        services.drop_database(url)

