"""A restart during a workshop, in a real headless Chromium: the page is told
the server is restarting, reconnects by itself, and what was written meanwhile
is saved once."""

from __future__ import annotations

import signal

import pytest

from .browser_support import add_note, join_by_code, server_notes, wait_connected, wait_saved
from .servers import ServerProcess
from .test_faults import wait_until
from .waiting import BROWSER_MS, CAP

pytestmark = [pytest.mark.browser, pytest.mark.server]

NOT_CONNECTED = "() => ['reconnecting', 'offline'].includes(document.querySelector('#connection').dataset.state)"


def test_a_restart_tells_the_page_to_reconnect_and_loses_nothing(tmp_path, open_page):
    server = ServerProcess(tmp_path, env={"SHUTDOWN_GRACE": "3", "LOG_LEVEL": "INFO"}).prepare().start()
    try:
        workshop = server.seed()
        canvas_id = workshop["canvas_ids"][0]
        page = open_page()
        received, sent = [], []

        def watch(ws) -> None:
            ws.on("framereceived", lambda payload: received.append(payload))
            ws.on("framesent", lambda payload: sent.append(payload))

        page.on("websocket", watch)
        join_by_code(page, server.url, workshop["code"], "Ana Torres")
        wait_connected(page)
        before = add_note(page, "problem", "Antes del reinicio")
        wait_saved(page, before)

        server.process.send_signal(signal.SIGTERM)
        # A graceful stop on a busy machine may take a while; a hang still ends the test.
        assert server.process.wait(timeout=CAP) == 0
        page.wait_for_function(NOT_CONNECTED)
        # Told, the page closed its side at once (a socket.io DISCONNECT, "41") to open a new connection.
        assert any(isinstance(f, str) and f.startswith('42["server:restarting"') for f in received), received
        assert "41" in sent, sent[-5:]
        during = add_note(page, "solution", "Durante el reinicio")  # waits in the page's outbox

        server.start()
        wait_connected(page, timeout=BROWSER_MS)
        wait_saved(page, during, timeout=BROWSER_MS)
        observer = server.join(workshop["code"], "Observer")
        assert wait_until(lambda: sorted(n["text"] for n in server_notes(server, canvas_id, observer))
                          == ["Antes del reinicio", "Durante el reinicio"])
        assert "1 clients told to reconnect" in server.log(), server.log()[-2000:]
    finally:
        server.stop()
