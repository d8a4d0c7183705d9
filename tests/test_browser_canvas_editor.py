"""The canvas editor in Chromium: design a three-block canvas (with a refusal shown next to
its field on the way), use it in a workshop, and export its PDF, which draws the three blocks."""

from __future__ import annotations

import pytest

from .browser_support import assert_no_axe_violations, assert_no_sideways_scroll, log_in
from .export_world import pdf_lines, squash
from .servers import PASSWORD, ServerProcess

pytestmark = pytest.mark.browser

BLOCKS = [("necesidad", "Necesidad sentida", "Felt need"), ("idea", "Idea a probar", "Idea to test"),
          ("pasos", "Próximos pasos", "Next steps")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # EXPORT_WAIT: the PDF is answered by the request itself, however loaded the machine.
    process = ServerProcess(tmp_path_factory.mktemp("editor"), env={"EXPORT_WAIT": "60"}).prepare(facilitator=True)
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def editor_page(browser):
    """A page that fails the test on any script error; unlike ``open_page`` it lets the one
    console line Chromium writes for the refused save's 400 page (the refusal is on purpose)."""
    from .browser_support import PageErrors
    from .waiting import BROWSER_MS

    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(BROWSER_MS)
    page = context.new_page()
    watcher = PageErrors(page)
    yield page
    context.close()
    errors = [e for e in watcher.errors if "status of 400 (BAD REQUEST) (http" not in e
              or "/f/canvases/" not in e]
    assert not errors, errors


def fill_block(page, i: int, block_id: str, es: str, en: str, place: tuple[int, int, int, int]) -> None:
    page.fill(f"#blocks-{i}-id", block_id)
    page.fill(f"#blocks-{i}-title-es", es)
    page.fill(f"#blocks-{i}-title-en", en)
    page.fill(f"#blocks-{i}-question-es", f"¿Qué sabemos de «{es}»?")
    page.fill(f"#blocks-{i}-question-en", f"What do we know about “{en}”?")
    for name, value in zip(("row", "col", "row_span", "col_span"), place, strict=True):
        page.fill(f"#blocks-{i}-{name}", str(value))


def preview_titles(page, which: str) -> list[str]:
    return page.locator(f"[data-preview={which}] > .block > .block-head .block-title").all_text_contents()


def test_design_a_three_block_canvas_use_it_and_export_its_pdf(server, editor_page):
    page = editor_page
    log_in(page, server.url, "ana@example.org", PASSWORD)
    page.locator("a[href='/f/canvases/']").first.click()
    page.fill("#new-name", "Tres bloques")
    page.locator("form[action='/f/canvases/new'] button").click()
    page.wait_for_selector("#editor-form")

    page.fill("#id", "tres-bloques")
    page.fill("#name-es", "Tres bloques")
    page.fill("#name-en", "Three blocks")
    page.fill("#description-es", "Necesidad, idea y pasos.")
    page.fill("#description-en", "Need, idea and steps.")
    page.fill("#columns", "2")
    page.click("#add-block")
    page.click("#add-block")
    assert page.locator("fieldset.ed-block").count() == 3
    assert page.evaluate("document.activeElement.id") == "blocks-2-title-es"
    fill_block(page, 0, *BLOCKS[0], (1, 1, 1, 1))
    fill_block(page, 1, *BLOCKS[1], (1, 2, 1, 1))
    fill_block(page, 2, *BLOCKS[2], (2, 1, 1, 2))
    page.fill("#rows", "2")
    # The previews follow the typing, in the page's language (Spanish).
    for which in ("page", "projector", "pdf"):
        assert preview_titles(page, which) == [b[1] for b in BLOCKS]
    box = page.locator("[data-preview=page] .block[data-block=pasos]").bounding_box()
    top = page.locator("[data-preview=page] .block[data-block=necesidad]").bounding_box()
    assert box["y"] > top["y"] and box["width"] > 1.8 * top["width"]  # the bottom row, both columns

    # A refusal comes back next to the field it names, and keeps what was typed.
    page.fill("#blocks-1-col", "1")
    page.click("#save-template")
    page.wait_for_selector("#blocks-1-row[aria-invalid=true]")
    assert page.locator("#blocks-1-row-error").is_visible()
    assert page.input_value("#blocks-2-title-es") == "Próximos pasos"
    page.fill("#blocks-1-col", "2")
    page.click("#save-template")
    page.wait_for_selector(".flash-success")
    assert page.locator("[aria-invalid=true]").count() == 0
    assert_no_axe_violations(page)
    editor_url = page.url
    page.set_viewport_size({"width": 375, "height": 812})  # a phone: one column, nothing sideways
    page.goto(editor_url)
    assert_no_sideways_scroll(page)
    assert preview_titles(page, "page") == [b[1] for b in BLOCKS]
    page.goto(server.url + "/f/canvases/")
    assert_no_sideways_scroll(page)
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(server.url + "/f/workshops/new")
    page.fill("input[name=title]", "Taller con lienzo propio")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#template_id")
    page.select_option("#template_id", "tres-bloques")
    page.fill("#name", "Mesa")
    page.locator("#template_id").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    page.wait_for_selector(".canvas-list a.canvas-link")
    assert "Tres bloques" in page.locator(".canvas-list").text_content()

    href = page.locator(".canvas-downloads a").first.get_attribute("href")
    answer = page.request.get(server.url + href)
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    printed = squash("".join(run[3] for run in pdf_lines(answer.body())))
    for _block_id, title, _en in BLOCKS:
        assert squash(title) in printed
