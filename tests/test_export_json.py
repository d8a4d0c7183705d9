"""The JSON export, and importing it: round trip, validation, nothing half-made."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from facilitator.export import render
from facilitator.export.importing import ImportFailed, import_workshop
from facilitator.extensions import db
from facilitator.models import Facilitator, Note, Participant, Workshop

from .export_world import HIDDEN, build, make_app


def export_json(app, workshop_id: int) -> dict:
    with app.app_context(), app.test_request_context():
        return json.loads(render(db.session.get(Workshop, workshop_id), "json").content)


def content(doc: dict) -> dict:
    """What "the same content" means: everything but the file's own ``exported`` section."""
    return {k: v for k, v in doc.items() if k != "exported"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("json"))
    results = build(app)
    return app, results, export_json(app, results.workshop_id)


def test_json_holds_the_whole_workshop(exported):
    _app, results, doc = exported
    assert (doc["format"], doc["version"]) == ("lienzo.workshop", 1)
    assert doc["workshop"] == {"title": "Comunidad de práctica", "date": "2026-11-27", "language": "es",
                               "anonymous": False, "anonymous_shows_institution": True,
                               "facilitators": ["Ana Facilitadora"]}
    assert [t["template"]["id"] for t in doc["templates"]] == ["lean-canvas", "empathy-map"]
    people = {p["ref"]: p for p in doc["people"]}
    assert {p["name"] for p in people.values() if not p["facilitator"]} == set(results.names)
    notes = [n for c in doc["canvases"] for n in c["notes"]]
    assert sorted(n["text"] for n in notes) == sorted(t for _c, _b, t in results.texts.values())
    lean, empathy = doc["canvases"]
    assert lean["silent_writing"] and [n["hidden"] for n in lean["notes"] if n["text"] == HIDDEN] == [True]
    assert all(n["author"] is None and n["institution"] in {"MEF", "PCM"} for n in empathy["notes"])
    spanish = next(n for n in lean["notes"] if n["text"].startswith("¿Cómo"))
    assert people[spanish["author"]]["name"] == "Ana Núñez" and spanish["votes"] == 2
    assert lean["groups"] == [{"ref": spanish["group"], "block": "problem", "title": "Colas y tiempos", "votes": 5}]
    (round_,) = lean["votes"]
    assert round_["tallies"] == {spanish["ref"]: 2, next(n["ref"] for n in lean["notes"]
                                                          if n["text"].startswith("Trámites")): 3}
    assert "Nota borrada" not in json.dumps(doc, ensure_ascii=False)


def test_export_import_export_gives_the_same_content(exported):
    app, results, first = exported
    with app.app_context():
        facilitator = db.session.get(Facilitator, results.world.facilitator_id)
        copy_ = import_workshop(json.dumps(first).encode(), facilitator)
        assert copy_.status == "draft" and copy_.code != results.world.code and copy_.id != results.workshop_id
        copy_id = copy_.id
    again = export_json(app, copy_id)
    assert content(again) == content(first)
    assert again["exported"]["workshop_id"] == copy_id
    with app.app_context():  # the people of the copy can never log in: their tokens are unusable
        imported = db.session.scalars(select(Participant).filter_by(workshop_id=copy_id)).all()
        assert imported and all(p.token_hash.startswith("import:") and p.imported_role for p in imported)


def test_anonymous_workshop_round_trips_without_people(app):
    results = build(app, anonymous_everywhere=True)
    first = export_json(app, results.workshop_id)
    assert first["people"] is None and first["workshop"]["anonymous"]
    for name in results.names:
        assert name not in json.dumps(first, ensure_ascii=False)
    with app.app_context():
        copy_id = import_workshop(json.dumps(first).encode(),
                                  db.session.get(Facilitator, results.world.facilitator_id)).id
    assert content(export_json(app, copy_id)) == content(first)


BROKEN = [
    (lambda d: d.update(format="other"), "no es un archivo de taller de Lienzo"),
    (lambda d: d.update(version=99), "versión de formato 99"),
    (lambda d: d["canvases"][0]["notes"][3].update(color="red"), "canvases[0].notes[3].color"),
    (lambda d: d["canvases"][0]["notes"][1].update(block="nowhere"), "canvases[0].notes[1].block"),
    (lambda d: d["canvases"][1].update(template="t9"), "canvases[1].template"),
    (lambda d: d["canvases"][0]["notes"][0].update(author="p99"), "canvases[0].notes[0].author"),
    (lambda d: d["canvases"][0]["notes"][0].update(text="x" * 1001), "canvases[0].notes[0].text"),
    (lambda d: d["canvases"][0]["votes"][0]["tallies"].update(n999=1), "canvases[0].votes[0].tallies"),
    (lambda d: d["templates"][0]["template"].pop("layout"), "templates[0].template: layout"),
    (lambda d: d["workshop"].pop("title"), "workshop.title"),
]


@pytest.mark.parametrize(("breakage", "named"), BROKEN)
def test_a_bad_file_is_refused_with_its_place_named_and_changes_nothing(exported, breakage, named):
    app, results, original = exported
    doc = copy.deepcopy(original)
    breakage(doc)
    with app.app_context():
        before = (db.session.scalar(select(func.count(Workshop.id))), db.session.scalar(select(func.count(Note.id))))
        with pytest.raises(ImportFailed) as refused:
            import_workshop(json.dumps(doc).encode(), db.session.get(Facilitator, results.world.facilitator_id))
        assert named in str(refused.value)
        after = (db.session.scalar(select(func.count(Workshop.id))), db.session.scalar(select(func.count(Note.id))))
        assert after == before


@pytest.mark.parametrize(("raw", "named"), [(b"\xff\xfe", "no es texto UTF-8"), (b"{nope", "no es un JSON válido"),
                                            (b"[]", "no es un archivo de taller de Lienzo")])
def test_not_json_at_all(app, raw, named):
    with app.app_context():
        from .conftest import make_facilitator

        with pytest.raises(ImportFailed, match=named):
            import_workshop(raw, make_facilitator())


def test_an_empty_workshop_exports_in_every_format(app):
    from facilitator.board.schemas import NewWorkshop
    from facilitator.board.workshops import create_workshop

    from .conftest import make_facilitator

    with app.app_context():
        workshop_id = create_workshop(make_facilitator(), NewWorkshop(title="Taller vacío", language="en")).id
    with app.app_context(), app.test_request_context():
        workshop = db.session.get(Workshop, workshop_id)
        for fmt in ("pdf", "report-pdf", "report-md", "xlsx", "csv", "json"):
            assert render(workshop, fmt).content
        doc = json.loads(render(workshop, "json").content)
        assert doc["canvases"] == [] and doc["people"] == [] and not doc["workshop"]["anonymous"]
        copy_ = import_workshop(json.dumps(doc).encode(), workshop.facilitators[0])
        assert copy_.title == "Taller vacío" and copy_.language == "en"
