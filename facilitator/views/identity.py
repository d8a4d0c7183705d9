"""Who the browser is: a facilitator's login, and participant seats by workshop.

A participant's token is kept in the (signed, HttpOnly) session cookie, one
per workshop, so the same browser comes back as the same person.
"""

from __future__ import annotations

import functools

from flask import g, redirect, request, session, url_for

from .. import board
from ..db import db
from ..models import Facilitator, Workshop

MAX_SEATS = 20


def remember_seat(workshop_id: int, token: str) -> None:
    seats = {k: v for k, v in session.get("seats", {}).items() if k != str(workshop_id)}
    seats[str(workshop_id)] = token
    session["seats"] = dict(list(seats.items())[-MAX_SEATS:])
    session.permanent = True


def forget_seat(workshop_id: int) -> None:
    seats = dict(session.get("seats", {}))
    seats.pop(str(workshop_id), None)
    session["seats"] = seats


def seat_in(workshop: Workshop) -> tuple[board.Actor, str] | None:
    """The participant this browser is in ``workshop``, with its token, if any."""
    token = session.get("seats", {}).get(str(workshop.id))
    if not token:
        return None
    try:
        actor = board.resolve_token(token)
    except board.BoardError:
        return None
    return (actor, token) if actor.workshop_id == workshop.id else None


def current_facilitator() -> Facilitator | None:
    if "facilitator" not in g:
        facilitator_id = session.get("facilitator_id")
        g.facilitator = db.session.get(Facilitator, facilitator_id) if isinstance(facilitator_id, int) else None
    return g.facilitator


def log_in(facilitator: Facilitator) -> None:
    session["facilitator_id"] = facilitator.id
    session.permanent = True


def log_out() -> None:
    session.pop("facilitator_id", None)


def login_required(view):
    """Send anonymous visitors to the login page, then back."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_facilitator() is None:
            return redirect(url_for("facilitator.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped
