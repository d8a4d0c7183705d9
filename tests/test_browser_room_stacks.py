"""Stacks in the control room, in a real Chromium against the real server: a closed
round's results rank a stack as one item (its title, its note count, its dots and its
notes'), as the projector does, and "Turn into a commitment" on that item makes a
commitment of the stack."""

from __future__ import annotations

import pytest

from .browser_support import open_control_room
from .servers import PASSWORD, running_server
from .test_browser_stacks import RECIPE, control, facilitator
from .test_server import Peer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("room-stacks"), facilitator=True) as process:
        yield process


def test_the_room_ranks_a_stack_as_one_item_and_makes_it_a_commitment(server, open_page):
    workshop = server.seed()
    canvas_id = workshop["canvas_ids"][0]
    writer = Peer(server, server.join(workshop["code"], "Ciro"), "Ciro")
    voter = Peer(server, server.join(workshop["code"], "Bea"), "Bea")
    fac = facilitator(server, workshop)
    try:
        writer.join(canvas_id)
        voter.join(canvas_id)
        first, second, loose = (control(writer, "note:add", block="problem", text=text)["event"]["data"]["id"]
                                for text in ("Colas", "Esperas", "Formularios"))
        control(fac, "recipe:choose", recipe_id=RECIPE)
        control(fac, "phase:next")
        control(fac, "phase:next")  # reveal and group
        stack = control(writer, "note:stack", note_id=second, onto=first)["event"]["data"]["clusters"][0]["id"]
        control(fac, "phase:next")  # the vote on the problem
        # One dot on the stack, one on a note in it (it counts for the stack), one on the loose note.
        control(voter, "vote:add", cluster_id=stack)
        control(voter, "vote:add", note_id=second)
        control(voter, "vote:add", note_id=loose)
        control(fac, "vote:close", canvas_id=canvas_id)
    finally:
        for peer in (writer, voter, fac):
            peer.sio.disconnect()

    room = open_control_room(open_page, server.url, "ana@example.org", PASSWORD, workshop["workshop_id"])
    room.locator(".card-more > summary").first.click()
    ranking = room.locator(f"[data-vote-for='{canvas_id}'] .ranking:not(.ranking-groups) li")
    ranking.nth(1).wait_for()
    lines = ranking.locator(".result-line").all_inner_texts()
    assert len(lines) == 2, lines
    assert lines[0].startswith("▣ Colas (2) — 2 votos"), lines
    assert lines[1].startswith("Formularios — 1 voto"), lines
    # The stack is not ranked twice: no separate list of groups.
    assert room.locator(f"[data-vote-for='{canvas_id}'] .ranking-groups").is_hidden()

    ranking.first.get_by_role("button", name="Convertir «Colas» en compromiso").click()
    dialog = room.locator("dialog.commitment-dialog[open]")
    assert dialog.locator("textarea[data-field='title']").input_value() == "Colas"
    dialog.get_by_label("Entidad responsable").fill("MEF")
    dialog.locator("[data-action='commitment-save']").click()
    room.wait_for_selector("#room-commitments .commitment")
    room.screenshot(path="/tmp/room2-room-results-1280.png")
    assert "Colas" in room.locator("#room-commitments .commitment").first.inner_text()
