"""Commitments in a real Chromium against the real server: the facilitator turns a
closed vote's most-voted note into a commitment from the control room's results,
and the projector, showing the commitments, has it at once. With a dozen
commitments the projector's list fits 1920x1080 and 1280x720 with no text under
max(16px, 2.2vh), and the commitments page reads at 1920x1080, 1280x800 and on a phone."""

from __future__ import annotations

import uuid

import pytest

from facilitator import board, catalog_of, create_app
from facilitator.board.actors import projector_token, resolve_token
from facilitator.board.schemas import JoinWorkshop, NewCanvases, NewWorkshop
from facilitator.board.workshops import add_canvases, create_workshop, facilitator_seat, join_workshop
from facilitator.config import TestConfig
from facilitator.extensions import db
from facilitator.models import Workshop

from .browser_support import assert_no_sideways_scroll, log_in, open_control_room
from .conftest import make_facilitator
from .servers import PASSWORD, running_server
from .test_browser_projector import screenshot

pytestmark = pytest.mark.browser

INSTITUTIONS = ["MEF", "PCM", "Defensoría del Pueblo", "Municipalidad de Lima", "RENIEC", "SUNAT"]
TOP = "Citas en línea para todos los trámites municipales"


def build(database_url: str, secret_key: str) -> dict:
    """A workshop with one canvas, twelve participants of six institutions, notes, a group,
    and a closed vote whose most-voted note is TOP."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=secret_key)
    with app.app_context():
        email = f"{uuid.uuid4().hex[:8]}@example.org"
        facilitator = make_facilitator(email=email, name="Lucía Facilitadora")
        workshop = create_workshop(facilitator, NewWorkshop(title="Gobierno abierto local"))
        (canvas,) = add_canvases(catalog_of(app), workshop, NewCanvases(template_id="public-policy-lean-canvas",
                                                                        name="Mesa 1"))
        host, seat = facilitator_seat(facilitator, workshop)
        people = [resolve_token(join_workshop(JoinWorkshop(code=workshop.code, name=f"Persona {i + 1}",
                                                           institution=INSTITUTIONS[i % 6]))[1]) for i in range(12)]

        def apply(actor, name, open_canvas=None, **payload):
            return board.apply(actor, open_canvas, name, {"op_id": uuid.uuid4().hex, **payload}).envelope["data"]

        texts = [TOP, "Datos abiertos de obras públicas", "Mesas de diálogo con vecinos",
                 "Presupuesto participativo digital", "Seguimiento ciudadano de compromisos"]
        notes = [apply(people[i], "note:add", canvas.id, block="solution", text=text)["id"]
                 for i, text in enumerate(texts)]
        apply(host, "cluster:create", canvas_id=canvas.id, block="solution", title="Participación",
              note_ids=notes[2:4])
        apply(host, "vote:open", canvas_id=canvas.id, budget=3, max_per_note=3, allow_own=True)
        for i, person in enumerate(people):
            for note in (notes[0], notes[i % 5], notes[(i + 2) % 5]):
                apply(person, "vote:add", canvas.id, note_id=note)
        apply(host, "vote:close", canvas_id=canvas.id)
        projector = projector_token(db.session.get(Workshop, workshop.id))
        ids = {"workshop_id": workshop.id, "canvas_id": canvas.id, "seat": seat, "email": email,
               "projector": projector, "notes": notes}
        db.session.remove()
        db.engine.dispose()
    return ids


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("commitments")) as process:
        yield process


@pytest.fixture(scope="module")
def world(server):
    return build(f"sqlite:///{server.workdir / 'instance' / 'lienzo.db'}", server.env["SECRET_KEY"])


def many_commitments(server, world, count: int) -> None:
    """Fill the list as a long session would: ``count`` more commitments, some with long texts."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{server.workdir / 'instance' / 'lienzo.db'}",
                     SECRET_KEY=server.env["SECRET_KEY"])
    with app.app_context():
        host = resolve_token(world["seat"])
        for i in range(count):
            board.apply(host, None, "commitment:add", {
                "op_id": uuid.uuid4().hex, "canvas_id": world["canvas_id"], "note_id": world["notes"][i % 5],
                "title": f"Compromiso {i + 2}: publicar cada trimestre el avance de las obras del distrito "
                         f"con datos abiertos y una reunión vecinal{' para revisarlo juntos' * (i % 3)}",
                "responsible": INSTITUTIONS[i % 6], "co_responsible": INSTITUTIONS[(i + 1) % 6:(i + 1) % 6 + 2],
                "due": f"2027-{i % 12 + 1:02d}-15", "indicator": "Porcentaje de obras con datos publicados a tiempo",
                "status": ["planned", "in_progress", "at_risk", "done"][i % 4]})
        db.session.remove()
        db.engine.dispose()


