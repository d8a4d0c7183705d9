"""Exports rendered by the worker processes (export/pool.py, export/worker.py):
the same files as rendered in the server, the same privacy, a long export's
progress and "ready" state, and failures that end as a clear message with no
file and leave the pool working."""

from __future__ import annotations

import csv
import io
import json
import signal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import update

from facilitator import create_app, export
from facilitator.config import TestConfig
from facilitator.extensions import db
from facilitator.models import Canvas, Workshop
from facilitator.views.exports import jobs_of

from .conftest import PASSWORD, make_facilitator
from .export_world import DELETED, HIDDEN, SPANISH, build, squash
from .waiting import wait_until


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("worker")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'export.db'}",
                     EXPORT_WORKERS=1, EXPORT_WAIT=60.0)
    with app.app_context():
        db.create_all()
    results = build(app)
    yield app, results
    jobs_of(app).pool.shutdown()


@pytest.fixture
def app(shared):
    app = shared[0]
    wait = app.config["EXPORT_WAIT"]
    yield app
    app.config["EXPORT_WAIT"] = wait


@pytest.fixture
def client(app):
    client = app.test_client()
    assert client.post("/f/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def done(shared):
    return shared[1]


def inline(app, workshop_id: int, fmt: str, **options) -> bytes:
    """The same export rendered in this process, as the views did before the worker."""
    with app.test_request_context():
        workshop = db.session.get(Workshop, workshop_id)
        return export.render(workshop, fmt, **options).content


def test_every_format_comes_from_the_worker_process_and_matches_the_inline_render(app, client, done):
    pool = jobs_of(app).pool
    url = f"/f/workshops/{done.workshop_id}/export/"
    files = {fmt: client.get(url + fmt) for fmt in export.FORMATS}
    assert all(r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment;")
               for r in files.values())
    assert len(pool.pids()) == 1  # rendered by the one worker process, not the test process
    assert files["csv"].data == inline(app, done.workshop_id, "csv")
    assert files["report-md"].data == inline(app, done.workshop_id, "report-md")
    ours, theirs = json.loads(files["json"].data), json.loads(inline(app, done.workshop_id, "json"))
    ours["exported"].pop("at"), theirs["exported"].pop("at")
    assert ours == theirs
    book = load_workbook(io.BytesIO(files["xlsx"].data))
    assert any(SPANISH in str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row)
    report = squash("".join(page.extract_text() for page in PdfReader(io.BytesIO(files["report-pdf"].data)).pages))
    assert squash(SPANISH) in report and squash(HIDDEN) not in report  # the report leaves unrevealed notes out
    canvases = squash("".join(page.extract_text() for page in PdfReader(io.BytesIO(files["pdf"].data)).pages))
    assert squash(SPANISH) in canvases


def test_the_worker_keeps_the_privacy_rules(client, done):
    url = f"/f/workshops/{done.workshop_id}/export/"
    for fmt in ("csv", "json", "report-md"):
        assert DELETED not in client.get(url + fmt).text
    assert HIDDEN not in client.get(url + "report-md").text
    assert HIDDEN in client.get(url + "report-md?hidden=include").text
    rows = list(csv.reader(io.StringIO(client.get(url + "csv").data.decode("utf-8-sig"))))
    anonymous = [row for row in rows if "«nadie nos escucha»" in " ".join(row)]
    assert anonymous and not any(name in " ".join(anonymous[0]) for name in done.names)


def test_a_long_export_shows_its_progress_then_ready_and_only_to_its_facilitator(app, client, done):
    app.config["EXPORT_WAIT"] = 0.0
    first = client.get(f"/f/workshops/{done.workshop_id}/export/report-pdf")
    assert first.status_code == 303 and "/exports/" in first.location
    page = client.get(first.location)
    assert page.status_code == 200 and ("Preparando" in page.text or "está lista" in page.text)
    states = []

    def ready() -> bool:
        states.append(client.get(first.location, headers={"Accept": "application/json"}).get_json())
        return states[-1]["state"] != "working"

    assert wait_until(ready, stall=60, cap=120)
    assert states[-1]["state"] == "ready" and states[-1]["download"] == "Descargar"
    assert all(s["state"] == "working" and "Preparando" in s["message"] for s in states[:-1])
    assert "está lista" in client.get(first.location).text
    pdf = client.get(states[-1]["file_url"])
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    with app.app_context():
        make_facilitator(email="otra@example.org", name="Otra")
    other = app.test_client()
    other.post("/f/login", data={"email": "otra@example.org", "password": PASSWORD})
    assert other.get(states[-1]["file_url"]).status_code == 404


def test_a_render_that_fails_in_the_worker_is_a_clear_error_and_no_file(app, client, done):
    pool = jobs_of(app).pool
    url = f"/f/workshops/{done.workshop_id}/export/csv"
    client.get(url)
    pids = pool.pids()
    with app.app_context():
        template = db.session.get(Canvas, done.lean).template
        db.session.execute(update(Canvas).where(Canvas.id == done.lean).values(template={"broken": True}))
        db.session.commit()
    try:
        failed = client.get(url)
        assert failed.status_code == 500 and "Content-Disposition" not in failed.headers
        assert "no se generó ningún archivo" in failed.text
        answer = client.get(url, headers={"Accept": "application/json"})
        assert answer.status_code == 500 and answer.get_json()["state"] == "failed"
    finally:
        with app.app_context():
            db.session.execute(update(Canvas).where(Canvas.id == done.lean).values(template=template))
            db.session.commit()
    assert client.get(url).status_code == 200
    assert pool.pids() == pids  # the same worker answered the failure and the next export


def test_a_worker_that_dies_fails_its_export_and_is_replaced(app, client, done):
    pool = jobs_of(app).pool
    url = f"/f/workshops/{done.workshop_id}/export/json"
    assert client.get(url).status_code == 200
    (victim,) = pool._workers
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(timeout=10)
    failed = client.get(url)
    assert failed.status_code == 500 and "Content-Disposition" not in failed.headers
    assert "antes de terminar" in failed.text
    again = client.get(url)
    assert again.status_code == 200 and json.loads(again.data)["workshop"]["title"]
    assert pool.pids() and victim.pid not in pool.pids()
