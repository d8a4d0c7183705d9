"""The canvas editor: one validator for files and the editor, refusals that name the field,
own templates offered only to their owner, shipped ones never changed, TOML both ways."""

from __future__ import annotations

import io
import re
import tomllib
from html import unescape

import pytest

from facilitator import catalog_of
from facilitator.board.own_templates import design_of, template_from_design
from facilitator.catalog import TemplateError, load_file, template_toml, validate_template
from facilitator.extensions import db
from facilitator.models import Canvas, OwnTemplate
from facilitator.resources import data_dir

from .conftest import PASSWORD, make_facilitator

LEAN = data_dir("canvases") / "lean-canvas.toml"


def lean_data() -> dict:
    return tomllib.loads(LEAN.read_text(encoding="utf-8"))


def login(client, email="ana@example.org"):
    return client.post("/f/login", data={"email": email, "password": PASSWORD})


def three_blocks(template_id: str = "my-three") -> dict:
    """Form fields of a three-block design: two blocks on top, one across the bottom."""
    form = {"id": template_id, "name.es": "Tres bloques", "name.en": "Three blocks",
            "description.es": "Prueba", "description.en": "Test", "columns": "2", "rows": "2"}
    places = [("need", 1, 1, 1, 1), ("idea", 1, 2, 1, 1), ("next", 2, 1, 1, 2)]
    for i, (block_id, row, col, row_span, col_span) in enumerate(places):
        form |= {f"blocks[{i}].id": block_id, f"blocks[{i}].inside": "",
                 f"blocks[{i}].title.es": f"Título {block_id}", f"blocks[{i}].title.en": f"Title {block_id}",
                 f"blocks[{i}].question.es": "¿Qué?", f"blocks[{i}].question.en": "What?",
                 f"blocks[{i}].row": str(row), f"blocks[{i}].col": str(col),
                 f"blocks[{i}].row_span": str(row_span), f"blocks[{i}].col_span": str(col_span)}
    return form


@pytest.fixture
def ana(app, client):
    with app.app_context():
        make_facilitator()
        make_facilitator(email="bea@example.org", name="Bea")
    login(client)
    return client


def new_own(client) -> int:
    answer = client.post("/f/canvases/new", data={"name": "Mi lienzo"})
    assert answer.status_code == 302
    return int(answer.headers["Location"].rstrip("/").split("/")[-1])


# ---- the one validator ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (lambda d: d["blocks"][2]["title"].pop("es"), "blocks[2].title.es", "required"),
        (lambda d: d["blocks"][0].update(id="Bad!"), "blocks[0].id", "String should match pattern"),
        (lambda d: d["blocks"][1].update(inside="ghost"), "blocks[1].inside", "not a top-level block"),
        (lambda d: d["name"].update(en=""), "name.en", "at least 1 character"),
        (lambda d: d.pop("description"), "description", "required"),
    ],
)
def test_the_validator_names_the_refused_field(change, field, problem):
    data = lean_data()
    change(data)
    with pytest.raises(TemplateError) as refused:
        validate_template(data)
    assert refused.value.field == field
    assert problem in refused.value.problem


def test_files_are_checked_by_the_same_validator_and_still_named_by_block_id(tmp_path):
    broken = tmp_path / "lean-canvas.toml"
    broken.write_text(LEAN.read_text(encoding="utf-8").replace('es = "Canales"', 'es = ""'), encoding="utf-8")
    with pytest.raises(TemplateError) as refused:
        load_file(broken)
    assert str(refused.value).startswith("lean-canvas.toml: blocks.channels.title.es")
    assert refused.value.field.startswith("blocks[") and refused.value.field.endswith("].title.es")


