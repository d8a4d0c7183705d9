"""Recipes: the phases a workshop runs through, loaded from ``recipes/*.toml``.

A recipe is data, like a canvas template: an ordered list of phases, each with the
instruction people see, its time, the canvas settings it applies (silent writing,
anonymity, blocks locked, a voting round), the block in focus and what participants
may do in it. A broken file stops the start with the file and the field named, and a
recipe that names a block its canvas lacks is refused at start-up, not mid-workshop.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from .catalog import Catalog, CatalogError, Ident, Localized
from .text import SingleLine

# What a participant may do in a phase: add notes; edit, recolour or delete their notes;
# move notes between blocks; group notes; vote. Facilitators may always do everything.
ACTIONS = ("add", "edit", "move", "group", "vote")
Action = Literal["add", "edit", "move", "group", "vote"]
RecipeId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,59}$")]
MAX_RECIPE_NAME = 80
# A line of a menu: the single-line rule of what people type (facilitators name their own).
ShortText = SingleLine(MAX_RECIPE_NAME)


class RecipeName(Localized):
    """A recipe's name: a line of a menu, so shorter than its other texts."""

    es: ShortText
    en: ShortText


class VoteSettings(BaseModel):
    """The dot-voting round a phase opens (the same limits as the ``vote:open`` message)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    budget: StrictInt = Field(default=5, ge=1, le=50)
    max_per_note: StrictInt = Field(default=3, ge=1, le=50)
    allow_own: StrictBool = False
    blocks: tuple[Ident, ...] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _check(self) -> VoteSettings:
        if self.max_per_note > self.budget:
            raise ValueError("max_per_note: cannot exceed budget")
        return self


class Phase(BaseModel):
    """One step of the arc, as the room lives it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Ident
    name: Localized
    instruction: Localized
    minutes: StrictInt | None = Field(default=None, ge=1, le=360)
    lock_on_end: StrictBool = False
    focus: Ident | None = None
    allow: tuple[Action, ...] = ()
    silent: StrictBool = False
    anonymous: StrictBool = False
    locked_blocks: tuple[Ident, ...] = ()
    vote: VoteSettings | None = None

    @model_validator(mode="after")
    def _check(self) -> Phase:
        if len(set(self.allow)) != len(self.allow):
            raise ValueError("allow: an action is listed twice")
        if self.vote is not None and "vote" not in self.allow:
            raise ValueError("allow: a phase with a vote must allow 'vote'")
        if self.vote is None and "vote" in self.allow:
            raise ValueError("vote: a phase that allows 'vote' needs its voting round ([phases.vote])")
        if self.lock_on_end and self.minutes is None:
            raise ValueError("lock_on_end: needs minutes")
        return self

    def blocks_named(self) -> list[tuple[str, str]]:
        """(field, block id) of every block this phase names, to check against its canvas."""
        named = [("focus", self.focus)] if self.focus else []
        named += [("locked_blocks", b) for b in self.locked_blocks]
        named += [("vote.blocks", b) for b in (self.vote.blocks or ())] if self.vote else []
        return named


class Recipe(BaseModel):
    """A recipe as read from its file: which canvas it drives and its phases in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: RecipeId
    version: StrictInt = Field(ge=1)
    template: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,59}$")]
    name: RecipeName
    description: Localized
    phases: tuple[Phase, ...] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _check(self) -> Recipe:
        ids = [p.id for p in self.phases]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"phases: duplicated id {duplicated[0]!r}")
        return self

    def minutes(self) -> int:
        return sum(p.minutes or 0 for p in self.phases)

    def workshop_copy(self) -> dict:
        """The copy a workshop keeps (``Workshop.recipe``), as a canvas keeps its template's:
        the recipe itself plus where the room is in it, not started yet."""
        data = self.model_dump(mode="json")
        return {"id": self.id, "version": self.version, "template": self.template, "name": data["name"],
                "description": data["description"], "phases": data["phases"], "phase": None, "tables": {},
                "started_at": None}


RECIPE_FIELDS = ("id", "version", "template", "name", "description", "phases")


def recipe_data(copy: dict, shipped: Recipes | None = None) -> dict:
    """The recipe a workshop's copy was made from, in the shape of a recipe file (no phase
    state). Copies made before they kept the description take the shipped recipe's, or the name."""
    data = {key: copy[key] for key in RECIPE_FIELDS if key in copy}
    if "description" not in data:
        original = shipped.get(copy.get("id", "")) if shipped is not None else None
        data["description"] = original.model_dump(mode="json")["description"] if original else copy.get("name")
    return data


def _describe(error: ValidationError, data: Any) -> str:
    """``field.path: problem``, naming phases by their id rather than their index."""
    first = error.errors()[0]
    loc = list(first["loc"])
    if len(loc) >= 2 and loc[0] == "phases" and isinstance(loc[1], int):
        try:
            phase_id = data["phases"][loc[1]]["id"]
        except (KeyError, IndexError, TypeError):
            phase_id = None
        if isinstance(phase_id, str) and phase_id:
            loc[1] = phase_id
    message = first["msg"].removeprefix("Value error, ")
    return f"{'.'.join(str(p) for p in loc)}: {message}" if loc else message


def parse_recipe(data: Any, source: str, templates: Catalog) -> Recipe:
    """Validate one recipe, as data (a file's, a facilitator's own, an imported workshop's),
    against its canvas template; the one validator of recipes. ``source`` names it in errors,
    which name the field: ``source: phases.vote.minutes: ...``."""
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as error:
        raise CatalogError(f"{source}: {_describe(error, data)}") from None
    template = templates.get(recipe.template)
    if template is None:
        raise CatalogError(f"{source}: template: {recipe.template!r} is not a canvas template")
    blocks = set(template.block_ids())
    for phase in recipe.phases:
        for field, block in phase.blocks_named():
            if block not in blocks:
                raise CatalogError(f"{source}: phases.{phase.id}.{field}: {block!r} is not a block of "
                                   f"the template {template.id!r}")
    return recipe


def load_file(path: Path, templates: Catalog) -> Recipe:
    """Read and validate one recipe file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CatalogError(f"{path.name}: {error}") from None
    recipe = parse_recipe(data, path.name, templates)
    if recipe.id != path.stem:
        raise CatalogError(f"{path.name}: id: must equal the file name ({path.stem!r})")
    return recipe


@dataclass(frozen=True)
class Recipes:
    """All recipes, by id, in a stable order for menus."""

    recipes: dict[str, Recipe]

    def get(self, recipe_id: str) -> Recipe | None:
        return self.recipes.get(recipe_id)

    def __iter__(self):
        return iter(self.recipes.values())

    def __len__(self) -> int:
        return len(self.recipes)


def load_recipes(folder: Path, templates: Catalog) -> Recipes:
    """Load every ``*.toml`` in ``folder`` (none is fine: recipes are optional)."""
    return Recipes({r.id: r for r in (load_file(p, templates) for p in sorted(folder.glob("*.toml")))})


def recipes_of(app) -> Recipes:
    """The recipes loaded at start-up (``create_app``)."""
    return app.extensions["lienzo.recipes"]
