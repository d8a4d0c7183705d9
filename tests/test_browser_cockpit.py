"""The facilitator's cockpit in a real headless Chromium against the real
server: one whole round from the control room, two participants' canvas pages
and the projector screen, driven by their Spanish labels."""

from __future__ import annotations

import re

import pytest

from .browser_support import join_by_code, log_in, notes, shown_texts, wait_for_note
from .servers import PASSWORD, ServerProcess

pytestmark = pytest.mark.browser

EMAIL = "lucia@example.org"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = ServerProcess(tmp_path_factory.mktemp("cockpit")).prepare()
    process.start()
    try:
        yield process
    finally:
        process.stop()


def write(page, block: str, text: str) -> None:
    """Add a note with the block's "+" and wait until the server has it."""
    page.click(f".block[data-block='{block}'] > .add-note")
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('textarea.note-text')")
    page.keyboard.type(text)
    page.keyboard.press("Escape")
    page.wait_for_function("""(text) => [...document.querySelectorAll('li.note')].some(li =>
        li.querySelector('.note-text').value === text && li.querySelector('.note-status').dataset.status !== 'pending'
        && !li.classList.contains('is-pending'))""", arg=text)


def note_selector(page, text: str) -> str:
    """The note showing this text (one's own notes are text fields, so not found by has_text)."""
    (note_id,) = [n["id"] for n in notes(page) if n["text"] == text]
    return f"li.note[data-note-id='{note_id}']"


def note(page, text: str):
    return page.locator(note_selector(page, text))


def vote(page, text: str, times: int = 1, take_back: bool = False) -> None:
    """Give (or take back) votes one by one, each time waiting for the server's answer."""
    votes = note_selector(page, text) + " .note-votes"
    name = "Retirar uno de sus votos de esta nota" if take_back else "Dar un voto a esta nota"
    for _ in range(times):
        before = int(page.get_attribute(votes, "data-mine"))
        page.locator(votes).get_by_role("button", name=name).click()
        after = before - 1 if take_back else before + 1
        page.wait_for_selector(f"{votes}[data-mine='{after}'][aria-busy='false']")


def test_a_whole_round_from_the_control_room(server, open_page):
    server.create_facilitator(email=EMAIL, name="Lucía Facilitadora")
    workshop = server.seed(email=EMAIL, title="Taller de la ronda")
    canvas_id = workshop["canvas_ids"][0]

    # The facilitator logs in, opens the control room and, from it, the projector screen.
    room = open_page(viewport={"width": 1400, "height": 1000})
    log_in(room, server.url, EMAIL, PASSWORD)
    room.goto(f"{server.url}/f/workshops/{workshop['workshop_id']}/room")
    room.wait_for_selector("#control-room[data-ready='true']")
    room.wait_for_selector("#connection[data-state='connected']")
    with room.expect_popup() as opened:
        room.get_by_role("link", name="Abrir la pantalla del proyector").click()
    projector = opened.value
    projector.wait_for_selector("#projector-join:not([hidden])")
    assert workshop["code"] in projector.text_content(".projector-code")

    # A five-minute timer for everyone, and silent writing on the table's canvas.
    workshop_timer = room.get_by_role("group", name="Temporizador de todo el taller")
    workshop_timer.get_by_label("Minutos").fill("5")
    workshop_timer.get_by_role("button", name="Iniciar").click()
    workshop_timer.get_by_role("timer").filter(has_text=re.compile(r"[45]:\d\d")).wait_for()
    card = room.locator(f".room-card[data-canvas-id='{canvas_id}']")
    silent = card.get_by_role("button", name="Escritura en silencio")
    silent.click()
    card.locator("[data-action='hidden'][aria-pressed='true']").wait_for()

    # Two participants join by code and write while the others cannot read them.
    ana, bea = open_page(), open_page()
    join_by_code(ana, server.url, workshop["code"], "Ana Torres", "Ministerio de Economía")
    join_by_code(bea, server.url, workshop["code"], "Bea Ruiz", "Municipalidad")
    for page in (ana, bea):
        assert re.fullmatch(r"[45]:\d\d", page.text_content("#timer-time"))
        assert "Escritura en silencio" in page.text_content("#live-notices")
    write(ana, "problem", "Trámites que se repiten")
    write(ana, "solution", "Ventanilla única")
    write(bea, "problem", "Datos dispersos")
    for block in ("problem", "solution"):
        bea.locator(f"[data-hidden-for='{block}']").filter(has_text=re.compile("^1 nota oculta$")).wait_for()
    assert shown_texts(bea) == ["Datos dispersos"]
    assert "Trámites" not in bea.content() and "Ventanilla" not in bea.content()
    assert bea.text_content("li.note .note-private") == "Solo usted y quien facilita ven esta nota"
    ana.locator("[data-hidden-for='problem']").filter(has_text=re.compile("^1 nota oculta$")).wait_for()
    assert "Datos dispersos" not in ana.content()
    card.locator("tr[data-block='problem'] .hidden-col").filter(has_text="2").wait_for()

    # The reveal: both see every note, and are told so.
    card.get_by_role("button", name=re.compile(r"^Revelar")).click()
    for page in (ana, bea):
        for text in ("Trámites que se repiten", "Ventanilla única", "Datos dispersos"):
            wait_for_note(page, text, timeout=5_000)
        page.wait_for_function("() => document.querySelector('#announcer').textContent.startsWith('Se revelaron')")
        assert page.locator("[data-hidden-for]:not([hidden])").count() == 0

    # A dot vote: three votes each, at most three on a note; the budget left is shown.
    card.get_by_text("Temporizador, votación y grupos").click()
    card.get_by_label("Votos por persona").fill("3")
    card.get_by_role("button", name="Abrir una votación").click()
    for page in (ana, bea):
        page.locator("#vote-text").filter(has_text="le quedan 3 de 3 votos").wait_for()
    assert note(ana, "Trámites que se repiten").locator(".note-votes").is_hidden()  # not one's own notes
    assert note(ana, "Datos dispersos").locator(".note-votes").is_visible()
    vote(ana, "Datos dispersos", 3)
    assert "le quedan 0 de 3 votos" in ana.text_content("#vote-text")
    vote(bea, "Trámites que se repiten", 3)
    vote(bea, "Trámites que se repiten", take_back=True)
    assert "le quedan 1 de 3 votos" in bea.text_content("#vote-text")
    vote(bea, "Ventanilla única")
    assert "le quedan 0 de 3 votos" in bea.text_content("#vote-text")
    card.locator(".vote-voters").filter(has_text="Votaron 2 personas").wait_for()

    # Closing publishes the votes; the projector shows the ranking.
    card.get_by_role("button", name="Cerrar la votación").click()
    note(bea, "Datos dispersos").locator(".vote-count").filter(has_text="3 votos").wait_for()
    card.get_by_role("button", name="Mostrar los resultados en el proyector").click()
    projector.wait_for_selector("#projector-results:not([hidden]) .result >> nth=2")
    ranking = projector.eval_on_selector_all(
        "#projector-ranking .result", "rows => rows.map(r => [r.querySelector('.result-votes').textContent, "
        "r.querySelector('.result-text').textContent])")
    assert ranking == [["3 votos", "Datos dispersos"], ["2 votos", "Trámites que se repiten"],
                       ["1 voto", "Ventanilla única"]]
    assert "Resultados de la votación" in projector.text_content("#projector-results-title")
