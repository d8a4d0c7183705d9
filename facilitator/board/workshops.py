"""Setting up workshops and letting people in: codes, canvases, joining."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..catalog import Catalog
from ..database import begin_write
from ..db import db
from ..models import Canvas, Facilitator, Participant, Workshop
from . import rules
from .actors import Actor, actor_for, is_facilitator_of, new_token, seat_token
from .errors import BoardError
from .schemas import JoinWorkshop, NewCanvases, NewWorkshop

# No look-alikes: 0/O, 1/I/L are left out, so a code read off a projector is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_code() -> str:
    """A random join code from a cryptographic source, unused so far."""
    for _ in range(50):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Workshop.id).filter_by(code=code)) is None:
            return code
    raise RuntimeError("could not find a free join code")  # pragma: no cover - 887 million codes


def normalize_code(raw: str) -> str:
    """Accept a code typed with spaces, dashes or lower case."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def create_workshop(facilitator: Facilitator, request: NewWorkshop) -> Workshop:
    """A new workshop owned by ``facilitator``, with a fresh join code."""
    workshop = Workshop(title=request.title, date=request.date, language=request.language,
                        code=new_code(), status="draft")
    workshop.facilitators.append(facilitator)
    db.session.add(workshop)
    db.session.commit()
    return workshop


def workshop_for(facilitator: Facilitator, workshop_id: int) -> Workshop:
    """A workshop this facilitator runs, or ``not_found``."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or not is_facilitator_of(facilitator.id, workshop):
        raise BoardError("not_found", _l("This workshop does not exist."))
    return workshop


def add_canvases(catalog: Catalog, workshop: Workshop, request: NewCanvases) -> list[Canvas]:
    """Add ``count`` canvases of one template; several get numbered names ("Mesa 1", "Mesa 2"…)."""
    template = catalog.get(request.template_id)
    if template is None:
        raise BoardError("invalid", _l("There is no template “%(id)s”.", id=request.template_id), field="template_id")
    if workshop.is_closed:
        raise BoardError("locked", _l("This workshop is closed: it can be read but not changed."))
    names = [request.name] if request.count == 1 else [f"{request.name} {i}" for i in range(1, request.count + 1)]
    if any(len(name) > 80 for name in names):
        raise BoardError("too_large", _l("The field “%(field)s” is too long.", field="name"), field="name")
    start = (db.session.scalar(select(func.max(Canvas.position)).filter_by(workshop_id=workshop.id)) or 0) + 1
    data = template.model_dump(mode="json")
    canvases = [Canvas(workshop=workshop, name=name, template_id=template.id, template=data, position=start + i)
                for i, name in enumerate(names)]
    db.session.add_all(canvases)
    db.session.commit()
    return canvases


def find_open_workshop(code: str) -> Workshop:
    """The workshop a join code opens, or ``not_found`` (also for a closed one)."""
    workshop = db.session.scalar(select(Workshop).filter_by(code=normalize_code(code)))
    if workshop is None or workshop.is_closed:
        raise BoardError("not_found", _l("No open workshop has this code. Check it and try again."), field="code")
    return workshop


def join_workshop(request: JoinWorkshop) -> tuple[Participant, str]:
    """Let someone in by code; returns the participant and their secret token.

    Counting the participants and adding one happen under the workshop row's
    lock (FOR UPDATE on PostgreSQL, the write transaction on SQLite), as
    ``seq`` allocation does, so people joining at once never exceed the limit.
    """
    db.session.commit()  # end any read snapshot (nothing is pending) before taking the write lock
    try:
        begin_write()
        workshop = db.session.scalar(select(Workshop).filter_by(code=normalize_code(request.code))
                                     .with_for_update())
        if workshop is None or workshop.is_closed:
            raise BoardError("not_found", _l("No open workshop has this code. Check it and try again."),
                             field="code")
        rules.check_room_for_a_participant(workshop)
        token, digest = new_token()
        participant = Participant(workshop=workshop, name=request.name,
                                  institution=request.institution or None, token_hash=digest)
        db.session.add(participant)
        if workshop.status == "draft":
            workshop.status = "live"
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return participant, token


def facilitator_seat(facilitator: Facilitator, workshop: Workshop) -> tuple[Actor, str]:
    """The facilitator's own participant identity in a workshop, and its token.

    Made on first use; two tabs opening at once both get the one seat (the
    database holds one per facilitator and workshop: uq_participant_seat).
    """
    def existing() -> Participant | None:
        return db.session.scalar(select(Participant).filter_by(workshop_id=workshop.id, facilitator_id=facilitator.id))

    participant = existing()
    if participant is None:
        db.session.commit()  # end the read snapshot (nothing is pending) before taking the write lock
        try:
            begin_write()
            if existing() is None:
                db.session.add(Participant(workshop=workshop, name=facilitator.name, facilitator_id=facilitator.id,
                                           token_hash="seat:" + secrets.token_hex(24)))
            db.session.commit()
        except IntegrityError:  # made meanwhile by another request
            db.session.rollback()
        participant = existing()
    return actor_for(participant), seat_token(participant)


def add_facilitator(workshop: Workshop, email: str) -> Facilitator:
    """Give another facilitator account the same powers on this workshop."""
    facilitator = db.session.scalar(select(Facilitator).filter_by(email=email.strip().lower()))
    if facilitator is None:
        raise BoardError("not_found", _l("No facilitator account has this email. Ask them to get one first."),
                         field="email")
    if facilitator not in workshop.facilitators:
        workshop.facilitators.append(facilitator)
        db.session.commit()
    return facilitator


def remove_facilitator(workshop: Workshop, facilitator_id: int) -> None:
    """Take a co-facilitator off the workshop (never the last one)."""
    remaining = [f for f in workshop.facilitators if f.id != facilitator_id]
    if not remaining:
        raise BoardError("invalid", _l("A workshop needs at least one facilitator."))
    if len(remaining) == len(workshop.facilitators):
        raise BoardError("not_found", _l("This person does not run this workshop."))
    workshop.facilitators = remaining
    db.session.commit()


def institutions(workshop: Workshop) -> list[str]:
    """Institutions already given in this workshop, to suggest while joining."""
    rows = db.session.scalars(
        select(Participant.institution).filter_by(workshop_id=workshop.id)
        .where(Participant.institution.is_not(None), Participant.removed_at.is_(None)).distinct()
    ).all()
    return sorted(rows, key=str.casefold)
