"""Pages for facilitators: log in, list and set up workshops, open canvases."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash

from .. import board
from ..board import visibility
from ..board.commitments import commitments_of, status_name
from ..board.own_templates import catalog_for
from ..board.schemas import NewCanvases, NewWorkshop, parse
from ..board.workshops import (
    add_canvases,
    add_facilitator,
    create_workshop,
    facilitator_seat,
    remove_facilitator,
    workshop_for,
)
from ..catalog import catalog_of
from ..db import db
from ..export import labels, webhook
from ..export.data import ogp_titles
from ..export.labels import commitment_source
from ..export.webhook import webhook_of
from ..models import Canvas, Facilitator, Workshop
from .canvas_page import render_canvas
from .identity import current_facilitator, log_in, log_out, login_required
from .limits import login_failures
from .live_pages import join_url, render_control_room
from .reuse import recipe_menu

bp = Blueprint("facilitator", __name__, url_prefix="/f")


def authenticate(email: str, password: str) -> Facilitator | None:
    """The facilitator with these credentials, or None."""
    try:
        email.encode(), password.encode()
    except UnicodeEncodeError:  # a lone surrogate (JSON "\ud800") is no one's email or password
        return None
    facilitator = db.session.scalar(select(Facilitator).filter_by(email=email.strip().lower()))
    if facilitator is None or not check_password_hash(facilitator.password_hash, password):
        return None
    return facilitator


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if not target or not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return url_for("facilitator.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
@login_failures
def login():
    if request.method == "POST":
        facilitator = authenticate(request.form.get("email", ""), request.form.get("password", ""))
        if facilitator is not None:
            log_in(facilitator)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("The email or the password is not right."), "error")
        return render_template("f_login.html", email=request.form.get("email", "")), 401
    return render_template("f_login.html", email="")


@bp.post("/logout")
def logout():
    log_out()
    return redirect(url_for("public.home"))


@bp.get("/")
@login_required
def dashboard():
    workshops = sorted(current_facilitator().workshops, key=lambda w: w.created_at, reverse=True)
    return render_template("f_dashboard.html", workshops=workshops, recipes=recipe_menu(current_facilitator()))


@bp.route("/workshops/new", methods=["GET", "POST"])
@login_required
def new_workshop():
    form = {"title": "", "date": "", "language": "es"}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in form}
        data = {"title": form["title"], "language": form["language"] or "es"}
        if form["date"]:
            data["date"] = form["date"]
        try:
            workshop = create_workshop(current_facilitator(), parse(NewWorkshop, data, lenient=True))
        except board.BoardError as refused:
            db.session.rollback()
            flash(_refusal(refused), "error")
            return render_template("f_workshop_new.html", form=form), 400
        return redirect(url_for("facilitator.workshop", workshop_id=workshop.id))
    return render_template("f_workshop_new.html", form=form)


def _refusal(refused: board.BoardError) -> str:
    messages = {
        "title": _("Give the workshop a title: one line of up to 200 characters, with no control characters."),
        "date": _("The date is not valid."),
        "language": _("Choose Spanish or English."),
        "name": _("Give the canvas a name: one line of up to 80 characters, with no control characters."),
        "count": _("You can add between 1 and 30 canvases at once."),
        "template_id": _("Choose a template from the list."),
    }
    return messages.get(refused.extra.get("field"), str(refused.message))


def _workshop_or_404(workshop_id: int):
    try:
        return workshop_for(current_facilitator(), workshop_id)
    except board.BoardError:
        abort(404, description=_("This workshop does not exist."))


def _canvas_or_404(workshop_id: int, canvas_id: int) -> tuple[Workshop, Canvas]:
    """A canvas of a workshop this facilitator runs (404 for anything else)."""
    workshop = _workshop_or_404(workshop_id)
    canvas = db.session.get(Canvas, canvas_id)
    if canvas is None or canvas.workshop_id != workshop.id:
        abort(404, description=_("This canvas does not exist."))
    return workshop, canvas


@bp.get("/workshops/<int:workshop_id>")
@login_required
def workshop(workshop_id: int):
    workshop = _workshop_or_404(workshop_id)
    shipped = catalog_of(current_app)
    offered = catalog_for(shipped, current_facilitator())
    return render_template("f_workshop.html", workshop=workshop, templates=list(shipped),
                           own_templates=[t for t in offered if shipped.get(t.id) is None],
                           join_url=join_url(workshop.code), lone=visibility.lone_institutions(workshop),
                           webhook_on=webhook_of(current_app).enabled, deliveries=webhook.log_of(workshop.id),
                           clock=_clock, zone=labels.zone_name())


def _clock(moment, time_only: bool = False) -> str:
    """A logged moment as the wall-clock time of the TIMEZONE setting (the page names the zone once)."""
    return f"{labels.local(moment):%H:%M:%S}" if time_only else f"{labels.local(moment):%Y-%m-%d %H:%M:%S}"


@bp.post("/workshops/<int:workshop_id>/canvases")
@login_required
def add_canvas(workshop_id: int):
    workshop = _workshop_or_404(workshop_id)
    data = {"template_id": request.form.get("template_id", ""), "name": request.form.get("name", ""),
            "count": request.form.get("count", "1") or "1"}
    try:
        created = add_canvases(catalog_for(catalog_of(current_app), current_facilitator()), workshop,
                               parse(NewCanvases, data, lenient=True))
    except board.BoardError as refused:
        db.session.rollback()
        flash(_refusal(refused), "error")
    else:
        flash(ngettext("%(num)d canvas added.", "%(num)d canvases added.", len(created)), "success")
    return redirect(url_for("facilitator.workshop", workshop_id=workshop.id))


@bp.get("/workshops/<int:workshop_id>/canvases/<int:canvas_id>")
@login_required
def canvas(workshop_id: int, canvas_id: int):
    """Open a canvas and work on it like a participant, with a facilitator's rights."""
    workshop, canvas = _canvas_or_404(workshop_id, canvas_id)
    actor, token = facilitator_seat(current_facilitator(), workshop)
    return render_canvas(canvas, actor, token)


