"""What a download is called and typed: file names cut at whole words, one charset."""

from __future__ import annotations

import datetime as dt

import pytest

from facilitator.export import FORMATS, filename, slug
from facilitator.extensions import db
from facilitator.models import Workshop

from .conftest import PASSWORD
from .export_world import build, make_app


def test_a_long_title_is_cut_at_a_whole_word():
    title = "Taller de co-creación del plan de gobierno abierto 2026: ñandú, niñez y regiones del sur"
    name = slug(title)
    assert len(name) <= 60 and name == "taller-de-co-creacion-del-plan-de-gobierno-abierto-2026"  # not "-2026-nand"
    words = slug(title, 10_000).split("-")
    assert name.split("-") == words[:len(name.split("-"))]  # only whole words
    assert slug("Supercalifragilisticoespialidoso", 10) == "supercalif"  # one word longer than the limit
    assert slug("¿?", 10) == "lienzo"


def test_download_names_of_a_long_titled_workshop(tmp_path):
    app = make_app(tmp_path)
    results = build(app)
    with app.app_context():
        workshop = db.session.get(Workshop, results.workshop_id)
        workshop.title = "Encuentro nacional de co-creación 2026 con ministerios, gobiernos regionales y ñandúes"
        workshop.date = dt.date(2026, 11, 27)
        name = filename(workshop, "report-pdf")
    assert name == "encuentro-nacional-de-co-creacion-2026-con-ministerios-2026-11-27-informe.pdf"


@pytest.mark.parametrize("fmt", ["report-md", "csv"])
def test_text_downloads_say_their_charset_once(tmp_path, fmt):
    app = make_app(tmp_path)
    results = build(app)
    client = app.test_client()
    assert client.post("/f/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 302
    response = client.get(f"/f/workshops/{results.workshop_id}/export/{fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{FORMATS[fmt][1]}; charset=utf-8"
    assert response.headers["Content-Type"].count("charset") == 1
