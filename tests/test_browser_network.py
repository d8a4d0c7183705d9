"""Weak venue networks and failing services, in a real headless Chromium
against the real server: the page's network cut for 30 seconds, the database
refusing connections, the Redis message queue going away and coming back.

The pages reach the server through a TCP proxy (tests/netcut.py) that can cut
their network the way a venue's Wi-Fi fails."""

from __future__ import annotations

import json
import time

import pytest

from . import services
from .browser_support import (
    REFUSED_POLL,
    add_note,
    join_by_code,
    log_in,
    notes,
    server_notes,
    wait_connected,
    wait_for_note,
    wait_saved,
)
from .netcut import NetworkCut
from .servers import PASSWORD, ServerProcess
from .test_faults import two_processes_on_private_redis
from .test_server import Peer
from .waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.server]

CUT_SECONDS = 30
PENDING = "Esperando para enviarse"
NOT_CONNECTED = "() => ['reconnecting', 'offline'].includes(document.querySelector('#connection').dataset.state)"


def edit_note(page, note_id: str, more: str) -> None:
    """Open one's note, type at its end, leave it (the text is queued on blur)."""
    page.click(f"li.note[data-note-id='{note_id}'] textarea")
    page.keyboard.press("End")
    page.keyboard.type(more)
    page.keyboard.press("Escape")


def status_of(page, note_id: str) -> str:
    return page.text_content(f"li.note[data-note-id='{note_id}'] .note-status") or ""


def event_log(server: ServerProcess, token: str, canvas_id: int) -> list[dict]:
    """Every change of the canvas as the server recorded it, from seq 1."""
    reader = Peer(server, token, "log reader")
    try:
        answer = reader.join(canvas_id, last_seq=0)
    finally:
        reader.sio.disconnect()
    assert answer["mode"] == "events", answer["mode"]
    return answer["events"]


def test_thirty_seconds_without_network_keeps_every_note_and_applies_each_once(tmp_path, open_page):
    server = ServerProcess(tmp_path).prepare(facilitator=True).start()
    wifi = NetworkCut(server.port)
    try:
        workshop = server.seed()
        canvas_id = workshop["canvas_ids"][0]
        ana, bea = open_page(), open_page()
        join_by_code(ana, wifi.url, workshop["code"], "Ana Torres")  # on the venue's Wi-Fi
        join_by_code(bea, server.url, workshop["code"], "Bea Ruiz")  # on another network
        before = add_note(ana, "problem", "Antes del corte")
        wait_saved(ana, before)
        wait_for_note(bea, "Antes del corte", "problem")

        # The Wi-Fi starts failing: Ana's next note reaches the server, its answer never reaches her.
        wifi.deafen()
        unanswered = add_note(ana, "solution", "Enviada sin respuesta")
        observer = server.join(workshop["code"], "Observer")
        assert wait_until(lambda: unanswered in {n["id"] for n in server_notes(server, canvas_id, observer)})
        queued = ("(id) => window.lienzoCanvas.outbox.ops.filter(op => op.payload.note_id === id)"
                  ".map(op => [op.name, op.sent])")
        assert ana.evaluate(queued, unanswered) == [["note:add", True], ["note:edit", False]]  # sent, never answered

        # Then the network is gone for 30 seconds, and Ana keeps working.
        wifi.cut()
        cut_at = time.monotonic()
        ana.wait_for_function(NOT_CONNECTED)
        written = {
            add_note(ana, "costs", "Sin red 1"): "Sin red 1",
            add_note(ana, "costs", "Sin red 2"): "Sin red 2",
            add_note(ana, "indicators", "Sin red 3"): "Sin red 3",
        }
        second = list(written)[1]
        edit_note(ana, second, " (corregida)")
        written[second] = "Sin red 2 (corregida)"
        edit_note(ana, before, " (editada)")
        edit_note(ana, unanswered, " (editada)")
        for note_id in [*written, before, unanswered]:
            ana.wait_for_selector(f"li.note[data-note-id='{note_id}'] .note-status[data-status='pending']")
            assert status_of(ana, note_id) == PENDING
        assert {n["id"]: n["text"] for n in notes(ana)} == {
            before: "Antes del corte (editada)", unanswered: "Enviada sin respuesta (editada)", **written}
        assert "Sin red" not in bea.content()

        remaining = CUT_SECONDS - (time.monotonic() - cut_at)
        assert remaining > 5, "the notes took too long to write"
        time.sleep(remaining)
        # Still cut after 30 s: the indicator says so in words, every change still waits.
        state = ana.get_attribute("#connection", "data-state")
        assert state in ("reconnecting", "offline") and ana.text_content("#connection").strip()
        assert all(status_of(ana, note_id) == PENDING for note_id in [*written, before, unanswered])
        assert ana.evaluate("() => document.querySelector('.canvas-page').dataset.pending") == "6"

        wifi.restore()
        wait_connected(ana)
        for note_id in [*written, before, unanswered]:
            wait_saved(ana, note_id)

        # Every note reached the server exactly once, as typed.
        stored = server_notes(server, canvas_id, observer)
        ids = [n["id"] for n in stored]
        assert sorted(ids) == sorted({*written, before, unanswered}) and len(ids) == len(set(ids))
        by_id = {n["id"]: n for n in stored}
        for note_id, text in written.items():
            assert (by_id[note_id]["text"], by_id[note_id]["version"]) == (text, 1)  # typed offline: one add
        assert by_id[before]["text"] == "Antes del corte (editada)"
        assert by_id[unanswered]["text"] == "Enviada sin respuesta (editada)"
        # "+" adds an empty note, then its text: each edit applied once, the unanswered add not twice.
        assert by_id[before]["version"] == 3 and by_id[unanswered]["version"] == 2
        log = event_log(server, observer, canvas_id)
        assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
        op_ids = [e["op_id"] for e in log]
        assert len(op_ids) == len(set(op_ids))
        added = sorted(e["data"]["id"] for e in log if e["type"] == "note.added")
        assert added == sorted({*written, before, unanswered})

        # The other participant's page shows them all.
        for text in [*written.values(), "Antes del corte (editada)", "Enviada sin respuesta (editada)"]:
            wait_for_note(bea, text)
    finally:
        wifi.close()
        server.stop()


