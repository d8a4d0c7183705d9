"""Reusing a workshop: duplicate its set-up, save it as one's own recipe, start from a recipe.

A duplicate is a new draft with the same canvases and settings and none of what people
wrote; a facilitator's own recipe is seen and used by that facilitator only. Every recipe,
shipped or own, goes through the one validator (``recipes.parse_recipe``).
"""

from __future__ import annotations

import re

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..catalog import LANGS, Catalog, CatalogError
from ..db import db
from ..models import Canvas, Facilitator, Participant, SavedRecipe, Workshop
from ..recipes import ACTIONS, MAX_RECIPE_NAME, Recipe, Recipes, parse_recipe, recipe_data
from ..text import MAX_TITLE
from .actors import Actor
from .errors import BoardError
from .schemas import NewCanvases, NewWorkshop, parse
from .workshops import add_canvases, create_workshop, new_code

OWN = "own:"  # a choice of an own recipe is "own:<id>"; recipe ids have no colon


def copy_title(title: str, language: str) -> str:
    """``title (copia)`` in the workshop's language, shortening the title to fit."""
    with force_locale(language):
        suffix = _("%(title)s (copy)", title="")
    return title[:MAX_TITLE - len(suffix)].rstrip() + suffix if len(title) + len(suffix) > MAX_TITLE \
        else title + suffix


def duplicate_workshop(facilitator: Facilitator, workshop: Workshop) -> Workshop:
    """A new draft run by ``facilitator`` with the workshop's canvases and their settings, its
    recipe back before its first phase, and no notes, participants, votes or events."""
    copy = Workshop(title=copy_title(workshop.title, workshop.language), language=workshop.language,
                    code=new_code(), status="draft",
                    anonymous_shows_institution=workshop.anonymous_shows_institution,
                    recipe=None if workshop.recipe is None else
                    {**workshop.recipe, "phase": None, "tables": {}, "started_at": None})
    copy.facilitators.append(facilitator)
    db.session.add(copy)
    db.session.add_all(Canvas(workshop=copy, name=c.name, template_id=c.template_id, template=c.template,
                              position=c.position, notes_editable_by_all=c.notes_editable_by_all,
                              anonymous=c.anonymous) for c in workshop.canvases)
    db.session.commit()
    return copy


def _both(text: str) -> dict[str, str]:
    return dict.fromkeys(LANGS, text)


def _from_canvases(workshop: Workshop) -> dict:
    """A one-phase recipe with the settings of the workshop's first canvas."""
    if not workshop.canvases:
        raise BoardError("invalid", _l("Add a canvas or follow a recipe first: there is no set-up to save yet."))
    canvas = workshop.canvases[0]
    texts = {}
    for lang in LANGS:
        with force_locale(lang):
            texts[lang] = (_("Work on the canvas"), _("Write your ideas, one per note, in the blocks of the canvas."),
                           _("Saved from the workshop “%(title)s”.", title=workshop.title[:MAX_TITLE]))
    phase = {"id": "work", "name": {k: t[0] for k, t in texts.items()},
             "instruction": {k: t[1] for k, t in texts.items()},
             "allow": [a for a in ACTIONS if a != "vote"], "anonymous": canvas.anonymous,
             "locked_blocks": list(canvas.locked_blocks or [])}
    return {"id": "own", "version": 1, "template": canvas.template_id, "name": {},
            "description": {k: t[2] for k, t in texts.items()}, "phases": [phase]}


def save_recipe(facilitator: Facilitator, workshop: Workshop, name: str, catalog: Catalog,
                shipped: Recipes) -> SavedRecipe:
    """Save the workshop's recipe (or, without one, its canvas) as ``facilitator``'s own, named
    ``name`` in both languages. Refused, naming the field, by the validator of recipe files."""
    data = recipe_data(workshop.recipe, shipped) if workshop.recipe else _from_canvases(workshop)
    data = {**data, "id": "own", "version": 1, "name": _both(name)}
    try:
        recipe = parse_recipe(data, "recipe", catalog)
    except CatalogError as error:
        if ": name." in str(error):
            raise BoardError("invalid", _l("Give the recipe a name: one line of up to %(max)s characters, with no "
                                           "control characters (%(reason)s).", max=MAX_RECIPE_NAME,
                                           reason=str(error)), field="name") from None
        raise BoardError("invalid", _l("This recipe cannot be saved: %(reason)s", reason=str(error)),
                         field="recipe") from None
    if db.session.scalar(select(SavedRecipe.id).filter_by(facilitator_id=facilitator.id,
                                                          name=recipe.name.es)) is not None:
        raise BoardError("conflict", _l("You already have a recipe called “%(name)s”. Choose another name.",
                                        name=recipe.name.es), field="name")
    row = SavedRecipe(facilitator_id=facilitator.id, name=recipe.name.es, data=recipe.model_dump(mode="json"))
    db.session.add(row)
    db.session.flush()
    row.data = {**row.data, "id": f"own-{row.id}"}
    db.session.commit()
    return row


