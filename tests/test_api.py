"""The JSON API (docs/protocol.md, "JSON API")."""

from __future__ import annotations

import pytest

from facilitator.extensions import db, socketio
from facilitator.models import Canvas, Participant, Workshop

from .conftest import PASSWORD, make_facilitator

pytestmark = pytest.mark.backends


@pytest.fixture
def logged_in(app, client):
    with app.app_context():
        make_facilitator()
    answer = client.post("/api/login", json={"email": "ana@example.org", "password": PASSWORD})
    assert answer.status_code == 200 and answer.json["facilitator"]["name"] == "Ana Facilitadora"
    return client


def make_workshop(client, **fields):
    answer = client.post("/api/workshops", json={"title": "Taller de gobierno abierto", "date": "2026-12-03",
                                                 "language": "es", **fields})
    assert answer.status_code == 201, answer.json
    return answer.json["workshop"]


def test_login_refuses_wrong_password_and_non_json(app, client):
    with app.app_context():
        make_facilitator()
    assert client.post("/api/login", json={"email": "ana@example.org", "password": "nope"}).status_code == 401
    answer = client.post("/api/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert answer.status_code == 400 and answer.json["error"]["code"] == "invalid"
    assert client.post("/api/login", json=["x"]).status_code == 400


def test_facilitator_creates_workshop_and_six_canvases(app, logged_in):
    workshop = make_workshop(logged_in)
    assert len(workshop["code"]) == 6 and workshop["join_url"].endswith(f"/j/{workshop['code']}")
    answer = logged_in.post(f"/api/workshops/{workshop['id']}/canvases",
                            json={"template_id": "public-policy-lean-canvas", "name": "Mesa", "count": 6})
    assert answer.status_code == 201
    assert [c["name"] for c in answer.json["canvases"]] == [f"Mesa {i}" for i in range(1, 7)]
    again = logged_in.get(f"/api/workshops/{workshop['id']}").json["workshop"]
    assert len(again["canvases"]) == 6 and again["date"] == "2026-12-03"


@pytest.mark.parametrize(("body", "code"), [
    ({"title": ""}, "invalid"),
    ({"title": "x" * 201}, "too_large"),
    ({"title": "ok", "language": "fr"}, "invalid"),
    ({"title": "ok", "date": "31/12/2026"}, "invalid"),
    ({"title": 5}, "invalid"),
    ({}, "invalid"),
])
def test_bad_workshop_input_changes_nothing(app, logged_in, body, code):
    answer = logged_in.post("/api/workshops", json=body)
    assert answer.status_code == 400 and answer.json["error"]["code"] == code
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Workshop.id))) == 0


@pytest.mark.parametrize(("body", "code"), [
    ({"template_id": "no-such-template", "name": "Mesa"}, "invalid"),
    ({"template_id": "lean-canvas", "name": "Mesa", "count": 31}, "invalid"),
    ({"template_id": "lean-canvas", "name": "Mesa", "count": "2"}, "invalid"),
    ({"template_id": "lean-canvas", "name": "x" * 81}, "too_large"),
    ({"template_id": "lean-canvas"}, "invalid"),
])
def test_bad_canvas_input_changes_nothing(app, logged_in, body, code):
    workshop = make_workshop(logged_in)
    answer = logged_in.post(f"/api/workshops/{workshop['id']}/canvases", json=body)
    assert answer.status_code == 400 and answer.json["error"]["code"] == code
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Canvas.id))) == 0


def test_anonymous_and_other_facilitators_get_nothing(app, client, logged_in):
    workshop = make_workshop(logged_in)
    logged_in.post("/api/logout")
    assert client.post("/api/workshops", json={"title": "x"}).status_code == 401
    assert client.get(f"/api/workshops/{workshop['id']}").status_code == 401
    with app.app_context():
        make_facilitator(email="otro@example.org", name="Otro")
    client.post("/api/login", json={"email": "otro@example.org", "password": PASSWORD})
    assert client.get(f"/api/workshops/{workshop['id']}").status_code == 404
    answer = client.post(f"/api/workshops/{workshop['id']}/canvases", json={"template_id": "lean-canvas",
                                                                           "name": "Intrusa"})
    assert answer.status_code == 404
    assert client.post(f"/api/workshops/{workshop['id']}/seat").status_code == 404