def test_a_note_written_in_a_tab_closed_while_offline_is_sent_by_the_other_tab(tmp_path, open_page):
    """Two tabs of one person share the browser's storage; closing one while the Wi-Fi is down
    must not lose what it had queued: the other tab takes it over and sends it."""
    server = ServerProcess(tmp_path).prepare(facilitator=True).start()
    wifi = NetworkCut(server.port)
    try:
        workshop = server.seed()
        first = open_page()
        join_by_code(first, wifi.url, workshop["code"], "Ana Torres")
        second = first.context.new_page()
        second.goto(first.url)
        wait_connected(second)

        wifi.cut()
        for page in (first, second):
            page.wait_for_function(NOT_CONNECTED)
        from_first = add_note(first, "problem", "Desde la primera pestaña")
        from_second = add_note(second, "solution", "Desde la segunda pestaña")
        for page, note_id in ((first, from_first), (second, from_second)):
            page.wait_for_selector(f"li.note[data-note-id='{note_id}'] .note-status[data-status='pending']")
        first.close()
        # The other tab shows the closed tab's note as its own pending one.
        second.wait_for_selector(f"li.note[data-note-id='{from_first}'] .note-status[data-status='pending']")

        wifi.restore()
        wait_connected(second)
        for note_id in (from_first, from_second):
            wait_saved(second, note_id)
        observer = server.join(workshop["code"], "Observer")
        stored = server_notes(server, workshop["canvas_ids"][0], observer)
        assert sorted((n["id"], n["text"]) for n in stored) == sorted(
            [(from_first, "Desde la primera pestaña"), (from_second, "Desde la segunda pestaña")])
        assert second.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('lienzo:outbox:'))") == []
    finally:
        wifi.close()
        server.stop()


