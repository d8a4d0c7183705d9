"""The export flow in Chromium when the file takes longer than a request waits
(``EXPORT_WAIT=0``: every export is "long"): the control room shows the
progress next to the link and then "Descargar"; the workshop page, without
script, goes to the progress page, which turns into "ready, download"."""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser_support import join_by_code, log_in
from .servers import PASSWORD, ServerProcess
from .test_browser_cockpit import write

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = ServerProcess(tmp_path_factory.mktemp("exports"), env={"EXPORT_WAIT": "0"}).prepare()
    process.start()
    try:
        yield process
    finally:
        process.stop()


def test_a_long_export_shows_progress_then_download_in_the_room(server, open_page):
    workshop = server.seed(email="nora@example.org", title="Taller de resultados")
    ana = open_page()
    join_by_code(ana, server.url, workshop["code"], "Ana Torres")
    write(ana, "problem", "Colas largas")
    room = open_page(viewport={"width": 1400, "height": 1000})
    log_in(room, server.url, "nora@example.org", PASSWORD)
    room.goto(f"{server.url}/f/workshops/{workshop['workshop_id']}/room")
    room.wait_for_selector("#control-room[data-ready='true']")
    exports = room.get_by_role("region", name="Exportar los resultados")
    exports.get_by_role("link", name="Informe del taller (Markdown)").click()
    ready = exports.get_by_role("link", name="Descargar")
    ready.wait_for()  # the page stayed: the status says "Listo." with the link
    assert "Listo." in exports.locator(".export-status").first.text_content()
    assert room.url.endswith("/room")
    with room.expect_download() as download:
        ready.click()
    assert download.value.suggested_filename.endswith("-informe.md")
    assert "Colas largas" in Path(download.value.path()).read_text(encoding="utf-8")


def test_without_script_the_workshop_page_goes_to_the_progress_page(server, open_page):
    workshop = server.seed(email="olga@example.org", title="Taller sin script")
    page = open_page(java_script_enabled=False)
    log_in(page, server.url, "olga@example.org", PASSWORD)
    page.goto(f"{server.url}/f/workshops/{workshop['workshop_id']}")
    page.get_by_role("link", name="Todas las notas (CSV)").click()
    page.wait_for_url("**/exports/*")
    # It refreshes itself each second until the file is ready.
    page.get_by_role("heading", name="La exportación está lista").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar").click()
    assert download.value.suggested_filename.endswith(".csv")
