"""A whole recipe run from the control room, end to end (issue 13): a workshop of three
tables follows a shipped recipe; on one table a laptop participant and a phone
participant, and the projector showing that table. The facilitator goes through every
phase with "Next phase", and at each one the phone shows the phase's block and its
instruction, the laptop follows, the projector shows the instruction and the phase's
timer, and what the phase forbids is not offered (in a phase without adding the add
field is disabled and says why, naming the phase). "Stay here" keeps the phone where it is
across a phase change, also after a reload, until it follows again."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
import requests

from .browser_support import PageErrors, open_control_room, open_projector_from, server_notes, wait_connected
from .servers import PASSWORD, ROOT, running_server
from .waiting import BROWSER_MS, STALL, wait_until

pytestmark = pytest.mark.browser

RECIPE = "public-policy-lean-canvas-90"
PHASES = tomllib.loads((ROOT / "recipes" / f"{RECIPE}.toml").read_text(encoding="utf-8"))["phases"]
BLOCKS = tomllib.loads((ROOT / "canvases" / "public-policy-lean-canvas.toml").read_text(encoding="utf-8"))["blocks"]
LAPTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
IN_BLOCK = ".canvas-page[data-view='block'] .sheet .block.is-current"  # the phone's open block
SHOTS = {2: "vote", 3: "population", 6: "share"}  # phases whose pages are kept as pictures (LIENZO_SCREENSHOTS)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("recipe-run"), facilitator=True) as process:
        yield process


def screenshot(page, name: str) -> None:
    """Kept for people to look at when LIENZO_SCREENSHOTS names a folder."""
    folder = os.environ.get("LIENZO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def in_play(phase: dict) -> set[str]:
    """The blocks the phase puts in play: its focus and vote blocks, with the blocks
    inside them and the block around them (every block when it names none)."""
    named = {phase.get("focus"), *phase.get("vote", {}).get("blocks", [])} - {None}
    if not named:
        return {b["id"] for b in BLOCKS}
    play = set(named)
    for block in BLOCKS:
        if block.get("inside") in named:
            play.add(block["id"])
        if block["id"] in named and block.get("inside"):
            play.add(block["inside"])
    return play


def join(browser, server, code: str, canvas_id: int, name: str, options: dict):
    """A participant who joins with the code and opens table ``canvas_id``: (context, page, errors)."""
    context = browser.new_context(locale="es-ES", **options)
    context.set_default_timeout(BROWSER_MS)
    page = context.new_page()
    errors = PageErrors(page)
    page.goto(f"{server.url}/j/{code}")
    page.fill("#name", name)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/(w|c)/.*"))
    page.goto(f"{server.url}/c/{canvas_id}")
    wait_connected(page)
    return context, page, errors


def shown_blocks(page) -> set[str]:
    """On the phone's list of blocks: the blocks listed now."""
    return set(page.eval_on_selector_all(".block-index-item", "items => items.filter(i => i.offsetParent)"
                                          ".map(i => i.dataset.block)"))


def out_of_play(page) -> set[str]:
    return set(page.eval_on_selector_all(".sheet .block.is-out-of-play", "nodes => nodes.map(n => n.dataset.block)"))


def table_follows(seat: str, server, canvas_id: int, phase: dict) -> bool:
    """The table's settings on the server are the phase's: silent writing, locked blocks, its timer running."""
    answer = requests.get(f"{server.url}/api/canvases/{canvas_id}", headers={"Authorization": f"Bearer {seat}"},
                          timeout=STALL)
    answer.raise_for_status()
    controls = answer.json()["controls"]
    timer = controls["timer"] or {}
    return (controls["hidden"] == phase.get("silent", False)
            and set(controls["locked_blocks"]) == set(phase.get("locked_blocks", []))
            and timer.get("state") == "running")


def server_note_count(seat: str, server, canvas_id: int) -> int:
    """How many notes the canvas holds on the server (read with the facilitator's seat: every note)."""
    return len(server_notes(server, canvas_id, seat))


