"""Reusing workshops (issue 13, "Reuse"): duplicate one, save its set-up as one's own recipe,
start a new workshop from a recipe, delete one's own recipes. The rules are in board/reuse.py."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import board
from ..board import reuse
from ..board.schemas import NewWorkshop, parse
from ..board.workshops import workshop_for
from ..catalog import catalog_of
from ..db import db
from ..models import Facilitator, Participant, Workshop
from ..recipes import recipes_of
from .identity import current_facilitator, login_required

bp = Blueprint("reuse", __name__, url_prefix="/f")


def recipe_menu(facilitator: Facilitator) -> list[dict]:
    """The recipes to start from, shipped then own: name, canvas, phases, minutes."""
    lang = str(get_locale())
    catalog = catalog_of(current_app)

    def entry(choice: str, data: dict, own_id: int | None) -> dict:
        template = catalog.get(data["template"])
        phases = data["phases"]
        return {"choice": choice, "name": data["name"].get(lang) or data["name"]["es"], "own_id": own_id,
                "canvas": template.name.get(lang) if template else data["template"], "phases": len(phases),
                "minutes": sum(p.get("minutes") or 0 for p in phases)}

    shipped = [entry(r.id, r.model_dump(mode="json"), None) for r in recipes_of(current_app)]
    own = [entry(f"{reuse.OWN}{row.id}", row.data, row.id) for row in reuse.own_recipes(facilitator)]
    return shipped + own


def own_recipe_options(actor: board.Actor, lang: str) -> list[dict]:
    """The control room's menu entries for the own recipes of the facilitator in this seat."""
    seat = db.session.get(Participant, actor.participant_id) if actor.participant_id else None
    facilitator = db.session.get(Facilitator, seat.facilitator_id) if seat and seat.facilitator_id else None
    if facilitator is None:
        return []
    return [{"id": row.data["id"], "name": row.data["name"].get(lang) or row.name, "template": row.data["template"],
             "minutes": sum(p.get("minutes") or 0 for p in row.data["phases"])}
            for row in reuse.own_recipes(facilitator)]


def _workshop_or_404(workshop_id: int) -> Workshop:
    try:
        return workshop_for(current_facilitator(), workshop_id)
    except board.BoardError:
        abort(404, description=_("This workshop does not exist."))


@bp.post("/workshops/<int:workshop_id>/duplicate")
@login_required
def duplicate(workshop_id: int):
    """A new draft with this workshop's set-up and none of its content."""
    copy = reuse.duplicate_workshop(current_facilitator(), _workshop_or_404(workshop_id))
    flash(_("This is a copy of the workshop's set-up, with a new join code and no notes or participants."),
          "success")
    return redirect(url_for("facilitator.workshop", workshop_id=copy.id))


@bp.route("/workshops/<int:workshop_id>/save-recipe", methods=["GET", "POST"])
@login_required
def save_recipe(workshop_id: int):
    """Save the workshop's recipe (or its canvas's settings) as the facilitator's own."""
    workshop = _workshop_or_404(workshop_id)
    name = request.form.get("name", "") if request.method == "POST" else ""
    if request.method == "POST":
        try:
            reuse.save_recipe(current_facilitator(), workshop, name, catalog_of(current_app),
                              recipes_of(current_app))
        except board.BoardError as refused:
            db.session.rollback()
            flash(str(refused.message), "error")
            return render_template("f_recipe_save.html", workshop=workshop, name=name), 400
        flash(_("Recipe “%(name)s” saved. Start a workshop from it on your dashboard.", name=" ".join(name.split())),
              "success")
        return redirect(url_for("facilitator.workshop", workshop_id=workshop.id))
    return render_template("f_recipe_save.html", workshop=workshop, name=name)


@bp.post("/recipes/<int:recipe_id>/delete")
@login_required
def delete_recipe(recipe_id: int):
    """Delete one of the facilitator's own recipes (anyone else's is a 404)."""
    try:
        reuse.delete_recipe(current_facilitator(), recipe_id)
    except board.BoardError:
        abort(404, description=_("This recipe does not exist."))
    flash(_("Recipe deleted. Workshops that follow it keep their copy."), "success")
    return redirect(url_for("facilitator.dashboard"))


def _start_refusal(refused: board.BoardError) -> str:
    return {
        "title": _("Give the workshop a title: one line of up to 200 characters, with no control characters."),
        "date": _("The date is not valid."),
        "language": _("Choose Spanish or English."),
        "count": _("You can add between 1 and 30 canvases at once."),
    }.get(refused.extra.get("field"), str(refused.message))


@bp.route("/recipes/start", methods=["GET", "POST"])
@login_required
def start():
    """The new-workshop form with a recipe chosen: the new workshop follows it, with its tables."""
    facilitator = current_facilitator()
    catalog, shipped = catalog_of(current_app), recipes_of(current_app)
    source = request.form if request.method == "POST" else request.args
    form = {"title": "", "date": "", "language": "es", "tables": "1", "recipe": ""}
    form.update({k: source.get(k, v) for k, v in form.items()})
    menu = recipe_menu(facilitator)
    try:
        recipe = reuse.chosen_recipe(facilitator, form["recipe"], catalog, shipped)
    except board.BoardError as refused:
        abort(404 if refused.code == "not_found" else 400, description=str(refused.message))
    page = {"form": form, "recipes": menu, "action": url_for("reuse.start")}
    if request.method == "GET":
        return render_template("f_workshop_new.html", **page)
    data = {"title": form["title"], "language": form["language"] or "es"}
    if form["date"]:
        data["date"] = form["date"]
    try:
        workshop = reuse.start_workshop(facilitator, parse(NewWorkshop, data, lenient=True), recipe,
                                        form["tables"], catalog)
    except board.BoardError as refused:
        db.session.rollback()
        flash(_start_refusal(refused), "error")
        return render_template("f_workshop_new.html", **page), 400
    return redirect(url_for("facilitator.workshop", workshop_id=workshop.id))
