"""A recipe driven from the control room (issue 13): choose it, start the first phase,
go on and back; every table of the real-size workshop follows at once (the server's log
holds each table's controls), and the phone of a participant and the projector show the
phase's instruction, also when loaded in the middle of a phase."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from .browser_support import PageErrors
from .real_size import LAPTOP, PHONE, Visit
from .waiting import BROWSER_MS

pytestmark = pytest.mark.browser

RECIPE = "public-policy-lean-canvas-90"


@pytest.fixture(scope="module")
def visit(browser, real_size_server):
    server, demo = real_size_server
    return Visit(browser, server, demo)


def events(server, kind: str) -> Counter:
    database = server.workdir / "instance" / "lienzo.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT canvas_id, COUNT(*) FROM event WHERE type = ? GROUP BY canvas_id",
                                  (kind,)).fetchall()
    return Counter(dict(rows))


def phase_now(room, text: str) -> None:
    room.locator("#room-recipe .phase-now").filter(has_text=text).wait_for(timeout=BROWSER_MS)


def test_a_recipe_runs_every_table_and_the_phone_and_projector_follow(visit, real_size_server):
    server, demo = real_size_server
    opened = []
    try:
        opened.append(visit.open("control-room", LAPTOP))
        room = opened[-1][1]
        room_errors = PageErrors(room)
        opened.append(visit.open("canvas", PHONE))
        phone = opened[-1][1]
        opened.append(visit.open("projector", "1920x1080"))
        projector = opened[-1][1]

        recipe = room.locator("#room-recipe")
        phase_now(room, "Sin receta")
        recipe.locator("#recipe-choice").select_option(RECIPE)
        recipe.get_by_role("button", name="Seguir", exact=True).click()
        phase_now(room, "ninguna fase ha empezado")
        assert recipe.locator(".phase-agenda li").count() == 7

        hidden_before = events(server, "canvas.hidden")
        recipe.get_by_role("button", name="Iniciar la primera fase", exact=True).click()
        phase_now(room, "Fase 1 de 7: Problema: escritura en silencio")
        assert recipe.locator(".phase-agenda li[aria-current='step']").inner_text().startswith("Problema")
        assert "Escribe en silencio" in recipe.locator(".phase-instruction").inner_text()
        recipe.locator(".phase-time-left").filter(has_text="Tiempo previsto").wait_for(timeout=BROWSER_MS)
        # Every one of the ten tables got its silent writing as an event of its own.
        assert events(server, "canvas.hidden") - hidden_before == Counter({c: 1 for c in demo.canvas_ids})
        phone.locator(".notice--phase").filter(has_text="Problema: escritura en silencio").wait_for(
            timeout=BROWSER_MS)
        phone.locator(".notice--hidden").wait_for(timeout=BROWSER_MS)
        projector.locator("#projector-phase").filter(has_text="Escribe en silencio").wait_for(timeout=BROWSER_MS)

        revealed_before = events(server, "canvas.revealed")
        recipe.get_by_role("button", name="Fase siguiente", exact=True).click()
        phase_now(room, "Fase 2 de 7: Revelar y agrupar")
        assert events(server, "canvas.revealed") - revealed_before == Counter({c: 1 for c in demo.canvas_ids})
        phone.locator(".notice--phase").filter(has_text="Revelar y agrupar").wait_for(timeout=BROWSER_MS)
        projector.locator("#projector-phase").filter(has_text="Revelar y agrupar").wait_for(timeout=BROWSER_MS)

        # A phone that loads the page now sees the phase at once.
        phone.reload()
        phone.locator(".notice--phase").filter(has_text="Lean las notas de todos").wait_for(timeout=BROWSER_MS)

        recipe.get_by_role("button", name="Fase anterior", exact=True).click()
        phase_now(room, "Fase 1 de 7")
        phone.locator(".notice--phase").filter(has_text="Problema: escritura en silencio").wait_for(
            timeout=BROWSER_MS)
        assert recipe.get_by_role("button", name="Fase anterior", exact=True).is_disabled()

        # The chosen tables only: the toolbar's choice applies to the phase too.
        chosen = [demo.canvas_ids[2], demo.canvas_ids[5]]
        for canvas_id in chosen:
            room.locator(f".room-card[data-canvas-id='{canvas_id}'] .card-choose").check()
        revealed_before = events(server, "canvas.revealed")
        recipe.get_by_role("button", name="Fase siguiente", exact=True).click()
        phase_now(room, "Fase 2 de 7")
        assert events(server, "canvas.revealed") - revealed_before == Counter(dict.fromkeys(chosen, 1))
        # Mesa 1 (the phone's) was not chosen: it stays in silent writing.
        phone.locator(".notice--phase").filter(has_text="Problema: escritura en silencio").wait_for(
            timeout=BROWSER_MS)
        assert not room_errors.errors, room_errors.errors
    finally:
        for context, _page in opened:
            context.close()
