"""Download links, the import upload and the flask export/import commands."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import Workshop

from .conftest import PASSWORD, make_facilitator
from .export_world import build, make_app


def login(client, email="ana@example.org"):
    assert client.post("/f/login", data={"email": email, "password": PASSWORD}).status_code == 302


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("views"))
    return app, build(app)


@pytest.fixture
def app(shared):
    app = shared[0]
    limits = app.config["IMPORT_MAX_BYTES"], app.config["MAX_CONTENT_LENGTH"]
    yield app
    app.config["IMPORT_MAX_BYTES"], app.config["MAX_CONTENT_LENGTH"] = limits


@pytest.fixture
def done(shared, client):
    login(client)
    return shared[1]


@pytest.mark.parametrize(("fmt", "kind", "ext"), [
    ("report-pdf", "application/pdf", "27-informe.pdf"), ("pdf", "application/pdf", "27.pdf"),
    ("report-md", "text/markdown", "27-informe.md"), ("csv", "text/csv", "27.csv"),
    ("json", "application/json", "27.json"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "27.xlsx")])
def test_workshop_downloads(client, done, fmt, kind, ext):
    response = client.get(f"/f/workshops/{done.workshop_id}/export/{fmt}")
    assert response.status_code == 200 and response.mimetype == kind
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'comunidad-de-practica-2026-11-{ext}' in disposition
    assert "no-store" in response.headers["Cache-Control"]
    assert len(response.data) > 500


def test_canvas_pdf_download_in_a4_and_a3(client, done):
    url = f"/f/workshops/{done.workshop_id}/canvases/{done.empathy}/export.pdf"
    a3, a4 = client.get(url), client.get(url + "?size=a4")
    assert "mapa-de-empatia-anonimo.pdf" in a3.headers["Content-Disposition"]
    assert round(float(PdfReader(io.BytesIO(a3.data)).pages[0].mediabox.width)) == 1191
    assert round(float(PdfReader(io.BytesIO(a4.data)).pages[0].mediabox.width)) == 842
    assert client.get(url + "?size=a5").status_code == 400
    assert client.get(f"/f/workshops/{done.workshop_id}/canvases/999/export.pdf").status_code == 404
    assert client.get(f"/f/workshops/{done.workshop_id}/export/docx").status_code == 404


def test_only_the_workshops_facilitators_may_download(app, client, done):
    urls = [f"/f/workshops/{done.workshop_id}/export/json",
            f"/f/workshops/{done.workshop_id}/canvases/{done.lean}/export.pdf"]
    with app.app_context():
        make_facilitator(email="otra@example.org", name="Otra")
    other = app.test_client()
    for url in urls:
        assert other.get(url).status_code == 302  # not logged in: to the login page
    login(other, "otra@example.org")
    for url in urls:
        assert other.get(url).status_code == 404


def test_pages_link_to_the_downloads_and_the_import_form(client, done):
    page = client.get(f"/f/workshops/{done.workshop_id}").text
    for fmt in ("report-pdf", "report-md", "pdf", "xlsx", "csv", "json"):
        assert f"/f/workshops/{done.workshop_id}/export/{fmt}" in page
    assert f"/canvases/{done.lean}/export.pdf?size=a4" in page
    dashboard = client.get("/f/").text
    assert 'action="/f/workshops/import"' in dashboard and 'enctype="multipart/form-data"' in dashboard
    assert f"/f/workshops/{done.workshop_id}/export/report-pdf" in dashboard


def _upload(client, content: bytes, name="taller.json"):
    return client.post("/f/workshops/import", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_import_upload_makes_a_new_draft(app, client, done):
    exported = client.get(f"/f/workshops/{done.workshop_id}/export/json").data
    response = _upload(client, exported)
    assert response.status_code == 302
    with app.app_context():
        copy_ = db.session.scalars(select(Workshop).order_by(Workshop.id.desc())).first()
        assert copy_.id != done.workshop_id and copy_.status == "draft"
    page = client.get(response.headers["Location"]).text
    assert copy_.code in page and "se importó" in page


@pytest.mark.parametrize(("content", "message"), [
    (b"{ not json", "no es un JSON válido"), (b'{"format": "lienzo.workshop", "version": 1}', "workshop"),
    (b"", "JSON")])
def test_a_broken_upload_is_a_400_with_a_clear_message(app, client, done, content, message):
    with app.app_context():
        before = db.session.scalar(select(func.count(Workshop.id)))
    response = _upload(client, content)
    assert response.status_code == 400 and "No se pudo importar" in response.text and message in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Workshop.id))) == before


def test_a_too_big_or_missing_upload_is_a_400(app, client, done):
    app.config["IMPORT_MAX_BYTES"] = 1000
    response = _upload(client, b" " * 2000)
    assert response.status_code == 400 and "demasiado grande" in response.text
    app.config["MAX_CONTENT_LENGTH"] = 1500  # the whole request, refused before the view reads it
    response = _upload(client, b" " * 2000)
    assert response.status_code == 400 and "demasiado grande" in response.text
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024 * 1024
    response = client.post("/f/workshops/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Elija un archivo de taller de Lienzo" in response.text


def test_cli_export_and_import(app, runner, done, tmp_path):
    results = done
    out = tmp_path / "taller.xlsx"
    done = runner.invoke(args=["export", "--workshop", str(results.workshop_id), "--format", "xlsx",
                               "--output", str(out)])
    assert done.exit_code == 0, done.output
    assert "Wrote" in done.output and load_workbook(out).sheetnames[0] == "Resumen"
    pdf = tmp_path / "mesa.pdf"
    done = runner.invoke(args=["export", "--workshop", str(results.workshop_id), "--format", "pdf", "--canvas",
                               str(results.lean), "--size", "a4", "--output", str(pdf)])
    assert done.exit_code == 0, done.output
    assert round(float(PdfReader(pdf).pages[0].mediabox.width)) == 842
    data = tmp_path / "taller.json"
    runner.invoke(args=["export", "--workshop", str(results.workshop_id), "--format", "json", "--output", str(data)])
    done = runner.invoke(args=["import", str(data), "--facilitator", "ana@example.org"])
    assert done.exit_code == 0 and "as draft workshop" in done.output, done.output
    assert json.loads(data.read_text(encoding="utf-8"))["workshop"]["title"] == "Comunidad de práctica"


@pytest.mark.parametrize(("args", "message"), [
    (["export", "--workshop", "999", "--format", "csv", "--output", "x.csv"], "No workshop has the id 999"),
    (["export", "--workshop", "1", "--format", "csv", "--canvas", "1", "--output", "x.csv"], "--format pdf only"),
    (["export", "--workshop", "1", "--format", "pdf", "--canvas", "77", "--output", "x.pdf"], "no canvas"),
    (["export", "--workshop", "1", "--format", "docx", "--output", "x"], "Invalid value"),
    (["export", "--workshop", "1", "--format", "csv", "--output", "/nonexistent/dir/x.csv"], "Cannot write"),
    (["import", "BAD", "--facilitator", "ana@example.org"], "Cannot import"),
    (["import", "BAD", "--facilitator", "nadie@example.org"], "No facilitator"),
])
def test_cli_refusals_are_plain_messages(app, runner, tmp_path, args, message):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "lienzo.workshop", "version": 1, "workshop": {}}', encoding="utf-8")
    args = [str(bad) if a == "BAD" else a for a in args]
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output