def own_recipes(facilitator: Facilitator) -> list[SavedRecipe]:
    """The facilitator's own recipes, by name."""
    rows = db.session.scalars(select(SavedRecipe).filter_by(facilitator_id=facilitator.id)).all()
    return sorted(rows, key=lambda r: r.name.casefold())


def own_recipe(facilitator: Facilitator, recipe_id: int) -> SavedRecipe:
    """One of the facilitator's own recipes; anyone else's is ``not_found``, as if it did not exist."""
    row = db.session.get(SavedRecipe, recipe_id)
    if row is None or row.facilitator_id != facilitator.id:
        raise BoardError("not_found", _l("This recipe does not exist."))
    return row


def delete_recipe(facilitator: Facilitator, recipe_id: int) -> None:
    """Delete an own recipe; workshops that follow it keep their copy."""
    db.session.delete(own_recipe(facilitator, recipe_id))
    db.session.commit()


def chosen_recipe(facilitator: Facilitator, choice: str, catalog: Catalog, shipped: Recipes) -> Recipe | None:
    """The recipe a form's choice names: "" none, a shipped recipe's id, or "own:<id>"; an own
    recipe is checked again, as the canvases it runs on may have changed since it was saved."""
    if not choice:
        return None
    if choice.startswith(OWN):
        number = choice.removeprefix(OWN)
        if not number.isascii() or not number.isdigit() or len(number) > 9:
            raise BoardError("not_found", _l("This recipe does not exist."), field="recipe")
        row = own_recipe(facilitator, int(number))
        try:
            return parse_recipe(row.data, "recipe", catalog)
        except CatalogError as error:
            raise BoardError("invalid", _l("This recipe cannot be used: %(reason)s", reason=str(error)),
                             field="recipe") from None
    recipe = shipped.get(choice)
    if recipe is None:
        raise BoardError("not_found", _l("This recipe does not exist."), field="recipe")
    return recipe


def own_recipe_of_actor(actor: Actor, recipe_id: str, catalog: Catalog) -> Recipe | None:
    """The own recipe ``own-<n>`` of the facilitator behind ``actor`` (``recipe:choose``), checked
    again; None for another id, for anyone else's recipe, or for one its canvases no longer fit."""
    match = re.fullmatch(r"own-([0-9]{1,9})", recipe_id)
    seat = db.session.get(Participant, actor.participant_id) if match and actor.participant_id else None
    row = db.session.get(SavedRecipe, int(match[1])) if seat is not None else None
    if row is None or seat.facilitator_id != row.facilitator_id:
        return None
    try:
        return parse_recipe(row.data, "recipe", catalog)
    except CatalogError:
        return None


def start_workshop(facilitator: Facilitator, request: NewWorkshop, recipe: Recipe | None, tables: str,
                   catalog: Catalog) -> Workshop:
    """A new workshop following ``recipe``, with ``tables`` canvases of the recipe's template."""
    canvases = None
    if recipe is not None:
        with force_locale(request.language):
            table = _("Table")
        canvases = parse(NewCanvases, {"template_id": recipe.template, "name": table, "count": tables or "1"},
                         lenient=True)
        if catalog.get(recipe.template) is None:
            raise BoardError("invalid", _l("There is no template “%(id)s”.", id=recipe.template), field="recipe")
    workshop = create_workshop(facilitator, request)
    if recipe is not None:
        workshop.recipe = recipe.workshop_copy()
        add_canvases(catalog, workshop, canvases)  # commits the recipe with the canvases
    return workshop