MEASURE = """() => {
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const shown = (n) => n.getClientRects().length > 0;
  const list = document.getElementById('projector-commitment-list');
  const lr = list.getBoundingClientRect();
  const out = {items: 0, outside: [], minFont: Infinity, smallest: '', level: list.dataset.level,
               scroll: [document.documentElement.scrollWidth - vw, document.documentElement.scrollHeight - vh]};
  for (const li of list.querySelectorAll('.projector-commitment')) {
    out.items += 1;
    const r = li.getBoundingClientRect();
    if (r.top < lr.top - 1 || r.bottom > lr.bottom + 1 || r.left < -1 || r.right > vw + 1) {
      out.outside.push(li.textContent.slice(0, 40));
    }
  }
  for (const node of document.querySelectorAll('#projector-commitments :is(h1, .commitment-place, .commitment-what,'
      + ' .commitment-state, .commitment-who, .commitment-measure)')) {
    if (!shown(node) || !node.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(node).fontSize);
    if (size < out.minFont) { out.minFont = size; out.smallest = node.className; }
  }
  return out;
}"""


def save(room) -> None:
    """Press "Save" and wait for the dialog to close, or fail with the reason it shows."""
    room.locator("dialog.commitment-dialog[open] [data-action='commitment-save']").click()
    room.wait_for_function("""() => !document.querySelector('dialog.commitment-dialog[open]')
        || document.querySelector('dialog.commitment-dialog .form-error').dataset.state === 'error'""")
    error = room.locator("dialog.commitment-dialog .form-error")
    assert room.locator("dialog.commitment-dialog[open]").count() == 0, error.inner_text()


def test_a_voted_note_becomes_a_commitment_the_projector_shows(server, world, open_page):
    room = open_control_room(open_page, server.url, world["email"], PASSWORD, world["workshop_id"])
    projector = open_page(viewport={"width": 1920, "height": 1080})
    projector.goto(f"{server.url}/p/{world['projector']}")
    projector.wait_for_selector("#projector-join:not([hidden])")

    # The closed vote's results, in the table's card: the most-voted note first, with its button.
    card = room.locator(f"[data-vote-for='{world['canvas_id']}']")
    room.locator(".card-more > summary").first.click()
    first = card.locator(".ranking li").first
    assert TOP in first.inner_text()
    first.get_by_role("button", name=f"Convertir «{TOP}» en compromiso").click()

    dialog = room.locator("dialog.commitment-dialog[open]")
    assert dialog.locator("textarea[data-field='title']").input_value() == TOP
    assert "Defensoría del Pueblo" in dialog.locator(".commitment-co-choices").inner_text()  # the room's institutions
    dialog.get_by_label("Qué se hará").fill("Cita en línea para cada trámite municipal")
    dialog.get_by_label("Entidad responsable").fill("Municipalidad de Lima")
    dialog.get_by_label("PCM").check()
    dialog.get_by_label("Otras (separadas por comas)").fill("Colegio de Abogados")
    dialog.get_by_label("Fecha límite").fill("2027-03-31")
    dialog.get_by_label("Indicador").fill("Trámites con cita en línea")
    dialog.get_by_label("Estado").select_option("in_progress")
    screenshot(room, "commitments-form-1400x1000")
    save(room)

    panel = room.locator("#room-commitments .commitment")
    panel.last.wait_for()
    listed = panel.last.inner_text()
    assert "Cita en línea para cada trámite municipal" in listed and "En curso" in listed
    assert "Responsable: Municipalidad de Lima" in listed and "Con: PCM, Colegio de Abogados" in listed
    assert "31 de marzo de 2027" in listed

    # On the projector: the facilitator shows the commitments, and the new one is there.
    room.select_option("#projector-choice", "commitments")
    room.locator("[data-action='projector-show']").click()
    projector.wait_for_selector("#projector-commitments:not([hidden]) .projector-commitment")
    shown = projector.locator(".projector-commitment").last.inner_text()
    assert "Cita en línea para cada trámite municipal" in shown and "En curso" in shown
    assert "Municipalidad de Lima" in shown and "Trámites con cita en línea" in shown

    # An edit in the control room reaches the projector live.
    panel.last.locator("[data-action='commitment-edit']").click()
    dialog.get_by_label("Estado").select_option("done")
    save(room)
    projector.wait_for_selector(".projector-commitment[data-status='done']")
    assert "Cumplido" in projector.locator(".projector-commitment").last.inner_text()
    screenshot(projector, "commitments-projector-one-1920x1080")


