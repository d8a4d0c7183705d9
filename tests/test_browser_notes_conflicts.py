"""Notes put content first; conflicts name people; editing badges go when the editor does.

Real Chromium against a real server: a participant and the facilitator (who may edit
any note) write in the same note.
"""

from __future__ import annotations

import pytest

from .browser_support import add_note, join_by_code, log_in, wait_connected, wait_for_note, wait_saved
from .servers import PASSWORD, running_server

pytestmark = pytest.mark.browser

FACILITATOR = "Ana Facilitadora"  # the name servers.ServerProcess.seed gives the facilitator


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("notes")) as process:
        yield process


@pytest.fixture
def workshop(server):
    return server.seed()


def facilitator_on_canvas(open_page, server, workshop, **options):
    page = open_page(**options)
    log_in(page, server.url, "ana@example.org", PASSWORD)
    page.goto(f"{server.url}/c/{workshop['canvas_ids'][0]}")
    wait_connected(page)
    return page


def note(page, note_id: str):
    return page.locator(f"li.note[data-note-id='{note_id}']")


def test_a_note_shows_its_text_not_its_colour_or_a_saved_label(server, workshop, open_page):
    bea = open_page()
    join_by_code(bea, server.url, workshop["code"], "Bea Soto")
    note_id = add_note(bea, "problem", "Colas de tres horas")
    wait_saved(bea, note_id)
    shown = note(bea, note_id)
    # Nothing about the colour or the saving is printed on the note…
    assert "Guardado" not in shown.inner_text()
    printed = shown.evaluate("""(li) => [...li.querySelectorAll('*')].filter(e => e.childElementCount === 0)
        .filter(e => { const r = e.getBoundingClientRect(); return r.width > 1 && r.height > 1; })
        .map(e => e.textContent).join(' ')""")
    assert "Amarillo" not in printed, printed
    # …but a screen reader hears the colour with the note.
    assert "Amarillo" in shown.locator("textarea.note-text").get_attribute("aria-label")
    assert shown.locator(".note-color-name").text_content() == "Amarillo"


def bea_in_a_conflict(server, workshop, open_page):
    """Bea types in her note while the facilitator saves a newer version: Bea's page shows the
    conflict. Returns (bea, ana, note_id)."""
    bea = open_page()
    join_by_code(bea, server.url, workshop["code"], "Bea Soto")
    note_id = add_note(bea, "value", "Versión de Bea")
    wait_saved(bea, note_id)
    ana = facilitator_on_canvas(open_page, server, workshop)
    wait_for_note(ana, "Versión de Bea", "value", timeout=5_000)
    textarea = f"li.note[data-note-id='{note_id}'] textarea"

    version = "(id) => window.lienzoCanvas.state.notes.get(id).version"
    bea.click(textarea)                       # Bea opens her note…
    ana.fill(textarea, "Versión de Ana")      # …while the facilitator saves a newer version
    ana.keyboard.press("Tab")
    wait_saved(ana, note_id)
    bea.wait_for_function(f"(id) => ({version})(id) >= 2", arg=note_id)
    bea.keyboard.press("Control+A")
    bea.keyboard.type("Versión final de Bea")  # based on the older version: a conflict
    note(bea, note_id).locator(".note-alert").get_by_role("button", name="Conservar mi texto").wait_for()
    return bea, ana, note_id


def test_a_conflict_names_the_other_writer_and_the_replaced_writer_is_told(server, workshop, open_page):
    bea, ana, note_id = bea_in_a_conflict(server, workshop, open_page)
    alert = note(bea, note_id).locator(".note-alert")
    assert alert.locator("button").all_text_contents() == [
        "Conservar mi texto", f"Conservar el texto de {FACILITATOR}"]
    assert f"{FACILITATOR} cambió esta nota mientras usted escribía." in alert.text_content()
    assert alert.locator(".note-alert-theirs").text_content() == "Versión de Ana"
    alert.locator("button.primary").click()   # keep my text: it replaces Ana's

    told = note(ana, note_id).locator(".note-alert")
    told.wait_for()
    assert "Bea Soto reemplazó su texto en esta nota." in told.text_content()
    assert told.locator(".note-alert-theirs").text_content() == "Versión de Ana"  # hers, to copy
    wait_for_note(ana, "Versión final de Bea", "value", timeout=5_000)
    told.locator("button").click()
    assert told.is_hidden()


FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50))))"


def test_a_button_stays_under_the_pointer_while_it_is_pressed(server, workshop, open_page):
    """A person's click lasts a few frames. Pressing "Conservar mi texto" takes the focus out of
    the text typed in, which fits the board again (board-view.js): the fit waits for the press
    to end, so the button does not move away from under the pointer and the click lands."""
    bea, ana, note_id = bea_in_a_conflict(server, workshop, open_page)
    keep = note(bea, note_id).locator(".note-alert button.primary")
    box = keep.bounding_box()
    bea.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    bea.mouse.down()
    bea.evaluate(FRAMES)                      # held down while the page draws
    assert keep.bounding_box() == box
    bea.mouse.up()
    assert bea.evaluate("(id) => window.lienzoCanvas.state.kept(id)", note_id) is None  # the click landed
    wait_for_note(ana, "Versión final de Bea", "value")


def test_no_notice_when_someone_edits_after_the_text_was_read_by_nobody_else(server, workshop, open_page):
    """Only the writer of the replaced version is told: Bea's own later edits tell nobody."""
    bea = open_page()
    join_by_code(bea, server.url, workshop["code"], "Bea Soto")
    ana = facilitator_on_canvas(open_page, server, workshop)
    note_id = add_note(bea, "value", "Primera")
    wait_saved(bea, note_id)
    textarea = f"li.note[data-note-id='{note_id}'] textarea"
    bea.fill(textarea, "Segunda")
    bea.keyboard.press("Tab")
    wait_saved(bea, note_id)
    wait_for_note(ana, "Segunda", "value", timeout=5_000)
    assert note(ana, note_id).locator(".note-alert").is_hidden()
    assert note(bea, note_id).locator(".note-alert").is_hidden()


HIDE = """(state) => {
  Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
  Object.defineProperty(document, 'hidden', {value: state === 'hidden', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def test_the_editing_badge_goes_when_the_tab_is_hidden_and_comes_back(server, workshop, open_page):
    bea = open_page()
    join_by_code(bea, server.url, workshop["code"], "Bea Soto")
    note_id = add_note(bea, "problem", "Nota abierta")
    wait_saved(bea, note_id)
    ana = facilitator_on_canvas(open_page, server, workshop)
    wait_for_note(ana, "Nota abierta", "problem", timeout=5_000)
    badge = note(ana, note_id).locator(".note-editing")

    bea.click(f"li.note[data-note-id='{note_id}'] textarea")
    badge.filter(has_text="Bea Soto").wait_for()
    bea.evaluate(HIDE, "hidden")               # Bea switches to another tab or app
    badge.wait_for(state="hidden")
    bea.evaluate(HIDE, "visible")              # and comes back, the note still open
    badge.filter(has_text="Bea Soto").wait_for()


def test_the_editing_badge_goes_when_typing_stops_for_a_while(server, workshop, open_page):
    bea = open_page()
    bea.add_init_script("window.lienzoIdleMs = 1500")  # typing.js IDLE_MS (30 s), shortened
    join_by_code(bea, server.url, workshop["code"], "Bea Soto")
    note_id = add_note(bea, "problem", "Nota sin tocar")
    wait_saved(bea, note_id)
    ana = facilitator_on_canvas(open_page, server, workshop)
    wait_for_note(ana, "Nota sin tocar", "problem", timeout=5_000)
    badge = note(ana, note_id).locator(".note-editing")

    textarea = f"li.note[data-note-id='{note_id}'] textarea"
    bea.click(textarea)
    bea.keyboard.type(" y más")
    badge.filter(has_text="Bea Soto").wait_for()
    badge.wait_for(state="hidden")             # no keystroke for the idle time
    assert bea.evaluate("() => document.activeElement.classList.contains('note-text')")  # still open
    bea.keyboard.type("!")                     # typing again: the badge is back
    badge.filter(has_text="Bea Soto").wait_for()
