"""A new join code from the control room, in a real headless Chromium against the real
server: the room asks first, then shows the new code; the projector screen at the
front moves to its new link by itself; a participant's canvas page goes on working;
the old code and the old projector link are refused. Then the option that disconnects
the open projector screens, and closing the workshop."""

from __future__ import annotations

import pytest
import requests

from .browser_support import add_note, join_by_code, open_control_room, open_projector_from, wait_saved
from .servers import PASSWORD, running_server

pytestmark = pytest.mark.browser

EMAIL = "nora@example.org"
NEW_CODE = "Nuevo código para entrar"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("codes")) as process:
        yield process


def new_code(room, disconnect: bool = False) -> str:
    """Ask for a new code in the control room (confirming) and wait until it shows."""
    old = room.text_content("#join-code").strip()
    room.get_by_role("button", name=NEW_CODE).click()
    question = room.locator(".room-join .confirm-question")
    assert old in question.text_content() and "dejan de funcionar de inmediato" in question.text_content()
    if disconnect:
        room.get_by_label("Desconectar también las pantallas de proyector abiertas ahora", exact=False).check()
    room.locator(".room-join [data-action='confirm-yes']").click()
    room.wait_for_function("(old) => document.getElementById('join-code').textContent.trim() !== old", arg=old)
    return room.text_content("#join-code").strip()


def test_a_new_code_from_the_control_room(server, open_page):
    server.create_facilitator(email=EMAIL, name="Nora Facilitadora")
    workshop = server.seed(email=EMAIL, title="Taller con código nuevo")
    old = workshop["code"]

    room = open_control_room(open_page, server.url, EMAIL, PASSWORD, workshop["workshop_id"])
    projector = open_projector_from(room)
    old_link = projector.url
    participant = open_page(viewport={"width": 1280, "height": 800})
    join_by_code(participant, server.url, old, "Pedro", "MEF")

    # Cancel first: nothing changes.
    room.get_by_role("button", name=NEW_CODE).click()
    room.locator(".room-join [data-action='confirm-no']").click()
    assert room.text_content("#join-code").strip() == old

    code = new_code(room)
    assert code != old and len(code) == 6
    assert code in room.get_attribute("#join-qr", "src")
    assert room.input_value("#projector-url") != old_link
    # The projector at the front shows the new code, under its new link, connected again.
    projector.wait_for_function("(code) => document.getElementById('projector-code').textContent === code", arg=code)
    projector.wait_for_selector("#connection[data-state='connected']", state="attached")
    assert projector.url == room.input_value("#projector-url") != old_link
    assert code in projector.get_attribute("#projector-qr", "src")
    # The participant goes on working; the old code and the old projector link are refused.
    wait_saved(participant, add_note(participant, "problem", "después del cambio"))
    assert requests.post(server.url + "/api/join", json={"code": old, "name": "Tarde"}, timeout=10).status_code == 404
    assert requests.get(server.url + f"/j/{old}", timeout=10).status_code == 404
    assert requests.get(old_link, timeout=10).status_code == 404
    assert server.join(code, "Temprano")

    # A reload of the projector (its address bar holds the new link) still works.
    projector.reload()
    projector.wait_for_selector("#connection[data-state='connected']", state="attached")
    assert projector.text_content("#projector-code") == code

    # With the option, the open projector screen is disconnected and shows nothing but why.
    third = new_code(room, disconnect=True)
    projector.wait_for_selector("#projector-ended:not([hidden])")
    assert "ya no funciona" in projector.text_content("#projector-ended-title")
    assert projector.is_hidden("#projector-join") and projector.is_hidden("#projector-canvas")
    assert third not in projector.text_content("#projector-ended")
    assert requests.get(room.input_value("#projector-url"), timeout=10).status_code == 200

    # Closing the workshop: a projector screen open on the current link shows it closed.
    current = open_page(viewport={"width": 1280, "height": 720})
    current.goto(room.input_value("#projector-url"))
    current.wait_for_selector("#connection[data-state='connected']", state="attached")
    room.get_by_role("button", name="Cerrar el taller").click()
    room.locator(".workshop-controls [data-action='confirm-yes']").click()
    current.wait_for_selector("#projector-ended:not([hidden])")
    assert "cerrado" in current.text_content("#projector-ended-title")
    assert current.is_hidden("#projector-join")
    closed_page = requests.get(room.input_value("#projector-url"), timeout=10)
    assert closed_page.status_code == 404 and "El taller está cerrado" in closed_page.text
