"""Recipes: the shipped ones load against their canvases; broken ones are named precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from facilitator import create_app
from facilitator.catalog import CatalogError, load_catalog
from facilitator.config import TestConfig
from facilitator.recipes import load_file, load_recipes
from facilitator.resources import data_dir

SHIPPED = {"public-policy-lean-canvas-90", "public-value-proposition", "culture-design-session",
           "ogp-commitment-cocreation"}
POLICY = data_dir("recipes") / "public-policy-lean-canvas-90.toml"


@pytest.fixture(scope="module")
def templates():
    return load_catalog(data_dir("canvases"))


def test_the_four_shipped_recipes_load_for_their_canvases(templates):
    recipes = load_recipes(data_dir("recipes"), templates)
    assert {r.id for r in recipes} == SHIPPED
    assert {r.template for r in recipes} == {"public-policy-lean-canvas", "public-value-proposition-canvas",
                                              "culture-design-canvas", "ogp-commitment"}
    assert recipes.get("public-policy-lean-canvas-90").minutes() == 90


@pytest.mark.parametrize("recipe_id", sorted(SHIPPED))
def test_every_phase_speaks_spanish_and_english(templates, recipe_id):
    recipe = load_recipes(data_dir("recipes"), templates).get(recipe_id)
    assert recipe.name.es != recipe.name.en
    for phase in recipe.phases:
        assert phase.name.es and phase.name.en and phase.instruction.es and phase.instruction.en
        assert phase.instruction.es != phase.instruction.en


def _broken(tmp_path: Path, old: str, new: str, name: str = "public-policy-lean-canvas-90.toml") -> Path:
    text = POLICY.read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / name
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('instruction = { es = "Escribe en silencio', 'instruction = { xx = "Escribe en silencio',
         "phases.problem_silent.instruction"),
        ('minutes = 8', 'minutes = 0', "phases.problem_silent.minutes"),
        ('focus = "problem"', 'focus = "nowhere"', "phases.problem_silent.focus: 'nowhere' is not a block"),
        ('locked_blocks = ["problem", "alternatives"]', 'locked_blocks = ["problem", "ghost"]',
         "phases.population_value.locked_blocks: 'ghost' is not a block"),
        ('blocks = ["problem"] }', 'blocks = ["ghost"] }', "phases.problem_vote.vote.blocks: 'ghost'"),
        ('allow = ["add", "edit"]', 'allow = ["add", "shout"]', "phases.problem_silent.allow.1"),
        ('allow = ["vote"]', 'allow = ["add"]', "phases.problem_vote: allow: a phase with a vote must allow 'vote'"),
        ('budget = 3, max_per_note = 2', 'budget = 1, max_per_note = 2', "max_per_note: cannot exceed budget"),
        ('id = "problem_reveal"', 'id = "problem_silent"', "phases: duplicated id 'problem_silent'"),
        ('template = "public-policy-lean-canvas"', 'template = "no-such-canvas"',
         "template: 'no-such-canvas' is not a canvas template"),
        ('silent = true', 'silent = "yes"', "phases.problem_silent.silent"),
        ('silent = true', 'silent = true\nshout = true', "phases.problem_silent.shout"),
    ],
)
def test_a_broken_recipe_is_named_with_its_field(tmp_path, templates, old, new, expected):
    with pytest.raises(CatalogError) as error:
        load_file(_broken(tmp_path, old, new), templates)
    assert str(error.value).startswith("public-policy-lean-canvas-90.toml: ")
    assert expected in str(error.value)


def test_a_recipe_named_unlike_its_file_is_refused(tmp_path, templates):
    renamed = tmp_path / "other.toml"
    shutil.copy(POLICY, renamed)
    with pytest.raises(CatalogError, match=r"other\.toml: id: must equal the file name"):
        load_file(renamed, templates)


def test_a_broken_recipe_stops_the_start_with_file_and_field(tmp_path):
    folder = tmp_path / "recipes"
    folder.mkdir()
    _broken(folder, 'name = { es = "Votar el problema"', 'name = { es = ""')
    with pytest.raises(SystemExit) as stopped:
        create_app(TestConfig, RECIPES_DIR=str(folder), SQLALCHEMY_DATABASE_URI="sqlite://")
    assert "a recipe is broken" in str(stopped.value)
    assert "public-policy-lean-canvas-90.toml: phases.problem_vote.name.es" in str(stopped.value)


def test_the_app_loads_the_shipped_recipes():
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert {r.id for r in app.extensions["lienzo.recipes"]} == SHIPPED
