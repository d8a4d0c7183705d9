"""Accounts from the browser: the administrators' People page, and the pages a one-time
link opens (an invitation, a password reset, a co-facilitator invitation).

The rules live in facilitator/accounts.py; these views only read forms and pick pages.
A link is shown once, right after it is made (kept in the session for the next page).
"""

from __future__ import annotations

import functools

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import accounts
from ..accounts import AccountError
from ..db import db
from ..models import AccountLink, Facilitator, Workshop, utcnow, workshop_facilitators
from .identity import current_facilitator, log_in, login_required
from .limits import link_failures

bp = Blueprint("accounts", __name__, url_prefix="/f")

# What a refused link answers: a wrong token is not found, a spent one is gone.
REFUSED_STATUS = {"unknown": 404, "used": 410, "expired": 410}


def admin_required(view):
    """Administrators only: others get a plain 403 page."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_facilitator().is_admin:
            abort(403, description=_("Only an administrator can open this page."))
        return view(*args, **kwargs)

    return wrapped


def _show_once(token: str, kind: str, label: str, workshop_id: int | None = None) -> None:
    """Keep the new link for the next page: its token is never stored in clear."""
    session["new_link"] = {"url": url_for("accounts.link", token=token, _external=True), "kind": kind,
                           "label": label, "workshop_id": workshop_id}


def _new_link(*kinds: str, workshop_id: int | None = None) -> dict | None:
    """The link just made, if it is of one of ``kinds`` (and for this workshop): shown on
    this page, then forgotten."""
    shown = session.get("new_link")
    if isinstance(shown, dict) and shown.get("kind") in kinds and shown.get("workshop_id") == workshop_id:
        return session.pop("new_link")
    return None


@bp.app_context_processor
def _workshop_page_helpers() -> dict:
    """For the workshop page's co-facilitator section, which facilitator.py renders."""
    return {"new_cofacilitator_link": lambda workshop: _new_link("cofacilitate", workshop_id=workshop.id),
            "cofacilitator_links": lambda workshop: accounts.pending_links(workshop)}


@bp.get("/people")
@admin_required
def people():
    """Every facilitator, with a reset link each; invitations; links not used yet."""
    counts = dict(db.session.execute(select(workshop_facilitators.c.facilitator_id, func.count())
                                     .group_by(workshop_facilitators.c.facilitator_id)).all())
    everyone = list(db.session.scalars(select(Facilitator).order_by(func.lower(Facilitator.name), Facilitator.id)))
    return render_template("f_people.html", people=everyone, counts=counts, links=accounts.pending_links(),
                           now=utcnow(), new_link=_new_link("invite", "reset"))


@bp.post("/people/invite")
@admin_required
def invite():
    email = request.form.get("email", "")
    try:
        token = accounts.make_link("invite", current_facilitator(), accounts.lifetime("invite", current_app.config),
                                   email=email)
    except AccountError as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("accounts.people"))
    _show_once(token, "invite", email.strip().lower())
    return redirect(url_for("accounts.people", _anchor="new-link"))


def _person_or_404(facilitator_id: int) -> Facilitator:
    """The account a People page action names (a stale page may name one that is gone)."""
    person = db.session.get(Facilitator, facilitator_id)
    if person is None:
        abort(404, description=_("This person has no account."))
    return person


@bp.post("/people/<int:facilitator_id>/reset")
@admin_required
def make_reset(facilitator_id: int):
    person = _person_or_404(facilitator_id)
    token = accounts.make_link("reset", current_facilitator(), accounts.lifetime("reset", current_app.config),
                               facilitator=person)
    _show_once(token, "reset", person.name)
    return redirect(url_for("accounts.people", _anchor="new-link"))


@bp.post("/people/<int:facilitator_id>/admin")
@admin_required
def set_admin(facilitator_id: int):
    """Make someone an administrator (``admin=yes``) or take it away (``admin=no``)."""
    person = _person_or_404(facilitator_id)
    wanted = {"yes": True, "no": False}.get(request.form.get("admin", ""))
    if wanted is None:
        abort(400, description=_("Say whether this person should be an administrator (yes or no)."))
    me = current_facilitator()
    try:
        changed = accounts.set_admin(person, wanted, me)
    except AccountError as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("accounts.people"))
    if not changed:
        flash(_("%(name)s already is an administrator: nothing changed.", name=person.name) if wanted
              else _("%(name)s is not an administrator: nothing changed.", name=person.name), "info")
    elif wanted:
        flash(_("%(name)s is now an administrator: they can invite facilitators and make reset links.",
                name=person.name), "success")
    elif person.id == me.id:
        flash(_("You are no longer an administrator."), "success")
        return redirect(url_for("facilitator.dashboard"))
    else:
        flash(_("%(name)s is no longer an administrator.", name=person.name), "success")
    return redirect(url_for("accounts.people"))


@bp.post("/workshops/<int:workshop_id>/invite")
@login_required
def invite_cofacilitator(workshop_id: int):
    """A link that makes whoever opens it a co-facilitator of this workshop."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or current_facilitator() not in workshop.facilitators:
        abort(404, description=_("This workshop does not exist."))
    token = accounts.make_link("cofacilitate", current_facilitator(),
                               accounts.lifetime("cofacilitate", current_app.config), workshop=workshop)
    _show_once(token, "cofacilitate", workshop.title, workshop.id)
    return redirect(url_for("facilitator.workshop", workshop_id=workshop.id, _anchor="new-link"))


@bp.post("/links/<int:link_id>/revoke")
@login_required
def revoke(link_id: int):
    link = db.session.get(AccountLink, link_id)
    workshop_id = link.workshop_id if link is not None else None
    try:
        accounts.revoke(link_id, current_facilitator())
    except AccountError as refused:
        db.session.rollback()
        if refused.reason == "forbidden":
            abort(403, description=str(refused.message))
        flash(str(refused.message), "error")
    else:
        flash(_("The link was revoked: it no longer works."), "success")
    if request.form.get("back") == "workshop" and workshop_id is not None:
        return redirect(url_for("facilitator.workshop", workshop_id=workshop_id))
    return redirect(url_for("accounts.people"))


# ---- the pages a link opens -------------------------------------------------------


def _refused(error: AccountError):
    return render_template("f_link_refused.html", message=error.message), REFUSED_STATUS.get(error.reason, 404)


@bp.route("/link/<token>", methods=["GET", "POST"])
@link_failures
def link(token: str):
    """Whatever the link offers: make an account, set a password, or co-facilitate."""
    try:
        opened = accounts.open_link(token)
    except AccountError as refused:
        return _refused(refused)
    if opened.kind == "reset":
        return _reset(token, opened)
    if opened.kind == "cofacilitate" and current_facilitator() is not None:
        return _join(token, opened)
    return _accept(token, opened)


def _accept(token: str, opened: AccountLink):
    form = {"name": "", "email": opened.email or ""}
    if request.method == "POST":
        form = {"name": request.form.get("name", ""), "email": opened.email or request.form.get("email", "")}
        try:
            facilitator = accounts.accept_invitation(token, form["name"], form["email"],
                                                     request.form.get("password", ""),
                                                     request.form.get("password2", ""))
        except AccountError as refused:
            db.session.rollback()
            if refused.reason in REFUSED_STATUS:
                return _refused(refused)
            flash(str(refused.message), "error")
            return render_template("f_link_account.html", link=opened, form=form, field=refused.reason), 400
        log_in(facilitator)
        if opened.workshop_id is not None:
            flash(_("Welcome, %(name)s. You now co-facilitate this workshop.", name=facilitator.name), "success")
            return redirect(url_for("facilitator.workshop", workshop_id=opened.workshop_id))
        flash(_("Welcome, %(name)s. Your account is ready.", name=facilitator.name), "success")
        return redirect(url_for("facilitator.dashboard"))
    return render_template("f_link_account.html", link=opened, form=form, field=None)


def _reset(token: str, opened: AccountLink):
    if request.method == "POST":
        try:
            facilitator = accounts.reset_with(token, request.form.get("password", ""),
                                              request.form.get("password2", ""))
        except AccountError as refused:
            db.session.rollback()
            if refused.reason in REFUSED_STATUS:
                return _refused(refused)
            flash(str(refused.message), "error")
            return render_template("f_link_reset.html", link=opened, field=refused.reason), 400
        log_in(facilitator)
        flash(_("Your new password is set."), "success")
        return redirect(url_for("facilitator.dashboard"))
    return render_template("f_link_reset.html", link=opened, field=None)


def _join(token: str, opened: AccountLink):
    workshop = opened.workshop
    if request.method == "POST":
        try:
            accounts.join_with(token, current_facilitator())
        except AccountError as refused:
            db.session.rollback()
            return _refused(refused)
        flash(_("You now co-facilitate this workshop."), "success")
        return redirect(url_for("facilitator.workshop", workshop_id=workshop.id))
    already = current_facilitator() in workshop.facilitators
    return render_template("f_link_join.html", link=opened, workshop=workshop, already=already)