@pytest.mark.postgres
@pytest.mark.faults
def test_while_the_database_refuses_connections_every_page_keeps_reconnecting_in_plain_words(tmp_path, open_page):
    url = services.create_database()
    name = services.database_name(url)
    server = ServerProcess(tmp_path, env={"DATABASE_URL": url, "DATABASE_CONNECT_TIMEOUT": "2"}).prepare()
    wifi = None
    try:
        server.create_facilitator()
        server.start()
        wifi = NetworkCut(server.port)
        workshop = server.seed()
        canvas_id = workshop["canvas_ids"][0]
        room = open_page(viewport={"width": 1400, "height": 1000}, expect_console=REFUSED_POLL)
        log_in(room, wifi.url, "ana@example.org", PASSWORD)
        room.goto(f"{wifi.url}/f/workshops/{workshop['workshop_id']}/room")
        room.wait_for_selector("#connection[data-state='connected']")
        projector = open_page(expect_console=REFUSED_POLL)
        projector.goto(json.loads(room.text_content("#boot"))["projector_url"])
        projector.wait_for_selector("#connection[data-state='connected']", state="attached")
        ana = open_page(expect_console=REFUSED_POLL)
        join_by_code(ana, wifi.url, workshop["code"], "Ana Torres")
        pages = {"lienzoCanvas": ana, "lienzoRoom": room, "lienzoProjector": projector}

        # The database refuses connections, and a Wi-Fi blip makes every page connect again.
        services.admin(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
        services.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
        try:
            wifi.drop()
            for page in pages.values():
                page.wait_for_selector("#connection[data-state='reconnecting'][data-reason='unavailable']",
                                       state="attached")
            words = "El servidor no puede guardar en este momento. Intentando conectar de nuevo…"
            assert ana.text_content("#connection") == words + " sus cambios se guardan y se enviarán."
            assert room.text_content("#connection") == projector.text_content("#connection") == words
            waiting = add_note(ana, "problem", "Durante la caída")
            assert status_of(ana, waiting) == PENDING
            time.sleep(6)
            for app, page in pages.items():
                # Still trying, later each time (1, 2, 4… seconds), and never the end of the session.
                refusals, ended = page.evaluate(
                    f"() => [window.{app}.connection.refusals, window.{app}.connection.ended]")
                assert 2 <= refusals <= 5 and ended is False, (app, refusals)
                assert page.get_attribute("#connection", "data-state") == "reconnecting"
            assert ana.locator(".ended-page, #canvas-banner").count() == 0
            assert room.locator(".banner:visible").count() == 0  # e.g. no "session ended"
            assert status_of(ana, waiting) == PENDING
        finally:
            services.admin(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")

        # Back: every page connects by itself and the waiting note is saved once.
        for page in pages.values():
            page.wait_for_selector("#connection[data-state='connected']", state="attached")
        wait_saved(ana, waiting)
        card = room.locator(f".room-card[data-canvas-id='{canvas_id}']")
        card.locator("tr[data-block='problem'] td.count:not(.hidden-col)").filter(has_text="1").wait_for()
        stored = server_notes(server, canvas_id, server.join(workshop["code"], "Observer"))
        assert [n["text"] for n in stored] == ["Durante la caída"]
        assert "Traceback" not in server.log(), server.log()[-3000:]
    finally:
        if wifi:
            wifi.close()
        server.stop()
        services.drop_database(url)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.faults
def test_after_the_message_queue_comes_back_every_page_catches_up_by_seq(tmp_path, open_page):
    with two_processes_on_private_redis(tmp_path, "browser-resync") as (a, b, redis_server):
        workshop = a.seed()
        canvas_id = workshop["canvas_ids"][0]
        # Everyone's pages are on process B; a participant writes through process A.
        room = open_page(viewport={"width": 1400, "height": 1000})
        log_in(room, b.url, "ana@example.org", PASSWORD)
        room.goto(f"{b.url}/f/workshops/{workshop['workshop_id']}/room")
        room.wait_for_selector("#connection[data-state='connected']")
        card = room.locator(f".room-card[data-canvas-id='{canvas_id}']")
        projector = open_page()
        projector.goto(json.loads(room.text_content("#boot"))["projector_url"])
        card.get_by_role("button", name="Mostrar en el proyector").click()
        projector.wait_for_selector("#projector-canvas:not([hidden])")
        ana = open_page()
        join_by_code(ana, b.url, workshop["code"], "Ana Torres")
        writer = Peer(a, a.join(workshop["code"], "Ciro"), "Ciro on A")
        writer.join(canvas_id)
        assert writer.call("note:add", {"op_id": "uno", "block": "problem", "text": "Uno"})["ok"]
        wait_for_note(ana, "Uno", "problem")
        projector.locator("#projector-sheet li.note").filter(has_text="Uno").wait_for()
        sockets = {name: page.evaluate(f"() => window.{name}.connection.socket.id")
                   for name, page in (("lienzoCanvas", ana), ("lienzoRoom", room), ("lienzoProjector", projector))}

        # Redis goes away: A's next note reaches only A's own sockets.
        redis_server.kill()
        assert writer.call("note:add", {"op_id": "dos", "block": "problem", "text": "Dos, sin Redis"})["ok"]
        time.sleep(0.5)
        assert "Dos, sin Redis" not in ana.content()

        # Redis is back, and nothing else is written: B tells its sockets to resync, and they catch up by seq.
        redis_server.start()
        assert wait_until(lambda: "subscribed to Redis again" in b.log()), b.log()
        wait_for_note(ana, "Dos, sin Redis", "problem")
        projector.locator("#projector-sheet li.note").filter(has_text="Dos, sin Redis").wait_for()
        card.locator("tr[data-block='problem'] td.count:not(.hidden-col)").filter(has_text="2").wait_for()
        assert ana.evaluate("() => window.lienzoCanvas.state.seq") == 2
        for name, page in (("lienzoCanvas", ana), ("lienzoRoom", room), ("lienzoProjector", projector)):
            # Caught up on the same connection: no reconnect was needed.
            assert page.evaluate(f"() => window.{name}.connection.socket.id") == sockets[name], name
        writer.sio.disconnect()
