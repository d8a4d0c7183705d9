"""Stacks in every export: a stack participants made, its notes, and the dots given to it,
counted with its notes' dots as one item of the results (Markdown and PDF reports, XLSX,
CSV, JSON and its import, the canvas PDF)."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from openpyxl import load_workbook

from facilitator import board, export
from facilitator.export import labels
from facilitator.export.data import read_workshop
from facilitator.export.importing import import_workshop
from facilitator.extensions import db
from facilitator.models import Cluster, Facilitator, Vote, Workshop

from .conftest import World
from .export_world import make_app, pdf_lines, squash

RECIPE = "public-policy-lean-canvas-90"


def _op(**fields):
    return {"op_id": uuid.uuid4().hex, **fields}


@pytest.fixture(scope="module")
def stacked(tmp_path_factory):
    """Ana stacks Ben's note onto hers in the grouping phase and names the stack; in the vote,
    Ben puts 2 dots on the stack and 1 on Ana's note in it, Ana 1 on Ben's loose note."""
    app = make_app(tmp_path_factory.mktemp("stacks"))
    world = World(app)
    with app.app_context():
        fac = board.resolve_token(world.seat())
        ana = board.resolve_token(world.join("Ana Núñez", "MEF"))
        ben = board.resolve_token(world.join("Benjamín Peña", "PCM"))
        canvas = world.canvas_id

        def apply(actor, name, **fields):
            return board.apply(actor, canvas, name, _op(**fields)).envelope["data"]

        a1 = apply(ana, "note:add", block="problem", text="Colas en la ventanilla")["id"]
        b1 = apply(ben, "note:add", block="problem", text="Esperas de horas")["id"]
        b2 = apply(ben, "note:add", block="problem", text="Formularios confusos")["id"]
        apply(fac, "recipe:choose", recipe_id=RECIPE)
        apply(fac, "phase:next")
        apply(fac, "phase:next")  # reveal and group
        stack = apply(ana, "note:stack", note_id=b1, onto=a1)["clusters"][0]["id"]
        apply(ben, "stack:rename", cluster_id=stack, title="Tiempos de espera")
        apply(fac, "phase:next")  # the vote
        apply(ben, "vote:add", cluster_id=stack)
        apply(ben, "vote:add", cluster_id=stack)
        apply(ben, "vote:add", note_id=a1)
        apply(ana, "vote:add", note_id=b2)
        apply(fac, "vote:close", canvas_id=canvas)
        db.session.commit()
    return app, world, {"a1": a1, "b1": b1, "b2": b2, "stack": stack}


def render(app, world, fmt: str, **options) -> bytes:
    with app.app_context(), app.test_request_context():
        return export.render(db.session.get(Workshop, world.workshop_id), fmt, **options).content


def test_the_read_model_ranks_a_stack_as_one_item(stacked):
    app, world, ids = stacked
    with app.app_context(), app.test_request_context(), labels.in_language("es"):
        (canvas,) = read_workshop(db.session.get(Workshop, world.workshop_id)).canvases
    (group,) = canvas.clusters
    assert group.title == "Tiempos de espera" and {n.id for n in group.notes} == {ids["a1"], ids["b1"]}
    assert group.votes == 3
    (round_,) = canvas.rounds
    assert round_.stack_tallies == {ids["stack"]: 2}
    assert [(rank, item.id, votes) for rank, item, votes in round_.results] == [(1, ids["stack"], 3),
                                                                                (2, ids["b2"], 1)]


def test_markdown_report_shows_the_stack_and_its_votes(stacked):
    app, world, _ids = stacked
    text = render(app, world, "report-md").decode("utf-8")
    assert "| 1 | Grupo «Tiempos de espera» (2 notas) | Problema público | 3 |" in text
    assert "| 2 | Formularios confusos | Problema público | 1 |" in text
    groups = text[text.index("## Grupos de notas"):]
    assert "### Tiempos de espera" in groups and "2 notas · 3 votos" in groups
    assert "- Colas en la ventanilla" in groups and "- Esperas de horas" in groups


def test_pdf_report_and_canvas_pdf_show_the_stack(stacked):
    app, world, _ids = stacked
    report = squash("".join(run[3] for run in pdf_lines(render(app, world, "report-pdf"))))
    results = report[report.rindex("Resultadosdelavotaciónporpuntos"):report.rindex("Gruposdenotas")]
    assert "1Grupo«Tiemposdeespera»(2notas)" in results and "3" in results
    assert "2notas·3votos" in report[report.rindex("Gruposdenotas"):]
    sheet = squash("".join(run[3] for run in pdf_lines(render(app, world, "pdf", canvas=None))))
    assert sheet.count("Grupo:Tiemposdeespera") == 2  # under each of its notes


def test_xlsx_and_csv_name_the_stack_and_its_votes(stacked):
    app, world, _ids = stacked
    book = load_workbook(io.BytesIO(render(app, world, "xlsx")))
    sheet = book["Mesa"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    by_text = {r["Texto"]: r for r in rows}
    assert by_text["Colas en la ventanilla"]["Grupo"] == "Tiempos de espera"
    assert by_text["Colas en la ventanilla"]["Votos del grupo"] == 3
    assert by_text["Formularios confusos"]["Grupo"] in (None, "")
    groups = book["Grupos"]
    assert [c.value for c in groups[2]][:5] == ["Mesa", "Problema público", "Tiempos de espera", 2, 3]
    summary = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    (mesa,) = [row for row in summary if row[0] == "Mesa"]
    assert mesa[2:5] == [3, 4, 1]  # notes; dots (2 on notes, 2 on the stack); groups
    reader = csv.DictReader(io.StringIO(render(app, world, "csv").decode("utf-8-sig")))
    by_text = {r["Texto"]: r for r in reader}
    assert by_text["Esperas de horas"]["Grupo"] == "Tiempos de espera"
    assert by_text["Esperas de horas"]["Votos del grupo"] == "3"


def test_json_keeps_stack_votes_through_an_import(stacked):
    app, world, _ids = stacked
    data = json.loads(render(app, world, "json"))
    (canvas,) = data["canvases"]
    assert canvas["groups"] == [{"ref": "g1", "block": "problem", "title": "Tiempos de espera", "votes": 3}]
    assert canvas["votes"][0]["group_tallies"] == {"g1": 2}
    with app.app_context(), app.test_request_context():
        account = db.session.get(Facilitator, world.facilitator_id)
        copy = import_workshop(json.dumps(data).encode(), account)
        db.session.commit()
        cluster = db.session.scalars(db.select(Cluster).where(Cluster.canvas_id == copy.canvases[0].id)).one()
        assert db.session.scalar(db.select(db.func.count(Vote.id)).where(Vote.cluster_id == cluster.id)) == 2
        again = json.loads(export.render(copy, "json").content)
    assert again["canvases"] == data["canvases"]
