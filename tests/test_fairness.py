"""Fairness: one participant's flood does not stall the room, and typos behind
one address do not lock a room out (docs/protocol.md, *Limits*).

The socket tests run the real server (``python wsgi.py`` on eventlet) with a
flooder on a raw websocket (tests/rawsocket.py: it sends far faster than
python-socketio's client can) and a bystander on python-socketio's client.
Latencies are asserted generously (the suite must pass on a busy machine);
bench/flood.py measures them.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid

import pytest
import socketio

from facilitator import create_app
from facilitator.config import TestConfig
from facilitator.extensions import db

from .conftest import PASSWORD, World
from .rawsocket import RawSocket
from .servers import ServerProcess, running_server

BURST, RATE = 60, 20  # the defaults of SOCKET_BURST and SOCKET_RATE_PER_SECOND


def op(**fields) -> dict:
    return {"op_id": uuid.uuid4().hex, **fields}


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("fairness"), facilitator=True,
                        env={"MAX_NOTES_PER_CANVAS": "100000"}) as process:
        yield process


def bystander(server: ServerProcess, code: str, canvas_id: int) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(server.url, auth={"token": server.join(code, "Ana")}, transports=["websocket"], wait_timeout=20)
    assert client.call("canvas:join", {"canvas_id": canvas_id}, timeout=30)["ok"]
    return client


def timed_add(client: socketio.Client) -> float:
    started = time.monotonic()
    assert client.call("note:add", op(block="problem", text="mi idea"), timeout=60)["ok"]
    return time.monotonic() - started


def flood(client: RawSocket, seconds: float, window: int = 500) -> None:
    """``note:add`` as fast as the socket takes them (at most ``window`` unanswered)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if client.unanswered() >= window:
            time.sleep(0.001)
            continue
        client.emit("note:add", op(block="problem", text="spam"))


def test_a_flood_is_counted_as_it_arrives_and_does_not_stall_a_bystander(server):
    world = server.seed()
    canvas_id = world["canvas_ids"][0]
    person = bystander(server, world["code"], canvas_id)
    flooder = RawSocket(server.url, server.join(world["code"], "Script"))
    assert flooder.call("canvas:join", {"canvas_id": canvas_id})["ok"]
    try:
        quiet = [timed_add(person) for _ in range(8)]

        joined = len(flooder.messages)
        flooding = threading.Thread(target=flood, args=(flooder, 1.0))
        flooding.start()
        flooded = []
        while flooding.is_alive() or len(flooded) < 3:
            flooded.append(timed_add(person))
        flooding.join()
        wait_for(lambda: flooder.unanswered() == 0, 60, "an answer to every flooded message")
    finally:
        person.disconnect()
        flooder.close()

    sent = list(flooder.messages.values())[joined:]
    codes = [m.code for m in sent]
    assert set(codes) == {"ok", "rate_limited"} and len(sent) > 2 * BURST
    # Counted at arrival, in order: the messages accepted up to the last one arrived
    # before the first refusal after it was answered, so the bucket held at most
    # BURST + RATE x (that answer - the first send).
    last_ok = max(i for i, code in enumerate(codes) if code == "ok")
    later = [m for m in sent[last_ok + 1:] if m.code == "rate_limited"]
    window = (later[0].answered if later else max(m.answered for m in sent)) - sent[0].sent
    accepted = codes.count("ok")
    assert accepted <= BURST + RATE * window + 1, (accepted, window)
    # ... and refused at once, not after waiting in line behind the accepted ones:
    # the first refusal is answered before the burst that was let in is through.
    first_refusal = next(m for m in sent if m.code == "rate_limited")
    burst_done = max(m.answered for m in sent[:BURST] if m.code == "ok")
    assert first_refusal.answered < burst_done
    # A bystander's operations go on: generously bounded against the quiet ones
    # (bench/flood.py measures the ratio; it was 15x and more before).
    assert statistics.median(flooded) <= 4 * statistics.median(quiet) + 0.2, (quiet, flooded)
    assert max(flooded) <= 10 * max(quiet) + 2.0, (quiet, flooded)


def test_a_burst_is_handled_one_at_a_time_in_order_and_others_go_in_between(server):
    world = server.seed()
    canvas_id = world["canvas_ids"][0]
    script = RawSocket(server.url, server.join(world["code"], "Script"))
    person = RawSocket(server.url, server.join(world["code"], "Ana"))
    try:
        for client in (script, person):
            assert client.call("canvas:join", {"canvas_id": canvas_id})["ok"]
        burst = [script.emit("note:add", op(block="problem", text=str(i))) for i in range(BURST - 5)]
        mine = person.emit("note:add", op(block="problem", text="mi idea"))
        wait_for(lambda: script.unanswered() == 0 and person.unanswered() == 0, 60, "every ack")
    finally:
        script.close()
        person.close()
    assert all(m.code == "ok" for m in burst) and mine.code == "ok"
    # The burst is within budget, all of it let in, and handled in the order sent...
    seqs = [m.ack["seq"] for m in burst]
    assert seqs == sorted(seqs)
    assert [m.ack["event"]["data"]["text"] for m in burst] == [str(i) for i in range(BURST - 5)]
    # ... one at a time, so a message sent after all of it does not wait for all of it.
    assert mine.ack["seq"] < seqs[-1] and mine.answered < burst[-1].answered


# Join codes behind one address ------------------------------------------------


def limited_world(tmp_path, **limits) -> World:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'limits.db'}", **limits)
    with app.app_context():
        db.create_all()
    return World(app)


