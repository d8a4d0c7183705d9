"""The control room's toolbar at the size of a real workshop (issue 11, item 3).

One click in the browser reaches every table, or only the tables chosen on
their cards: the page sends the existing operation once per table, so the
server's log holds one event per table and each canvas changes state. Checked
against a real server holding the demo workshop (10 tables, 60 people).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter

import pytest

from .browser_support import PageErrors, small_targets, wait_connected
from .real_size import LAPTOP, PHONE, SIZES, Visit
from .waiting import BROWSER_MS, wait_until

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


def logged(server) -> int:
    """How many events the server's log holds: grows while a bulk control reaches the tables."""
    database = server.workdir / "instance" / "lienzo.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT COUNT(*) FROM event").fetchone()[0]


def click_for_tables(room, label: str, tables: int, server=None) -> None:
    """Click a toolbar button and wait for its one result line, as long as the tables keep
    getting it (on a busy machine ten operations may take a while; a stall still fails)."""
    toolbar = room.locator("#room-bulk")
    status = toolbar.locator(".bulk-status")
    done = re.compile(rf"^{re.escape(label)}: hecho en {tables} mesas\.$")
    toolbar.get_by_role("button", name=label, exact=True).click()

    def seen() -> tuple:
        return status.get_attribute("data-state"), (status.text_content() or "").strip()

    finished = wait_until(lambda: seen()[0] == "ok" and done.search(seen()[1]),
                          progress=lambda: (seen(), logged(server) if server else None))
    assert finished, seen()


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
        click_for_tables(room, label, 10, server)
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
    click_for_tables(room, "Activar escritura en silencio", 3, server)
    assert events(server, "canvas.hidden") - before == Counter(dict.fromkeys(chosen, 1))
    ids = [int(value) for value in cards.evaluate_all("cards => cards.map(c => c.dataset.canvasId)")]
    room.wait_for_function("() => document.querySelectorAll('.room-card .flag-hidden').length === 3")
    assert [canvas_id for canvas_id, on in zip(ids, flags(room, "hidden"), strict=True) if on] == chosen

    # Back to every table: the three turn silent writing off, and the seven that had it off log it once too.
    room.check("#bulk-all")
    before = events(server, "canvas.hidden")
    click_for_tables(room, "Desactivar escritura en silencio", 10, server)
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
        if size == PHONE:  # the box that chooses a table is a finger-sized target (its label)
            assert small_targets(page, ".card-choose") == []
            page.locator(".room-card .card-choose-target").first.click()
            assert page.locator(".room-card .card-choose").first.is_checked()
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


def focus_events(server) -> list[dict]:
    """The ``focus`` of every workshop.focus event in the server's log, in order."""
    database = server.workdir / "instance" / "lienzo.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT data FROM event WHERE type = 'workshop.focus' AND canvas_id IS NULL "
                                  "ORDER BY seq").fetchall()
    return [json.loads(data)["focus"] for (data,) in rows]


def focused_blocks(page, selector: str = ".sheet .block.is-focus") -> list[str]:
    return page.eval_on_selector_all(selector, "blocks => blocks.map(b => b.dataset.block)")


def wait_focused(page, block: str) -> None:
    """Wait until the canvas page marks ``block`` (and only it) as the block in focus."""
    page.wait_for_function("(b) => [...document.querySelectorAll('.sheet .block.is-focus')]"
                           ".map(s => s.dataset.block).join() === b", arg=block)


