"""Commitments: turned from a canvas's voted notes and groups by the facilitator,
seen live by every open page and the projector, refused cleanly when wrong, and
carried by every export and by the JSON import."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from facilitator import board
from facilitator.board.actors import projector_token
from facilitator.board.commitments import commitments_of
from facilitator.export import labels, ogp, render
from facilitator.export.data import read_workshop
from facilitator.export.importing import ImportFailed, import_workshop
from facilitator.export.report import report_pdf
from facilitator.extensions import db, socketio
from facilitator.models import Commitment, Event, Facilitator, Workshop

from .conftest import PASSWORD, ok, op, password_hash, received
from .test_export_pdf import check_every_note_once_in_its_block


@pytest.fixture
def room(world):
    """The facilitator, two participants and a closed vote: Ana's note has 2 dots,
    Ben's 1, and Ben's note is in a group."""
    fac = world.socket(world.seat())
    ana = world.socket(world.join("Ana", "MEF"))
    ben = world.socket(world.join("Ben", "PCM"))
    cid = world.canvas_id
    first = ok(ana, "note:add", op(block="problem", text="Colas largas en ventanilla"))["event"]["data"]["id"]
    second = ok(ben, "note:add", op(block="problem", text="Trámites en papel"))["event"]["data"]["id"]
    group = ok(fac, "cluster:create", op(canvas_id=cid, block="problem", title="Atención lenta",
                                         note_ids=[second]))["event"]["data"]["cluster"]["id"]
    ok(fac, "vote:open", op(canvas_id=cid, budget=3, max_per_note=3))
    ok(ben, "vote:add", op(note_id=first))
    ok(ben, "vote:add", op(note_id=first))
    ok(ana, "vote:add", op(note_id=second))
    ok(fac, "vote:close", op(canvas_id=cid))
    for s in (fac, ana, ben):
        s.get_received()
    return {"fac": fac, "ana": ana, "ben": ben, "note": first, "other": second, "group": group, "canvas": cid}


def add(room, **fields):
    payload = op(canvas_id=room["canvas"], note_id=room["note"], **fields)
    return ok(room["fac"], "commitment:add", payload)["event"]["data"]


def rows(app) -> list[tuple]:
    with app.app_context():
        return [(c.id, c.title, c.responsible, list(c.co_responsible), c.due_date, c.indicator, c.status)
                for c in db.session.scalars(select(Commitment).order_by(Commitment.id))]


def events(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Event)).all())


def test_a_voted_note_becomes_a_commitment_everyone_sees(app, world, room):
    data = add(room, responsible="MEF", co_responsible=["PCM", "Defensoría"], due="2027-03-31",
               indicator="Tiempo medio de espera", title="Cita en línea para cada trámite")
    [made] = data["commitments"]
    assert made["id"] == data["commitment_id"]
    assert made["source"] == {"kind": "note", "id": room["note"], "text": "Colas largas en ventanilla", "votes": 2}
    assert (made["title"], made["responsible"], made["co_responsible"], made["due"], made["indicator"],
            made["status"]) == ("Cita en línea para cada trámite", "MEF", ["PCM", "Defensoría"], "2027-03-31",
                                "Tiempo medio de espera", "planned")
    assert made["canvas_name"] == "Mesa 1" or made["canvas_name"].startswith("Mesa")
    # Every open page of the workshop hears it as a workshop event that still holds the whole state.
    for who in ("ana", "ben"):
        [event] = received(room[who], "workshop")
        assert event["type"] == "commitment.added" and event["data"]["commitments"][0]["title"] == made["title"]
        assert event["data"]["status"] == "live" and "projector" in event["data"]


def test_a_group_becomes_a_commitment_titled_after_it_with_its_votes(app, world, room):
    data = ok(room["fac"], "commitment:add", op(canvas_id=room["canvas"], cluster_id=room["group"]))["event"]["data"]
    [made] = data["commitments"]
    assert made["title"] == "Atención lenta"
    assert made["source"] == {"kind": "cluster", "id": str(room["group"]), "text": "Atención lenta", "votes": 1}


def test_edit_changes_only_what_it_names_and_delete_removes(app, world, room):
    first = add(room, responsible="MEF", due="2027-01-15")["commitment_id"]
    second = ok(room["fac"], "commitment:add", op(canvas_id=room["canvas"], cluster_id=room["group"]))
    second_id = second["event"]["data"]["commitment_id"]
    edited = ok(room["fac"], "commitment:edit", op(commitment_id=first, status="in_progress",
                                                   indicator="Citas atendidas"))["event"]["data"]
    mine = edited["commitments"][0]
    assert (mine["status"], mine["indicator"], mine["responsible"], mine["due"]) == (
        "in_progress", "Citas atendidas", "MEF", "2027-01-15")
    assert [c["id"] for c in edited["commitments"]] == [first, second_id]  # in the order they were made
    ok(room["fac"], "commitment:edit", op(commitment_id=first, clear_due=True))
    assert rows(app)[0][4] is None
    gone = ok(room["fac"], "commitment:delete", op(commitment_id=first))["event"]
    assert gone["type"] == "commitment.deleted" and [c["id"] for c in gone["data"]["commitments"]] == [second_id]
    assert [r[0] for r in rows(app)] == [second_id]


def test_only_a_facilitator_may_and_nothing_changes_when_refused(app, world, room):
    made = add(room)["commitment_id"]
    before, logged = rows(app), events(app)
    for name, payload in (("commitment:add", op(canvas_id=room["canvas"], note_id=room["note"])),
                          ("commitment:edit", op(commitment_id=made, title="otra cosa")),
                          ("commitment:delete", op(commitment_id=made))):
        ack = room["ana"].emit(name, payload, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", (name, ack)
    with app.app_context():
        token = projector_token(db.session.get(Workshop, world.workshop_id))
    screen = socketio.test_client(app, auth={"token": token})
    ack = screen.emit("commitment:delete", op(commitment_id=made), callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert rows(app) == before and events(app) == logged


BAD = [
    ({"note_id": None}, "invalid", "note_id"),  # neither a note nor a group
    ({"cluster_id": 1}, "invalid", "note_id"),  # both
    ({"due": "2027-02-30"}, "invalid", "due"),
    ({"due": "31/03/2027"}, "invalid", "due"),
    ({"status": "finished"}, "invalid", "status"),
    ({"title": "   "}, "invalid", "title"),
    ({"title": "x" * 1001}, "too_large", "title"),
    ({"responsible": "MEF\nPCM"}, "invalid", "responsible"),
    ({"co_responsible": ["PCM", ""]}, "invalid", "co_responsible.1"),
    ({"co_responsible": ["PCM"] * 13}, "too_large", "co_responsible"),
    ({"indicator": 7}, "invalid", "indicator"),
    ({"owner": "MEF"}, "invalid", "owner"),
]


@pytest.mark.parametrize(("fields", "code", "field"), BAD, ids=[f[2] + "-" + f[1] for f in BAD])
def test_bad_input_is_refused_with_a_clear_error_and_changes_nothing(app, world, room, fields, code, field):
    payload = op(canvas_id=room["canvas"], note_id=room["note"])
    payload.update(fields)
    if payload.get("note_id") is None:
        payload.pop("note_id")
    before, logged = rows(app), events(app)
    ack = room["fac"].emit("commitment:add", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code, ack
    assert ack["field"] == field and ack["error"]["message"]
    assert rows(app) == before and events(app) == logged
    assert not received(room["ana"], "workshop")


def test_what_does_not_exist_or_is_hidden_is_refused(app, world, room):
    fac, cid = room["fac"], room["canvas"]
    other = world.__class__(app, email="otra@example.org")
    with app.app_context():
        foreign_canvas = other.canvas_id
    for payload, code in ((op(canvas_id=cid, note_id="00000000-0000-4000-8000-000000000000"), "not_found"),
                          (op(canvas_id=cid, cluster_id=999), "not_found"),
                          (op(canvas_id=foreign_canvas, note_id=room["note"]), "not_found")):
        ack = fac.emit("commitment:add", payload, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == code, ack
    for name in ("commitment:edit", "commitment:delete"):
        ack = fac.emit(name, op(commitment_id=12345), callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "not_found", ack
    ok(fac, "canvas:hidden", op(canvas_id=cid, value=True))
    secret = ok(room["ana"], "note:add", op(block="problem", text="todavía oculta"))["event"]["data"]["id"]
    ack = fac.emit("commitment:add", op(canvas_id=cid, note_id=secret), callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid" and ack["field"] == "note_id"
    assert rows(app) == []


def test_the_projector_and_the_control_room_get_the_list_when_they_arrive(app, world, room):
    add(room, responsible="MEF")
    ok(room["fac"], "projector:show", op(mode="commitments"))
    with app.app_context():
        token = projector_token(db.session.get(Workshop, world.workshop_id))
    screen = socketio.test_client(app, auth={"token": token})
    state = ok(screen, "workshop:state", {})["workshop"]
    assert state["projector"]["mode"] == "commitments"
    assert [c["responsible"] for c in state["commitments"]] == ["MEF"]
    watch = ok(room["fac"], "workshop:watch", {})["workshop"]
    assert watch["institutions"] == ["MEF", "PCM"] and len(watch["commitments"]) == 1
    assert "commitments" not in room["ana"].join_ack["workshop"]


def test_a_closed_workshop_takes_no_new_commitment(app, world, room):
    made = add(room)["commitment_id"]
    ok(room["fac"], "workshop:close", op())
    ack = room["fac"].emit("commitment:edit", op(commitment_id=made, status="done"), callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "locked"


# ---- exports and the JSON round trip --------------------------------------------------


def _export(app, workshop_id, fmt):
    with app.app_context():
        return render(db.session.get(Workshop, workshop_id), fmt).content


def test_commitments_round_trip_through_every_export_and_the_import(app, world, room):
    add(room, title="Cita en línea | para cada trámite", responsible="MEF", co_responsible=["PCM"],
        due="2027-03-31", indicator="Tiempo medio de espera")
    group = ok(room["fac"], "commitment:add", op(canvas_id=room["canvas"], cluster_id=room["group"],
                                                 status="at_risk"))["event"]["data"]["commitment_id"]
    ok(room["fac"], "commitment:edit", op(commitment_id=group, responsible="Defensoría"))

    report = _export(app, world.workshop_id, "report-md").decode()
    assert "## Compromisos" in report
    assert "Cita en línea \\| para cada trámite" in report and "Tiempo medio de espera" in report
    assert "Entidad responsable" in report and "Defensoría" in report and "En riesgo" in report

    book = load_workbook(io.BytesIO(_export(app, world.workshop_id, "xlsx")))
    sheet = book["Compromisos"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][1] == "Cita en línea | para cada trámite" and "Defensoría" in values[2]

    # The CSV: both notes, then the commitments in their order, the first column saying which a row is.
    lines = list(csv.DictReader(io.StringIO(_export(app, world.workshop_id, "csv").decode("utf-8-sig"))))
    assert [line["Fila"] for line in lines] == ["Nota", "Nota", "Compromiso", "Compromiso"]
    assert all(line[column] == "" for line in lines[:2] for column in ("Entidad responsable", "Estado"))
    made, grouped = lines[2], lines[3]
    assert (made["Texto"], made["Entidad responsable"], made["Entidades corresponsables"],
            made["Fecha límite"], made["Indicador"], made["Estado"], made["Votos"]) == (
        "Cita en línea | para cada trámite", "MEF", "PCM", "2027-03-31", "Tiempo medio de espera", "Planificado",
        "2")
    assert made["Lienzo"].startswith("Mesa") and "Colas largas en ventanilla" in made["Proviene de"]
    assert made["Creada (UTC)"].endswith("UTC") and made["Identificador de la nota"] == ""
    assert (grouped["Texto"], grouped["Entidad responsable"], grouped["Estado"]) == (
        "Atención lenta", "Defensoría", "En riesgo")

    # The PDF report sets them out, then draws each on the OGP commitment sheet, in its blocks.
    with app.app_context(), labels.in_language("es"):
        data = read_workshop(db.session.get(Workshop, world.workshop_id))
        sheets = ogp.sheets(data)
        content, marks = report_pdf(data)
    assert [s.name for s in sheets] == ["Compromiso 1", "Compromiso 2"]
    first = {b.id: [n.text for n in b.notes] for b in sheets[0].blocks}
    assert first["lead_agency"] == ["MEF"] and first["contacts"] == ["PCM"]
    assert first["commitment"] == ["Cita en línea | para cada trámite", "Indicador: Tiempo medio de espera"]
    assert first["completion"] == ["Planificado"] and first["milestones"] == []
    check_every_note_once_in_its_block(SimpleNamespace(canvases=sheets), content, marks, whole_file=False)

    doc = json.loads(_export(app, world.workshop_id, "json"))
    assert [c["title"] for c in doc["commitments"]] == ["Cita en línea | para cada trámite", "Atención lenta"]
    assert doc["commitments"][0]["source"] == {"kind": "note", "ref": "n1", "text": "Colas largas en ventanilla",
                                               "votes": 2}

    with app.app_context():
        copy = import_workshop(json.dumps(doc).encode(), db.session.get(Facilitator, world.facilitator_id))
        copied = commitments_of(copy.id)
        again = json.loads(render(copy, "json").content)
    assert [(c["title"], c["responsible"], c["co_responsible"], c["due"], c["indicator"], c["status"])
            for c in copied] == [
        ("Cita en línea | para cada trámite", "MEF", ["PCM"], "2027-03-31", "Tiempo medio de espera", "planned"),
        ("Atención lenta", "Defensoría", [], None, "", "at_risk")]
    assert again["commitments"] == doc["commitments"]


def test_the_listing_for_other_exporters_is_plain_data(app, world, room):
    add(room, responsible="MEF")
    with app.app_context():
        [listed] = commitments_of(world.workshop_id)
    assert json.loads(json.dumps(listed)) == listed
    assert set(listed) >= {"title", "responsible", "co_responsible", "due", "indicator", "status", "source"}
    with app.app_context():
        assert board.workshop_state(board.resolve_token(world.seat()))["commitments"] == [listed]


# ---- the commitments page -----------------------------------------------------------


def _login(client, email="ana@example.org"):
    assert client.post("/f/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_the_commitments_page_lists_them_for_the_workshops_facilitators_only(app, world, room):
    add(room, title="Cita en línea <b>para</b> cada trámite", responsible="MEF", co_responsible=["PCM", "Defensoría"],
        due="2027-03-31", indicator="Tiempo medio de espera")
    ok(room["fac"], "commitment:add", op(canvas_id=room["canvas"], cluster_id=room["group"], status="done"))
    client = app.test_client()
    url = f"/f/workshops/{world.workshop_id}/commitments"
    assert client.get(url).status_code == 302  # to the login page
    _login(client)
    page = client.get(url).text
    assert page.count('class="commitment"') == 2
    assert "Cita en línea &lt;b&gt;para&lt;/b&gt; cada trámite" in page  # as typed, never as HTML
    assert "PCM, Defensoría" in page and "31 de marzo de 2027" in page and "Cumplido" in page
    assert "Entidad responsable" in page and "Colas largas en ventanilla" in page
    other = app.test_client()
    with app.app_context():
        db.session.add(Facilitator(email="otra@example.org", name="Otra", password_hash=password_hash()))
        db.session.commit()
    _login(other, "otra@example.org")
    assert other.get(url).status_code == 404


def test_an_import_with_a_wrong_commitment_is_refused_naming_the_place(app, world, room):
    add(room, responsible="MEF")
    doc = json.loads(_export(app, world.workshop_id, "json"))
    with app.app_context():
        before = db.session.scalar(select(db.func.count(Workshop.id)))
        for change, where in ((lambda d: d["commitments"][0]["source"].update(ref="n99"), "commitments[0].source.ref"),
                              (lambda d: d["commitments"][0].update(canvas=5), "commitments[0].canvas"),
                              (lambda d: d["commitments"][0].update(status="finished"), "commitments[0].status"),
                              (lambda d: d["commitments"][0].update(title=" "), "commitments[0]")):
            bad = json.loads(json.dumps(doc))
            change(bad)
            with pytest.raises(ImportFailed) as refused:
                import_workshop(json.dumps(bad).encode(), db.session.get(Facilitator, world.facilitator_id))
            assert where in str(refused.value)
        assert db.session.scalar(select(db.func.count(Workshop.id))) == before


# ---- order ----------------------------------------------------------------------------


def _three(room) -> list[int]:
    first = add(room, title="Uno")["commitment_id"]
    second = add(room, title="Dos")["commitment_id"]
    third = add(room, title="Tres")["commitment_id"]
    return [first, second, third]


def test_move_puts_a_commitment_where_asked_and_the_room_hears_the_new_order(app, world, room):
    one, two, three = _three(room)
    room["ana"].get_received()
    moved = ok(room["fac"], "commitment:move", op(commitment_id=three, position=0))["event"]
    assert moved["type"] == "commitment.moved" and moved["data"]["commitment_id"] == three
    assert [c["id"] for c in moved["data"]["commitments"]] == [three, one, two]
    assert [c["position"] for c in moved["data"]["commitments"]] == [0, 1, 2]
    [event] = received(room["ana"], "workshop")
    assert [c["id"] for c in event["data"]["commitments"]] == [three, one, two]
    down = ok(room["fac"], "commitment:move", op(commitment_id=three, position=1))["event"]["data"]
    assert [c["id"] for c in down["commitments"]] == [one, three, two]
    last = ok(room["fac"], "commitment:move", op(commitment_id=one, position=2))["event"]["data"]
    assert [c["id"] for c in last["commitments"]] == [three, two, one]
    with app.app_context():
        assert [c["id"] for c in commitments_of(world.workshop_id)] == [three, two, one]


@pytest.mark.parametrize(("payload", "code", "field"), [
    ({"position": 3}, "invalid", "position"),  # three commitments: 0, 1 or 2
    ({"position": -1}, "invalid", "position"),
    ({"position": "first"}, "invalid", "position"),
    ({"position": None}, "invalid", "position"),
    ({"commitment_id": 12345, "position": 0}, "not_found", None),
], ids=["past-the-end", "negative", "text", "missing", "unknown"])
def test_a_bad_move_is_refused_clearly_and_changes_nothing(app, world, room, payload, code, field):
    one, _, _ = _three(room)
    body = op(**{"commitment_id": one, **payload})
    if body.get("position") is None:
        body.pop("position")
    before, logged = [(c.id, c.position) for c in _ordered(app)], events(app)
    ack = room["fac"].emit("commitment:move", body, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"], ack
    if field:
        assert ack["field"] == field
    assert [(c.id, c.position) for c in _ordered(app)] == before and events(app) == logged


def test_only_a_facilitator_may_move_a_commitment(app, world, room):
    one, two, three = _three(room)
    logged = events(app)
    ack = room["ana"].emit("commitment:move", op(commitment_id=three, position=0), callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert [c.id for c in _ordered(app)] == [one, two, three] and events(app) == logged


def _ordered(app) -> list[Commitment]:
    with app.app_context():
        found = db.session.scalars(select(Commitment).order_by(Commitment.position, Commitment.id)).all()
        db.session.expunge_all()
        return list(found)


def test_the_csvs_commitment_rows_are_guarded_against_formulas(app, world, room):
    add(room, title="=HYPERLINK(\"http://x\")", indicator="+1 trámite", responsible="@MEF")
    lines = list(csv.DictReader(io.StringIO(_export(app, world.workshop_id, "csv").decode("utf-8-sig"))))
    [made] = [line for line in lines if line["Fila"] == "Compromiso"]
    assert (made["Texto"], made["Indicador"], made["Entidad responsable"]) == (
        "'=HYPERLINK(\"http://x\")", "'+1 trámite", "'@MEF")