def wrong_code(i: int) -> str:
    return f"ZZZZ{i:04d}"


def retry_after(answer) -> int:
    assert answer.status_code == 429, (answer.status_code, answer.get_data(as_text=True)[:200])
    seconds = int(answer.headers["Retry-After"])
    assert seconds >= 1
    return seconds


def test_wrong_codes_beyond_the_limit_get_429_but_a_right_code_still_gets_in(tmp_path):
    world = limited_world(tmp_path, RATELIMIT_JOIN_FAILURES="5 per minute", RATELIMIT_JOIN_GUESSES="50 per hour")
    client = world.app.test_client()  # the whole room: one address
    for i in range(5):
        answer = client.post("/api/join", json={"code": wrong_code(i), "name": "Ana"})
        assert answer.status_code == 404 and "Retry-After" not in answer.headers
    refused = client.post("/api/join", json={"code": wrong_code(5), "name": "Ana"})
    assert refused.json["error"]["code"] == "rate_limited" and retry_after(refused) <= 60
    assert 1 <= retry_after(client.get(f"/j/{wrong_code(6)}")) <= 60
    assert retry_after(client.get(f"/w/{wrong_code(7)}")) >= 1
    # Over the failure limit, a right code is still checked and lets people in, on every entry.
    for i in range(3):
        admitted = client.post("/api/join", json={"code": world.code, "name": f"Persona {i}"})
        assert admitted.status_code == 201 and admitted.json["token"]
        assert "Retry-After" not in admitted.headers
        assert not [name for name, _value in admitted.headers.items() if name.startswith("X-RateLimit")]
    assert client.post("/api/join", json={"code": world.code.lower(), "name": "Minúsculas"}).status_code == 201
    page = client.get(f"/j/{world.code}")
    assert page.status_code == 200 and "Retry-After" not in page.headers
    assert client.post(f"/j/{world.code}", data={"name": "Beto"}).status_code == 302
    assert client.get(f"/j/{world.code}/qr.svg").status_code == 200
    # ... and wrong codes stay refused.
    assert retry_after(client.post("/api/join", json={"code": wrong_code(8), "name": "Ana"})) >= 1


def test_waiting_retry_after_gives_a_fresh_count(tmp_path):
    world = limited_world(tmp_path, RATELIMIT_JOIN_FAILURES="3 per 2 seconds", RATELIMIT_JOIN_GUESSES="50 per hour",
                          RATELIMIT_JOINS="2 per 2 seconds")
    client = world.app.test_client()
    for round_ in range(2):
        for i in range(3):
            assert client.get(f"/j/{wrong_code(10 * round_ + i)}").status_code == 404
        seconds = retry_after(client.get(f"/j/{wrong_code(10 * round_ + 3)}"))
        assert seconds <= 2
        time.sleep(seconds)  # what the answer asked for
    # The overall limit of joins is honoured too, with the same promise.
    for i in range(2):
        assert client.post("/api/join", json={"code": world.code, "name": f"P{i}"}).status_code == 201
    seconds = retry_after(client.post("/api/join", json={"code": world.code, "name": "Tarde"}))
    assert seconds <= 2
    time.sleep(seconds)
    assert client.post("/api/join", json={"code": world.code, "name": "Tarde"}).status_code == 201


def test_the_cap_on_guesses_counts_refused_wrong_codes_and_then_checks_nothing(tmp_path):
    world = limited_world(tmp_path, RATELIMIT_JOIN_FAILURES="3 per minute", RATELIMIT_JOIN_GUESSES="6 per hour")
    client = world.app.test_client()
    assert [client.get(f"/j/{wrong_code(i)}").status_code for i in range(6)] == [404] * 3 + [429] * 3
    # Six wrong codes were checked (a 429 beyond the first limit tells a wrong code from a
    # right one as well as a 404): from now on no code is checked, the right one neither.
    assert retry_after(client.post("/api/join", json={"code": world.code, "name": "Ana"})) > 60
    assert retry_after(client.get(f"/j/{world.code}")) > 60
    other = world.app.test_client()  # another address is not affected
    assert other.get(f"/j/{world.code}", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_failed_logins_answer_retry_after_rounded_up(tmp_path):
    world = limited_world(tmp_path, RATELIMIT_LOGIN_FAILURES="2 per 2 seconds")
    client = world.app.test_client()
    for _ in range(2):
        answer = client.post("/api/login", json={"email": "ana@example.org", "password": "guess"})
        assert answer.status_code == 401 and "Retry-After" not in answer.headers
    seconds = retry_after(client.post("/api/login", json={"email": "ana@example.org", "password": "guess"}))
    assert seconds <= 2
    time.sleep(seconds)
    assert client.post("/api/login", json={"email": "ana@example.org", "password": PASSWORD}).status_code == 200


def test_retry_after_is_never_zero(tmp_path):
    # Flask-Limiter's own header rounded down: near the end of a window it said 0.
    world = limited_world(tmp_path, RATELIMIT_JOIN_FAILURES="1 per 1 second", RATELIMIT_JOIN_GUESSES="10000 per hour")
    client = world.app.test_client()
    refused, end = [], time.monotonic() + 3
    while time.monotonic() < end:
        answer = client.get(f"/j/{wrong_code(len(refused))}")
        if answer.status_code == 429:
            refused.append(answer.headers.get("Retry-After"))
        else:
            assert answer.status_code == 404 and "Retry-After" not in answer.headers
    assert len(refused) >= 10 and all(value is not None and int(value) >= 1 for value in refused), refused
