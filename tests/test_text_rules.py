"""One rule for text, and the same limits, at every entry point (facilitator/text.py):
socket messages, the JSON API, the facilitator's forms, imported files and the
CLI each refuse each bad text with a clear error and write nothing."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from sqlalchemy import func, select

from facilitator.export import render
from facilitator.export.importing import ImportFailed, import_workshop
from facilitator.extensions import db
from facilitator.models import Canvas, Cluster, Event, Facilitator, Note, Participant, Workshop
from facilitator.text import MAX_NAME, TextError, multi_line, single_line

from .conftest import PASSWORD

pytestmark = pytest.mark.backends

# One of each kind of text the single-line rule refuses, with the kind.
NOT_ONE_LINE = {
    "Ana\nPérez": "line_break", "Ana\r\nPérez": "line_break", "Ana\u2028Pérez": "line_break",
    "Mesa\x07": "control", "Mesa\x1b[31m": "control", "Ana\tPérez": "control", "A\x7fB": "control",
    "A\x9bB": "control", "A\x00B": "unicode", "A\ud800B": "unicode", "   ": "empty", "x" * (MAX_NAME + 1): "too_long",
}
# And the multi-line rule (a note's text).
NOT_NOTE_TEXT = {"Co\x07las": "control", "\x1b[2J": "control", "a\x0bb": "control", "a\x00b": "unicode",
                 "x" * 1001: "too_long"}


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Workshop, Canvas, Participant, Note, Facilitator, Event, Cluster)}


def op(**fields) -> dict:
    return {"op_id": uuid.uuid4().hex, **fields}


def test_the_two_rules():
    assert single_line("  Ana   María  ", MAX_NAME) == "Ana María"
    assert single_line("", MAX_NAME, required=False) == ""
    for text, kind in NOT_ONE_LINE.items():
        with pytest.raises(TextError) as refused:
            single_line(text, MAX_NAME)
        assert refused.value.kind == kind, text
    assert multi_line("Primera línea\n\tsegunda\r\nfin\u2028", 1000) == "Primera línea\n\tsegunda\r\nfin\u2028"
    for text, kind in NOT_NOTE_TEXT.items():
        with pytest.raises(TextError) as refused:
            multi_line(text, 1000)
        assert refused.value.kind == kind, text


def test_socket_messages_refuse_bad_text_and_change_nothing(app, world):
    ana = world.socket(world.seat())
    good = ana.emit("note:add", op(block="problem", text="Colas\nlargas\ten ventanilla"), callback=True)
    assert good["ok"], good
    with app.app_context():
        before = counts()
    for text, kind in NOT_NOTE_TEXT.items():
        ack = ana.emit("note:add", op(block="problem", text=text), callback=True)
        assert not ack["ok"] and ack["field"] == "text", (text, ack)
        assert ack["error"]["code"] == ("too_large" if kind == "too_long" else "invalid")
        edit = ana.emit("note:edit", op(note_id=good["event"]["data"]["id"], text=text, version=1), callback=True)
        assert not edit["ok"] and edit["field"] == "text"
    for text, kind in NOT_ONE_LINE.items():
        title = "x" * 121 if kind == "too_long" else text
        ack = ana.emit("cluster:create", op(canvas_id=world.canvas_id, block="problem", title=title,
                                            note_ids=[good["event"]["data"]["id"]]), callback=True)
        assert not ack["ok"] and ack["field"] == "title", (text, ack)
    ack = ana.emit("note:add", op(block="problem", text="Mesa\x07"), callback=True)
    assert ack["error"]["message"] == "El campo «text» contiene caracteres de control."
    with app.app_context():
        assert counts() == before


@pytest.fixture
def api(app, client, world):
    assert client.post("/api/login", json={"email": "ana@example.org", "password": PASSWORD}).status_code == 200
    return client


def test_the_api_refuses_bad_text_and_writes_nothing(app, api, world):
    with app.app_context():
        before = counts()
    for text, kind in NOT_ONE_LINE.items():
        code = "too_large" if kind == "too_long" else "invalid"
        answers = {
            "title": api.post("/api/workshops", json={"title": text * (3 if kind == "too_long" else 1)}),
            "name": api.post(f"/api/workshops/{world.workshop_id}/canvases",
                             json={"template_id": "public-policy-lean-canvas", "name": text}),
            "join name": api.post("/api/join", json={"code": world.code, "name": text}),
        }
        if kind != "empty":
            answers["institution"] = api.post("/api/join", json={"code": world.code, "name": "Ana",
                                                                 "institution": text * 2})
        for where, answer in answers.items():
            assert answer.status_code == 400, (where, text, answer.json)
            assert answer.json["error"]["code"] == code, (where, text, answer.json)
    line = api.post("/api/join", json={"code": world.code, "name": "Ana\nPérez"}).json
    assert line["error"]["message"] == "El campo «name» debe ser una sola línea." and line["field"] == "name"
    with app.app_context():
        assert counts() == before


def test_the_facilitators_forms_refuse_bad_text_and_write_nothing(app, client, world):
    assert client.post("/f/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 302
    with app.app_context():
        before = counts()
    for text in ("Taller\nde prueba", "Taller\x07", "x" * 201, " "):
        answer = client.post("/f/workshops/new", data={"title": text, "language": "es"})
        assert answer.status_code == 400 and "una línea de hasta 200 caracteres" in answer.text, text
    for text in ("Mesa\x07", "Mesa\n2", "x" * 81, ""):
        answer = client.post(f"/f/workshops/{world.workshop_id}/canvases",
                             data={"template_id": "public-policy-lean-canvas", "name": text}, follow_redirects=True)
        assert "una línea de hasta 80 caracteres" in answer.text, text
    with app.app_context():
        assert counts() == before


def test_the_cli_refuses_a_bad_name_and_writes_nothing(app, runner):
    with app.app_context():
        before = counts()
    # The rule of the account pages (facilitator/accounts.py), said the same way by the CLI.
    for name, says in (("Ana\nPérez", "one line"), ("Ana\x07", "one line of up to 80 characters"),
                       (" ", "Give your name"), ("x" * 81, "up to 80 characters")):
        result = runner.invoke(args=["create-facilitator", "--email", "ana@example.org", "--name", name,
                                     "--password-stdin"], input="una clave larga\n")
        assert result.exit_code != 0 and says in result.output and "Traceback" not in result.output, result.output
    for email in ("ana\x07@example.org", "ana\n@example.org", "ana maría@example.org"):
        result = runner.invoke(args=["create-facilitator", "--email", email, "--name", "Ana", "--password-stdin"],
                               input="una clave larga\n")
        assert result.exit_code != 0 and "valid email" in result.output, email
    with app.app_context():
        assert counts() == before


def exported(app, workshop_id: int) -> dict:
    with app.app_context(), app.test_request_context():
        return json.loads(render(db.session.get(Workshop, workshop_id), "json").content)


def note(ref: str, text: str = "nota", author: str | None = None, institution: str | None = None) -> dict:
    at = "2026-12-01T10:00:00+00:00"
    return {"ref": ref, "block": "problem", "text": text, "color": "yellow", "author": author,
            "institution": institution, "created_at": at, "updated_at": at}


def person(ref: str, name: str = "Ana") -> dict:
    return {"ref": ref, "name": name, "joined_at": "2026-12-01T10:00:00+00:00"}


BREAKAGES = {
    "a newline in the title": (lambda d: d["workshop"].update(title="Taller\nnuevo"), "workshop.title"),
    "a control character in a canvas name": (lambda d: d["canvases"][0].update(name="Mesa\x07"),
                                             "canvases[0].name"),
    "a newline in a person's name": (lambda d: d["people"].append(person("p9", "Ana\nPérez")), "people[1].name"),
    "an escape in an institution": (lambda d: d["canvases"][0]["notes"].append(note("n9", institution="MEF\x1b")),
                                    "canvases[0].notes[0].institution"),
    "a bell in a note": (lambda d: d["canvases"][0]["notes"].append(note("n9", "Co\x07las")),
                         "canvases[0].notes[0].text"),
    "a newline in a facilitator's name": (lambda d: d["workshop"].update(facilitators=["Ana\nF"]),
                                          "workshop.facilitators[0]"),
    "more notes on a canvas than a canvas holds": (
        lambda d: d["canvases"][0]["notes"].extend(note(f"n{i}") for i in range(4)), "canvases[0].notes"),
    "more people than a workshop takes": (lambda d: d["people"].extend(person(f"p{i}") for i in range(1, 4)),
                                          "máximo 3 participantes; este archivo tiene 4"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_an_import_follows_the_same_rules_and_limits(app, client, runner, world, breakage, tmp_path):
    app.config.update(MAX_NOTES_PER_CANVAS=3, MAX_PARTICIPANTS_PER_WORKSHOP=3)
    world.seat()
    doc = exported(app, world.workshop_id)
    assert len(doc["people"]) == 1
    change, named = BREAKAGES[breakage]
    change(doc)
    raw = json.dumps(doc).encode()
    with app.app_context():
        before = counts()
        with pytest.raises(ImportFailed, match=named.replace("[", r"\[").replace("]", r"\]")):
            import_workshop(raw, db.session.get(Facilitator, world.facilitator_id))
        db.session.rollback()
        assert counts() == before
    # The dashboard's form and the CLI refuse it too, and neither writes anything.
    assert client.post("/f/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 302
    answer = client.post("/f/workshops/import", data={"file": (io.BytesIO(raw), "taller.json")})
    assert answer.status_code == 400
    (tmp_path / "taller.json").write_bytes(raw)
    result = runner.invoke(args=["import", str(tmp_path / "taller.json"), "--facilitator", "ana@example.org"])
    assert result.exit_code != 0 and "Cannot import" in result.output and "Traceback" not in result.output
    with app.app_context():
        assert counts() == before


def test_an_import_at_the_limits_is_accepted(app, world):
    app.config.update(MAX_NOTES_PER_CANVAS=3, MAX_PARTICIPANTS_PER_WORKSHOP=3)
    world.seat()
    doc = exported(app, world.workshop_id)
    doc["people"].append(person("p9", "  Ben   Díaz "))
    doc["canvases"][0]["notes"] = [note("n1", "línea\nsegunda\tcon tab", author="p9"),
                                   note("n2", institution="MEF"), note("n3", institution="MEF")]
    with app.app_context():
        copy_ = import_workshop(json.dumps(doc).encode(), db.session.get(Facilitator, world.facilitator_id))
        names = sorted(p.name for p in copy_.participants)
        assert len(names) == 3 and "Ben Díaz" in names
        assert sorted(n.text for n in db.session.scalars(select(Note).join(Canvas).filter(
            Canvas.workshop_id == copy_.id))) == ["línea\nsegunda\tcon tab", "nota", "nota"]
