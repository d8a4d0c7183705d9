"""The control room's privacy warning in a real Chromium against the real server:
an institution only one participant came from names that person on an anonymous
canvas. The warning follows the room live (someone new arrives) and its one click
turns institutions off."""

from __future__ import annotations

import pytest

from .browser_support import join_by_code, open_control_room
from .servers import PASSWORD, running_server

pytestmark = pytest.mark.browser

EMAIL = "lucia@example.org"
WARNING = ("Instituciones con un solo participante: {}. En los lienzos anónimos (Mesa) y en las exportaciones, "
           "la institución que muestra una nota nombra a quien la escribió.")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("privacy")) as process:
        yield process


def test_the_control_room_warns_of_lone_institutions_live_with_the_remedy(server, open_page):
    server.create_facilitator(email=EMAIL, name="Lucía Facilitadora")
    workshop = server.seed(email=EMAIL, title="Taller anónimo")
    server.join(workshop["code"], "Ana Torres", "MEF")
    server.join(workshop["code"], "Beto Ruiz", "PCM")

    room = open_control_room(open_page, server.url, EMAIL, PASSWORD, workshop["workshop_id"])
    banner = room.locator(".banner.privacy-warning")
    in_exports = room.locator("#room-exports .privacy-warning")
    assert banner.is_hidden() and in_exports.is_hidden()  # no anonymous canvas yet: nothing names anyone

    card = room.locator(f".room-card[data-canvas-id='{workshop['canvas_ids'][0]}']")
    card.get_by_role("button", name="Anónimo").click()
    banner.locator(".privacy-text").filter(has_text=WARNING.format("MEF, PCM")).wait_for()
    in_exports.locator(".privacy-text").filter(has_text=WARNING.format("MEF, PCM")).wait_for()

    # Someone else from PCM arrives: PCM no longer names anyone, the warning follows.
    carla = open_page()
    join_by_code(carla, server.url, workshop["code"], "Carla Díaz", "PCM")
    banner.locator(".privacy-text").filter(has_text=WARNING.format("MEF")).wait_for()
    in_exports.locator(".privacy-text").filter(has_text=WARNING.format("MEF")).wait_for()

    # The report's option switches its links to the version holding the notes not yet revealed.
    report = room.locator("#room-exports a[data-export='report-md']")
    assert not report.get_attribute("href").endswith("?hidden=include")
    room.get_by_label("Incluir en el informe las notas aún no reveladas").check()
    assert report.get_attribute("href").endswith("/export/report-md?hidden=include")

    # One click: institutions off, the warning goes, the session's toggle says so.
    banner.get_by_role("button", name="Ocultar las instituciones en los lienzos anónimos").click()
    banner.wait_for(state="hidden")
    in_exports.wait_for(state="hidden")
    room.locator("[data-action='workshop-institutions'][aria-pressed='false']").wait_for()
