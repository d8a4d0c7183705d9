"""The template catalog: shipped templates load, broken ones are named precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from facilitator import create_app
from facilitator.catalog import CatalogError, load_catalog, load_file
from facilitator.config import TestConfig
from facilitator.resources import data_dir

SHIPPED = {
    "public-policy-lean-canvas", "public-value-proposition-canvas", "culture-design-canvas",
    "value-proposition-canvas", "lean-canvas", "business-model-canvas", "empathy-map", "ogp-commitment",
}
LEAN = data_dir("canvases") / "lean-canvas.toml"


def test_all_eight_shipped_templates_load():
    catalog = load_catalog(data_dir("canvases"))
    assert {t.id for t in catalog} == SHIPPED


@pytest.mark.parametrize("template_id", sorted(SHIPPED))
def test_every_block_is_bilingual_and_placed(template_id):
    template = load_catalog(data_dir("canvases")).get(template_id)
    placed = {cell for row in template.layout.grid() for cell in row}
    for block in template.blocks:
        assert block.title.es and block.title.en and block.question.es and block.question.en
        assert (block.id in placed) == (block.inside is None)
    assert template.credit.licence and template.credit.line.es and template.credit.line.en


def test_form_canvas_is_one_column():
    template = load_catalog(data_dir("canvases")).get("ogp-commitment")
    assert template.kind == "form"
    assert all(len(row) == 1 for row in template.layout.grid())


def _broken(tmp_path: Path, old: str, new: str, name: str = "lean-canvas.toml") -> Path:
    text = LEAN.read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / name
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('question = { es = "¿Cuáles son', 'question = { xx = "¿Cuáles son', "blocks.problem.question"),
        ('id = "problem"', 'id = "Problem!"', "blocks.Problem!.id"),
        ('version = 1', 'version = 0', "version"),
        ('"problem problem solution', '"problem nowhere solution', "'nowhere'"),
        ('id = "unfair_advantage"', 'id = "key_metrics"', "duplicated id 'key_metrics'"),
        ('licence = "CC BY-SA 3.0"', '', "credit.licence"),
        ('inside = "uvp"', 'inside = "ghost"', "blocks.high_level_concept.inside"),
    ],
)
def test_a_broken_file_is_named_with_its_field(tmp_path, old, new, expected):
    with pytest.raises(CatalogError) as error:
        load_file(_broken(tmp_path, old, new))
    assert str(error.value).startswith("lean-canvas.toml: ")
    assert expected in str(error.value)


def test_area_must_be_a_rectangle(tmp_path):
    path = _broken(tmp_path, '"problem problem key_metrics', '"problem solution key_metrics')
    with pytest.raises(CatalogError, match=r"not a rectangle|same number"):
        load_file(path)


def test_invalid_toml_and_wrong_file_name(tmp_path):
    bad = tmp_path / "lean-canvas.toml"
    bad.write_text("id = [unclosed", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"^lean-canvas\.toml: "):
        load_file(bad)
    renamed = tmp_path / "other.toml"
    shutil.copy(LEAN, renamed)
    with pytest.raises(CatalogError, match=r"other\.toml: id: must equal the file name"):
        load_file(renamed)


def test_broken_template_stops_the_app_with_a_clear_message(tmp_path):
    folder = tmp_path / "canvases"
    folder.mkdir()
    shutil.copy(LEAN, folder / "lean-canvas.toml")
    _broken(folder, 'title = { es = "Canales"', 'title = { es = ""')
    with pytest.raises(SystemExit) as stopped:
        create_app(TestConfig, CATALOG_DIR=str(folder), SQLALCHEMY_DATABASE_URI="sqlite://")
    assert "lean-canvas.toml" in str(stopped.value)
    assert "blocks.channels.title.es" in str(stopped.value)


def test_adding_a_template_is_adding_a_file(tmp_path):
    folder = tmp_path / "canvases"
    shutil.copytree(data_dir("canvases"), folder)
    text = LEAN.read_text(encoding="utf-8").replace('id = "lean-canvas"', 'id = "my-variant"')
    (folder / "my-variant.toml").write_text(text, encoding="utf-8")
    assert load_catalog(folder).get("my-variant") is not None


VPC = data_dir("canvases") / "value-proposition-canvas.toml"


def test_the_value_proposition_canvases_name_their_square_and_circle():
    """The shapes are the template's data: every view (page, projector, PDF) draws what it says."""
    catalog = load_catalog(data_dir("canvases"))
    shaped = {t.id: t.layout.figures for t in catalog if t.layout.figures is not None}
    assert set(shaped) == {"value-proposition-canvas", "public-value-proposition-canvas"}
    vpc = shaped["value-proposition-canvas"]
    assert set(vpc.square) == {"products_services", "gain_creators", "pain_relievers"}
    assert set(vpc.circle) == {"gains", "pains", "customer_jobs"}
    assert vpc.of("pains") == "circle" and vpc.of("gain_creators") == "square" and vpc.of("nowhere") is None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('circle = ["gains", "pains", "customer_jobs"]', 'circle = ["gains", "pains", "ghost"]',
         "layout.figures.circle: 'ghost' is not a top-level block"),
        ('circle = ["gains", "pains", "customer_jobs"]', 'circle = ["gains", "pains", "gain_creators"]',
         "layout.figures: 'gain_creators' cannot be in both"),
        ('circle = ["gains", "pains", "customer_jobs"]', 'circle = []', "layout.figures.circle"),
        ('circle = ["gains", "pains", "customer_jobs"]', 'circle = ["gains"]\ntriangle = ["pains"]',
         "layout.figures.triangle"),
    ],
)
def test_a_broken_figure_is_named_with_its_field(tmp_path, old, new, expected):
    text = VPC.read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / "value-proposition-canvas.toml"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError) as error:
        load_file(target)
    assert str(error.value).startswith("value-proposition-canvas.toml: ")
    assert expected in str(error.value)
