"""The facilitator's cockpit in a real headless Chromium against the real
server: one whole round from the control room, two participants' canvas pages
and the projector screen, driven by their Spanish labels."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from .browser_support import (
    fetch_export,
    join_by_code,
    log_in,
    notes,
    open_control_room,
    open_projector_from,
    shown_texts,
    wait_for_note,
)
from .servers import PASSWORD, running_server

pytestmark = pytest.mark.browser

EMAIL = "lucia@example.org"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # A click on a download link here must download (test_browser_exports covers the progress
    # page of a long export): the request may wait for its file as long as a loaded machine needs.
    with running_server(tmp_path_factory.mktemp("cockpit"), env={"EXPORT_WAIT": "120"}) as process:
        yield process


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
    name = "Retirar voto de esta nota" if take_back else "Votar por esta nota"
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
    room = open_control_room(open_page, server.url, EMAIL, PASSWORD, workshop["workshop_id"])
    projector = open_projector_from(room)
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
            wait_for_note(page, text)
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


def test_the_room_steers_what_participants_can_do(server, open_page):
    workshop = server.seed(email="marta@example.org", title="Taller de controles")
    canvas_id = workshop["canvas_ids"][0]
    room = open_control_room(open_page, server.url, "marta@example.org", PASSWORD, workshop["workshop_id"])
    card = room.locator(f".room-card[data-canvas-id='{canvas_id}']")
    ana, bea = open_page(), open_page()
    join_by_code(ana, server.url, workshop["code"], "Ana Torres", "Ministerio de Economía")
    join_by_code(bea, server.url, workshop["code"], "Bea Ruiz", "Municipalidad")
    write(ana, "problem", "Colas largas")
    write(ana, "problem", "Filas en la ventanilla")
    card.locator(".people-online").filter(has_text="Ana Torres (Ministerio de Economía)").wait_for()

    # Ready and a raised hand reach the room with names; the facilitator resets them.
    ana.get_by_role("button", name="Estoy listo/a").click()
    ana.get_by_role("button", name="Levantar la mano").click()
    ana.wait_for_selector("#hand-toggle[aria-pressed='true']")
    card.locator(".people-ready").filter(has_text="Personas listas: 1/2 (Ana Torres)").wait_for()
    card.locator(".people-hands").filter(has_text="Manos levantadas: 1 (Ana Torres)").wait_for()
    room.locator("#announcer").filter(has_text="Ana Torres levantó la mano").wait_for()
    room.get_by_role("button", name="Reiniciar «listo» y manos levantadas").click()
    ana.wait_for_selector("#ready-toggle[aria-pressed='false']")
    ana.wait_for_selector("#hand-toggle[aria-pressed='false']")

    # A locked block, then the whole canvas: participants read but cannot write.
    card.get_by_role("button", name="Bloquear «Problema público»").click()
    ana.wait_for_selector(".block[data-block='problem'] > .add-note:disabled")
    assert ana.is_enabled(".block[data-block='solution'] > .add-note")
    assert ana.text_content("[data-flags-for='problem']") == "Bloqueado"
    card.get_by_role("button", name="Bloquear el lienzo").click()
    ana.wait_for_selector(".block[data-block='solution'] > .add-note:disabled")
    ana.locator("#live-notices").filter(has_text="Quien facilita bloqueó este lienzo por ahora").wait_for()
    assert ana.locator("li.note textarea").count() == 0  # her notes are read-only now
    card.get_by_role("button", name="Bloquear el lienzo").click()
    card.get_by_role("button", name="Bloquear «Problema público»").click()
    ana.wait_for_selector(".block[data-block='problem'] > .add-note:enabled")

    # An invitation to a block, with a one-tap jump.
    card.get_by_role("button", name="Invitar al grupo a «Costos y recursos»").click()
    ana.locator("#focus-text").filter(has_text="Quien facilita le invita a: Costos y recursos").wait_for()
    ana.get_by_role("link", name="Ir allí").click()
    assert ana.evaluate("() => document.activeElement.id") == "title-costs"
    assert ana.is_hidden("#focus-prompt")

    # Notes grouped under a title inside their block, then ungrouped.
    card.get_by_text("Temporizador, votación y grupos").click()
    groups = card.get_by_role("group", name="Grupos de notas")
    groups.get_by_label("Título del grupo").fill("Esperas")
    groups.get_by_label("Colas largas").check()
    groups.get_by_label("Filas en la ventanilla").check()
    groups.get_by_role("button", name="Agrupar las notas elegidas").click()
    bea.locator("ul.notes[data-block='problem'] .cluster-head").filter(has_text="Esperas (2)").wait_for()
    groups.get_by_role("button", name="Desagrupar «Esperas»").click()
    bea.wait_for_selector(".cluster-head", state="detached")

    # An anonymous canvas shows others no names, only the institution.
    card.get_by_role("button", name="Anónimo").click()
    bea.wait_for_function("() => [...document.querySelectorAll('.note-author')].every(a => "
                          "a.textContent === 'Ministerio de Economía')")
    assert ana.text_content("li.note .note-author") == "Usted"

    # The workshop can hide institutions too, live; a note written meanwhile follows the setting.
    authors_are = "(name) => [...document.querySelectorAll('.note-author')].every(a => a.textContent === name)"
    write(ana, "solution", "Turnos en línea")
    bea.wait_for_function("() => [...document.querySelectorAll('.note-text')].some(t => t.textContent.includes("
                          "'Turnos en línea') || t.value === 'Turnos en línea')")
    bea.wait_for_function(authors_are, arg="Ministerio de Economía")
    institutions = room.get_by_role("button", name="Instituciones en los lienzos anónimos", exact=True)
    institutions.click()
    room.wait_for_selector("[data-action='workshop-institutions'][aria-pressed='false']")
    bea.wait_for_function(authors_are, arg="")
    institutions.click()
    bea.wait_for_function(authors_are, arg="Ministerio de Economía")
    # Ending anonymity gives the names back, also of the note Bea has only seen anonymous.
    card.get_by_role("button", name="Anónimo").click()
    bea.wait_for_function(authors_are, arg="Ana Torres")

    # A canvas timer that locks when the time is up: taking the last minute away ends it.
    timer = card.get_by_role("group", name="Temporizador de este lienzo")
    timer.get_by_label("Minutos").fill("0.5")
    timer.get_by_label("Bloquear al terminar el tiempo").check()
    timer.get_by_role("button", name="Iniciar").click()
    ana.locator("#timer-time").filter(has_text=re.compile(r"^0:[0-3]\d$")).wait_for()
    timer.get_by_role("button", name="−1 min (un minuto menos)").click()
    ana.locator("#timer-time").filter(has_text="Se acabó el tiempo").wait_for()
    ana.locator("#announcer").filter(has_text="Se acabó el tiempo").wait_for()
    ana.wait_for_selector(".block[data-block='costs'] > .add-note:disabled")
    timer.get_by_role("button", name="Detener").click()
    ana.wait_for_selector(".block[data-block='costs'] > .add-note:enabled")
    assert ana.is_hidden("#timer")

    # Closing the workshop (asked first) makes every page read-only; reopening undoes it.
    room.get_by_role("button", name="Cerrar el taller").click()
    room.locator(".confirm").get_by_role("button", name="Cerrar el taller").click()
    ana.locator("#live-notices").filter(has_text="Este taller está cerrado").wait_for()
    assert ana.is_disabled(".block[data-block='costs'] > .add-note")
    room.get_by_role("button", name="Reabrir el taller").click()
    ana.wait_for_selector(".block[data-block='costs'] > .add-note:enabled")

    # Removing someone (asked first) ends their page calmly; it stops reconnecting.
    room.get_by_role("button", name="Retirar a Bea Ruiz").click()
    room.locator(".confirm").get_by_role("button", name="Retirar").click()
    bea.get_by_role("heading", name="Su sesión terminó").wait_for()
    assert "Quien facilita le retiró de este taller." in bea.text_content("main")
    assert bea.evaluate("() => { const c = window.lienzoCanvas.connection; return [c.ended, c.socket.active]; }") \
        == [True, False]
    room.wait_for_selector("tr[data-person] >> text=Bea Ruiz", state="detached")


def test_the_facilitator_downloads_the_results_from_the_room_and_the_canvas_page(server, open_page):
    workshop = server.seed(email="nora@example.org", title="Taller de resultados")
    canvas_id = workshop["canvas_ids"][0]
    ana = open_page()
    join_by_code(ana, server.url, workshop["code"], "Ana Torres")
    write(ana, "problem", "Colas largas")
    # A participant's page offers no downloads.
    assert ana.locator("#canvas-downloads, a[href*='/export']").count() == 0

    room = open_control_room(open_page, server.url, "nora@example.org", PASSWORD, workshop["workshop_id"])
    exports = room.get_by_role("region", name="Exportar los resultados")
    kinds = {"Informe del taller (PDF)": "application/pdf", "Informe del taller (Markdown)": "text/markdown",
             "Todos los lienzos (PDF, A3)": "application/pdf", "Todos los lienzos (PDF, A4)": "application/pdf",
             "Hoja de cálculo (XLSX)": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "Todas las notas (CSV)": "text/csv",
             "Archivo del taller para importarlo en otro lugar (JSON)": "application/json",
             "Ideas más votadas y compromisos para Decidim (CSV)": "text/csv",
             "Ideas más votadas y compromisos para Decidim (JSON)": "application/json"}
    assert exports.get_by_role("link").all_text_contents() == list(kinds)
    card = room.locator(f".room-card[data-canvas-id='{canvas_id}']")
    links = dict(kinds)
    for size in ("A3", "A4"):
        links[f"Descargar Mesa en PDF, {size}"] = "application/pdf"
        assert card.get_by_role("link", name=f"Descargar Mesa en PDF, {size}").text_content() == size

    def fetch(page, scope, name: str):
        """Follow the link as the browser would, with the facilitator's session."""
        answer = fetch_export(page, server.url + scope.get_by_role("link", name=name).get_attribute("href"))
        assert answer.status == 200, (name, answer.status)
        return answer.headers["content-type"].split(";")[0], answer.headers["content-disposition"]

    for name, kind in links.items():
        scope = exports if name in kinds else card
        got, disposition = fetch(room, scope, name)
        assert got == kind and disposition.startswith("attachment;"), name
    with room.expect_download() as download:
        exports.get_by_role("link", name="Informe del taller (Markdown)").click()
    assert download.value.suggested_filename.endswith("-informe.md")
    assert "Colas largas" in Path(download.value.path()).read_text(encoding="utf-8")

    # The facilitator's canvas page: this canvas's PDF, A3 or A4.
    card.get_by_role("link", name="Abrir Mesa").click()
    room.wait_for_selector("#connection[data-state='connected']")
    downloads = room.get_by_role("group", name="Descargar este lienzo")
    assert downloads.get_by_role("link").all_text_contents() == ["A3", "A4"]
    for size in ("A3", "A4"):
        kind, disposition = fetch(room, downloads, f"Descargar este lienzo en PDF, {size}")
        assert kind == "application/pdf" and ".pdf" in disposition, disposition
    with room.expect_download() as download:
        downloads.get_by_role("link", name="A4").click()
    assert download.value.suggested_filename.endswith(".pdf")