@pytest.fixture(scope="module")
def filled(server, world):
    many_commitments(server, world, 12)
    return world


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=["1920x1080", "1280x720"])
def test_a_dozen_commitments_fit_the_projector(server, filled, open_page, size):
    world = filled
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{server.workdir / 'instance' / 'lienzo.db'}",
                     SECRET_KEY=server.env["SECRET_KEY"])
    with app.app_context():
        board.apply(resolve_token(world["seat"]), None, "projector:show", {"op_id": uuid.uuid4().hex,
                                                                          "mode": "commitments"})
        count = len(board.workshop_state(resolve_token(world["seat"]))["commitments"])
        db.session.remove()
        db.engine.dispose()
    page = open_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{server.url}/p/{world['projector']}")
    page.wait_for_function("(n) => document.querySelectorAll('.projector-commitment').length >= n", arg=count)
    page.wait_for_function("() => document.getElementById('projector-commitment-list').dataset.level !== undefined")
    seen = page.evaluate(MEASURE)
    screenshot(page, f"commitments-projector-{size[0]}x{size[1]}")
    assert seen["items"] == count >= 12
    assert seen["scroll"] == [0, 0] and not seen["outside"], seen
    assert seen["minFont"] >= max(16.0, 0.022 * size[1]) - 0.01, (seen["minFont"], seen["smallest"])


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800), (375, 812)], ids=["1920x1080", "1280x800", "phone"])
def test_the_commitments_page_reads_at_every_size(server, filled, open_page, size):
    world = filled
    page = open_page(viewport={"width": size[0], "height": size[1]})
    log_in(page, server.url, world["email"], PASSWORD)
    page.goto(f"{server.url}/f/workshops/{world['workshop_id']}/commitments")
    assert page.locator("li.commitment").count() >= 1
    assert page.get_by_role("heading", name="Compromisos", level=1).is_visible()
    assert_no_sideways_scroll(page)
    screenshot(page, f"commitments-page-{size[0]}x{size[1]}")


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800), (375, 812)], ids=["1920x1080", "1280x800", "phone"])
def test_the_control_rooms_commitments_panel_at_every_size(server, filled, open_page, size):
    world = filled
    page = open_page(viewport={"width": size[0], "height": size[1]})
    log_in(page, server.url, world["email"], PASSWORD)
    page.goto(f"{server.url}/f/workshops/{world['workshop_id']}/room")
    page.wait_for_selector("#control-room[data-ready='true']")
    panel = page.locator("#room-commitments")
    panel.locator(".commitment").nth(11).wait_for()
    assert panel.locator(".commitment").count() >= 12
    assert_no_sideways_scroll(page)
    panel.scroll_into_view_if_needed()
    screenshot(page, f"commitments-room-{size[0]}x{size[1]}")


@pytest.mark.parametrize("size", [(1280, 800), (375, 812)], ids=["1280x800", "375x812"])
def test_the_control_room_reorders_commitments_from_the_keyboard(server, filled, open_page, size):
    world = filled
    room = open_control_room(open_page, server.url, world["email"], PASSWORD, world["workshop_id"])
    room.set_viewport_size({"width": size[0], "height": size[1]})
    panel = room.locator("#room-commitments .commitment")
    panel.nth(2).wait_for()
    ids = panel.evaluate_all("(items) => items.map((li) => li.dataset.commitment)")
    assert panel.first.locator("[data-action='commitment-up']").is_disabled()
    assert panel.last.locator("[data-action='commitment-down']").is_disabled()

    third = panel.nth(2).locator("[data-action='commitment-up']")
    assert third.get_attribute("aria-label") == "Subir el compromiso 3"
    third.focus()
    room.keyboard.press("Enter")
    room.wait_for_function("(id) => document.querySelector('#room-commitments .commitment:nth-child(2)')"
                           ".dataset.commitment === id", arg=ids[2])
    # The focus stays on the moved commitment's button: Enter again takes it to the top.
    room.wait_for_function("(id) => document.activeElement.closest('.commitment')?.dataset.commitment === id",
                           arg=ids[2])
    room.keyboard.press("Enter")
    room.wait_for_function("(id) => document.querySelector('#room-commitments .commitment')"
                           ".dataset.commitment === id", arg=ids[2])
    order = panel.evaluate_all("(items) => items.map((li) => li.dataset.commitment)")
    assert order[:3] == [ids[2], ids[0], ids[1]] and order[3:] == ids[3:]
    # At the top, "up" is disabled and the focus went to "down".
    room.wait_for_function("() => document.activeElement.dataset.action === 'commitment-down'")
    panel.first.scroll_into_view_if_needed()
    assert_no_sideways_scroll(room)
    room.screenshot(path=f"/tmp/owners2-room-commitments-{size[0]}x{size[1]}.png")
    for place in (2, 3):  # and back down, from the keyboard, to leave the order as it was for the other size
        room.keyboard.press("Enter")
        room.wait_for_function("([id, place]) => document.querySelector("
                               "`#room-commitments .commitment:nth-child(${place})`).dataset.commitment === id",
                               arg=[ids[2], place])
    assert panel.evaluate_all("(items) => items.map((li) => li.dataset.commitment)") == ids
