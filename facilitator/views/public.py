"""Pages for participants: join by code, choose a canvas, work on it."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from .. import board
from ..board.actors import PROJECTOR_PREFIX
from ..board.schemas import JoinWorkshop, parse
from ..board.workshops import find_open_workshop, institutions, join_workshop, normalize_code
from ..db import db
from ..i18n import use_workshop_language
from ..models import Canvas, Workshop
from .canvas_page import layout_css, render_canvas
from .identity import current_facilitator, remember_seat, seat_in
from .limits import code_guesses, joins
from .live_pages import join_url, qr_svg, render_projector

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/join")
def join_by_form():
    code = normalize_code(request.args.get("code", ""))
    if not code:
        flash(_("Type the code shown by the facilitator."), "error")
        return redirect(url_for("public.home"))
    return redirect(url_for("public.join", code=code))


def _open_workshop(code: str) -> Workshop:
    try:
        return find_open_workshop(code)
    except board.BoardError:
        abort(404, description=_("No open workshop has the code %(code)s. Check it and try again.",
                                 code=normalize_code(code)[:12]))


@bp.route("/j/<code>", methods=["GET", "POST"])
@code_guesses
@joins
def join(code: str):
    """Give a name (and an institution) to enter; a returning browser may continue."""
    workshop = _open_workshop(code)
    if code != workshop.code:
        return redirect(url_for("public.join", code=workshop.code))
    use_workshop_language(workshop.language)
    seat = seat_in(workshop)
    form = {"name": "", "institution": ""}
    error = None
    if request.method == "POST":
        form = {"name": request.form.get("name", ""), "institution": request.form.get("institution", "")}
        try:
            _participant, token = join_workshop(parse(JoinWorkshop, {"code": workshop.code, **form}))
        except board.BoardError as refused:
            db.session.rollback()
            error = _field_error(refused)
        else:
            remember_seat(workshop.id, token)
            return redirect(url_for("public.workshop", code=workshop.code))
    return render_template("join.html", workshop=workshop, seat=seat[0] if seat else None, form=form,
                           error=error, institutions=institutions(workshop)), (400 if error else 200)


def _field_error(refused: board.BoardError) -> str:
    field = refused.extra.get("field")
    if field == "name":
        return _("Please write your name (up to 80 characters).")
    if field == "institution":
        return _("The institution can have up to 120 characters.")
    return str(refused.message)


@bp.get("/w/<code>")
@code_guesses
def workshop(code: str):
    """The canvases of the workshop; with only one, go straight to it."""
    workshop = _open_workshop(code)
    use_workshop_language(workshop.language)
    seat = seat_in(workshop)
    if seat is None:
        return redirect(url_for("public.join", code=workshop.code))
    if len(workshop.canvases) == 1:
        return redirect(url_for("public.canvas", canvas_id=workshop.canvases[0].id))
    return render_template("choose_canvas.html", workshop=workshop, me=seat[0])


@bp.get("/c/<int:canvas_id>")
def canvas(canvas_id: int):
    canvas = db.session.get(Canvas, canvas_id)
    if canvas is None:
        abort(404, description=_("This canvas does not exist."))
    seat = seat_in(canvas.workshop)
    if seat is None:
        facilitator = current_facilitator()
        if facilitator is not None and board.actors.is_facilitator_of(facilitator.id, canvas.workshop):
            return redirect(url_for("facilitator.canvas", workshop_id=canvas.workshop_id, canvas_id=canvas.id))
        if canvas.workshop.is_closed:
            abort(404, description=_("This canvas does not exist."))
        return redirect(url_for("public.join", code=canvas.workshop.code))
    return render_canvas(canvas, *seat)


@bp.get("/c/<int:canvas_id>/layout.css")
def canvas_layout(canvas_id: int):
    canvas = db.session.get(Canvas, canvas_id)
    if canvas is None:
        abort(404)
    return layout_css(canvas)


@bp.get("/lang/<lang>")
def set_language(lang: str):
    """Switch language and go back where the person was (same site only)."""
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        target = url_for("public.home")
    return redirect(target)


@bp.get("/j/<code>/qr.svg")
@code_guesses
def join_qr(code: str):
    """The QR code of an open workshop's join link."""
    workshop = _open_workshop(code)
    return qr_svg(join_url(workshop.code))


@bp.get("/p/<token>")
def projector(token: str):
    """The projector screen: read-only, large type, follows the facilitator's choice.

    The link itself is the key (the room's computer needs no login). A link made
    before a new join code, or of a closed workshop, shows nothing but why.
    """
    closed = False
    try:
        actor = board.resolve_token(token) if token.startswith(PROJECTOR_PREFIX) else None
    except board.BoardError as refused:
        actor, closed = None, refused.extra.get("reason") == "closed"
    if actor is not None:
        return render_projector(db.session.get(Workshop, actor.workshop_id))
    if closed:
        heading = _("The workshop is closed")
        message = _("The projector shows nothing more. If the workshop is reopened, reload this page.")
    else:
        heading = _("This projector link no longer works")
        message = _("The join code was changed, or the link is wrong. Open the current link from the control room.")
    return render_template("projector_ended.html", heading=heading, message=message), 404
