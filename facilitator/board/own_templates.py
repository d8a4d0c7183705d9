"""A facilitator's own canvas templates: designed in the editor, copied from a shipped one or
imported from a TOML file, always checked by the catalog's one validator.

The editor works on a *design*: blocks placed by row, column and span on a grid of N columns
and M rows. A template keeps its place as CSS grid areas (``layout.areas``), like the files
in ``canvases/``; ``template_from_design`` and ``design_of`` turn one into the other.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any, NoReturn

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..catalog import Catalog, Template, TemplateError, template_toml, validate_template
from ..db import db
from ..models import Facilitator, OwnTemplate, utcnow
from .errors import BoardError

MAX_TRACKS = 12
MAX_BLOCKS = 40
LANGS = ("es", "en")
CREDIT_FIELDS = ("author", "based_on", "source", "licence", "licence_url")


def own_templates(facilitator: Facilitator) -> list[OwnTemplate]:
    """This facilitator's templates, newest change first (no one else's)."""
    return list(db.session.scalars(select(OwnTemplate).filter_by(owner_id=facilitator.id)
                                   .order_by(OwnTemplate.updated_at.desc(), OwnTemplate.id.desc())))


def own_template_for(facilitator: Facilitator, template_id: int) -> OwnTemplate:
    """One of this facilitator's templates, or ``not_found`` (also for another's)."""
    row = db.session.get(OwnTemplate, template_id)
    if row is None or row.owner_id != facilitator.id:
        raise BoardError("not_found", _l("This template does not exist."))
    return row


def catalog_for(shipped: Catalog, facilitator: Facilitator) -> Catalog:
    """What this facilitator may make canvases from: the shipped templates, then their own.
    An own template is left out while a shipped one has its id (a file added since) or while it
    fails a rule made stricter since it was saved: the editor names what to change."""
    own = {}
    for row in own_templates(facilitator):
        if shipped.get(row.slug) is None:
            try:
                own[row.slug] = validate_template(row.data)
            except TemplateError:
                continue
    return Catalog({**shipped.templates, **dict(sorted(own.items()))})


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _number(design: dict, field: str, low: int, high: int) -> int:
    """A whole number between low and high, or a refusal naming ``field``."""
    path = field.replace("[", ".").replace("]", "").split(".")
    value: Any = design
    for part in path:
        value = value[int(part)] if isinstance(value, list) else value.get(part) if isinstance(value, dict) else None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise TemplateError(field, "required", f"{field}: required") from None  # explained by the views
    if not low <= number <= high:
        _refuse(field, _l("Between %(low)d and %(high)d.", low=low, high=high))
    return number


def _refuse(field: str, problem: Any) -> NoReturn:
    """Refuse the design at ``field``; the problem is said in the person's language."""
    raise TemplateError(field, str(problem), f"{field}: {problem}", said=problem)


def _localized(value: Any) -> dict:
    value = value if isinstance(value, dict) else {}
    return {lang: _text(value.get(lang)) for lang in LANGS if _text(value.get(lang))}


def _tracks(previous: dict | None, key: str, count: int, current: int | None) -> str:
    """The previous tracks while their number is kept (a copy keeps its ``auto`` rows), else equal ones."""
    if previous is not None and current == count:
        return previous["layout"][key]
    return f"repeat({count}, 1fr)"


