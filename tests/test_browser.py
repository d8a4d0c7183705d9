"""The canvas page in a real headless Chromium against the real server
(``python wsgi.py`` on eventlet), driven the way participants use it."""

from __future__ import annotations

import json

import pytest

from .browser_support import (
    add_note,
    join_by_code,
    notes,
    server_notes,
    wait_connected,
    wait_for_note,
    wait_saved,
)
from .servers import ServerProcess, running_server
from .test_server import Peer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("browser"), facilitator=True) as process:
        yield process


@pytest.fixture
def workshop(server):
    return server.seed()


def me_of(page) -> dict:
    return json.loads(page.text_content("#boot"))["me"]


def test_two_people_share_a_canvas_live_and_a_reload_keeps_it(server, workshop, open_page):
    ana, bea = open_page(), open_page()
    join_by_code(ana, server.url, workshop["code"], "Ana Torres", "Ministerio de Economía")
    join_by_code(bea, server.url, workshop["code"], "Bea Ruiz", "Municipalidad")
    ana_me = me_of(ana)

    # Ana adds a note: Bea sees it.
    first = add_note(ana, "problem", "Trámites muy largos")
    wait_for_note(bea, "Trámites muy largos", "problem")
    (seen,) = [n for n in notes(bea) if n["id"] == first]
    assert seen["author"] == "Ana Torres" and not seen["editable"]

    # Both see who is here.
    for page in (ana, bea):
        page.wait_for_function("() => document.querySelector('#presence').dataset.count === '2'")

    # Bea is typing a note of her own while Ana's changes arrive: nothing interrupts her.
    second = add_note(bea, "solution", "Ventanilla")
    bea.click(f"li.note[data-note-id='{second}'] textarea")
    bea.keyboard.press("End")
    bea.keyboard.type(" única")
    ana.click(f"li.note[data-note-id='{first}'] textarea")
    bea.wait_for_selector(f"li.note[data-note-id='{first}'] .note-editing:not([hidden])")
    assert bea.text_content(f"li.note[data-note-id='{first}'] .note-editing") == "Ana Torres está editando"
    ana.keyboard.press("Control+A")
    ana.keyboard.type("Trámites muy largos y repetidos")
    ana.keyboard.press("Tab")
    wait_for_note(bea, "Trámites muy largos y repetidos", "problem")
    bea.keyboard.type(" digital")
    focused = bea.evaluate("() => [document.activeElement.closest('li.note')?.dataset.noteId, "
                           "document.activeElement.value, document.activeElement.selectionStart]")
    assert focused == [second, "Ventanilla única digital", len("Ventanilla única digital")]
    bea.keyboard.press("Escape")
    wait_for_note(ana, "Ventanilla única digital", "solution")

    # A reload shows both notes and the same person.
    wait_saved(ana, first)
    ana.reload()
    wait_connected(ana)
    shown = {n["id"]: n for n in notes(ana)}
    assert shown[first]["text"] == "Trámites muy largos y repetidos" and shown[first]["editable"]
    assert shown[second]["text"] == "Ventanilla única digital" and shown[second]["author"] == "Bea Ruiz"
    assert me_of(ana) == ana_me

    # When Bea leaves, Ana sees one person fewer.
    bea.context.close()
    ana.wait_for_function("() => document.querySelector('#presence').dataset.count === '1'")