def phone_adds(phone, text: str) -> None:
    """The phone's way of adding: the open block's field and its button."""
    form = phone.locator(".sheet .block.is-current > .add-form")
    form.locator("textarea").fill(text)
    form.get_by_role("button", name="Añadir", exact=True).click()


def test_a_recipe_runs_through_every_phase_and_the_pages_follow(server, browser, open_page):
    workshop = server.seed(canvases=3)
    table = workshop["canvas_ids"][0]
    answer = workshop["http"].post(f"{server.url}/api/workshops/{workshop['workshop_id']}/seat", timeout=STALL)
    answer.raise_for_status()
    seat = answer.json()["token"]
    opened = []
    try:
        room = open_control_room(open_page, server.url, "ana@example.org", PASSWORD, workshop["workshop_id"])
        projector = open_projector_from(room)
        projector_errors = PageErrors(projector)
        room.select_option("#projector-choice", f"canvas:{table}")
        room.click("[data-action='projector-show']")
        projector.wait_for_selector("#projector[data-mode='canvas']")
        opened.append(join(browser, server, workshop["code"], table, "Laura Laptop", LAPTOP))
        laptop, laptop_errors = opened[-1][1], opened[-1][2]
        opened.append(join(browser, server, workshop["code"], table, "Pablo Teléfono", PHONE))
        phone, phone_errors = opened[-1][1], opened[-1][2]

        recipe = room.locator("#room-recipe")
        recipe.locator(".phase-now").filter(has_text="Sin receta").wait_for()
        recipe.locator("#recipe-choice").select_option(RECIPE)
        recipe.get_by_role("button", name="Seguir", exact=True).click()
        recipe.locator(".phase-now").filter(has_text="ninguna fase ha empezado").wait_for()
        # No phase yet: the pages show the whole canvas and no phase.
        assert phone.locator("#phase-bar").is_hidden() and not out_of_play(laptop)

        stay = phone.get_by_role("button", name="Quedarme aquí", exact=True)
        for index, phase in enumerate(PHASES):
            button = "Iniciar la primera fase" if index == 0 else "Fase siguiente"
            recipe.get_by_role("button", name=button, exact=True).click()
            recipe.locator(".phase-now").filter(has_text=f"Fase {index + 1} de {len(PHASES)}").wait_for()
            instruction, focus, play = phase["instruction"]["es"], phase.get("focus"), in_play(phase)

            # Each of the three tables is in the phase (the server holds its settings).
            for canvas_id in workshop["canvas_ids"]:
                followed = wait_until(lambda c=canvas_id, p=phase: table_follows(seat, server, c, p))
                assert followed, (canvas_id, phase["id"])
            # Every page shows the phase's instruction near the top.
            for page in (phone, laptop):
                page.locator("#phase-text").filter(has_text=instruction).wait_for()
            projector.locator("#projector-phase").filter(has_text=instruction).wait_for()
            # The projector counts down the phase's minutes.
            projector.wait_for_function(
                "(m) => { const t = document.getElementById('corner-timer'); return !t.hidden"
                " && /^\\d+:\\d\\d$/.test(t.textContent.trim()) && parseInt(t.textContent) <= m"
                " && parseInt(t.textContent) >= m - 1; }", arg=phase["minutes"])

            if index == 4:
                # The phone stayed in the previous phase's block (chosen in phase 4, below).
                phone.wait_for_selector(f"{IN_BLOCK}[data-block='population']")
                assert stay.get_attribute("aria-pressed") == "true"
                phone.reload()  # remembered for the page
                wait_connected(phone)
                phone.locator("#phase-text").filter(has_text=instruction).wait_for()
                phone.wait_for_selector(f"{IN_BLOCK}[data-block='population']")
                assert stay.get_attribute("aria-pressed") == "true"
                phone.locator("#focus-prompt").wait_for()  # staying, the invitation to the room's block is offered
                stay.click()  # following again: to the room's block at once
                assert stay.get_attribute("aria-pressed") == "false"

            # The phone goes to the phase's block by itself (or to the list when it names none),
            # and its list offers only the blocks in play.
            if focus:
                phone.wait_for_selector(f"{IN_BLOCK}[data-block='{focus}']")
                assert phone.locator("#focus-prompt").is_hidden()  # no "Go there": it is there
                phone.get_by_role("button", name="Todos los bloques").click()
                phone.wait_for_selector(".canvas-page[data-view='list']")
            else:
                phone.wait_for_selector(".canvas-page[data-view='list']")
            assert shown_blocks(phone) == play
            if index in SHOTS:
                screenshot(phone, f"recipe-run-375x812-{SHOTS[index]}-list")
            if focus:
                phone.click(f".block-index-item[data-block='{focus}']")
                phone.wait_for_selector(f".sheet .block.is-current[data-block='{focus}']")
            # The laptop marks the phase's block and leaves the others out of play.
            laptop.wait_for_function(
                "(b) => !b || document.querySelector(`.sheet .block.is-phase-block[data-block='${b}']`)", arg=focus)
            assert out_of_play(laptop) == {b["id"] for b in BLOCKS} - play
            if focus:
                box = laptop.locator(f".sheet .block[data-block='{focus}']").bounding_box()
                assert box and box["y"] >= 0 and box["y"] + 40 <= 800

            if index in SHOTS:
                screenshot(phone, f"recipe-run-375x812-{SHOTS[index]}")
                screenshot(laptop, f"recipe-run-1280x800-{SHOTS[index]}")

            before = server_note_count(seat, server, table)
            if "add" in phase["allow"]:
                if focus:
                    phone_adds(phone, f"Idea del teléfono {index}")
                    assert _wait_count(seat, server, table, before + 1)
            elif focus:
                # Forbidden here: the phone's field is disabled and says why, naming the phase.
                field = phone.locator(".sheet .block.is-current > .add-form textarea")
                assert field.is_disabled() and phase["name"]["es"] in field.get_attribute("placeholder")
                assert server_note_count(seat, server, table) == before
            else:
                # The last phase (sharing) adds nothing: the laptop's "+" is disabled likewise.
                add = laptop.locator(".sheet .block[data-block='value'] > .add-note")
                assert add.is_disabled() and phase["name"]["es"] in add.get_attribute("title")
                assert phase["name"]["es"] in laptop.locator("#live-notices .notice--phase-add").inner_text()

            if index == 1:
                # Loaded in the middle of a phase (from the list, away from the block): it follows at once.
                phone.get_by_role("button", name="Todos los bloques").click()
                phone.goto(f"{server.url}/c/{table}")
                wait_connected(phone)
                phone.locator("#phase-text").filter(has_text=instruction).wait_for()
                phone.wait_for_selector(f"{IN_BLOCK}[data-block='{focus}']")
            if index == 3:
                # "Show the whole canvas" shows the rest until the next phase.
                laptop.get_by_role("button", name="Ver todo el lienzo").click()
                laptop.wait_for_function("() => !document.querySelector('.sheet .block.is-out-of-play')")
                # "Stay here": the phone keeps its block when the phase changes (checked in phase 5).
                stay.click()
                assert stay.get_attribute("aria-pressed") == "true"
        recipe.get_by_role("button", name="Fase siguiente", exact=True).wait_for(state="attached")
        assert recipe.get_by_role("button", name="Fase siguiente", exact=True).is_disabled()
        errors = phone_errors.errors + laptop_errors.errors + projector_errors.errors
        assert not errors, errors
    finally:
        for context, _page, _errors in opened:
            context.close()


def _wait_count(seat: str, server, canvas_id: int, count: int) -> bool:
    return wait_until(lambda: server_note_count(seat, server, canvas_id) >= count)
