"""Who is acting: a participant of one workshop, possibly one of its facilitators.

Tokens: a participant who joined by code holds a random token (stored hashed);
a facilitator's seat on a workshop is a signed token, so each page load can
hand one out without storing anything.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, Signer
from sqlalchemy import and_, bindparam, exists, select

from ..db import db
from ..models import Participant, Workshop, workshop_facilitators
from . import serialize
from .errors import BoardError

SEAT_PREFIX = "f."
PROJECTOR_PREFIX = "p."


@dataclass(frozen=True)
class Actor:
    """The identity every board operation is authorized against.

    A projector screen is an Actor without a participant: it may watch what
    everyone may see, and change nothing.
    """

    participant_id: int | None
    workshop_id: int
    name: str
    institution: str | None
    is_facilitator: bool
    # How a note names this participant as its author (serialize.person); None for a screen.
    person: dict | None = field(default=None, compare=False, repr=False)

    @property
    def is_projector(self) -> bool:
        return self.participant_id is None

    def public(self) -> dict:
        return {"id": self.participant_id, "name": self.name, "institution": self.institution,
                "facilitator": self.is_facilitator}


def new_token() -> tuple[str, str]:
    """A fresh participant token and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _signer(salt: str = "lienzo-seat") -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=salt)


def seat_token(participant: Participant) -> str:
    """The signed token of a facilitator's seat (deterministic, not stored)."""
    return SEAT_PREFIX + _signer().sign(str(participant.id)).decode()


def projector_token(workshop: Workshop) -> str:
    """The signed token of a workshop's projector screen (watch only)."""
    return PROJECTOR_PREFIX + _signer("lienzo-projector").sign(f"{workshop.id}.{workshop.code}").decode()


def projector_actor(workshop: Workshop) -> Actor:
    return Actor(participant_id=None, workshop_id=workshop.id, name="projector", institution=None,
                 is_facilitator=False)


def _resolve_projector(signed: str) -> Actor:
    """A projector link holds the workshop's id and its join code when it was made:
    a new code withdraws it, and a closed workshop's link shows nothing."""
    refused = BoardError("forbidden", _l("This projector link no longer works: the join code was changed, "
                                         "or the link is wrong. Open the current link from the control room."))
    try:
        workshop_id, code = _signer("lienzo-projector").unsign(signed).decode().split(".")
        workshop = db.session.get(Workshop, int(workshop_id))
    except (BadSignature, ValueError):
        raise refused from None
    if workshop is None or workshop.code != code:
        raise refused
    if workshop.is_closed:
        raise BoardError("forbidden", _l("This workshop is closed: the projector shows nothing more."),
                         reason="closed")
    return projector_actor(workshop)


def is_facilitator_of(facilitator_id: int | None, workshop: Workshop) -> bool:
    """True when this facilitator account runs the workshop."""
    return facilitator_id is not None and any(f.id == facilitator_id for f in workshop.facilitators)


def actor_for(participant: Participant) -> Actor:
    """The Actor of a participant row that is known to be allowed in."""
    return Actor(
        participant_id=participant.id,
        workshop_id=participant.workshop_id,
        name=participant.name,
        institution=participant.institution,
        is_facilitator=participant.facilitator_id is not None
        and is_facilitator_of(participant.facilitator_id, participant.workshop),
        person=serialize.person(participant),
    )


_participant = Participant.__table__
# Every socket message resolves its sender again: one statement, built once (board/rows.py
# says why), with ``is_facilitator_of`` asked in SQL.
_SENDER = select(
    _participant.c.id, _participant.c.workshop_id, _participant.c.name, _participant.c.institution,
    _participant.c.facilitator_id, _participant.c.imported_role, _participant.c.removed_at,
    exists().where(and_(workshop_facilitators.c.workshop_id == _participant.c.workshop_id,
                        workshop_facilitators.c.facilitator_id == _participant.c.facilitator_id)).label("runs_it"),
).where(_participant.c.id == bindparam("participant_id"))


def resolve_participant(participant_id: object) -> Actor:
    """The Actor of a connection authenticated earlier, checked again now:
    a participant removed meanwhile is refused from the next message on."""
    row = db.session.connection().execute(_SENDER, {"participant_id": participant_id}).first() \
        if isinstance(participant_id, int) else None
    if row is None:
        raise BoardError("forbidden", _l("Join the workshop before sending messages."))
    if row.removed_at is not None:
        raise BoardError("forbidden", _l("You were removed from this workshop."))
    if row.facilitator_id is not None and not row.runs_it:
        raise BoardError("forbidden", _l("You no longer run this workshop."))
    return Actor(participant_id=row.id, workshop_id=row.workshop_id, name=row.name, institution=row.institution,
                 is_facilitator=row.facilitator_id is not None,
                 person=serialize.person_of(row.id, row.name, row.institution, row.facilitator_id,
                                            row.imported_role))


def resolve_token(token: object) -> Actor:
    """Turn a token into an Actor, or refuse with ``forbidden``."""
    refused = BoardError("forbidden", _l("Your access to this workshop is not valid. Join again with the code."))
    if not isinstance(token, str) or not 10 <= len(token) <= 200:
        raise refused
    if token.startswith(PROJECTOR_PREFIX):
        return _resolve_projector(token[len(PROJECTOR_PREFIX):])
    if token.startswith(SEAT_PREFIX):
        try:
            participant_id = int(_signer().unsign(token[len(SEAT_PREFIX):]).decode())
        except (BadSignature, ValueError):
            raise refused from None
        participant = db.session.get(Participant, participant_id)
        if participant is None or not is_facilitator_of(participant.facilitator_id, participant.workshop):
            raise refused
    else:
        participant = db.session.scalar(db.select(Participant).filter_by(token_hash=hash_token(token)))
        if participant is None:
            raise refused
    if participant.removed_at is not None:
        raise BoardError("forbidden", _l("You were removed from this workshop."))
    return actor_for(participant)
