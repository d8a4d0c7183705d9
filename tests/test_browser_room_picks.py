"""The control room keeps what the facilitator picked and has not sent yet: the room's
updates (someone raises a hand, a timer) redraw the controls many times a minute, and
a menu that snapped back to the room's state would send the wrong thing (the projector
shown unzoomed, no recipe followed) after the click on "Show" or "Follow"."""

from __future__ import annotations

import uuid

import pytest

from .browser_support import open_control_room
from .servers import PASSWORD, running_server
from .test_server import Peer

pytestmark = pytest.mark.browser

RECIPE = "public-policy-lean-canvas-90"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("picks"), facilitator=True) as process:
        yield process


def test_an_update_of_the_room_leaves_the_facilitators_picks_alone(server, open_page):
    workshop = server.seed()
    room = open_control_room(open_page, server.url, "ana@example.org", PASSWORD, workshop["workshop_id"])
    room.select_option("#projector-choice", f"canvas:{workshop['canvas_ids'][0]}")
    room.check("#projector-zoom")
    room.select_option("#recipe-choice", RECIPE)
    room.evaluate("() => document.activeElement.blur()")  # focus leaves the controls, as when one looks elsewhere
    # The room changes meanwhile: a participant raises a hand.
    peer = Peer(server, server.join(workshop["code"], "Rosa"), "Rosa")
    try:
        peer.join(workshop["canvas_ids"][0])
        ack = peer.call_op("status:set", {"op_id": uuid.uuid4().hex, "hand": True})
        assert ack["ok"], ack
        room.locator(".status-counts").filter(has_text="Rosa").wait_for()
        assert room.input_value("#projector-choice") == f"canvas:{workshop['canvas_ids'][0]}"
        assert room.is_checked("#projector-zoom")
        assert room.input_value("#recipe-choice") == RECIPE
        # What the room shows does change the controls: the recipe followed, then the projector.
        room.get_by_role("button", name="Seguir", exact=True).click()
        room.locator("#room-recipe .phase-now").filter(has_text="ninguna fase ha empezado").wait_for()
        assert room.input_value("#recipe-choice") == RECIPE
    finally:
        peer.sio.disconnect()
