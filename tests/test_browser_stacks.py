"""Stacks in a real Chromium against the real server: in the recipe's grouping phase a
participant drags a note onto another to stack them, stacks a third from its menu with
the keyboard, names the stack, and takes notes out again (the last but one dissolves
it); outside a grouping phase the menu offers no stacking."""

from __future__ import annotations

import uuid

import pytest

from .browser_support import add_note, join_by_code, server_notes, wait_saved
from .servers import running_server
from .test_server import Peer

pytestmark = pytest.mark.browser

RECIPE = "public-policy-lean-canvas-90"  # phase 0 silent writing, phase 1 "Reveal and group"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("stacks"), facilitator=True) as process:
        yield process


def facilitator(server, workshop) -> Peer:
    answer = workshop["http"].post(f"{server.url}/api/workshops/{workshop['workshop_id']}/seat", timeout=30)
    answer.raise_for_status()
    peer = Peer(server, answer.json()["token"], "facilitator")
    peer.join(workshop["canvas_ids"][0])
    return peer


def control(peer: Peer, name: str, **payload) -> dict:
    ack = peer.call_op(name, {"op_id": uuid.uuid4().hex, **payload})
    assert ack["ok"], (name, ack)
    return ack


def stacked_and_voting(writer: Peer, fac: Peer) -> tuple[str, str, str, int]:
    """Three notes by ``writer``; the room follows the recipe into "Reveal and group", where
    the second is stacked onto the first, then into the vote. Returns the three notes' ids
    and the stack's."""
    first, second, loose = (control(writer, "note:add", block="problem", text=text)["event"]["data"]["id"]
                            for text in ("Colas", "Esperas", "Formularios"))
    control(fac, "recipe:choose", recipe_id=RECIPE)
    control(fac, "phase:next")
    control(fac, "phase:next")  # reveal and group
    stack = control(writer, "note:stack", note_id=second, onto=first)["event"]["data"]["clusters"][0]["id"]
    control(fac, "phase:next")  # the vote on the problem
    return first, second, loose, stack


def stacks_of(server, workshop, token) -> dict[str, int | None]:
    return {n["text"]: n["cluster_id"] for n in server_notes(server, workshop["canvas_ids"][0], token)}


def head_texts(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('.sheet li.cluster-head .cluster-title')]"
                         ".map(h => h.textContent)")


def open_menu(page, note_id: str) -> None:
    """From the keyboard: focus the note's menu button and press Enter."""
    page.focus(f"li.note[data-note-id='{note_id}'] .note-menu-button")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"li.note[data-note-id='{note_id}'] .note-menu:not([hidden])")


