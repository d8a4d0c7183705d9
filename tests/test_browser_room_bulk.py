"""The control room's toolbar at the size of a real workshop (issue 11, item 3).

One click in the browser reaches every table, or only the tables chosen on
their cards: the page sends the existing operation once per table, so the
server's log holds one event per table and each canvas changes state. Checked
against a real server holding the demo workshop (10 tables, 60 people).
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter

import pytest

from .browser_support import PageErrors
from .real_size import LAPTOP, PHONE, Visit
from .waiting import BROWSER_MS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def visit(browser, real_size_server):
    server, demo = real_size_server
    return Visit(browser, server, demo)


@pytest.fixture
def room(visit):
    """The control room of the real-size workshop at 1280×800; fails on any script error."""
    context, page = visit.open("control-room", LAPTOP)
    errors = PageErrors(page)
    yield page
    context.close()
    assert not errors.errors, errors.errors


def events(server, kind: str) -> Counter:
    """How many events of ``kind`` each canvas has in the server's log."""
    database = server.workdir / "instance" / "lienzo.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT canvas_id, COUNT(*) FROM event WHERE type = ? GROUP BY canvas_id",
                                  (kind,)).fetchall()
    return Counter(dict(rows))


def click_for_tables(room, label: str, tables: int) -> None:
    """Click a toolbar button and wait for its one result line."""
    toolbar = room.locator("#room-bulk")
    toolbar.get_by_role("button", name=label, exact=True).click()
    toolbar.locator(".bulk-status[data-state='ok']").filter(
        has_text=re.compile(rf"hecho en {tables} mesas\.$")).wait_for(timeout=BROWSER_MS)


def flags(room, kind: str) -> list[bool]:
    """For each card in order: does it show the state badge ``kind``?"""
    return room.eval_on_selector_all(".room-card", f"cards => cards.map(c => Boolean(c.querySelector('.flag-{kind}')))")


def test_one_click_reaches_every_table(room, real_size_server):
    server, demo = real_size_server
    tables = set(demo.canvas_ids)
    assert len(tables) == 10
    steps = [  # the toolbar's button, the event each table logs, the badge each card shows after
        ("Bloquear", "canvas.locked", "locked", True),
        ("Desbloquear", "canvas.locked", "locked", False),
        ("Activar escritura en silencio", "canvas.hidden", "hidden", True),
        ("Revelar", "canvas.revealed", "hidden", False),
        ("Iniciar el temporizador", "canvas.timer", "timer", True),
        ("Detener el temporizador", "canvas.timer", "timer", False),
        ("Abrir una votación", "vote.opened", "voting", True),
        ("Cerrar la votación", "vote.closed", "voting", False),
    ]
    for label, kind, badge, shown in steps:
        before = events(server, kind)
        click_for_tables(room, label, 10)
        added = events(server, kind) - before
        assert added == Counter(dict.fromkeys(tables, 1)), (label, added)
        room.wait_for_function("([kind, shown]) => [...document.querySelectorAll('.room-card')].every(c => "
                               "Boolean(c.querySelector('.flag-' + kind)) === shown)", arg=[badge, shown])
    # The timer was started with the toolbar's minutes, the vote with its budget, at every table.
    assert room.text_content("#room-bulk .bulk-status").startswith("Cerrar la votación: hecho en 10 mesas")


def test_only_the_chosen_tables_change(room, real_size_server):
    server, demo = real_size_server
    cards = room.locator(".room-card")
    chosen = [demo.canvas_ids[1], demo.canvas_ids[4], demo.canvas_ids[7]]
    for canvas_id in chosen:
        room.locator(f".room-card[data-canvas-id='{canvas_id}'] .card-choose").check()
    assert room.is_checked("#bulk-some")
    assert room.text_content("label[for='bulk-some']").strip() == "mesas elegidas (3)"
    before = events(server, "canvas.hidden")
    click_for_tables(room, "Activar escritura en silencio", 3)
    assert events(server, "canvas.hidden") - before == Counter(dict.fromkeys(chosen, 1))
    ids = [int(value) for value in cards.evaluate_all("cards => cards.map(c => c.dataset.canvasId)")]
    room.wait_for_function("() => document.querySelectorAll('.room-card .flag-hidden').length === 3")
    assert [canvas_id for canvas_id, on in zip(ids, flags(room, "hidden"), strict=True) if on] == chosen

    # Back to every table: the three turn silent writing off, and the seven that had it off log it once too.
    room.check("#bulk-all")
    before = events(server, "canvas.hidden")
    click_for_tables(room, "Desactivar escritura en silencio", 10)
    assert events(server, "canvas.hidden") - before == Counter(dict.fromkeys(demo.canvas_ids, 1))
    room.wait_for_function("() => !document.querySelector('.room-card .flag-hidden')")

    # Nothing chosen: the toolbar says so and sends nothing.
    room.check("#bulk-some")
    for canvas_id in chosen:
        room.locator(f".room-card[data-canvas-id='{canvas_id}'] .card-choose").uncheck()
    before = events(server, "canvas.locked")
    room.locator("#room-bulk").get_by_role("button", name="Bloquear", exact=True).click()
    refused = room.locator("#room-bulk .bulk-status[data-state='error']")
    refused.filter(has_text="No hay ninguna mesa elegida").wait_for()
    assert events(server, "canvas.locked") == before


def test_a_bad_number_of_minutes_sends_nothing(room, real_size_server):
    server, _demo = real_size_server
    before = events(server, "canvas.timer")
    room.fill("#bulk-minutes", "0")
    room.locator("#room-bulk").get_by_role("button", name="Iniciar el temporizador", exact=True).click()
    room.locator("#room-bulk .bulk-status[data-state='error']").filter(has_text="Indique").wait_for()
    assert room.evaluate("() => document.activeElement.id") == "bulk-minutes"
    assert events(server, "canvas.timer") == before


@pytest.mark.parametrize("size", [LAPTOP, PHONE])
def test_the_cards_are_compact_and_the_names_wait_behind_a_disclosure(visit, size):
    context, page = visit.open("control-room", size)
    try:
        # Ten compact cards, closed; at 1280×800 the first two rows of tables are on the first screen.
        assert page.locator(".room-card").count() == 10
        assert page.locator(".room-card .card-details[open]").count() == 0
        if size == LAPTOP:
            bottoms = page.eval_on_selector_all(".room-card",
                                                "cards => cards.map(c => c.getBoundingClientRect().bottom)")
            assert sum(bottom <= 800 for bottom in bottoms) >= 6, bottoms
        # People: counted by table; the names only when asked.
        page.locator("#room-people .by-table li").first.wait_for()
        assert page.locator("#room-people .by-table li").count() == 10
        assert page.is_hidden(".people-table")
        page.locator(".people-names > summary").click()
        page.wait_for_selector(".people-table tr[data-person] >> nth=59")
    finally:
        context.close()