def template_from_design(design: dict, previous: dict | None = None) -> dict:
    """The template data of an editor design; ``previous`` (the template being edited) lends
    what the editor does not show: track sizes, figures, kind, version. Placement errors name
    the block's field (``blocks[1].col``); the rest is left to ``validate_template``."""
    columns = _number(design, "columns", 1, MAX_TRACKS)
    rows = _number(design, "rows", 1, MAX_TRACKS)
    raw_blocks = design.get("blocks") if isinstance(design.get("blocks"), list) else []
    if not raw_blocks:
        _refuse("blocks", _l("Add at least one block."))
    if len(raw_blocks) > MAX_BLOCKS:
        _refuse("blocks", _l("At most %(num)d blocks.", num=MAX_BLOCKS))
    grid = [["."] * columns for _ in range(rows)]
    blocks = []
    for i, raw in enumerate(raw_blocks):
        raw = raw if isinstance(raw, dict) else {}
        block: dict[str, Any] = {"id": _text(raw.get("id")), "title": _localized(raw.get("title")),
                                 "question": _localized(raw.get("question"))}
        if _text(raw.get("inside")):
            block["inside"] = _text(raw.get("inside"))
        else:
            row = _number(design, f"blocks[{i}].row", 1, rows)
            col = _number(design, f"blocks[{i}].col", 1, columns)
            row_span = _number(design, f"blocks[{i}].row_span", 1, rows - row + 1)
            col_span = _number(design, f"blocks[{i}].col_span", 1, columns - col + 1)
            for r in range(row - 1, row - 1 + row_span):
                for c in range(col - 1, col - 1 + col_span):
                    if grid[r][c] != ".":
                        _refuse(f"blocks[{i}].row", _l("It overlaps the block “%(block)s”.", block=grid[r][c]))
                    grid[r][c] = block["id"] or f"block{i}"
        blocks.append(block)
    for r, line in enumerate(grid):
        if all(cell == "." for cell in line):
            _refuse("rows", _l("Row %(row)d of the grid has no block: place one there or use fewer rows.", row=r + 1))
    top = {b["id"] for b in blocks if "inside" not in b}
    old_layout = previous["layout"] if previous else None
    old_grid = [line.split() for line in old_layout["areas"]] if old_layout else None
    layout: dict[str, Any] = {
        "columns": _tracks(previous, "columns", columns, len(old_grid[0]) if old_grid else None),
        "rows": _tracks(previous, "rows", rows, len(old_grid) if old_grid else None),
        "areas": [" ".join(line) for line in grid],
    }
    figures = old_layout.get("figures") if old_layout else None
    if figures and all(name in top for shape in ("square", "circle") for name in figures[shape]):
        layout["figures"] = figures
    data: dict[str, Any] = {
        "id": _text(design.get("id")),
        "version": (previous or {}).get("version", 0) + 1,
        "name": _localized(design.get("name")),
        "description": _localized(design.get("description")),
        "kind": (previous or {}).get("kind", "grid"),
        "layout": layout,
        "blocks": blocks,
    }
    credit = _credit(design.get("credit"))
    if credit:
        data["credit"] = credit
    return data


def _credit(raw: Any) -> dict:
    raw = raw if isinstance(raw, dict) else {}
    credit: dict[str, Any] = {key: _text(raw.get(key)) for key in CREDIT_FIELDS if _text(raw.get(key))}
    line = _localized(raw.get("line"))
    if line:
        credit["line"] = line
    return credit


def design_of(data: dict) -> dict:
    """The editor's design of template data (a shipped template's or an own one's)."""
    grid = [line.split() for line in data["layout"]["areas"]]
    blocks = []
    for block in data["blocks"]:
        item = {"id": block["id"], "title": dict(block["title"]), "question": dict(block["question"]),
                "inside": block.get("inside") or "", "row": "", "col": "", "row_span": "", "col_span": ""}
        cells = [(r, c) for r, line in enumerate(grid) for c, cell in enumerate(line) if cell == block["id"]]
        if cells and not item["inside"]:
            rows = [r for r, _c in cells]
            cols = [c for _r, c in cells]
            item.update(row=min(rows) + 1, col=min(cols) + 1, row_span=max(rows) - min(rows) + 1,
                        col_span=max(cols) - min(cols) + 1)
        blocks.append(item)
    credit = data.get("credit") or {}
    return {"id": data["id"], "name": dict(data["name"]), "description": dict(data["description"]),
            "columns": len(grid[0]), "rows": len(grid), "blocks": blocks,
            "credit": {**{key: credit.get(key) or "" for key in CREDIT_FIELDS},
                       "line": dict(credit.get("line") or {"es": "", "en": ""})}}


def _check_id(facilitator: Facilitator, shipped: Catalog, slug: str, row: OwnTemplate | None) -> None:
    if shipped.get(slug) is not None:
        _refuse("id", _l("A shipped template has this id: choose another."))
    other = db.session.scalar(select(OwnTemplate).filter_by(owner_id=facilitator.id, slug=slug))
    if other is not None and other is not row:
        _refuse("id", _l("Another of your templates has this id: choose another."))


def _check_credit(template: Template, copied_from: str | None) -> None:
    """A copy of a shipped canvas keeps saying whose it is and under which licence."""
    if copied_from is not None and template.credit is None:
        raise TemplateError("credit.author", "required", "credit.author: required")


