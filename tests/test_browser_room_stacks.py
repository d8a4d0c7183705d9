"""Stacks for the facilitator, in a real Chromium against the real server: in the control
room a closed round's results rank a stack as one item (its title, its note count, its
dots and its notes'), as the projector does, and "Turn into a commitment" on that item
makes a commitment of the stack; on the canvas page a note's menu merges its stack (or
the loose note) into another stack of the block, from the keyboard or a phone."""

from __future__ import annotations

import pytest

from .browser_support import join_by_code, log_in, open_control_room, server_notes, small_targets, wait_connected
from .servers import PASSWORD, running_server
from .test_browser_stacks import RECIPE, control, facilitator, stacked_and_voting
from .test_server import Peer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("room-stacks"), facilitator=True) as process:
        yield process


def test_the_room_ranks_a_stack_as_one_item_and_makes_it_a_commitment(server, open_page):
    workshop = server.seed()
    canvas_id = workshop["canvas_ids"][0]
    writer = Peer(server, server.join(workshop["code"], "Ciro"), "Ciro")
    voter = Peer(server, server.join(workshop["code"], "Bea"), "Bea")
    fac = facilitator(server, workshop)
    try:
        writer.join(canvas_id)
        voter.join(canvas_id)
        _first, second, loose, stack = stacked_and_voting(writer, fac)
        # One dot on the stack, one on a note in it (it counts for the stack), one on the loose note.
        control(voter, "vote:add", cluster_id=stack)
        control(voter, "vote:add", note_id=second)
        control(voter, "vote:add", note_id=loose)
        control(fac, "vote:close", canvas_id=canvas_id)
    finally:
        for peer in (writer, voter, fac):
            peer.sio.disconnect()

    room = open_control_room(open_page, server.url, "ana@example.org", PASSWORD, workshop["workshop_id"])
    room.locator(".card-more > summary").first.click()
    ranking = room.locator(f"[data-vote-for='{canvas_id}'] .ranking:not(.ranking-groups) li")
    ranking.nth(1).wait_for()
    lines = ranking.locator(".result-line").all_inner_texts()
    assert len(lines) == 2, lines
    assert lines[0].startswith("▣ Colas (2) — 2 votos"), lines
    assert lines[1].startswith("Formularios — 1 voto"), lines
    # The stack is not ranked twice: no separate list of groups.
    assert room.locator(f"[data-vote-for='{canvas_id}'] .ranking-groups").is_hidden()

    ranking.first.get_by_role("button", name="Convertir «Colas» en compromiso").click()
    dialog = room.locator("dialog.commitment-dialog[open]")
    assert dialog.locator("textarea[data-field='title']").input_value() == "Colas"
    dialog.get_by_label("Entidad responsable").fill("MEF")
    dialog.locator("[data-action='commitment-save']").click()
    room.wait_for_selector("#room-commitments .commitment")
    room.screenshot(path="/tmp/room2-room-results-1280.png")
    assert "Colas" in room.locator("#room-commitments .commitment").first.inner_text()


def facilitator_on_canvas(open_page, server, workshop, **options):
    page = open_page(**options)
    log_in(page, server.url, "ana@example.org", PASSWORD)
    page.goto(f"{server.url}/c/{workshop['canvas_ids'][0]}")
    wait_connected(page)
    return page