def focus_events(server) -> int:
    """How many workshop.focus events the server's log holds."""
    database = server.workdir / "instance" / "lienzo.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT COUNT(*) FROM event WHERE type = 'workshop.focus'").fetchone()[0]


def test_the_toolbar_focus_sends_nothing_when_a_chosen_table_lacks_the_block(server, open_page):
    """Two tables on the Public Policy Lean Canvas and one on the Empathy Map: "Problema
    público" for every table is refused before anything is sent, naming the table that lacks
    it; for the two tables that have it, it is done (one event each)."""
    workshop = server.seed(email=EMAIL, canvases=2, title="Taller de dos plantillas")
    mapa = workshop["http"].post(f"{server.url}/api/workshops/{workshop['workshop_id']}/canvases",
                                 json={"template_id": "empathy-map", "name": "Mapa", "count": 1}, timeout=30)
    assert mapa.ok, mapa.text
    room = open_page(viewport={"width": 1400, "height": 1000})
    log_in(room, server.url, EMAIL, PASSWORD)
    room.goto(f"{server.url}/f/workshops/{workshop['workshop_id']}/room")
    room.wait_for_selector("#control-room[data-ready='true']")
    room.wait_for_selector("#connection[data-state='connected']")
    before = focus_events(server)

    toolbar = room.locator("#room-bulk")
    room.select_option("#bulk-block", label="Problema público")
    toolbar.get_by_role("button", name="Llevar a este bloque", exact=True).click()
    toolbar.locator(".bulk-status[data-state='error']").filter(
        has_text="«Problema público» no está en el lienzo de Mapa").wait_for()
    assert room.evaluate("() => document.activeElement.id") == "bulk-block"
    assert focus_events(server) == before
    assert room.text_content("#room-controls .focus-now") == "Sin foco: cada quien trabaja donde está."

    for canvas_id in workshop["canvas_ids"]:
        room.locator(f".room-card[data-canvas-id='{canvas_id}'] .card-choose").check()
    toolbar.get_by_role("button", name="Llevar a este bloque", exact=True).click()
    toolbar.locator(".bulk-status[data-state='ok']").filter(has_text="hecho en 2 mesas").wait_for()
    assert focus_events(server) == before + 2
    room.wait_for_function("() => document.querySelectorAll('.room-card .flag-focus').length === 2")
