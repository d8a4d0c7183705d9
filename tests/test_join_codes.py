"""Codes and links that can be withdrawn: a new join code (``workshop:new_code``) stops
the old code and the projector link made from it at once, keeps everyone who joined,
and moves (or ends) the projector screens open now; a closed workshop's projector
link shows nothing."""

from __future__ import annotations

import json
import re

import pytest

from facilitator.board.actors import projector_token
from facilitator.extensions import db, socketio
from facilitator.models import Workshop

from .conftest import PASSWORD, World, ok, op, received

pytestmark = pytest.mark.backends


def code_of(world: World) -> str:
    with world.app.app_context():
        return db.session.get(Workshop, world.workshop_id).code


def projector_of(world: World) -> str:
    with world.app.app_context():
        return projector_token(db.session.get(Workshop, world.workshop_id))


def screen(app, token: str):
    """A projector screen on the join screen (connected, greeted)."""
    client = socketio.test_client(app, auth={"token": token})
    assert client.is_connected()
    assert client.emit("workshop:state", {}, callback=True)["ok"]
    client.get_received()
    return client


def last_words(client) -> list[tuple[str, dict]]:
    """What a test client heard before the server disconnected it (get_received refuses
    once it is disconnected; its queue keeps what came)."""
    return [(m["name"], m["args"][0]) for m in client.queue]


def api_join(client, code: str, name: str):
    return client.post("/api/join", json={"code": code, "name": name})


@pytest.fixture
def room(world):
    fac = world.socket(world.seat())
    ana = world.socket(world.join("Ana", "MEF"))
    for client in (fac, ana):
        client.get_received()
    return fac, ana


def test_a_new_code_refuses_the_old_one_at_once_and_lets_the_new_one_in(app, client, world, room):
    fac, _ana = room
    old = world.code
    assert api_join(client, old, "Antes").status_code == 201
    ack = ok(fac, "workshop:new_code", op())
    new = code_of(world)
    assert new != old and len(new) == 6
    assert ack["event"]["type"] == "workshop.code" and ack["links"]["code"] == new
    # The old code is refused everywhere a code is typed or followed.
    refused = api_join(client, old, "Tarde")
    assert refused.status_code == 404 and refused.json["error"]["code"] == "not_found"
    assert client.get(f"/j/{old}").status_code == 404
    assert client.post(f"/j/{old}", data={"name": "Tarde"}).status_code == 404
    assert client.get(f"/j/{old}/qr.svg").status_code == 404
    assert client.get(f"/w/{old}").status_code == 404
    # The new one works.
    assert api_join(client, new, "Nueva").status_code == 201
    assert client.get(f"/j/{new}").status_code == 200
    assert f"/j/{new}" in client.get(f"/j/{new}/qr.svg").text


def test_people_already_in_keep_their_seats(app, world, room):
    fac, ana = room
    ben_token = world.join("Ben")
    ok(fac, "workshop:new_code", op())
    ok(ana, "note:add", op(block="problem", text="sigo aquí"))
    ben = world.socket(ben_token)  # a token is not the code: reconnecting works
    assert ben.join_ack["notes"][0]["text"] == "sigo aquí"
    assert world.socket(world.seat()).join_ack["ok"]


def test_only_the_facilitators_learn_the_new_code(app, world, room):
    fac, ana = room
    ok(fac, "workshop:new_code", op())
    new = code_of(world)
    links = received(fac, "workshop:links")
    assert [link["code"] for link in links] == [new]
    assert links[0]["projector_url"].endswith("/p/" + projector_of(world))
    assert links[0]["join_url"].endswith(f"/j/{new}")
    # Participants get the workshop event (its version), without the code or any link.
    heard = ana.get_received()
    assert [m["args"][0]["type"] for m in heard if m["name"] == "workshop"] == ["workshop.code"]
    assert new not in json.dumps(heard)
    # A control room that reconnects finds the current code and links in its greeting.
    assert fac.emit("workshop:watch", {}, callback=True)["links"]["code"] == new
    assert "links" not in ana.emit("canvas:join", {"canvas_id": world.canvas_id}, callback=True)


def test_a_repeated_op_id_does_not_change_the_code_twice(world, room):
    fac, _ana = room
    payload = op()
    first = ok(fac, "workshop:new_code", payload)
    code = code_of(world)
    again = ok(fac, "workshop:new_code", payload)
    assert again["event"] == first["event"] and code_of(world) == code and again["links"]["code"] == code


