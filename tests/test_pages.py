"""Server-rendered pages: joining, choosing a canvas, the canvas sheet, the
facilitator's set-up, languages and error pages."""

from __future__ import annotations

import json
import re

import pytest

from facilitator import create_app
from facilitator.config import TestConfig
from facilitator.extensions import db
from facilitator.models import Participant, Workshop

from .conftest import PASSWORD, World, make_facilitator


def boot_of(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="boot">(.*?)</script>', html, re.S)
    assert match, "canvas page without boot data"
    return json.loads(match.group(1))


def login(client, email="ana@example.org"):
    return client.post("/f/login", data={"email": email, "password": PASSWORD})


def test_home_offers_the_code_field_and_redirects_to_the_join_page(client, world):
    page = client.get("/")
    assert page.status_code == 200 and 'name="code"' in page.text
    answer = client.get("/join", query_string={"code": world.code.lower()})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/j/{world.code}")
    assert client.get("/join", query_string={"code": ""}).status_code == 302


def test_wrong_code_is_a_clear_404(client):
    page = client.get("/j/ZZZZZZ")
    assert page.status_code == 404 and "ZZZZZZ" in page.text and "Traceback" not in page.text


def test_participant_joins_lands_on_the_only_canvas_and_comes_back_as_the_same_person(app, client, world):
    page = client.post(f"/j/{world.code}", data={"name": "Ana", "institution": "Municipalidad de Lima"})
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/w/{world.code}")
    choose = client.get(f"/w/{world.code}")
    assert choose.status_code == 302 and choose.headers["Location"].endswith(f"/c/{world.canvas_id}")
    canvas = client.get(f"/c/{world.canvas_id}")
    boot = boot_of(canvas.text)
    assert boot["me"]["name"] == "Ana" and boot["me"]["institution"] == "Municipalidad de Lima"
    assert boot["canvas"]["id"] == world.canvas_id and boot["token"]
    # A reload, or the next day in the same browser: same identity, no new participant.
    again = boot_of(client.get(f"/c/{world.canvas_id}").text)
    assert again["me"]["id"] == boot["me"]["id"]
    assert "Ana" in client.get(f"/j/{world.code}").text  # "Continue as Ana"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Participant.id))) == 1


def test_join_form_errors_keep_what_was_typed(app, client, world):
    page = client.post(f"/j/{world.code}", data={"name": "", "institution": "MEF"})
    assert page.status_code == 400 and 'value="MEF"' in page.text and 'aria-invalid="true"' in page.text
    page = client.post(f"/j/{world.code}", data={"name": "n" * 81})
    assert page.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Participant.id))) == 0


def test_institutions_are_suggested_from_earlier_participants(client, world):
    world.join("Ben", "Contraloría General")
    assert '<option value="Contraloría General">' in client.get(f"/j/{world.code}").text


def test_several_canvases_are_offered_to_choose(app, client):
    world = World(app, canvases=3)
    client.post(f"/j/{world.code}", data={"name": "Ana"})
    page = client.get(f"/w/{world.code}")
    assert page.status_code == 200
    for canvas_id in world.canvas_ids:
        assert f"/c/{canvas_id}" in page.text
    assert "Mesa 1" in page.text and "Mesa 3" in page.text


def test_canvas_page_lays_out_every_block_with_question_and_credit(app, client, world):
    client.post(f"/j/{world.code}", data={"name": "Ana"})
    html = client.get(f"/c/{world.canvas_id}").text
    from facilitator import catalog_of
    template = catalog_of(app).get("public-policy-lean-canvas")
    for block in template.blocks:
        assert f'data-block="{block.id}"' in html
        assert block.title.es in html and block.question.es in html
    assert template.credit.line.es in html
    css = client.get(f"/c/{world.canvas_id}/layout.css")
    assert css.mimetype == "text/css" and "grid-template-areas" in css.text
    assert "grid-area: problem" in css.text
    assert "<script>" not in html and "style=" not in html  # no inline code for the CSP


