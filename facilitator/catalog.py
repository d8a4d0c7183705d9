"""The template catalog: canvas templates loaded from ``canvases/*.toml``.

Templates are data, so a broken file must stop the app with a message that
names the file and the field, not with a traceback deep in a page render.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import tomli_w
from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from .text import plain_text

LANGS = ("es", "en")
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]

# Templates also come in imported workshop files, so their text is checked like what people type.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400),
                 AfterValidator(plain_text)]
# Shown as links on every canvas page: web addresses only (never javascript: or data:).
Url = Annotated[Text, StringConstraints(pattern=r"^https?://[^\s]+$")]


class CatalogError(Exception):
    """A template file that cannot be used; the message names file and field."""


class TemplateError(CatalogError):
    """A template's data refused by ``validate_template``: ``field`` names the field by position
    (``blocks[2].title.es``), as the editor's inputs are named; the message names blocks by id,
    as a person reading a file looks for them."""

    def __init__(self, field: str, problem: str, message: str, said: Any = None) -> None:
        super().__init__(message)
        self.field = field
        self.problem = problem
        self.said = said  # the problem in the person's language, when the check knows how to say it


class ShapeError(ValueError):
    """A whole-template check's refusal: the English text names the field for a file's author
    and the logs; ``said`` is the same problem for the editor, in the person's language."""

    def __init__(self, text: str, said: Any) -> None:
        super().__init__(text)
        self.said = said


class Localized(BaseModel):
    """A text in every language the app speaks."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    es: Text
    en: Text

    def get(self, lang: str) -> str:
        return getattr(self, lang if lang in LANGS else "es")


class Block(BaseModel):
    """One area of the sheet where notes go."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Ident
    title: Localized
    question: Localized
    inside: Ident | None = None


class Figures(BaseModel):
    """The shapes a canvas is recognised by, drawn under its blocks on every view: the Value
    Proposition Canvases' value map (a square) and customer profile (a circle)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    square: tuple[Ident, ...] = Field(min_length=1)
    circle: tuple[Ident, ...] = Field(min_length=1)

    def of(self, block_id: str) -> str | None:
        """Which figure a block lies in, if any."""
        return "square" if block_id in self.square else "circle" if block_id in self.circle else None


class Layout(BaseModel):
    """The sheet's CSS grid: column and row tracks plus named areas (and any figures)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    columns: Annotated[str, StringConstraints(pattern=r"^[0-9a-z.() ,]+$", max_length=200)]
    rows: Annotated[str, StringConstraints(pattern=r"^[0-9a-z.() ,]+$", max_length=200)]
    areas: tuple[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_. ]+$")], ...] = Field(min_length=1)
    figures: Figures | None = None

    def grid(self) -> list[list[str]]:
        return [row.split() for row in self.areas]


class Credit(BaseModel):
    """Who made the canvas and under which terms it is used."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    author: Text
    based_on: Text | None = None
    source: Url
    licence: Text
    licence_url: Url | None = None
    line: Localized

    @property
    def allows_adaptation(self) -> bool:
        """Whether its licence lets anyone adapt the canvas: a Creative Commons licence without
        "NoDerivatives", or CC0. Anything else (a reserved copyright, a licence not confirmed)
        is used as it is: Lienzo offers no copy to adapt."""
        return bool(self.licence_url and _ADAPTABLE.match(self.licence_url))


# Creative Commons licences that allow adaptations (not ND), and CC0.
_ADAPTABLE = re.compile(r"^https?://(www\.)?creativecommons\.org/(licenses/by(-nc)?(-sa)?/|publicdomain/zero/)",
                        re.IGNORECASE)


class Template(BaseModel):
    """A canvas template as read from its file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,59}$")]
    version: int = Field(ge=1)
    name: Localized
    description: Localized
    kind: str = Field(default="grid", pattern=r"^(grid|form)$")
    layout: Layout
    # Required in shipped files (``load_file``); a facilitator's own template may have none.
    credit: Credit | None = None
    blocks: tuple[Block, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_geometry(self) -> Template:
        ids = [b.id for b in self.blocks]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ShapeError(f"blocks: duplicated id {duplicated[0]!r}",
                             _l("Two blocks have the identifier “%(id)s”.", id=duplicated[0]))
        grid = self.layout.grid()
        if len({len(row) for row in grid}) != 1:
            raise ShapeError("layout.areas: every row must have the same number of cells",
                             _l("Every row of the grid must have the same number of cells."))
        placed = {cell for row in grid for cell in row if cell != "."}
        top_level = {b.id for b in self.blocks if b.inside is None}
        for name in sorted(placed - top_level):
            raise ShapeError(f"layout.areas: {name!r} is not a block of this template (or is an 'inside' block)",
                             _l("“%(id)s” is in the grid but is not a main block of this template.", id=name))
        for name in sorted(top_level - placed):
            raise ShapeError(f"blocks: {name!r} has no place in layout.areas",
                             _l("The block “%(id)s” has no place in the grid.", id=name))
        for block in self.blocks:
            if block.inside is not None and block.inside not in top_level:
                raise ShapeError(f"blocks.{block.id}.inside: {block.inside!r} is not a top-level block",
                                 _l("“%(id)s” is not a main block of this template.", id=block.inside))
        for name in placed:
            _check_rectangle(grid, name)
        figures = self.layout.figures
        if figures is not None:
            for shape in ("square", "circle"):
                for name in getattr(figures, shape):
                    if name not in top_level:
                        raise ShapeError(f"layout.figures.{shape}: {name!r} is not a top-level block of this template",
                                         _l("“%(id)s” is not a main block of this template.", id=name))
            for name in sorted(set(figures.square) & set(figures.circle)):
                raise ShapeError(f"layout.figures: {name!r} cannot be in both the square and the circle",
                                 _l("“%(id)s” cannot be in both the square and the circle.", id=name))
        return self

    def credit_line(self, lang: str) -> str:
        """The credit shown under the canvas and in every export ("" when the template has none)."""
        return self.credit.line.get(lang) if self.credit is not None else ""

    def block(self, block_id: str) -> Block | None:
        return next((b for b in self.blocks if b.id == block_id), None)

    def block_ids(self) -> list[str]:
        return [b.id for b in self.blocks]

    def children(self, block_id: str) -> list[Block]:
        return [b for b in self.blocks if b.inside == block_id]

    def top_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.inside is None]

    def css_areas(self) -> str:
        return " ".join(f'"{row}"' for row in (" ".join(r.split()) for r in self.layout.areas))