def test_join_by_code_then_snapshot_with_bearer_token(app, logged_in):
    workshop = make_workshop(logged_in)
    canvas = logged_in.post(f"/api/workshops/{workshop['id']}/canvases",
                            json={"template_id": "lean-canvas", "name": "Mesa"}).json["canvases"][0]
    anonymous = app.test_client()
    joined = anonymous.post("/api/join", json={"code": workshop["code"].lower(), "name": "Ana",
                                               "institution": "Ministerio de Economía"})
    assert joined.status_code == 201
    token = joined.json["token"]
    assert joined.json["participant"]["institution"] == "Ministerio de Economía"
    assert [c["id"] for c in joined.json["canvases"]] == [canvas["id"]]

    live = socketio.test_client(app, auth={"token": token})
    live.emit("canvas:join", {"canvas_id": canvas["id"]}, callback=True)
    live.emit("note:add", {"op_id": "1", "block": "problem", "text": "¿Cómo medimos?"}, callback=True)

    snapshot = anonymous.get(f"/api/canvases/{canvas['id']}", headers={"Authorization": f"Bearer {token}"})
    assert snapshot.status_code == 200
    assert snapshot.json["seq"] == 1 and snapshot.json["notes"][0]["text"] == "¿Cómo medimos?"
    assert anonymous.get(f"/api/canvases/{canvas['id']}").status_code == 401
    bad = anonymous.get(f"/api/canvases/{canvas['id']}", headers={"Authorization": "Bearer not-a-real-token"})
    assert bad.status_code == 403


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"code": "ZZZZZZ", "name": "Ana"}, 404, "not_found"),
    ({"name": "Ana"}, 400, "invalid"),
    ({"code": None, "name": "Ana"}, 400, "invalid"),
    ({"code": "{code}", "name": "x" * 81}, 400, "too_large"),
    ({"code": "{code}", "name": "Ana", "institution": "y" * 121}, 400, "too_large"),
    ({"code": "{code}", "name": ""}, 400, "invalid"),
])
def test_bad_joins_create_no_participant(app, logged_in, body, status, code):
    workshop = make_workshop(logged_in)
    body = {k: (v.format(code=workshop["code"]) if isinstance(v, str) else v) for k, v in body.items()}
    answer = app.test_client().post("/api/join", json=body)
    assert answer.status_code == status and answer.json["error"]["code"] == code
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Participant.id))) == 0


def test_facilitator_seat_token_drives_a_socket(app, logged_in):
    workshop = make_workshop(logged_in)
    canvas = logged_in.post(f"/api/workshops/{workshop['id']}/canvases",
                            json={"template_id": "lean-canvas", "name": "Mesa"}).json["canvases"][0]
    seat = logged_in.post(f"/api/workshops/{workshop['id']}/seat").json
    assert seat["participant"]["facilitator"] is True
    live = socketio.test_client(app, auth={"token": seat["token"]})
    ack = live.emit("canvas:join", {"canvas_id": canvas["id"]}, callback=True)
    assert ack["ok"] and ack["me"]["facilitator"] is True


def test_templates_are_listed_in_both_languages(client):
    templates = client.get("/api/templates").json["templates"]
    assert len(templates) == 8
    lean = next(t for t in templates if t["id"] == "public-policy-lean-canvas")
    assert lean["name"]["es"] and lean["name"]["en"] and lean["blocks"][0]["title"]["es"]


def test_unknown_api_route_answers_json(client):
    answer = client.get("/api/nothing-here")
    assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"