def test_language_switch_turns_the_canvas_to_english(app, client, world):
    client.post(f"/j/{world.code}", data={"name": "Ana"})
    answer = client.get("/lang/en", query_string={"next": f"/c/{world.canvas_id}"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/c/{world.canvas_id}")
    html = client.get(f"/c/{world.canvas_id}").text
    from facilitator import catalog_of
    template = catalog_of(app).get("public-policy-lean-canvas")
    assert template.blocks[0].title.en in html and template.credit.line.en in html
    assert '<html lang="en">' in html
    assert boot_of(html)["lang"] == "en"
    assert client.get("/lang/en", query_string={"next": "https://evil.example"}).headers["Location"] == "/"


def test_workshop_language_is_the_default_for_its_pages(app, client, world):
    with app.app_context():
        db.session.get(Workshop, world.workshop_id).language = "en"
        db.session.commit()
    assert '<html lang="en">' in client.get(f"/j/{world.code}").text
    assert '<html lang="es">' in client.get("/").text


def test_unjoined_browser_is_sent_to_the_join_page(client, world):
    answer = client.get(f"/c/{world.canvas_id}")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/j/{world.code}")
    assert client.get("/c/999999").status_code == 404


def test_facilitator_sets_up_a_workshop_through_the_pages(app, client):
    with app.app_context():
        make_facilitator()
    assert client.get("/f/").status_code == 302
    assert login(client).status_code == 302
    assert client.get("/f/").status_code == 200
    created = client.post("/f/workshops/new", data={"title": "Comunidad de práctica", "date": "2026-12-03",
                                                    "language": "es"})
    assert created.status_code == 302
    workshop_url = created.headers["Location"]
    added = client.post(workshop_url + "/canvases", data={"template_id": "public-policy-lean-canvas",
                                                          "name": "Mesa", "count": "6"})
    assert added.status_code == 302
    page = client.get(workshop_url)
    with app.app_context():
        workshop = db.session.scalars(db.select(Workshop)).one()
        assert [c.name for c in workshop.canvases] == [f"Mesa {i}" for i in range(1, 7)]
        assert workshop.code in page.text and f"/j/{workshop.code}" in page.text
        canvas_id = workshop.canvases[0].id
    canvas = client.get(f"{workshop_url}/canvases/{canvas_id}")
    assert canvas.status_code == 200 and boot_of(canvas.text)["me"]["facilitator"] is True
    # Opening the participant URL as the facilitator leads to the facilitator's seat.
    assert client.get(f"/c/{canvas_id}").status_code == 302


def test_facilitator_form_errors(app, client):
    with app.app_context():
        make_facilitator()
    assert login(client).status_code == 302
    assert client.post("/f/workshops/new", data={"title": ""}).status_code == 400
    assert client.post("/f/workshops/new", data={"title": "ok", "date": "not a date"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Workshop.id))) == 0


def test_wrong_login_and_foreign_workshops(app, client, world):
    with app.app_context():
        make_facilitator(email="otro@example.org", name="Otro")
    page = client.post("/f/login", data={"email": "ana@example.org", "password": "wrong"})
    assert page.status_code == 401
    login(client, "otro@example.org")
    assert client.get(f"/f/workshops/{world.workshop_id}").status_code == 404
    assert client.get(f"/f/workshops/{world.workshop_id}/canvases/{world.canvas_id}").status_code == 404
    answer = client.post(f"/f/workshops/{world.workshop_id}/canvases", data={"template_id": "lean-canvas",
                                                                             "name": "x"})
    assert answer.status_code == 404


def test_login_redirects_only_to_local_pages(app, client):
    with app.app_context():
        make_facilitator()
    answer = client.post("/f/login?next=//evil.example/x", data={"email": "ana@example.org", "password": PASSWORD})
    assert answer.headers["Location"] == "/f/"


def test_every_page_has_security_headers(client, world):
    for path in ("/", f"/j/{world.code}", "/f/login", "/nope"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_forms_need_a_csrf_token_when_protection_is_on(tmp_path):
    app = create_app(TestConfig, WTF_CSRF_ENABLED=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/c.db")
    with app.app_context():
        db.create_all()
    world = World(app)
    client = app.test_client()
    assert client.post(f"/j/{world.code}", data={"name": "Ana"}).status_code == 400
    page = client.get(f"/j/{world.code}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/j/{world.code}", data={"name": "Ana", "csrf_token": token}).status_code == 302


@pytest.mark.parametrize("path", ["/j/ZZZZZZ", "/f/workshops/1", "/c/12345", "/no/such/page"])
def test_error_pages_are_friendly(client, path):
    page = client.get(path, follow_redirects=True)
    assert page.status_code in (200, 404)
    assert "Traceback" not in page.text and "<html" in page.text