def test_stack_by_drag_and_by_menu_rename_and_take_out(server, open_page):
    workshop = server.seed()
    page = open_page()
    join_by_code(page, server.url, workshop["code"], "Ana Torres", "MEF")
    first = add_note(page, "problem", "Colas en la ventanilla")
    second = add_note(page, "problem", "Esperas de horas")
    third = add_note(page, "problem", "Turnos que no se respetan")
    for note in (first, second, third):
        wait_saved(page, note)
    observer = server.join(workshop["code"], "Observa")

    # No grouping phase yet: the menu offers no stacking.
    open_menu(page, third)
    assert page.locator(f"li.note[data-note-id='{third}'] .menu-stack").count() == 0
    page.keyboard.press("Escape")

    fac = facilitator(server, workshop)
    try:
        control(fac, "recipe:choose", recipe_id=RECIPE)
        control(fac, "phase:next")
        control(fac, "phase:next")  # reveal and group
    finally:
        fac.sio.disconnect()
    page.wait_for_function("() => window.lienzoCanvas.menus.stacks.mayGroup()")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")

    # Drag the second note onto the middle of the first: a stack of the two, named after the first.
    grip = page.locator(f"li.note[data-note-id='{second}'] .note-grip").bounding_box()
    target = page.locator(f"li.note[data-note-id='{first}']").bounding_box()
    start = (grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
    end = (target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)
    page.mouse.move(*start)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(start[0] + (end[0] - start[0]) * step / 20, start[1] + (end[1] - start[1]) * step / 20)
    page.mouse.up()
    page.wait_for_function("() => [...document.querySelectorAll('.cluster-head .cluster-title')]"
                           ".some(h => h.textContent.startsWith('Colas en la ventanilla (2)'))")
    stacks = stacks_of(server, workshop, observer)
    assert stacks["Colas en la ventanilla"] is not None
    assert stacks["Esperas de horas"] == stacks["Colas en la ventanilla"]

    # The keyboard way: the third note's menu, "Apilar con…", the first note.
    open_menu(page, third)
    assert page.text_content(f"li.note[data-note-id='{third}'] .menu-stack .menu-label") == "Apilar con…"
    page.focus(f"li.note[data-note-id='{third}'] [data-stack-onto='{first}']")
    page.keyboard.press("Enter")
    page.wait_for_function("() => [...document.querySelectorAll('.cluster-head .cluster-title')]"
                           ".some(h => h.textContent.endsWith('(3)'))")
    assert page.locator(f"li.note[data-note-id='{third}']").evaluate("li => li.classList.contains('in-cluster')")

    # Name the stack from a note's menu.
    open_menu(page, first)
    page.fill(f"li.note[data-note-id='{first}'] .stack-title", "Tiempos de espera")
    page.keyboard.press("Enter")
    page.wait_for_function("() => [...document.querySelectorAll('.cluster-head .cluster-title')]"
                           ".some(h => h.textContent === 'Tiempos de espera (3)')")

    # Take two out: the stack left with one note dissolves.
    for note in (third, second):
        open_menu(page, note)
        page.focus(f"li.note[data-note-id='{note}'] .stack-out")
        page.keyboard.press("Enter")
        page.wait_for_function("(id) => !document.querySelector(`li.note[data-note-id='${id}']`)"
                               ".classList.contains('in-cluster')", arg=note)
    page.wait_for_function("() => !document.querySelector('.sheet li.cluster-head')")
    assert set(stacks_of(server, workshop, observer).values()) == {None}
    assert head_texts(page) == []


def test_a_vote_goes_to_a_stack_and_the_projector_ranks_it_as_one(server, open_page):
    workshop = server.seed()
    page = open_page()
    join_by_code(page, server.url, workshop["code"], "Bea Ruiz", "PCM")
    writer = Peer(server, server.join(workshop["code"], "Ciro"), "Ciro")
    fac = facilitator(server, workshop)
    try:
        writer.join(workshop["canvas_ids"][0])
        _first, _second, loose, stack = stacked_and_voting(writer, fac)
        # Bea votes for the stack from its title line, twice, and once for the loose note.
        add = f".cluster-head[data-cluster-id='{stack}'] [data-stack-vote='add']"
        page.wait_for_selector(f"{add}:not([disabled])")
        for expected in ("●", "●●"):
            page.click(add)
            page.wait_for_function(
                "([id, dots]) => document.querySelector(`.cluster-head[data-cluster-id='${id}'] .vote-count`)"
                ".textContent === dots", arg=[stack, expected])
        page.click(f"li.note[data-note-id='{loose}'] [data-vote='add']")
        page.wait_for_function("() => window.lienzoCanvas.state.voting.remaining === 0")
        control(fac, "vote:close", canvas_id=workshop["canvas_ids"][0])
        page.wait_for_selector(f".cluster-head[data-cluster-id='{stack}'] .stack-votes:text('Votos: 2')")
        projector_url = fac.join(workshop["canvas_ids"][0])["links"]["projector_url"]
        control(fac, "projector:show", mode="results", canvas_id=workshop["canvas_ids"][0])
        screen = open_page(viewport={"width": 1280, "height": 720})
        screen.goto(projector_url)
        screen.wait_for_selector("#projector-results:not([hidden]) .result >> nth=1")
        rows = screen.eval_on_selector_all("#projector-ranking .result", """rows => rows.map(r =>
            [r.querySelector('.result-place').textContent, r.querySelector('.result-text').textContent,
             r.dataset.votes])""")
        assert rows == [["1.", "▣ Colas (2)", "2"], ["2.", "Formularios", "1"]]
    finally:
        writer.sio.disconnect()
        fac.sio.disconnect()


def test_on_a_phone_the_menu_stacks_someone_elses_note(server, open_page):
    workshop = server.seed()
    writer = Peer(server, server.join(workshop["code"], "Ciro"), "Ciro")
    fac = facilitator(server, workshop)
    try:
        writer.join(workshop["canvas_ids"][0])
        first, second = (control(writer, "note:add", block="problem", text=text)["event"]["data"]["id"]
                         for text in ("Colas", "Esperas"))
        control(fac, "recipe:choose", recipe_id=RECIPE)
        control(fac, "phase:next")
        control(fac, "phase:next")  # reveal and group
        page = open_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
        join_by_code(page, server.url, workshop["code"], "Dora", "MEF")
        # The phone follows the phase: it opens the phase's block by itself.
        page.wait_for_selector(".canvas-page[data-view='block'] .block.is-current[data-block='problem']")
        # Ciro's notes, not hers: in this phase they have a menu that offers stacking only.
        page.tap(f"li.note[data-note-id='{second}'] .note-menu-button")
        menu = f"li.note[data-note-id='{second}'] .note-menu"
        page.wait_for_selector(f"{menu} .menu-stack")
        assert page.locator(f"{menu} .menu-move, {menu} .menu-delete").count() == 0
        page.tap(f"{menu} [data-stack-onto='{first}']")
        page.wait_for_selector(".sheet li.cluster-head .cluster-title:text('Colas (2)')")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        assert {n["text"]: n["cluster_id"] for n in server_notes(server, workshop["canvas_ids"][0],
                                                               server.join(workshop["code"], "Eva"))}["Esperas"]
    finally:
        writer.sio.disconnect()
        fac.sio.disconnect()
