"""The JSON API: the same ground as the pages, for scripts and tests.

Facilitators authenticate with the session cookie from ``/api/login``;
participants (and facilitator seats) with ``Authorization: Bearer <token>``.
Requests with a body must be JSON, which also keeps cross-site forms out.
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from .. import board
from ..board import serialize
from ..board.schemas import JoinWorkshop, NewCanvases, NewWorkshop, parse
from ..board.workshops import (
    add_canvases,
    create_workshop,
    facilitator_seat,
    find_open_workshop,
    join_workshop,
    workshop_for,
)
from ..catalog import catalog_of
from ..db import db
from ..i18n import use_workshop_language
from ..models import Workshop
from .facilitator import authenticate
from .identity import current_facilitator, log_in, log_out
from .limits import code_guesses, joins, login_failures
from .live_pages import join_url

bp = Blueprint("api", __name__, url_prefix="/api")

STATUS = {"invalid": 400, "too_large": 400, "not_found": 404, "forbidden": 403, "locked": 409,
          "conflict": 409, "rate_limited": 429, "unavailable": 503}


@bp.errorhandler(board.BoardError)
def _refused(error: board.BoardError):
    db.session.rollback()
    return jsonify(error.to_ack()), STATUS[error.code]


def _body() -> Any:
    if not request.is_json:
        raise board.BoardError("invalid", _("Send the request body as JSON (Content-Type: application/json)."))
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON parser goes
        data = None
    if data is None:
        raise board.BoardError("invalid", _("The request body is not valid JSON."))
    return data


def _facilitator():
    facilitator = current_facilitator()
    if facilitator is None:
        raise _Unauthorized()
    return facilitator


class _Unauthorized(Exception):
    pass


@bp.errorhandler(_Unauthorized)
def _unauthorized(_error):
    return jsonify({"ok": False, "error": {"code": "forbidden", "message": _("Log in first.")}}), 401


def _bearer_actor() -> board.Actor:
    """The token's actor; from here on the answer speaks its workshop's language."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise _Unauthorized()
    actor = board.resolve_token(header[len("Bearer "):].strip())
    use_workshop_language(db.session.get(Workshop, actor.workshop_id).language)
    return actor


def _speak_language_of(data: Any) -> None:
    """A script joining an open workshop hears any refusal in the workshop's language."""
    code = data.get("code") if isinstance(data, dict) else None
    if isinstance(code, str) and len(code) <= 40:
        with contextlib.suppress(board.BoardError):  # join_workshop refuses it, in the default language
            use_workshop_language(find_open_workshop(code).language)


def _workshop_json(workshop) -> dict:
    return {
        "id": workshop.id, "title": workshop.title, "date": workshop.date.isoformat() if workshop.date else None,
        "language": workshop.language, "code": workshop.code, "status": workshop.status,
        "join_url": join_url(workshop.code),
        "canvases": [serialize.canvas(c) for c in workshop.canvases],
    }


@bp.post("/login")
@login_failures
def login():
    data = _body()
    if not isinstance(data, dict) or not isinstance(data.get("email"), str) or not isinstance(
            data.get("password"), str):
        raise board.BoardError("invalid", _("Send an email and a password."))
    facilitator = authenticate(data["email"], data["password"])
    if facilitator is None:
        return jsonify({"ok": False, "error": {"code": "forbidden",
                                               "message": _("The email or the password is not right.")}}), 401
    log_in(facilitator)
    return jsonify({"ok": True, "facilitator": {"id": facilitator.id, "name": facilitator.name,
                                                "email": facilitator.email}})


@bp.post("/logout")
def logout():
    log_out()
    return jsonify({"ok": True})


@bp.get("/templates")
def templates():
    return jsonify({"ok": True, "templates": [
        {"id": t.id, "name": t.name.model_dump(), "kind": t.kind, "credit": t.credit.line.model_dump(),
         "blocks": [{"id": b.id, "title": b.title.model_dump(), "inside": b.inside} for b in t.blocks]}
        for t in catalog_of(current_app)]})


@bp.post("/workshops")
def new_workshop():
    facilitator = _facilitator()
    workshop = create_workshop(facilitator, parse(NewWorkshop, _body(), lenient=True))
    return jsonify({"ok": True, "workshop": _workshop_json(workshop)}), 201


@bp.get("/workshops/<int:workshop_id>")
def get_workshop(workshop_id: int):
    workshop = workshop_for(_facilitator(), workshop_id)
    return jsonify({"ok": True, "workshop": _workshop_json(workshop)})


@bp.post("/workshops/<int:workshop_id>/canvases")
def new_canvases(workshop_id: int):
    workshop = workshop_for(_facilitator(), workshop_id)
    created = add_canvases(catalog_of(current_app), workshop, parse(NewCanvases, _body()))
    return jsonify({"ok": True, "canvases": [serialize.canvas(c) for c in created]}), 201


@bp.post("/workshops/<int:workshop_id>/seat")
def seat(workshop_id: int):
    """A token for the facilitator's own seat, to drive a canvas from a script."""
    workshop = workshop_for(_facilitator(), workshop_id)
    actor, token = facilitator_seat(current_facilitator(), workshop)
    return jsonify({"ok": True, "token": token, "participant": actor.public()})


@bp.post("/join")
@code_guesses
@joins
def join():
    data = _body()
    _speak_language_of(data)
    participant, token = join_workshop(parse(JoinWorkshop, data))
    workshop = participant.workshop
    return jsonify({"ok": True, "token": token, "participant": serialize.person(participant),
                    "workshop": {"id": workshop.id, "title": workshop.title, "code": workshop.code,
                                 "language": workshop.language},
                    "canvases": [serialize.canvas(c) for c in workshop.canvases]}), 201


@bp.get("/canvases/<int:canvas_id>")
def canvas_snapshot(canvas_id: int):
    return jsonify({"ok": True, **board.snapshot(_bearer_actor(), canvas_id)})