def test_the_facilitator_merges_duplicate_stacks_from_a_note_menu(server, open_page):
    workshop = server.seed()
    canvas_id = workshop["canvas_ids"][0]
    writer = Peer(server, server.join(workshop["code"], "Ciro"), "Ciro")
    fac = facilitator(server, workshop)
    try:
        writer.join(canvas_id)
        a1, a2, b1, b2, loose = (control(writer, "note:add", block="problem", text=text)["event"]["data"]["id"]
                                 for text in ("Colas", "Filas largas", "Esperas", "Horas de espera", "Turnos"))
        stack_a = control(fac, "note:stack", note_id=a2, onto=a1, title="Colas")["event"]["data"]["clusters"][0]["id"]
        stack_b = control(fac, "note:stack", note_id=b2, onto=b1, title="Esperas")["event"]["data"]["clusters"][0]["id"]
    finally:
        writer.sio.disconnect()
        fac.sio.disconnect()

    page = facilitator_on_canvas(open_page, server, workshop, viewport={"width": 1280, "height": 800})
    page.wait_for_selector(f".cluster-head[data-cluster-id='{stack_b}']")
    # From the keyboard: the menu of a note of "Esperas", "Unir con otra pila…", "Colas (2)".
    page.focus(f"li.note[data-note-id='{b1}'] .note-menu-button")
    page.keyboard.press("Enter")
    menu = f"li.note[data-note-id='{b1}'] .note-menu"
    page.wait_for_selector(f"{menu}:not([hidden]) .merge-targets")
    assert "Unir con otra pila…" in page.inner_text(f"{menu} .menu-stack")
    target = f"{menu} [data-merge-into='{stack_a}']"
    assert page.inner_text(target).endswith("Colas (2)")
    page.screenshot(path="/tmp/room2-merge-menu-1280.png")
    page.focus(target)
    page.keyboard.press("Enter")
    page.wait_for_function("(id) => !document.querySelector(`.cluster-head[data-cluster-id='${id}']`)", arg=stack_b)
    page.wait_for_selector(".cluster-head .cluster-title:text('Colas (4)')")
    observer = server.join(workshop["code"], "Observa")
    members = {n["id"]: n["cluster_id"] for n in server_notes(server, canvas_id, observer)}
    assert [members[n] for n in (a1, a2, b1, b2, loose)] == [stack_a] * 4 + [None]

    # On a phone: the loose note's menu offers the stack with a finger-sized target.
    phone = facilitator_on_canvas(open_page, server, workshop, viewport={"width": 375, "height": 812},
                                  is_mobile=True, has_touch=True)
    phone.tap(".block-index-item[data-block='problem']")
    phone.tap(f"li.note[data-note-id='{loose}'] .note-menu-button")
    target = f"li.note[data-note-id='{loose}'] .note-menu [data-merge-into='{stack_a}']"
    phone.wait_for_selector(target)
    phone.locator(target).scroll_into_view_if_needed()
    assert small_targets(phone, ".note-menu button") == []
    phone.screenshot(path="/tmp/room2-merge-menu-375.png")
    phone.tap(target)
    phone.wait_for_selector(".sheet li.cluster-head .cluster-title:text('Colas (5)')")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 375


def test_a_phase_without_adding_disables_the_add_field_and_says_why(server, open_page):
    workshop = server.seed()
    laptop = open_page(viewport={"width": 1280, "height": 800})
    join_by_code(laptop, server.url, workshop["code"], "Ana Torres", "MEF")
    phone = open_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    join_by_code(phone, server.url, workshop["code"], "Dora", "PCM")
    add = ".sheet .block[data-block='problem'] > .add-note"
    field = ".sheet .block[data-block='problem'] > .add-form textarea"
    fac = facilitator(server, workshop)
    try:
        control(fac, "recipe:choose", recipe_id=RECIPE)
        control(fac, "phase:next")  # silent writing: adding allowed
        laptop.wait_for_selector("#phase-text:text('Problema: escritura en silencio')")
        assert laptop.is_enabled(add)
        phone.wait_for_selector(".canvas-page[data-view='block'] .sheet .block.is-current[data-block='problem']")
        assert phone.is_enabled(field)
        control(fac, "phase:next")  # reveal and group: no adding
        reason = "En esta fase («Revelar y agrupar») no se agregan notas."
        for page, control_of in ((laptop, add), (phone, field)):
            page.wait_for_selector(f"{control_of}:disabled")
            assert page.locator("#live-notices .notice--phase-add").inner_text() == reason
            assert page.locator("#live-notices .notice--phase-add").is_visible()
        assert laptop.get_attribute(add, "title") == reason
        assert phone.get_attribute(field, "placeholder") == reason
        laptop.screenshot(path="/tmp/room2-no-add-1280.png")
        phone.screenshot(path="/tmp/room2-no-add-375.png")
        control(fac, "phase:previous")  # back to writing: enabled again, the reason gone
        for page, control_of in ((laptop, add), (phone, field)):
            page.wait_for_selector(f"{control_of}:enabled")
            page.wait_for_selector("#live-notices .notice--phase-add", state="detached")
        assert laptop.get_attribute(add, "title") is None
        assert phone.get_attribute(field, "placeholder") == "Escriba su idea…"
    finally:
        fac.sio.disconnect()