def _check_rectangle(grid: list[list[str]], name: str) -> None:
    cells = [(r, c) for r, row in enumerate(grid) for c, cell in enumerate(row) if cell == name]
    rows = {r for r, _ in cells}
    cols = {c for _, c in cells}
    spans_rows = max(rows) - min(rows) + 1 == len(rows)
    spans_cols = max(cols) - min(cols) + 1 == len(cols)
    if len(cells) != len(rows) * len(cols) or not spans_rows or not spans_cols:
        raise ShapeError(f"layout.areas: the area of {name!r} is not a rectangle",
                         _l("The place of “%(id)s” in the grid must be a rectangle.", id=name))


def _problem(first: dict) -> str:
    return "required" if first["type"] == "missing" else first["msg"].removeprefix("Value error, ")


def _indexed(loc: list) -> str:
    """``blocks[2].title.es``: the field as a form names it, by position."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(error: ValidationError, data: Any) -> str:
    """``field.path: problem``, naming blocks by their id rather than their index."""
    first = error.errors()[0]
    loc = list(first["loc"])
    if len(loc) >= 2 and loc[0] == "blocks" and isinstance(loc[1], int):
        try:
            block_id = data["blocks"][loc[1]]["id"]
        except (KeyError, IndexError, TypeError):
            block_id = None
        if isinstance(block_id, str) and block_id:
            loc[1] = block_id
    message = first["msg"].removeprefix("Value error, ")
    if not loc:
        return message
    return f"{'.'.join(str(p) for p in loc)}: {message}"


def _field_of(error: ValidationError, data: Any) -> tuple[str, str]:
    """The refused field by position and the problem, also for the whole-template checks
    (``_check_geometry``), whose message starts with the field, blocks named by id."""
    first = error.errors()[0]
    if first["loc"]:
        return _indexed(list(first["loc"])), _problem(first)
    message = _problem(first)
    field, _sep, problem = message.partition(": ")
    parts = field.split(".")
    if len(parts) >= 2 and parts[0] == "blocks":
        blocks = data.get("blocks") if isinstance(data, dict) else None
        ids = [b.get("id") if isinstance(b, dict) else None for b in blocks or []]
        if parts[1] in ids:
            parts[1] = ids.index(parts[1])
            return _indexed(parts), problem
    return field, problem


def validate_template(data: Any) -> Template:
    """The one check of a template's data, wherever it comes from (a shipped file, the editor,
    an imported TOML or workshop file); a refusal is a TemplateError naming the field."""
    try:
        return Template.model_validate(data)
    except ValidationError as error:
        field, problem = _field_of(error, data)
        cause = error.errors()[0].get("ctx", {}).get("error")
        raise TemplateError(field, problem, _describe(error, data),
                            said=cause.said if isinstance(cause, ShapeError) else None) from None


def parse_template(data: dict[str, Any], source: str) -> Template:
    """Validate one template's data; ``source`` names it in error messages."""
    try:
        return validate_template(data)
    except TemplateError as error:
        raise TemplateError(error.field, error.problem, f"{source}: {error}") from None


def load_file(path: Path) -> Template:
    """Read and validate one template file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CatalogError(f"{path.name}: {error}") from None
    template = parse_template(data, path.name)
    if template.credit is None:  # every shipped canvas says whose it is and under which licence
        raise TemplateError("credit", "required", f"{path.name}: credit: Field required")
    if template.id != path.stem:
        raise CatalogError(f"{path.name}: id: must equal the file name ({path.stem!r})")
    return template


@dataclass(frozen=True)
class Catalog:
    """All templates, by id, in a stable order for menus."""

    templates: dict[str, Template]

    def get(self, template_id: str) -> Template | None:
        return self.templates.get(template_id)

    def __iter__(self):
        return iter(self.templates.values())

    def __len__(self) -> int:
        return len(self.templates)


def load_catalog(folder: Path) -> Catalog:
    """Load every ``*.toml`` in ``folder``; the first broken file raises CatalogError."""
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise CatalogError(f"{folder}: no template files (*.toml) found")
    templates = {}
    for path in files:
        template = load_file(path)
        templates[template.id] = template
    return Catalog(templates)


def catalog_of(app) -> Catalog:
    """The template catalog loaded at start-up (``create_app``)."""
    return app.extensions["lienzo.catalog"]


def template_toml(template: Template) -> str:
    """The template as a ``canvases/*.toml`` file: what ``load_file`` reads back to the same
    template (keys in the shipped files' order: the scalars, the tables, then the blocks)."""
    data = template.model_dump(mode="json", exclude_none=True)
    order = ("id", "version", "kind", "name", "description", "credit", "layout", "blocks")
    ordered = {key: data[key] for key in order if key in data} | {k: v for k, v in data.items() if k not in order}
    return tomli_w.dumps(ordered)
