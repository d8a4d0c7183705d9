"""The webhook (export/webhook.py) against a real HTTP server on loopback: a closed
workshop's file arrives signed as docs/export-format.md says, a 500 is tried
again, every attempt is in the log the workshop page shows, an open workshop
sends nothing, and an address that answers nothing is logged, not fatal."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from facilitator import create_app
from facilitator.config import TestConfig
from facilitator.export.webhook import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, webhook_of
from facilitator.extensions import db
from facilitator.models import WebhookDelivery

from .conftest import PASSWORD, World, ok, op
from .waiting import CAP, STALL, wait_until

SECRET = "s3cr3t-shared-with-the-receiver"
DOC = Path(__file__).resolve().parents[1] / "docs" / "export-format.md"


def documented_check():
    """The receiver's check exactly as the doc prints it (its Python example, run here)."""
    section = DOC.read_text(encoding="utf-8").split("## Webhook", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    names: dict = {}
    exec(compile(code, "docs/export-format.md", "exec"), names)  # our own documentation's example
    return names["is_from_lienzo"]


class Receiver:
    """A real HTTP server on loopback answering POSTs with the given status codes in turn
    (the last one from then on), and keeping what it received."""

    def __init__(self, answers: list[int]):
        self.answers = list(answers)
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # http.server's name for it
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                code = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/lienzo-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def start(*answers: int) -> Receiver:
        made.append(Receiver(list(answers) or [200]))
        return made[-1]

    yield start
    for server in made:
        server.close()


def configure(app, url: str, attempts: int = 3) -> None:
    app.config.update(WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET, WEBHOOK_ATTEMPTS=attempts,
                      WEBHOOK_RETRY_DELAY=0.05, WEBHOOK_TIMEOUT=5)


def rows(app, workshop_id: int) -> list[WebhookDelivery]:
    with app.app_context():
        try:
            found = db.session.scalars(select(WebhookDelivery).filter_by(workshop_id=workshop_id)
                                       .order_by(WebhookDelivery.id)).all()
            db.session.expunge_all()
            return list(found)
        finally:
            db.session.remove()


def close(world: World) -> None:
    """Close the workshop the way the control room does: ``workshop:close`` over the socket."""
    ok(world.socket(world.seat()), "workshop:close", op())


def settled(app) -> bool:
    return not any(t.is_alive() for t in webhook_of(app).threads)


def login(app):
    client = app.test_client()
    assert client.post("/f/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 302
    return client


def test_closing_posts_the_signed_workshop_file(app, world, receiver):
    hook = receiver(200)
    configure(app, hook.url)
    close(world)
    assert wait_until(lambda: len(rows(app, world.workshop_id)) == 1, progress=lambda: len(hook.requests))
    headers, body = hook.requests[0]
    assert documented_check()(SECRET, body, headers[SIGNATURE_HEADER])
    assert not documented_check()("another secret", body, headers[SIGNATURE_HEADER])
    assert not documented_check()(SECRET, body + b" ", headers[SIGNATURE_HEADER])
    assert headers[EVENT_HEADER] == "workshop.closed" and headers["Content-Type"].startswith("application/json")
    sent = json.loads(body)
    assert sent["format"] == "lienzo.workshop" and sent["exported"]["workshop_id"] == world.workshop_id
    assert sent["exported"]["status"] == "closed"
    [row] = rows(app, world.workshop_id)
    assert (row.attempt, row.status_code, row.error, row.next_retry_at) == (1, 200, None, None)
    assert row.delivery_id == headers[DELIVERY_HEADER] and row.reason == "closed"
    page = login(app).get(f"/f/workshops/{world.workshop_id}").text
    assert 'data-state="delivered"' in page and "respuesta 200" in page


def test_a_500_is_tried_again_and_both_attempts_are_logged(app, world, receiver):
    hook = receiver(500, 200)
    configure(app, hook.url)
    close(world)
    assert wait_until(lambda: len(rows(app, world.workshop_id)) == 2 and settled(app),
                      progress=lambda: len(hook.requests))
    first, second = rows(app, world.workshop_id)
    assert (first.attempt, first.status_code, second.attempt, second.status_code) == (1, 500, 2, 200)
    assert first.next_retry_at is not None and first.next_retry_at >= first.attempted_at
    assert second.next_retry_at is None
    (headers1, body1), (headers2, body2) = hook.requests
    assert body1 == body2 and headers1[DELIVERY_HEADER] == headers2[DELIVERY_HEADER] == first.delivery_id
    assert documented_check()(SECRET, body2, headers2[SIGNATURE_HEADER])
    page = login(app).get(f"/f/workshops/{world.workshop_id}").text
    assert 'data-state="delivered"' in page and "respuesta 500" in page and "respuesta 200" in page


def test_attempts_are_bounded_and_a_4xx_is_not_retried(app, world, receiver):
    failing = receiver(503)
    configure(app, failing.url, attempts=3)
    close(world)
    assert wait_until(lambda: len(rows(app, world.workshop_id)) == 3 and settled(app),
                      progress=lambda: len(failing.requests))
    assert [r.status_code for r in rows(app, world.workshop_id)] == [503, 503, 503]
    assert rows(app, world.workshop_id)[-1].next_retry_at is None
    assert len(failing.requests) == 3
    refusing = receiver(404)
    configure(app, refusing.url, attempts=3)
    webhook_of(app).send(world.workshop_id)
    assert wait_until(lambda: settled(app) and len(rows(app, world.workshop_id)) == 4)
    assert rows(app, world.workshop_id)[-1].status_code == 404 and len(refusing.requests) == 1
    page = login(app).get(f"/f/workshops/{world.workshop_id}").text
    assert page.count('data-state="failed"') == 2


def test_nothing_is_sent_for_an_open_workshop(app, world, receiver):
    hook = receiver(200)
    configure(app, hook.url)
    world.socket(world.seat())  # the room is live, the workshop open
    webhook_of(app).send(world.workshop_id)
    client = login(app)
    answer = client.post(f"/f/workshops/{world.workshop_id}/handoff/send", follow_redirects=True)
    assert "Solo se envía un taller cerrado" in answer.text
    assert wait_until(lambda: settled(app))
    assert hook.requests == [] and rows(app, world.workshop_id) == []
    page = client.get(f"/f/workshops/{world.workshop_id}").text
    assert "No se envía nada mientras el taller está abierto." in page
    assert 'data-action="send-again" disabled' in page


def test_an_address_that_answers_nothing_is_logged_as_failed(app, world):
    with socket.socket() as probe:  # a loopback port with nothing listening: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configure(app, f"http://127.0.0.1:{port}/nobody", attempts=2)
    close(world)
    assert wait_until(lambda: len(rows(app, world.workshop_id)) == 2 and settled(app))
    first, second = rows(app, world.workshop_id)
    assert first.status_code is None and first.error and first.next_retry_at is not None
    assert second.status_code is None and second.error and second.next_retry_at is None
    client = login(app)
    page = client.get(f"/f/workshops/{world.workshop_id}").text
    assert 'data-state="failed"' in page and "sin respuesta" in page
    # The room goes on: the closed workshop still answers its facilitator's socket.
    ok(world.socket(world.seat()), "workshop:state", {})


def test_send_again_makes_a_new_delivery(app, world, receiver):
    hook = receiver(200)
    configure(app, hook.url)
    close(world)
    assert wait_until(lambda: len(hook.requests) == 1 and settled(app))
    client = login(app)
    answer = client.post(f"/f/workshops/{world.workshop_id}/handoff/send")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#handoff")
    assert wait_until(lambda: len(rows(app, world.workshop_id)) == 2 and settled(app),
                      progress=lambda: len(hook.requests))
    first, second = rows(app, world.workshop_id)
    assert first.delivery_id != second.delivery_id and (first.reason, second.reason) == ("closed", "again")
    assert hook.requests[1][0][DELIVERY_HEADER] == second.delivery_id
    page = client.get(f"/f/workshops/{world.workshop_id}").text
    assert page.count('data-state="delivered"') == 2 and "enviado de nuevo" in page


def test_off_unless_set_and_refused_when_half_set(app, world, receiver, tmp_path):
    close(world)  # TestConfig sets no webhook: closing sends nothing, logs nothing
    assert settled(app) and rows(app, world.workshop_id) == []
    client = login(app)
    page = client.get(f"/f/workshops/{world.workshop_id}").text
    assert 'id="handoff"' not in page
    answer = client.post(f"/f/workshops/{world.workshop_id}/handoff/send", follow_redirects=True)
    assert "su webhook no está configurado" in answer.text
    url = f"sqlite:///{tmp_path / 'half.db'}"
    with pytest.raises(SystemExit, match="WEBHOOK_URL and WEBHOOK_SECRET go together"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WEBHOOK_URL="http://127.0.0.1:9/")
    with pytest.raises(SystemExit, match="not an http:// or https:// address"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WEBHOOK_URL="ftp://example.org/", WEBHOOK_SECRET="x")


class HeldReceiver(Receiver):
    """A receiver whose first POST is held open until ``release`` is set, then answered 500."""

    def __init__(self):
        super().__init__([200])
        self.release = threading.Event()
        self.holding = threading.Event()
        handler = self.server.RequestHandlerClass
        receiver = self

        class Holding(handler):
            def do_POST(self):  # http.server's name for it
                if not receiver.holding.is_set():
                    receiver.holding.set()
                    self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    receiver.release.wait(CAP)
                    receiver.requests.append(({}, b"held"))
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                super().do_POST()

        self.server.RequestHandlerClass = Holding


@pytest.mark.server
def test_the_real_server_delivers_without_holding_the_room(tmp_path):
    """On eventlet (``python wsgi.py``) with an export worker: while the receiver holds the
    first post open, another workshop's notes are still acknowledged; once it answers 500,
    the retry delivers and the workshop page shows both attempts."""
    import socketio

    from .servers import ServerProcess

    hook = HeldReceiver()
    server = ServerProcess(tmp_path, env={
        "WEBHOOK_URL": hook.url, "WEBHOOK_SECRET": SECRET, "WEBHOOK_RETRY_DELAY": "0.1",
        "WEBHOOK_TIMEOUT": str(CAP), "EXPORT_WORKERS": "1"}).prepare(facilitator=True)
    clients: list[socketio.Client] = []
    try:
        server.start()
        closing, other = server.seed(title="Taller que se cierra"), server.seed(title="Taller que sigue")
        http = closing["http"]
        seat = http.post(f"{server.url}/api/workshops/{closing['workshop_id']}/seat", timeout=STALL).json()["token"]
        facilitator, participant = socketio.Client(reconnection=False), socketio.Client(reconnection=False)
        clients += [facilitator, participant]
        facilitator.connect(server.url, auth={"token": seat}, transports=["websocket"], wait_timeout=STALL)
        participant.connect(server.url, auth={"token": server.join(other["code"], "Ana")}, transports=["websocket"],
                            wait_timeout=STALL)
        assert participant.call("canvas:join", {"canvas_id": other["canvas_ids"][0]}, timeout=STALL)["ok"]
        assert facilitator.call("workshop:close", op(), timeout=STALL)["ok"]
        assert hook.holding.wait(CAP), server.log()
        for i in range(3):  # the receiver still holds the post: the room goes on
            ack = participant.call("note:add", op(block="problem", text=f"sigo escribiendo {i}"), timeout=STALL)
            assert ack["ok"], ack
        assert not hook.release.is_set() and len(hook.requests) == 0
        hook.release.set()
        page = f"{server.url}/f/workshops/{closing['workshop_id']}"
        assert wait_until(lambda: 'data-state="delivered"' in http.get(page, timeout=STALL).text,
                          progress=lambda: len(hook.requests)), server.log()
        text = http.get(page, timeout=STALL).text
        assert "respuesta 500" in text and "respuesta 200" in text
        headers, body = hook.requests[-1]
        assert documented_check()(SECRET, body, headers[SIGNATURE_HEADER])
        assert json.loads(body)["workshop"]["title"] == "Taller que se cierra"
    finally:
        hook.release.set()
        for client in clients:
            if client.connected:
                client.disconnect()
        server.stop()
        hook.close()