def test_one_click_brings_every_table_to_a_block_of_its_own_canvas(visit, room, real_size_server, browser):
    """The toolbar's focus: one ``focus:table`` per table; people at two tables (a laptop at
    Mesa 1, a phone at Mesa 6) are invited to that block of their own canvas, the projector
    showing Mesa 1 marks it, each card says it; then only the chosen table moves on."""
    server, demo = real_size_server
    first, sixth = demo.canvas_ids[0], demo.canvas_ids[5]
    marta_context, marta = visit.open("canvas", LAPTOP)  # Marta sits at Mesa 1 (demo.canvas_id)
    projector_context, projector = visit.open("projector", LAPTOP)
    nico_context = browser.new_context(locale="es-ES", **SIZES[PHONE])
    nico_context.set_default_timeout(BROWSER_MS)
    try:
        watched = [PageErrors(page) for page in (marta, projector)]
        nico = nico_context.new_page()
        watched.append(PageErrors(nico))
        nico.goto(f"{server.url}/j/{demo.code}")
        nico.fill("#name", "Nicolás Paredes")
        nico.click("main form button[type=submit]")
        nico.wait_for_url(f"**/w/{demo.code}")
        nico.goto(f"{server.url}/c/{sixth}")
        wait_connected(nico)
        assert nico.get_attribute(".canvas-page", "data-view") == "list"

        before = len(focus_events(server))
        room.select_option("#bulk-block", label="Problema público")
        click_for_tables(room, "Llevar a este bloque", 10, server)
        # One event per table in the log, each adding its table; the last holds all ten.
        added = focus_events(server)[before:]
        assert len(added) == 10
        assert added[-1] == {"tables": {str(canvas_id): "problem" for canvas_id in demo.canvas_ids}}
        assert [len(focus["tables"]) for focus in added] == list(range(1, 11))

        invited = "Quien facilita le invita a: Problema público"
        for page in (marta, nico):
            wait_focused(page, "problem")
            assert focused_blocks(page) == ["problem"]
            page.locator("#focus-text").filter(has_text=invited).wait_for()
            assert page.is_visible("#focus-prompt")
        assert focused_blocks(nico, ".block-index-item.is-focus") == ["problem"]
        projector.wait_for_selector("#projector-sheet .block.is-focus[data-block='problem']")
        assert focused_blocks(projector, "#projector-sheet .block.is-focus") == ["problem"]
        room.wait_for_function("() => [...document.querySelectorAll('.room-card .flag-focus')]"
                               ".filter(f => f.textContent === 'En foco: Problema público').length === 10")
        assert room.text_content("#room-controls .focus-now") == (
            "Cada mesa está invitada a un bloque de su propio lienzo: Problema público (10 mesas)")

        # On the phone, "Go there" opens the block.
        nico.get_by_role("link", name="Ir allí").click()
        nico.wait_for_selector(".canvas-page[data-view='block'] .sheet .block.is-current[data-block='problem']")
        assert nico.is_hidden("#focus-prompt")

        # Only the chosen table, Mesa 1, moves on to another block; Mesa 6 stays.
        room.locator(f".room-card[data-canvas-id='{first}'] .card-choose").check()
        room.select_option("#bulk-block", value="solution")
        click_for_tables(room, "Llevar a este bloque", 1, server)
        wait_focused(marta, "solution")
        assert focused_blocks(marta) == ["solution"] and focused_blocks(nico) == ["problem"]
        projector.wait_for_selector("#projector-sheet .block.is-focus[data-block='solution']")
        assert focus_events(server)[-1]["tables"] == {**{str(c): "problem" for c in demo.canvas_ids},
                                                      str(first): "solution"}

        # Ending it at every table: ten more events, and no block is in focus anywhere.
        room.check("#bulk-all")
        click_for_tables(room, "Quitar el foco", 10, server)
        assert len(focus_events(server)) == before + 21 and focus_events(server)[-1] is None
        for page in (marta, nico):
            page.wait_for_function("() => !document.querySelector('.sheet .block.is-focus')")
        projector.wait_for_function("() => !document.querySelector('#projector-sheet .block.is-focus')")
        room.wait_for_function("() => !document.querySelector('.room-card .flag-focus')")
        assert all(not errors.errors for errors in watched), [errors.errors for errors in watched]
    finally:
        for context in (marta_context, projector_context, nico_context):
            context.close()
