"""The canvas editor: a facilitator's own templates, designed on a grid, copied from a shipped
one, imported or exported as TOML. Every rule is in board/own_templates.py and the catalog's
one validator; these views read forms and show refusals next to the field they name."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import board
from ..board import own_templates as own
from ..catalog import TemplateError, catalog_of
from ..db import db
from ..models import OwnTemplate
from .identity import current_facilitator, login_required

bp = Blueprint("canvas_editor", __name__, url_prefix="/f/canvases")

MAX_TOML_BYTES = 256 * 1024
_PART = re.compile(r"([a-z_]+)|\[(\d{1,3})\]")


def design_from_form(form) -> dict:
    """The nested design from inputs named like the validator names fields (``blocks[2].title.es``)."""
    design: dict = {}
    for name, value in form.items():
        if name == "csrf_token" or not re.fullmatch(r"[a-z_]+(\.[a-z_]+|\[\d{1,3}\])*", name):
            continue
        parts = [key or int(index) for key, index in _PART.findall(name)]
        node = design
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):  # "name" and "name.es" both sent: the text one is kept
                break
        else:
            node[parts[-1]] = value
    blocks = design.get("blocks")
    if isinstance(blocks, dict):
        design["blocks"] = [blocks[i] for i in sorted(k for k in blocks if isinstance(k, int))]
    return design


def _shown(design: dict) -> dict:
    """A sent design with every field the form shows (missing ones empty), to show it again."""
    def text(value) -> str:
        return value if isinstance(value, str) else ""

    def both(value) -> dict:
        value = value if isinstance(value, dict) else {}
        return {lang: text(value.get(lang)) for lang in ("es", "en")}

    credit = design.get("credit") if isinstance(design.get("credit"), dict) else {}
    blocks = [b if isinstance(b, dict) else {} for b in design.get("blocks") or []]
    return {"id": text(design.get("id")), "name": both(design.get("name")),
            "description": both(design.get("description")),
            "columns": text(design.get("columns")), "rows": text(design.get("rows")),
            "credit": {**{k: text(credit.get(k)) for k in own.CREDIT_FIELDS}, "line": both(credit.get("line"))},
            "blocks": [{**{k: text(b.get(k)) for k in ("id", "inside", "row", "col", "row_span", "col_span")},
                        "title": both(b.get("title")), "question": both(b.get("question"))} for b in blocks]}


def explain(problem: str, field: str) -> str:
    """The validator's problem in the person's language where it is a common one."""
    if problem == "required" or problem.startswith("String should have at least 1"):
        return _("Required.")
    if problem.startswith("String should match pattern"):
        if field == "id":
            return _("Use lowercase letters, digits and hyphens, starting with a letter (up to 60).")
        if field.endswith(".id") or field.endswith(".inside"):
            return _("Use lowercase letters, digits and underscores, starting with a letter (up to 40).")
        if "source" in field or "url" in field:
            return _("A web address starting with http:// or https://.")
    if problem.startswith("String should have at most"):
        return _("Too long.")
    return _("This value is not accepted here.")


def _error(refused: TemplateError) -> dict:
    message = str(refused.said) if refused.said is not None else explain(refused.problem, refused.field)
    return {"field": refused.field, "message": message}


def _mine_or_404(template_id: int) -> OwnTemplate:
    try:
        return own.own_template_for(current_facilitator(), template_id)
    except board.BoardError:
        abort(404, description=_("This template does not exist."))


def _list_page(status: int = 200, error: dict | None = None):
    return render_template("f_canvas_editor.html", editing=None, mine=own.own_templates(current_facilitator()),
                           shipped=list(catalog_of(current_app)), error=error), status


@bp.get("/")
@login_required
def index():
    return _list_page()


@bp.post("/new")
@login_required
def new():
    name = request.form.get("name", "").strip() or _("My canvas")
    row = own.new_template(current_facilitator(), catalog_of(current_app), name[:200], name[:200])
    return redirect(url_for("canvas_editor.edit", template_id=row.id))


@bp.post("/copy/<template_id>")
@login_required
def copy(template_id: str):
    """Shipped templates are never changed in place: they are copied, credit and licence kept."""
    try:
        row = own.copy_shipped(current_facilitator(), catalog_of(current_app), template_id)
    except board.BoardError as error:
        db.session.rollback()
        abort(403 if error.code == "forbidden" else 404, description=str(error))
    flash(_("A copy to adapt. Its credit and licence stay with it."), "success")
    return redirect(url_for("canvas_editor.edit", template_id=row.id))


@bp.route("/<int:template_id>", methods=["GET", "POST"])
@login_required
def edit(template_id: int):
    row = _mine_or_404(template_id)
    design, error, status = own.design_of(row.data), None, 200
    if request.method == "POST":
        design = design_from_form(request.form)
        try:
            own.save_design(current_facilitator(), catalog_of(current_app), design, row)
        except TemplateError as refused:
            db.session.rollback()
            error, status, design = _error(refused), 400, _shown(design)
        else:
            flash(_("Template saved."), "success")
            return redirect(url_for("canvas_editor.edit", template_id=row.id))
    licensed = row.copied_from is not None
    return render_template("f_canvas_editor.html", editing=row, design=design, error=error, licensed=licensed,
                           mine=own.own_templates(current_facilitator())), status


@bp.get("/<int:template_id>/file.toml")
@login_required
def export(template_id: int):
    row = _mine_or_404(template_id)
    return Response(own.export_toml(row), mimetype="application/toml",
                    headers={"Content-Disposition": f'attachment; filename="{row.slug}.toml"'})


@bp.post("/import")
@login_required
def import_file():
    upload = request.files.get("file")
    data = upload.read(MAX_TOML_BYTES + 1) if upload else b""
    if not data or len(data) > MAX_TOML_BYTES:
        return _list_page(400, {"field": "file", "message": _("Choose a TOML file of up to 256 KB.")})
    try:
        row = own.import_toml(current_facilitator(), catalog_of(current_app), data.decode("utf-8"))
    except UnicodeDecodeError:
        return _list_page(400, {"field": "file", "message": _("The file is not UTF-8 text.")})
    except TemplateError as refused:
        db.session.rollback()
        error = _error(refused)
        error["message"] = f"{refused.field}: {error['message']}"
        return _list_page(400, error)
    flash(_("Template imported."), "success")
    return redirect(url_for("canvas_editor.edit", template_id=row.id))


@bp.post("/<int:template_id>/delete")
@login_required
def delete(template_id: int):
    own.delete_template(_mine_or_404(template_id))
    flash(_("Template deleted. Canvases made from it keep their blocks."), "success")
    return redirect(url_for("canvas_editor.index"))
