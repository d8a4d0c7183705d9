"""Security limits: cookies, rate limits on logins and join codes, socket
message budget and size, canvas and workshop capacity, origins, secrets."""

from __future__ import annotations

import logging
import uuid

import pytest
import requests
import socketio as socketio_client
import websocket

from facilitator import create_app
from facilitator.config import TestConfig
from facilitator.extensions import db, socketio
from facilitator.models import Note, Participant, Workshop

from .conftest import PASSWORD, World, make_facilitator
from .servers import running_server
from .waiting import STALL


def fresh_app(tmp_path, **settings):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'sec.db'}", **settings)
    with app.app_context():
        db.create_all()
    return app


def op(**fields):
    return {"op_id": uuid.uuid4().hex, **fields}


def test_session_cookie_is_httponly_lax_and_secure_when_asked(tmp_path):
    for secure in (False, True):
        (tmp_path / str(secure)).mkdir()
        app = fresh_app(tmp_path / str(secure), SESSION_COOKIE_SECURE=secure)
        with app.app_context():
            make_facilitator()
        cookie = app.test_client().post("/f/login", data={"email": "ana@example.org", "password": PASSWORD}
                                        ).headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


def test_failed_logins_are_rate_limited_but_good_ones_are_not(app, client):
    with app.app_context():
        make_facilitator()
    for _ in range(15):  # successful logins never count
        assert client.post("/f/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 302
    for _ in range(10):
        assert client.post("/f/login", data={"email": "ana@example.org", "password": "guess"}).status_code == 401
    blocked = client.post("/f/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert "Demasiados intentos" in blocked.text
    api = client.post("/api/login", json={"email": "ana@example.org", "password": PASSWORD})
    assert api.status_code == 429 and api.json["error"]["code"] == "rate_limited"


def test_a_whole_room_behind_one_address_joins_while_guessing_is_stopped(app, world):
    client = app.test_client()
    for i in range(150):  # a room of 150 behind the venue's one public address, within a minute
        answer = client.post("/api/join", json={"code": world.code, "name": f"Persona {i}"})
        assert answer.status_code == 201, (i, answer.json)
    failures = 0
    for i in range(40):
        status = client.get(f"/j/ZZZZ{i:02d}").status_code
        if status == 404:
            failures += 1
        else:
            assert status == 429
            break
    assert failures == 30
    # From then on every wrong code from this address is refused, on every page that would tell...
    assert client.get("/j/ZZZZ99/qr.svg").status_code == 429
    refused = client.post("/api/join", json={"code": "ZZZZ98", "name": "Tarde"})
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    # ... while the right code still lets the room in (tests/test_fairness.py has the rest).
    assert client.get(f"/j/{world.code}").status_code == 200
    assert client.post("/api/join", json={"code": world.code, "name": "Tarde"}).status_code == 201
    # Another address is not affected.
    other = app.test_client()
    assert other.get(f"/j/{world.code}", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_closed_workshop_code_stops_working(app, client, world):
    with app.app_context():
        db.session.get(Workshop, world.workshop_id).status = "closed"
        db.session.commit()
    assert client.get(f"/j/{world.code}").status_code == 404
    assert client.post("/api/join", json={"code": world.code, "name": "Ana"}).status_code == 404


def test_a_flooding_script_gets_rate_limited_and_others_are_not_slowed(world):
    # The clock stands still, so exactly the burst is let in however slow the
    # machine (tests/test_fairness.py floods a real server as time goes by).
    world.app.extensions["lienzo.budget"].clock = lambda: 1000.0
    flooder = world.socket(world.join("Script"))
    person = world.socket(world.join("Ana"))
    answers = [flooder.emit("note:add", op(block="problem", text=f"spam {i}"), callback=True) for i in range(150)]
    codes = [a["error"]["code"] if not a["ok"] else "ok" for a in answers]
    burst = world.app.config["SOCKET_BURST"]
    assert codes == ["ok"] * (burst - 1) + ["rate_limited"] * (150 - burst + 1)  # one went on canvas:join
    assert "no se perdió nada" in answers[-1]["error"]["message"]
    with world.app.app_context():  # refused messages changed nothing
        assert db.session.scalar(db.select(db.func.count(Note.id))) == burst - 1
    assert person.emit("note:add", op(block="problem", text="mi idea"), callback=True)["ok"]


def test_unknown_messages_are_answered_and_refused(world):
    client = world.socket(world.join("Ana"))
    ack = client.emit("admin:drop_everything", {"please": True}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"


def test_canvas_and_workshop_capacity(tmp_path):
    app = fresh_app(tmp_path, MAX_NOTES_PER_CANVAS=3, MAX_PARTICIPANTS_PER_WORKSHOP=2)
    world = World(app)
    ana = world.socket(world.join("Ana"))
    world.join("Ben")
    for i in range(3):
        assert ana.emit("note:add", op(block="problem", text=str(i)), callback=True)["ok"]
    full = ana.emit("note:add", op(block="problem", text="cuarta"), callback=True)
    assert full["error"]["code"] == "too_large" and "3" in full["error"]["message"]
    third = app.test_client().post("/api/join", json={"code": world.code, "name": "Caro"})
    assert third.status_code == 400 and third.json["error"]["code"] == "too_large"
    page = app.test_client().post(f"/j/{world.code}", data={"name": "Caro"})
    assert page.status_code == 400 and "2" in page.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Note.id))) == 3
        assert db.session.scalar(db.select(db.func.count(Participant.id))) == 2


def test_no_secret_reaches_the_log(tmp_path, caplog):
    secret = "s3cr3t-" + uuid.uuid4().hex
    with caplog.at_level(logging.DEBUG):
        app = fresh_app(tmp_path, LIENZO_ENV="production", SECRET_KEY=secret)
        world = World(app)
        token = world.join("Ana")
        client = socketio.test_client(app, auth={"token": token + "x"})  # refused: logged, but not the token
        assert not client.is_connected()
    assert secret not in caplog.text and token not in caplog.text


@pytest.fixture(scope="module")
def origin_server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("origins"),
                        env={"SOCKETIO_ALLOWED_ORIGINS": "https://talleres.example.gob"}) as server:
        yield server