@bp.get("/workshops/<int:workshop_id>/room")
@login_required
def control_room(workshop_id: int):
    """Every canvas live, the join code, and the session's controls."""
    workshop = _workshop_or_404(workshop_id)
    actor, token = facilitator_seat(current_facilitator(), workshop)
    return render_control_room(workshop, actor, token)


@bp.get("/workshops/<int:workshop_id>/commitments")
@login_required
def commitments(workshop_id: int):
    """The workshop's commitments, to read and print (the control room makes them)."""
    workshop = _workshop_or_404(workshop_id)
    listed = [{**c, "due_date": date.fromisoformat(c["due"]) if c["due"] else None,
               "status_name": status_name(c["status"]), "from": commitment_source(c)}
              for c in commitments_of(workshop.id)]
    return render_template("f_commitments.html", workshop=workshop, commitments=listed,
                           titles=ogp_titles(str(get_locale() or "es")))


@bp.post("/workshops/<int:workshop_id>/facilitators")
@login_required
def add_cofacilitator(workshop_id: int):
    """Share the workshop with another facilitator account, by email."""
    workshop = _workshop_or_404(workshop_id)
    try:
        added = add_facilitator(workshop, request.form.get("email", ""))
    except board.BoardError as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
    else:
        flash(_("%(name)s now co-facilitates this workshop.", name=added.name), "success")
    return redirect(url_for("facilitator.workshop", workshop_id=workshop.id))


@bp.post("/workshops/<int:workshop_id>/facilitators/<int:facilitator_id>/remove")
@login_required
def remove_cofacilitator(workshop_id: int, facilitator_id: int):
    workshop = _workshop_or_404(workshop_id)
    try:
        remove_facilitator(workshop, facilitator_id)
    except board.BoardError as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
    if facilitator_id == current_facilitator().id:
        return redirect(url_for("facilitator.dashboard"))
    return redirect(url_for("facilitator.workshop", workshop_id=workshop.id))
