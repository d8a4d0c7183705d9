"""Lienzo is under the GNU AGPL v3 or later: the licence is in the project, and every
page names it and links to the source of the running installation (section 13)."""

from __future__ import annotations

import configparser
import io
import json
import tarfile
from pathlib import Path

from facilitator.board.actors import projector_token
from facilitator.extensions import db
from facilitator.models import Workshop

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
LINE = "GNU Affero General Public License"


def login(client, email="ana@example.org"):
    return client.post("/f/login", data={"email": email, "password": PASSWORD})


def test_the_project_carries_the_agpl_text_and_says_so_in_its_metadata():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    assert "Version 3, 19 November 2007" in text and "13. Remote Network Interaction" in text
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    assert setup["metadata"]["license"] == "AGPL-3.0-or-later"
    assert json.loads((ROOT / "package.json").read_text())["license"] == "AGPL-3.0-or-later"
    assert "GNU Affero General Public License" in (ROOT / "README.md").read_text(encoding="utf-8")


def _pages(app, client, world) -> dict[str, str]:
    with app.app_context():
        projector = projector_token(db.session.get(Workshop, world.workshop_id))
    pages = {"home": client.get("/").text, "login": client.get("/f/login").text,
             "join": client.get(f"/j/{world.code}").text, "not found": client.get("/nowhere").text,
             "projector": client.get(f"/p/{projector}").text}
    participant = app.test_client()
    participant.post(f"/j/{world.code}", data={"name": "Rosa", "institution": "Municipalidad"})
    pages["canvas"] = participant.get(f"/c/{world.canvas_id}").text
    login(client)
    pages["dashboard"] = client.get("/f/").text
    pages["workshop"] = client.get(f"/f/workshops/{world.workshop_id}").text
    pages["control room"] = client.get(f"/f/workshops/{world.workshop_id}/room").text
    return pages


def test_every_page_names_the_licence_and_links_to_the_source(app, client, world):
    for name, html in _pages(app, client, world).items():
        assert LINE in html or "Affero" in html, f"the {name} page does not name the licence"
        assert 'href="/source.tar.gz"' in html, f"the {name} page does not link to the source"
        assert 'href="/licence"' in html, name


def test_the_line_speaks_the_page_language(client):
    spanish = client.get("/").text
    assert "Lienzo es software libre" in spanish and "Código fuente" in spanish
    english = client.get("/?lang=en").text
    assert "Lienzo is free software" in english and "Source code" in english


def test_source_url_setting_points_the_footer_elsewhere(app, client):
    app.config["SOURCE_URL"] = "https://git.example.org/municipalidad/lienzo"
    html = client.get("/").text
    assert 'href="https://git.example.org/municipalidad/lienzo"' in html and "/source.tar.gz" not in html


def test_the_licence_page_and_its_full_text(client):
    page = client.get("/licence")
    assert page.status_code == 200 and "versión 3" in page.text and 'href="/licence.txt"' in page.text
    text = client.get("/licence.txt")
    assert text.status_code == 200 and text.mimetype == "text/plain"
    assert text.text == (ROOT / "LICENSE").read_text(encoding="utf-8")


def test_the_source_archive_holds_the_running_code_and_nothing_built(client):
    answer = client.get("/source.tar.gz")
    assert answer.status_code == 200 and answer.mimetype == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(answer.data), mode="r:gz") as tar:
        names = set(tar.getnames())
        app_py = tar.extractfile("lienzo/facilitator/app.py").read()
    assert app_py == (ROOT / "facilitator" / "app.py").read_bytes()
    for needed in ("lienzo/LICENSE", "lienzo/setup.cfg", "lienzo/package-lock.json", "lienzo/static/js/canvas.js",
                   "lienzo/canvases/public-policy-lean-canvas.toml", "lienzo/templates/base.html"):
        assert needed in names, needed
    assert not [n for n in names if n.endswith(".pyc") or "/vendor/" in n or "node_modules" in n or "__pycache__" in n]