@pytest.mark.server
@pytest.mark.parametrize(("origin", "allowed"), [
    (None, True), ("{own}", True), ("https://talleres.example.gob", True), ("https://evil.example", False),
    ("http://127.0.0.1:1", False),
])
def test_socket_connections_only_from_our_origins(origin_server, origin, allowed):
    """The engine.io handshake, as a browser page on ``origin`` would make it."""
    headers = {} if origin is None else {"Origin": origin.format(own=origin_server.url)}
    polling = requests.get(f"{origin_server.url}/socket.io/?EIO=4&transport=polling", headers=headers, timeout=STALL)
    assert (polling.status_code == 200) is allowed, polling.text
    ws_url = origin_server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    try:
        websocket.create_connection(ws_url, timeout=STALL, **({"origin": headers["Origin"]} if headers else {}),
                                    suppress_origin=not headers).close()
        upgraded = True
    except websocket.WebSocketBadStatusException:
        upgraded = False
    assert upgraded is allowed


@pytest.mark.server
def test_an_oversized_socket_message_is_refused_and_changes_nothing(origin_server):
    seed = origin_server.seed()
    token = origin_server.join(seed["code"], "Ana")
    client = socketio_client.Client(reconnection=False)
    client.connect(origin_server.url, auth={"token": token}, transports=["websocket"], wait_timeout=STALL)
    assert client.call("canvas:join", {"canvas_id": seed["canvas_ids"][0]}, timeout=STALL)["ok"]
    try:
        answer = client.call("note:add", op(block="problem", text="x" * 40_000), timeout=3)
    except (socketio_client.exceptions.TimeoutError, socketio_client.exceptions.BadNamespaceError):
        answer = None
    assert answer is None or answer["ok"] is False
    client.disconnect()
    snapshot = seed["http"].get(f"{origin_server.url}/api/canvases/{seed['canvas_ids'][0]}",
                                headers={"Authorization": f"Bearer {token}"}).json()
    assert snapshot["notes"] == []
    assert "Traceback" not in origin_server.log()