def save_design(facilitator: Facilitator, shipped: Catalog, design: dict, row: OwnTemplate | None = None
                ) -> OwnTemplate:
    """Check an editor design with the catalog's validator and store it (a new template when
    ``row`` is None). Nothing is written when it is refused (TemplateError)."""
    data = template_from_design(design, row.data if row is not None else None)
    return _store(facilitator, shipped, data, row, row.copied_from if row is not None else None)


def _store(facilitator: Facilitator, shipped: Catalog, data: dict, row: OwnTemplate | None,
           copied_from: str | None) -> OwnTemplate:
    template = validate_template(data)
    _check_id(facilitator, shipped, template.id, row)
    _check_credit(template, copied_from)
    stored = template.model_dump(mode="json", exclude_none=True)
    if row is None:
        row = OwnTemplate(owner_id=facilitator.id, copied_from=copied_from, slug=template.id, data=stored)
        db.session.add(row)
    else:
        row.slug, row.data, row.updated_at = template.id, stored, utcnow()
    db.session.commit()
    return row


def _free_slug(facilitator: Facilitator, shipped: Catalog, base: str) -> str:
    taken = set(shipped.templates) | set(db.session.scalars(
        select(OwnTemplate.slug).filter_by(owner_id=facilitator.id)))
    base = base[:50]
    for n in range(1, 1000):
        slug = base if n == 1 else f"{base}-{n}"
        if slug not in taken:
            return slug
    raise BoardError("conflict", _l("Too many templates with this name."))


def copy_shipped(facilitator: Facilitator, shipped: Catalog, template_id: str) -> OwnTemplate:
    """An own copy of a shipped template to adapt, if its licence allows it; its credit and licence come along."""
    template = shipped.get(template_id)
    if template is None:
        raise BoardError("not_found", _l("This template does not exist."))
    if template.credit is None or not template.credit.allows_adaptation:
        raise BoardError("forbidden", _l("The licence of this canvas does not allow adapting it: "
                                         "it can be used as it is."))
    data = template.model_dump(mode="json", exclude_none=True)
    data["id"] = _free_slug(facilitator, shipped, f"{template.id}-copy")
    data["version"] = 1
    return _store(facilitator, shipped, data, None, template.id)


def new_template(facilitator: Facilitator, shipped: Catalog, name: str, description: str) -> OwnTemplate:
    """A new template with one block to start from, named in both languages alike."""
    data = {"id": _free_slug(facilitator, shipped, "my-canvas"), "version": 1,
            "name": {"es": name, "en": name}, "description": {"es": description, "en": description},
            "layout": {"columns": "repeat(1, 1fr)", "rows": "repeat(1, 1fr)", "areas": ["idea"]},
            "blocks": [{"id": "idea", "title": {"es": "Idea", "en": "Idea"},
                        "question": {"es": "¿Qué idea quieres explorar?", "en": "Which idea do you want to explore?"}}]}
    return _store(facilitator, shipped, data, None, None)


def delete_template(row: OwnTemplate) -> None:
    """Canvases made from it keep their own copy (Canvas.template): nothing else changes."""
    db.session.delete(row)
    db.session.commit()


def _toml_place(error: tomllib.TOMLDecodeError) -> str:
    """Where the TOML reader stopped, e.g. "line 3, column 5" (its message ends with it)."""
    place = re.search(r"line (\d+), column (\d+)", str(error))
    return _l("line %(line)s, column %(column)s", line=place[1], column=place[2]) if place else "?"


def export_toml(row: OwnTemplate) -> str:
    """The template as a file like those in ``canvases/`` (importable here or shipped there)."""
    return template_toml(validate_template(row.data))


def import_toml(facilitator: Facilitator, shipped: Catalog, text: str) -> OwnTemplate:
    """A template from a TOML file, checked like every other; its id must be free."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TemplateError("file", str(error), f"file: {error}",
                            said=_l("The file is not valid TOML (%(where)s).", where=_toml_place(error))) from None
    credited = isinstance(data, dict) and isinstance(data.get("credit"), dict)
    source = str(data.get("id"))[:60] if credited else None  # someone's canvas: its credit stays with it
    return _store(facilitator, shipped, data, None, source)
