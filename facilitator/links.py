"""The links a workshop is reached by: the join link and its QR code (made from the
join code) and the projector link (made from the code too, so a new code withdraws
both). One place, for the pages and the socket layer alike."""

from __future__ import annotations

from flask import current_app, url_for

from .board.actors import projector_token
from .models import Workshop


def _external(endpoint: str, **values: str) -> str:
    """An absolute link; PUBLIC_URL sets the host when behind a proxy."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, **values, _external=True)


def join_url(code: str) -> str:
    """The join link to share."""
    return _external("public.join", code=code)


def projector_url(workshop: Workshop) -> str:
    """The projector screen's link: the key to watching, for the facilitators only."""
    return _external("public.projector", token=projector_token(workshop))


def public_links(workshop: Workshop) -> dict:
    """What the join screen shows: the code, its link and its QR code."""
    return {"code": workshop.code, "join_url": join_url(workshop.code),
            "qr_url": url_for("public.join_qr", code=workshop.code)}


def facilitator_links(workshop: Workshop) -> dict:
    """The join links and the projector's: the control room shows and copies them."""
    return {**public_links(workshop), "projector_url": projector_url(workshop)}