def test_a_shipped_file_must_say_whose_it_is_but_an_own_template_may_not(tmp_path):
    data = lean_data()
    data.pop("credit")
    assert validate_template(data).credit is None
    text = LEAN.read_text(encoding="utf-8")
    start, end = text.index("[credit]"), text.index("[layout]")
    (tmp_path / "lean-canvas.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(TemplateError, match=r"lean-canvas\.toml: credit: "):
        load_file(tmp_path / "lean-canvas.toml")


def test_every_shipped_template_survives_a_toml_round_trip(app):
    for template in catalog_of(app):
        assert validate_template(tomllib.loads(template_toml(template))) == template


# ---- the editor's pages -------------------------------------------------------------------------

def test_a_three_block_design_is_saved_and_offered_only_to_its_owner(app, ana):
    template_id = new_own(ana)
    answer = ana.post(f"/f/canvases/{template_id}", data=three_blocks())
    assert answer.status_code == 302
    with app.app_context():
        row = db.session.get(OwnTemplate, template_id)
        assert row.slug == "my-three" and [b["id"] for b in row.data["blocks"]] == ["need", "idea", "next"]
        assert row.data["layout"]["areas"] == ["need idea", "next next"]
    workshop = ana.post("/f/workshops/new", data={"title": "Taller", "language": "es"})
    page = ana.get(workshop.headers["Location"])
    assert 'value="my-three"' in page.text
    workshop_id = int(workshop.headers["Location"].rstrip("/").split("/")[-1])
    ana.post(f"/f/workshops/{workshop_id}/canvases", data={"template_id": "my-three", "name": "Mesa"})
    with app.app_context():
        canvas = db.session.query(Canvas).filter_by(workshop_id=workshop_id).one()
        assert canvas.template_id == "my-three" and canvas.template["name"]["en"] == "Three blocks"

    ana.post("/f/logout")
    login(ana, "bea@example.org")
    assert ana.get(f"/f/canvases/{template_id}").status_code == 404
    assert ana.post(f"/f/canvases/{template_id}", data=three_blocks("stolen")).status_code == 404
    assert ana.get(f"/f/canvases/{template_id}/file.toml").status_code == 404
    assert ana.post(f"/f/canvases/{template_id}/delete").status_code == 404
    assert "my-three" not in ana.get("/f/canvases/").text
    other = ana.post("/f/workshops/new", data={"title": "Otro", "language": "es"})
    other_id = int(other.headers["Location"].rstrip("/").split("/")[-1])
    assert 'value="my-three"' not in ana.get(f"/f/workshops/{other_id}").text
    ana.post(f"/f/workshops/{other_id}/canvases", data={"template_id": "my-three", "name": "Mesa"})
    with app.app_context():
        assert db.session.query(Canvas).filter_by(workshop_id=other_id).count() == 0
        assert db.session.get(OwnTemplate, template_id).slug == "my-three"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"blocks[2].title.es": ""}, "blocks[2].title.es"),
        ({"blocks[1].col": "1"}, "blocks[1].row"),  # on top of "need"
        ({"blocks[0].col_span": "5"}, "blocks[0].col_span"),
        ({"id": "lean-canvas"}, "id"),
        ({"credit.source": "javascript:alert(1)", "credit.author": "Ana", "credit.licence": "CC BY 4.0",
          "credit.line.es": "De Ana", "credit.line.en": "By Ana"}, "credit.source"),
    ],
)
def test_a_refused_save_names_the_field_next_to_its_input_and_changes_nothing(app, ana, change, field):
    template_id = new_own(ana)
    with app.app_context():
        before = db.session.get(OwnTemplate, template_id).data
    answer = ana.post(f"/f/canvases/{template_id}", data=three_blocks() | change)
    assert answer.status_code == 400
    fid = field.replace("[", "-").replace("]", "").replace(".", "-")
    assert f'id="{fid}" name="{field}"' in answer.text
    assert f'aria-describedby="{fid}-error"' in answer.text and f'id="{fid}-error"' in answer.text
    with app.app_context():
        assert db.session.get(OwnTemplate, template_id).data == before


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"blocks[1].id": "need"}, "Dos bloques tienen el identificador “need”."),
        ({"blocks[1].inside": "ghost"}, "“ghost” no es un bloque principal de esta plantilla."),
    ],
)
def test_a_refusal_of_the_whole_template_is_said_in_the_persons_language(app, ana, change, said):
    """The whole-template checks (catalog.ShapeError) are worded for the editor in its
    language; what the validator says only in English is never shown as it is."""
    template_id = new_own(ana)
    answer = ana.post(f"/f/canvases/{template_id}", data=three_blocks() | change)
    assert answer.status_code == 400
    assert said in unescape(answer.text)
    for english in ("duplicated id", "is not a top-level block", "has no place", "String should", "Input should",
                    "Value error"):
        assert english not in answer.text