def test_a_note_moves_to_another_block_with_the_keyboard_only(server, workshop, open_page):
    page = open_page()
    join_by_code(page, server.url, workshop["code"], "Carla Díaz")
    note_id = add_note(page, "problem", "Falta de datos")
    # add_note leaves the focus on the note's menu button: open it and walk to "Move to…".
    assert page.evaluate("() => document.activeElement.classList.contains('note-menu-button')")
    page.keyboard.press("Enter")
    for _ in range(40):
        if page.evaluate("() => document.activeElement.dataset.moveTo") == "value":
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("the note menu does not offer the block 'value'")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(id) => document.querySelector(`ul.notes[data-block='value'] li[data-note-id='${id}']`)", arg=note_id)
    page.wait_for_function("() => document.querySelector('#announcer').textContent.includes('Propuesta de valor')")
    assert page.evaluate("(id) => document.activeElement.closest('li.note')?.dataset.noteId", note_id) == note_id
    wait_saved(page, note_id)
    token = server.join(workshop["code"], "Observer")
    (stored,) = server_notes(server, workshop["canvas_ids"][0], token)
    assert stored["block"] == "value" and stored["text"] == "Falta de datos"

    # Deleting asks first, then takes the focus back to the block.
    page.keyboard.press("Enter")
    page.focus(f"li.note[data-note-id='{note_id}'] .menu-delete button")
    page.keyboard.press("Enter")
    assert page.text_content(f"li.note[data-note-id='{note_id}'] .menu-delete .menu-label") == "¿Eliminar esta nota?"
    assert page.evaluate("() => document.activeElement.textContent") == "Cancelar"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("(id) => !document.querySelector(`li.note[data-note-id='${id}']`)", arg=note_id)
    assert page.evaluate("() => document.activeElement.dataset.block") == "value"
    page.wait_for_function("() => !Object.keys(localStorage).some(k => k.startsWith('lienzo:outbox:'))")
    assert server_notes(server, workshop["canvas_ids"][0], token) == []


def test_a_missed_change_is_fetched_again_by_seq(server, workshop, open_page):
    ana, bea = open_page(), open_page()
    join_by_code(ana, server.url, workshop["code"], "Inés")
    join_by_code(bea, server.url, workshop["code"], "Julio")
    # Bea's page loses the next change envelope, as if it had gone astray.
    bea.evaluate("""() => {
      const options = window.lienzoCanvas.connection.options;
      const deliver = options.change;
      let lost = 0;
      options.change = (envelope) => { if (lost++ === 0) return; deliver(envelope); };
    }""")
    add_note(ana, "problem", "Uno")
    add_note(ana, "value", "Dos")
    wait_for_note(bea, "Dos", "value")
    wait_for_note(bea, "Uno", "problem")
    seq = bea.evaluate("() => window.lienzoCanvas.state.seq")
    assert seq == ana.evaluate("() => window.lienzoCanvas.state.seq")


def test_a_burst_of_changes_is_drawn_by_one_render_in_the_next_frame(server, workshop, open_page):
    """Every change goes through the page's one state, which draws once per frame, not once per change."""
    bea = open_page()
    join_by_code(bea, server.url, workshop["code"], "Lola")
    # Bea's page holds the next twenty change envelopes back, to let them in all at once.
    bea.evaluate("""() => {
      const options = window.lienzoCanvas.connection.options;
      const deliver = options.change;
      window.held = [];
      options.change = (envelope) => window.held.push(envelope);
      window.letIn = () => { for (const envelope of window.held.splice(0)) deliver(envelope); };
    }""")
    writer = Peer(server, server.join(workshop["code"], "Ciro"), "Ciro")
    try:
        writer.join(workshop["canvas_ids"][0])
        for i in range(20):
            assert writer.call("note:add", {"op_id": f"burst-{i}", "block": "problem", "text": f"Nota {i}"})["ok"]
        bea.wait_for_function("() => window.held.length === 20")
        drawn = bea.evaluate("""async () => {
          const state = window.lienzoCanvas.state;
          const shown = () => document.querySelectorAll("ul.notes li.note").length;
          const before = state.renders;
          window.letIn();
          const atOnce = [state.renders - before, shown(), state.seq];
          await new Promise((resolve) => requestAnimationFrame(resolve));
          return { atOnce, inTheFrame: state.renders - before, shown: shown(), changes: state.lastChanges };
        }""")
    finally:
        writer.sio.disconnect()
    # Applied at once, drawn by one render in the next frame: twenty changes, one render.
    assert drawn["atOnce"][0] == 0 and drawn["atOnce"][1] == 0 and drawn["atOnce"][2] >= 20, drawn
    assert drawn["inTheFrame"] == 1, drawn
    assert drawn["shown"] == 20 and "server" in drawn["changes"], drawn
    assert [n["text"] for n in notes(bea) if n["block"] == "problem"] == [f"Nota {i}" for i in range(20)]


