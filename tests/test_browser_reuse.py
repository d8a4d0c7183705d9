"""Reuse in Chromium (issue 13): start a workshop from a shipped recipe on the dashboard, save
its set-up as one's own recipe (a bad name refused, naming the field), duplicate it, and find
and delete the own recipe on the dashboard; the forms go through the real CSRF protection."""

from __future__ import annotations

import os

import pytest

from .browser_support import log_in
from .servers import PASSWORD, running_server

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("REUSE_SHOTS")  # a folder: save the pages' pictures there, to look at them


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("reuse"), facilitator=True) as process:
        yield process


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"reuse-{name}.png"), full_page=True)


def refused_name(browser, server, workshop_url: str) -> None:
    """A name of spaces only is refused on the server (a 400 page, which the page-error watcher
    of ``open_page`` would count, hence a context of its own) with the field named."""
    context = browser.new_context(locale="es-ES")
    try:
        page = context.new_page()
        log_in(page, server.url, "ana@example.org", PASSWORD)
        page.goto(workshop_url)
        page.fill("#recipe-name", "   ")
        page.get_by_role("button", name="Guardar como receta").click()
        page.locator(".flash-error").filter(has_text="name.es").wait_for()
        assert page.locator("#recipe-name").count() == 1  # the small form again, to correct it
        shot(page, "refused-1280")
    finally:
        context.close()


def test_start_from_a_recipe_save_it_as_ones_own_duplicate_and_delete(server, browser, open_page):
    page = open_page(viewport={"width": 1280, "height": 800})
    log_in(page, server.url, "ana@example.org", PASSWORD)
    recipes = page.locator("#recipes")
    assert recipes.locator("tbody tr").count() == 4
    row = recipes.locator("tr[data-recipe='public-value-proposition']")
    assert "Propuesta de valor público" in row.inner_text() and "52 min" in row.inner_text()
    shot(page, "dashboard-1280")
    row.get_by_role("link", name="Empezar un taller").click()

    page.wait_for_url("**/f/recipes/start?recipe=public-value-proposition")
    assert page.locator("#recipe").input_value() == "public-value-proposition"
    page.fill("#title", "Taller con receta")
    page.fill("#tables", "2")
    shot(page, "new-1280")
    page.get_by_role("button", name="Crear taller").click()
    page.wait_for_url("**/f/workshops/*")
    workshop_url = page.url
    reuse = page.locator("#reuse")
    assert "Sigue la receta «Propuesta de valor público»" in reuse.inner_text()
    assert page.locator(".canvas-name").all_inner_texts() == ["Mesa 1", "Mesa 2"]

    refused_name(browser, server, workshop_url)
    page.fill("#recipe-name", "Mi propuesta de valor")
    page.get_by_role("button", name="Guardar como receta").click()
    page.locator(".flash-success").filter(has_text="Mi propuesta de valor").wait_for()
    assert page.url == workshop_url

    page.get_by_role("button", name="Duplicar").click()
    page.get_by_role("heading", name="Taller con receta (copia)").wait_for()
    assert page.url != workshop_url
    assert page.locator(".canvas-name").all_inner_texts() == ["Mesa 1", "Mesa 2"]
    assert "Sigue la receta «Propuesta de valor público»" in page.locator("#reuse").inner_text()

    page.goto(server.url + "/f/")
    assert page.locator("#recipes tbody tr").count() == 5
    own = page.locator("#recipes tr").filter(has_text="Mi propuesta de valor")
    assert "suya" in own.inner_text() and "52 min" in own.inner_text()
    assert page.locator(".workshop-list:not(.recipe-list) tbody tr").count() == 2
    shot(page, "dashboard-own-1280")
    page.set_viewport_size({"width": 1920, "height": 1080})
    shot(page, "dashboard-1920")
    page.set_viewport_size({"width": 375, "height": 812})
    shot(page, "dashboard-375")
    own.get_by_role("button", name="Eliminar").click()
    page.locator(".flash-success").filter(has_text="Receta eliminada").wait_for()
    assert page.locator("#recipes tbody tr").count() == 4
    page.goto(workshop_url)
    shot(page, "workshop-375")