def test_a_file_that_is_not_toml_is_refused_in_the_persons_language(app, ana):
    garbage = ana.post("/f/canvases/import", data={"file": (io.BytesIO(b"id = [oops"), "t.toml")})
    assert garbage.status_code == 400
    assert "El archivo no es TOML válido (línea 1, columna" in unescape(garbage.text)
    assert "Expected" not in garbage.text and "Invalid" not in garbage.text


def test_shipped_templates_are_copied_never_changed_and_the_copy_keeps_its_licence(app, ana):
    answer = ana.post("/f/canvases/copy/lean-canvas")
    copy_id = int(answer.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        row = db.session.get(OwnTemplate, copy_id)
        assert row.slug == "lean-canvas-copy" and row.copied_from == "lean-canvas"
        assert row.data["credit"]["licence"] == "CC BY-SA 3.0"
        shipped = catalog_of(app).get("lean-canvas")
    page = ana.get(f"/f/canvases/{copy_id}")
    assert 'name="credit.licence"' in page.text and "CC BY-SA 3.0" in page.text
    # The copy's place and tracks come back from the design unchanged ("1fr 1fr auto" rows).
    form = _inputs(page.text)
    assert ana.post(f"/f/canvases/{copy_id}", data=form).status_code == 302
    with app.app_context():
        saved = db.session.get(OwnTemplate, copy_id).data
        assert saved["layout"]["rows"] == "1fr 1fr auto" and saved["layout"]["areas"] == list(shipped.layout.areas)
    cleared = form | {k: "" for k in form if k.startswith("credit.")}
    refused = ana.post(f"/f/canvases/{copy_id}", data=cleared)
    assert refused.status_code == 400 and 'id="credit-author-error"' in refused.text
    # No route edits a shipped template: its id is not an own template's.
    assert ana.post("/f/canvases/lean-canvas", data=three_blocks()).status_code == 404
    assert ana.post("/f/canvases/copy/nothing-here").status_code == 404
    with app.app_context():
        assert catalog_of(app).get("lean-canvas") == shipped


def test_a_canvas_whose_licence_reserves_adaptations_is_not_offered_for_copying(app, ana):
    """The Value Proposition canvases are © Strategyzer, which reserves adaptations, and the
    Empathy Map's open licence is not confirmed (CANVASES.md): no copy to adapt is offered or
    made. Creative Commons canvases that allow adaptations are offered."""
    page = ana.get("/f/canvases/").text
    reserved = ("value-proposition-canvas", "public-value-proposition-canvas", "empathy-map")
    for template_id in reserved:
        assert f'action="/f/canvases/copy/{template_id}"' not in page, template_id
    for template_id in ("lean-canvas", "public-policy-lean-canvas", "business-model-canvas", "culture-design-canvas",
                        "ogp-commitment"):
        assert f'action="/f/canvases/copy/{template_id}"' in page, template_id
    assert page.count("Su licencia no permite adaptarlo") == len(reserved)
    # A licence that is a sentence rather than a Creative Commons name is shown in the page's language.
    assert "No se ha confirmado una licencia abierta" in page and "Open licence not confirmed" not in page
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count(OwnTemplate.id)))
    for template_id in reserved:
        refused = ana.post(f"/f/canvases/copy/{template_id}")
        assert refused.status_code == 403
        assert "no permite adaptarlo" in refused.text and "Traceback" not in refused.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(OwnTemplate.id))) == before


def _inputs(html: str) -> dict:
    """The editor form's fields as a browser would send them (inputs and textareas)."""
    start = html.index('id="editor-form"')
    form = html[start:html.index("</form>", start)]
    inputs = re.finditer(r'<input id="[^"]*" name="([^"]+)" type="[a-z]+" value="([^"]*)"', form)
    texts = re.finditer(r'<textarea id="[^"]*" name="([^"]+)"[^>]*>([^<]*)</textarea>', form)
    return {m[1]: unescape(m[2]) for m in [*inputs, *texts]}