def test_the_old_projector_link_stops_and_the_open_screen_moves_to_the_new_one(app, client, world, room):
    fac, _ana = room
    old_token = projector_of(world)
    projector = screen(app, old_token)
    ok(fac, "workshop:new_code", op())
    new_token = projector_of(world)
    assert new_token != old_token
    # The open screen is given its new link, then disconnected: it comes back with it.
    moved = [args for name, args in last_words(projector) if name == "projector:moved"]
    assert [m["token"] for m in moved] == [new_token] and moved[0]["code"] == code_of(world)
    assert moved[0]["projector_url"].endswith("/p/" + new_token)
    assert not projector.is_connected()
    assert screen(app, new_token).is_connected()
    # The old link: page and socket refused, at once.
    assert not socketio.test_client(app, auth={"token": old_token}).is_connected()
    page = client.get(f"/p/{old_token}")
    assert page.status_code == 404 and "Este enlace del proyector ya no funciona" in page.text
    assert "Comunidad" not in page.text and world.code not in page.text
    fresh = client.get(f"/p/{new_token}")
    assert fresh.status_code == 200 and code_of(world) in fresh.text


def test_a_socket_kept_open_on_the_old_link_is_refused_from_its_next_message(app, world, room):
    """A screen that ignores the move (or another process missed the disconnect) gets nothing more."""
    _fac, _ana = room
    projector = screen(app, projector_of(world))
    with app.app_context():  # the code changes behind the open socket's back
        workshop = db.session.get(Workshop, world.workshop_id)
        workshop.code = "ZZZZZZ"
        db.session.commit()
    refusal = projector.emit("canvas:join", {"canvas_id": world.canvas_id}, callback=True)
    assert refusal["ok"] is False and refusal["error"]["code"] == "forbidden"
    assert projector.emit("workshop:state", {}, callback=True)["error"]["code"] == "forbidden"


def test_the_facilitator_may_disconnect_every_open_projector_screen(app, world, room):
    fac, _ana = room
    projector = screen(app, projector_of(world))
    ok(fac, "workshop:new_code", op(projectors="disconnect"))
    heard = last_words(projector)
    assert [name for name, _args in heard] == ["workshop", "session:ended"]
    assert heard[1][1]["reason"] == "code_changed"
    assert projector_of(world) not in json.dumps(heard)
    assert not projector.is_connected()


def test_a_new_code_is_for_facilitators_only_and_checks_its_payload(app, world, room):
    fac, ana = room
    projector = screen(app, projector_of(world))
    for client in (ana, projector):
        assert client.emit("workshop:new_code", op(), callback=True)["error"]["code"] == "forbidden"
    wrong = fac.emit("workshop:new_code", op(projectors="keep"), callback=True)
    assert wrong["ok"] is False and wrong["error"]["code"] == "invalid"
    assert code_of(world) == world.code


def test_a_closed_workshops_projector_link_shows_nothing(app, client, world, room):
    fac, _ana = room
    token = projector_of(world)
    projector = screen(app, token)
    ok(fac, "projector:show", op(mode="canvas", canvas_id=world.canvas_id))
    ok(fac, "workshop:close", op())
    ended = [args for name, args in last_words(projector) if name == "session:ended"]
    assert [e["reason"] for e in ended] == ["closed"]
    assert not projector.is_connected()
    assert not socketio.test_client(app, auth={"token": token}).is_connected()
    page = client.get(f"/p/{token}")
    assert page.status_code == 404 and "El taller está cerrado" in page.text
    assert 'id="boot"' not in page.text and "Comunidad" not in page.text and world.code not in page.text
    # Reopened, the same link shows the workshop again.
    ok(fac, "workshop:reopen", op())
    assert client.get(f"/p/{token}").status_code == 200
    assert screen(app, token).is_connected()


def test_a_code_can_be_withdrawn_while_the_workshop_is_closed(client, world, room):
    fac, _ana = room
    ok(fac, "workshop:close", op())
    ok(fac, "workshop:new_code", op())
    ok(fac, "workshop:reopen", op())
    assert api_join(client, world.code, "Vieja").status_code == 404
    assert api_join(client, code_of(world), "Nueva").status_code == 201


def test_the_control_room_offers_a_new_join_code_and_its_links(app, client, world):
    assert client.post("/f/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 302
    page = client.get(f"/f/workshops/{world.workshop_id}/room")
    assert 'id="join-code-controls"' in page.text and 'id="join-code"' in page.text and 'id="join-qr"' in page.text
    boot = json.loads(re.search(r'<script type="application/json" id="boot">(.*?)</script>', page.text, re.S)[1])
    assert boot["strings"]["new_code"] == "Nuevo código para entrar"
    assert "%(code)s" in boot["strings"]["new_code_confirm"]
    assert boot["projector_url"].endswith("/p/" + projector_of(world))
    # The projector page has its "nothing more to show" screen ready, with its texts.
    projector = client.get(f"/p/{projector_of(world)}")
    assert 'id="projector-ended"' in projector.text
    strings = json.loads(re.search(r'<script type="application/json" id="boot">(.*?)</script>', projector.text,
                                   re.S)[1])["strings"]
    assert strings["projector_closed_title"] == "El taller está cerrado"