def test_a_note_is_dragged_to_another_block_with_the_mouse(server, workshop, open_page):
    page = open_page()
    join_by_code(page, server.url, workshop["code"], "Kiko")
    note_id = add_note(page, "solution", "Arrástrame")
    wait_saved(page, note_id)
    grip = page.locator(f"li.note[data-note-id='{note_id}'] .note-grip").bounding_box()
    target = page.locator("ul.notes[data-block='indicators']").bounding_box()
    start = (grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
    end = (target["x"] + 30, target["y"] + 15)
    page.mouse.move(*start)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(start[0] + (end[0] - start[0]) * step / 15, start[1] + (end[1] - start[1]) * step / 15)
    page.mouse.up()
    page.wait_for_function(
        "(id) => document.querySelector(`ul.notes[data-block='indicators'] li[data-note-id='${id}']`)", arg=note_id)
    wait_saved(page, note_id)
    token = server.join(workshop["code"], "Observer")
    (stored,) = server_notes(server, workshop["canvas_ids"][0], token)
    assert stored["block"] == "indicators"


def test_phone_shows_the_block_list_then_one_block_at_a_time(server, workshop, open_page):
    page = open_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    join_by_code(page, server.url, workshop["code"], "Diego Paz")
    assert page.get_attribute(".canvas-page", "data-view") == "list"
    assert page.is_visible("nav.block-index") and not page.is_visible(".sheet")
    items = page.locator(".block-index-item")
    assert items.count() == 11
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    page.tap(".block-index-item[data-block='problem']")
    assert page.get_attribute(".canvas-page", "data-view") == "block"
    assert page.is_visible(".block[data-block='problem'] .block-title")
    assert not page.is_visible(".block[data-block='value']")
    assert not page.is_visible(".block[data-block='alternatives']")  # a sub-block has its own entry
    page.fill("#add-problem", "Poca coordinación")
    page.tap(".add-form[data-block='problem'] button[type=submit]")
    wait_for_note(page, "Poca coordinación", "problem")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    page.tap(".back-to-blocks")
    assert page.get_attribute(".canvas-page", "data-view") == "list"
    assert page.text_content("[data-count-for='problem']") == "1"

    # A sub-block opens on its own, inside its parent's frame.
    page.tap(".block-index-item[data-block='alternatives']")
    assert page.is_visible(".block[data-block='alternatives'] .block-title")
    assert not page.is_visible(".block[data-block='problem'] > .block-head")
    page.go_back()
    page.wait_for_function("() => document.querySelector('.canvas-page').dataset.view === 'list'")


def test_notes_typed_while_the_server_is_down_are_sent_when_it_is_back(tmp_path, browser, open_page):
    first = ServerProcess(tmp_path).prepare(facilitator=True).start()
    restarted = None
    try:
        workshop = first.seed()
        page = open_page()
        join_by_code(page, first.url, workshop["code"], "Elena Soto")
        saved = add_note(page, "problem", "Antes del corte")
        wait_saved(page, saved)

        first.stop()
        page.wait_for_function("() => ['reconnecting', 'offline'].includes("
                               "document.querySelector('#connection').dataset.state)")
        offline = add_note(page, "costs", "Escrita sin conexión")
        page.click(f"li.note[data-note-id='{saved}'] textarea")
        page.keyboard.press("End")
        page.keyboard.type(" (editada)")
        page.keyboard.press("Escape")
        for note_id in (offline, saved):
            page.wait_for_selector(f"li.note[data-note-id='{note_id}'] .note-status[data-status='pending']")
        assert page.text_content(f"li.note[data-note-id='{offline}'] .note-status") == "Esperando para enviarse"
        queued = page.evaluate("() => Object.entries(localStorage).filter(([k]) => k.startsWith('lienzo:outbox:'))"
                               ".map(([, v]) => JSON.parse(v))")
        assert len(queued) == 1 and queued[0]["alive"] > 0  # this tab's queue, and it is alive
        assert [op["name"] for op in queued[0]["ops"]] == ["note:add", "note:edit"]

        # The server is back but this page cannot reach its socket yet: a reload
        # still shows what was typed, from the browser's own storage, as pending.
        page.route("**/socket.io/**", lambda route: route.abort())
        restarted = ServerProcess(tmp_path, port=first.port).start()
        page.reload()
        page.wait_for_selector(f"li.note[data-note-id='{offline}'] .note-status[data-status='pending']")
        assert {n["id"]: n["text"] for n in notes(page)}[offline] == "Escrita sin conexión"
        page.unroute("**/socket.io/**")
        wait_connected(page)
        wait_saved(page, offline)
        wait_saved(page, saved)
        token = restarted.join(workshop["code"], "Observer")
        stored = {n["id"]: n for n in server_notes(restarted, workshop["canvas_ids"][0], token)}
        assert stored[offline]["text"] == "Escrita sin conexión" and stored[offline]["block"] == "costs"
        assert stored[saved]["text"] == "Antes del corte (editada)"
    finally:
        first.stop()
        if restarted:
            restarted.stop()


def test_a_stale_edit_keeps_the_typed_text_and_offers_a_choice(server, workshop, open_page):
    # Two tabs of one person may both edit the same note: the second save conflicts.
    one = open_page()
    join_by_code(one, server.url, workshop["code"], "Fabio Ríos")
    two = one.context.new_page()
    two.goto(one.url)
    wait_connected(two)
    note_id = add_note(one, "value", "Versión inicial")
    wait_for_note(two, "Versión inicial", "value")
    textarea = f"li.note[data-note-id='{note_id}'] textarea"

    wait_saved(one, note_id)
    version = "(id) => window.lienzoCanvas.state.notes.get(id).version"
    opened_at = one.evaluate(version, note_id)
    one.click(textarea)                       # the first tab opens the note…
    two.fill(textarea, "Su versión")          # …while the second tab saves a newer version
    two.keyboard.press("Tab")
    wait_saved(two, note_id)
    one.wait_for_function(f"(id) => ({version})(id) > {opened_at}", arg=note_id)
    assert one.input_value(textarea) == "Versión inicial"  # the open note is not redrawn under the cursor
    one.keyboard.press("Control+A")
    one.keyboard.type("Mi versión")           # sent when typing pauses, based on the older version
    one.wait_for_selector(f"li.note[data-note-id='{note_id}'] .note-alert:not([hidden])")
    assert one.input_value(textarea) == "Mi versión"
    assert one.text_content(f"li.note[data-note-id='{note_id}'] .note-alert-theirs") == "Su versión"
    one.click(f"li.note[data-note-id='{note_id}'] .note-alert button.primary")  # keep mine
    wait_for_note(two, "Mi versión", "value")
    assert one.is_hidden(f"li.note[data-note-id='{note_id}'] .note-alert")


def test_note_text_that_looks_like_html_is_shown_as_text(server, workshop, open_page):
    ana, bea = open_page(), open_page()
    join_by_code(ana, server.url, workshop["code"], "<b>Gus</b>")
    join_by_code(bea, server.url, workshop["code"], "Hilda")
    payload = '<img src=x onerror="window.__pwned = 1">'
    add_note(ana, "problem", payload)
    wait_for_note(bea, payload, "problem")
    assert bea.evaluate("() => document.querySelectorAll('.sheet img, .sheet b').length") == 0
    assert bea.evaluate("() => window.__pwned") is None
    (shown,) = notes(bea)
    assert shown["author"] == "<b>Gus</b>"
    bea.reload()
    wait_connected(bea)
    wait_for_note(bea, payload, "problem")
    assert bea.evaluate("() => window.__pwned") is None
