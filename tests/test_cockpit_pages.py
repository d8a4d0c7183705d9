"""Pages of the cockpit: control room, projector link, QR code, co-facilitators."""

from __future__ import annotations

import json
import re

from facilitator import board
from facilitator.board.actors import projector_token
from facilitator.extensions import db, socketio
from facilitator.models import Facilitator, Workshop

from .conftest import PASSWORD, World, make_facilitator


def boot_of(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="boot">(.*?)</script>', html, re.S).group(1))


def login(client, email="ana@example.org"):
    assert client.post("/f/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_qr_code_of_the_join_link_is_drawn_here(client, world):
    answer = client.get(f"/j/{world.code}/qr.svg")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    assert answer.text.startswith("<svg") and f"/j/{world.code}" in answer.text
    assert client.get("/j/ZZZZZZ/qr.svg").status_code == 404


def test_control_room_is_for_the_workshops_facilitators_only(app, client, world):
    assert client.get(f"/f/workshops/{world.workshop_id}/room").status_code == 302
    login(client)
    page = client.get(f"/f/workshops/{world.workshop_id}/room")
    assert page.status_code == 200
    boot = boot_of(page.text)
    assert boot["me"]["facilitator"] is True and boot["workshop"]["code"] == world.code
    assert [c["id"] for c in boot["canvases"]] == world.canvas_ids
    assert boot["canvases"][0]["blocks"][0]["title"]
    assert "/p/p." in boot["projector_url"]
    with app.app_context():
        make_facilitator(email="otra@example.org", name="Otra")
    other = app.test_client()
    login(other, "otra@example.org")
    assert other.get(f"/f/workshops/{world.workshop_id}/room").status_code == 404


def test_projector_link_opens_a_watch_only_screen(app, client, world):
    with app.app_context():
        token = projector_token(db.session.get(Workshop, world.workshop_id))
    page = client.get(f"/p/{token}")
    assert page.status_code == 200 and world.code in page.text
    assert boot_of(page.text)["me"] is None
    assert client.get("/p/p.forged-token").status_code == 404
    assert client.get(f"/p/{world.seat()}").status_code == 404  # a seat is not a projector link
    screen = socketio.test_client(app, auth={"token": token})
    assert screen.is_connected()
    state = screen.emit("canvas:join", {"canvas_id": world.canvas_id}, callback=True)
    assert state["ok"] and state["me"]["id"] is None
    refusal = screen.emit("note:add", {"op_id": "x", "block": "problem"}, callback=True)
    assert refusal["error"]["code"] == "forbidden"
    assert screen.emit("status:set", {"op_id": "y", "ready": True}, callback=True)["error"]["code"] == "forbidden"


def test_co_facilitators_get_the_same_powers(app, client, world):
    with app.app_context():
        make_facilitator(email="co@example.org", name="Coral")
    login(client)
    assert client.post(f"/f/workshops/{world.workshop_id}/facilitators",
                       data={"email": "nadie@example.org"}).status_code == 302
    client.post(f"/f/workshops/{world.workshop_id}/facilitators", data={"email": "CO@example.org"})
    co = app.test_client()
    login(co, "co@example.org")
    assert world.code in co.get("/f/").text
    assert co.get(f"/f/workshops/{world.workshop_id}/room").status_code == 200
    seat = boot_of(co.get(f"/f/workshops/{world.workshop_id}/canvases/{world.canvas_id}").text)["token"]
    with app.app_context():
        assert board.resolve_token(seat).is_facilitator
    # Removing the co-facilitator revokes their seat at once.
    co_id = boot_of(co.get(f"/f/workshops/{world.workshop_id}/room").text)["me"]["id"]
    assert co_id
    with app.app_context():
        co_account = db.session.scalar(db.select(Facilitator.id).filter_by(email="co@example.org"))
    client.post(f"/f/workshops/{world.workshop_id}/facilitators/{co_account}/remove")
    assert co.get(f"/f/workshops/{world.workshop_id}/room").status_code == 404
    assert not socketio.test_client(app, auth={"token": seat}).is_connected()


def test_the_last_facilitator_cannot_be_removed(app, client, world):
    login(client)
    client.post(f"/f/workshops/{world.workshop_id}/facilitators/{world.facilitator_id}/remove")
    assert client.get(f"/f/workshops/{world.workshop_id}").status_code == 200


def test_the_projector_follows_one_canvas_at_a_time(app):
    world = World(app, canvases=2)
    with app.app_context():
        token = projector_token(db.session.get(Workshop, world.workshop_id))
    screen = socketio.test_client(app, auth={"token": token})
    first, second = world.canvas_ids
    assert screen.emit("canvas:join", {"canvas_id": first}, callback=True)["ok"]
    assert screen.emit("canvas:join", {"canvas_id": second}, callback=True)["ok"]
    ana = world.socket(world.join("Ana"), canvas_id=first)
    ben = world.socket(world.join("Ben"), canvas_id=second)
    screen.get_received()
    assert ana.emit("note:add", {"op_id": "a1", "block": "problem", "text": "mesa uno"}, callback=True)["ok"]
    assert ben.emit("note:add", {"op_id": "b1", "block": "problem", "text": "mesa dos"}, callback=True)["ok"]
    changes = [m["args"][0] for m in screen.get_received() if m["name"] == "change"]
    assert [c["canvas_id"] for c in changes] == [second]
    assert screen.emit("canvas:leave", {}, callback=True)["ok"]
    assert ben.emit("note:add", {"op_id": "b2", "block": "problem", "text": "otra"}, callback=True)["ok"]
    assert [m for m in screen.get_received() if m["name"] == "change"] == []


EXPORT_KINDS = {"report-pdf": "application/pdf", "report-md": "text/markdown", "pdf": "application/pdf",
                "pdf-a4": "application/pdf", "csv": "text/csv", "json": "application/json",
                "decidim-csv": "text/csv", "decidim-json": "application/json",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def test_the_facilitators_pages_offer_the_downloads_and_no_one_elses_do(app, client, world):
    login(client)
    base = f"/f/workshops/{world.workshop_id}"
    canvas_pdf = {"a3": f"{base}/canvases/{world.canvas_id}/export.pdf",
                  "a4": f"{base}/canvases/{world.canvas_id}/export.pdf?size=a4"}

    # The control room: every export of the workshop, and each canvas's PDF on its card.
    room = boot_of(client.get(f"{base}/room").text)
    assert room["exports"] == {"report-pdf": f"{base}/export/report-pdf", "report-md": f"{base}/export/report-md",
                               "pdf": f"{base}/export/pdf", "pdf-a4": f"{base}/export/pdf?size=a4",
                               "xlsx": f"{base}/export/xlsx", "csv": f"{base}/export/csv",
                               "json": f"{base}/export/json", "decidim-csv": f"{base}/export/decidim-csv",
                               "decidim-json": f"{base}/export/decidim-json"}
    assert [c["pdf"] for c in room["canvases"]] == [canvas_pdf]
    for key, url in [*room["exports"].items(), *(("pdf", url) for url in canvas_pdf.values())]:
        answer = client.get(url)
        assert (answer.status_code, answer.mimetype) == (200, EXPORT_KINDS[key]), url
        assert answer.headers["Content-Disposition"].startswith("attachment;")

    # The facilitator's canvas page: that canvas's PDF.
    page = client.get(f"{base}/canvases/{world.canvas_id}").text
    assert boot_of(page)["exports"] == {"canvas_pdf": canvas_pdf}
    assert 'id="canvas-downloads"' in page

    # A participant's canvas page, and the projector: no downloads at all.
    participant = app.test_client()
    participant.post(f"/j/{world.code}", data={"name": "Ana"})
    page = participant.get(f"/c/{world.canvas_id}").text
    boot = boot_of(page)
    assert boot["me"]["facilitator"] is False and "exports" not in boot
    assert "/export" not in page and "canvas-downloads" not in page
    with app.app_context():
        token = projector_token(db.session.get(Workshop, world.workshop_id))
    screen = participant.get(f"/p/{token}").text
    assert "/export" not in screen and "exports" not in boot_of(screen)
    assert all("pdf" not in canvas for canvas in boot_of(screen)["canvases"])