def test_toml_export_and_import_round_trip_and_import_refusals_name_the_field(app, ana):
    template_id = new_own(ana)
    ana.post(f"/f/canvases/{template_id}", data=three_blocks())
    exported = ana.get(f"/f/canvases/{template_id}/file.toml")
    assert exported.status_code == 200 and "my-three.toml" in exported.headers["Content-Disposition"]
    text = exported.text
    taken = ana.post("/f/canvases/import", data={"file": (io.BytesIO(text.encode()), "t.toml")})
    assert taken.status_code == 400 and "id:" in taken.text
    renamed = text.replace('id = "my-three"', 'id = "my-three-again"')
    answer = ana.post("/f/canvases/import", data={"file": (io.BytesIO(renamed.encode()), "t.toml")})
    assert answer.status_code == 302
    with app.app_context():
        rows = {r.slug: r.data for r in db.session.query(OwnTemplate)}
        assert {**rows["my-three-again"], "id": "my-three"} == rows["my-three"]
    broken = renamed.replace('id = "my-three-again"', 'id = "third"').replace('es = "Título idea"', 'es = ""')
    refused = ana.post("/f/canvases/import", data={"file": (io.BytesIO(broken.encode()), "t.toml")})
    assert refused.status_code == 400 and "blocks[1].title.es" in refused.text
    garbage = ana.post("/f/canvases/import", data={"file": (io.BytesIO(b"id = [oops"), "t.toml")})
    assert garbage.status_code == 400
    with app.app_context():
        assert db.session.query(OwnTemplate).count() == 2


def test_the_editor_design_of_every_shipped_template_gives_the_same_template_back(app):
    """Areas become rows, columns and spans and back, sub-blocks stay inside, tracks and figures stay."""
    for template in catalog_of(app):
        data = template.model_dump(mode="json", exclude_none=True)
        again = template_from_design(design_of(data), data)
        assert validate_template(again) == template.model_copy(update={"version": template.version + 1}), template.id


def test_deleting_a_template_leaves_the_canvases_made_from_it(app, ana):
    template_id = new_own(ana)
    ana.post(f"/f/canvases/{template_id}", data=three_blocks())
    workshop = ana.post("/f/workshops/new", data={"title": "Taller", "language": "es"})
    workshop_id = int(workshop.headers["Location"].rstrip("/").split("/")[-1])
    ana.post(f"/f/workshops/{workshop_id}/canvases", data={"template_id": "my-three", "name": "Mesa"})
    assert ana.post(f"/f/canvases/{template_id}/delete").status_code == 302
    assert ana.get(f"/f/canvases/{template_id}").status_code == 404
    with app.app_context():
        canvas = db.session.query(Canvas).filter_by(workshop_id=workshop_id).one()
        canvas_id = canvas.id
        assert [b["id"] for b in canvas.template["blocks"]] == ["need", "idea", "next"]
    assert ana.get(f"/f/workshops/{workshop_id}/canvases/{canvas_id}").status_code == 200


def test_an_imported_template_that_names_its_author_keeps_its_credit(app, ana):
    text = template_toml(catalog_of(app).get("lean-canvas")).replace('id = "lean-canvas"', 'id = "lean-local"')
    answer = ana.post("/f/canvases/import", data={"file": (io.BytesIO(text.encode()), "lean-local.toml")})
    template_id = int(answer.headers["Location"].rstrip("/").split("/")[-1])
    form = _inputs(ana.get(f"/f/canvases/{template_id}").text)
    refused = ana.post(f"/f/canvases/{template_id}", data=form | {k: "" for k in form if k.startswith("credit.")})
    assert refused.status_code == 400 and 'id="credit-author-error"' in refused.text
    with app.app_context():
        assert db.session.get(OwnTemplate, template_id).data["credit"]["licence"] == "CC BY-SA 3.0"
