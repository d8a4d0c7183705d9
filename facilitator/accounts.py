"""Facilitator accounts without a terminal: the rules for accounts and their one-time links.

An administrator (the first account ever made is one) invites facilitators and makes
password-reset links; any facilitator of a workshop invites co-facilitators to it. A link
is a random token shown once to the person who made it, who copies it and sends it by
hand (no mail server). Only the token's SHA-256 is stored. A link works once, before it
expires; using it and making the account (or setting the password) happen in one
transaction, so two clicks on the same link never both succeed.

The CLI (cli.py), the People page and the link pages (views/accounts.py) all go
through here. No HTTP: the views turn an ``AccountError`` into a page.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

from .db import db
from .models import AccountLink, Facilitator, Workshop, utcnow
from .text import MAX_NAME, TextError, single_line

MIN_PASSWORD = 10
MAX_PASSWORD = 200  # a hash of anything longer costs the same; beyond it is no password anyone types
MAX_EMAIL = 254
KINDS = ("invite", "reset", "cofacilitate")


class AccountError(Exception):
    """A refusal: ``reason`` for code (the CLI's English, tests), ``message`` to show people."""

    def __init__(self, reason: str, message: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


# ---- the rules of an account ----------------------------------------------------


def clean_email(email: str) -> str:
    """The email as stored (trimmed, lower case), or AccountError("email")."""
    try:
        email = single_line(email, MAX_EMAIL).lower()
    except TextError:
        email = ""
    if "@" not in email or " " in email or email.startswith("@") or email.endswith("@"):
        raise AccountError("email", _l("Give a valid email address."))
    return email


def clean_name(name: str) -> str:
    """The name as stored, by the rule of every name people type."""
    try:
        return single_line(name, MAX_NAME)
    except TextError:
        raise AccountError("name", _l("Give your name: one line of up to %(max)s characters.", max=MAX_NAME)) from None


def check_password(password: str, repeated: str | None = None) -> None:
    """The one password rule (CLI and pages): long enough, and typed the same twice on a page."""
    if len(password) < MIN_PASSWORD:
        raise AccountError("password_short",
                           _l("The password must have at least %(min)s characters.", min=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD or "\x00" in password:
        raise AccountError("password_invalid",
                           _l("The password must have at most %(max)s characters.", max=MAX_PASSWORD))
    try:
        password.encode()
    except UnicodeEncodeError:
        raise AccountError("password_invalid", _l("The password holds characters that cannot be stored.")) from None
    if repeated is not None and repeated != password:
        raise AccountError("password_mismatch", _l("The two passwords are not the same."))


def email_taken(email: str) -> bool:
    return db.session.scalar(select(Facilitator.id).filter_by(email=email)) is not None


def new_facilitator(email: str, name: str, password: str, admin: bool = False) -> Facilitator:
    """Add an account (not committed): checked, hashed, and an administrator if asked or if it
    is the first account ever (someone must be able to invite the others)."""
    email, name = clean_email(email), clean_name(name)
    check_password(password)
    if email_taken(email):
        raise AccountError("email_taken", _l("An account with this email already exists. Log in instead."))
    first = db.session.scalar(select(Facilitator.id).limit(1)) is None
    facilitator = Facilitator(email=email, name=name, password_hash=generate_password_hash(password),
                              is_admin=admin or first)
    db.session.add(facilitator)
    return facilitator


def set_password(facilitator: Facilitator, password: str) -> None:
    """A new password (not committed); the person's pending reset links stop working."""
    check_password(password)
    facilitator.password_hash = generate_password_hash(password)
    db.session.execute(update(AccountLink).where(AccountLink.kind == "reset", AccountLink.used_at.is_(None),
                                                 AccountLink.facilitator_id == facilitator.id)
                       .values(used_at=utcnow()))


def set_admin(facilitator: Facilitator, value: bool, by: Facilitator) -> bool:
    """Make ``facilitator`` an administrator or take it away (committed); False: it already was so.

    Only an administrator may. The installation is never left without one: taking the right
    from the last administrator (oneself included) is refused, and the check and the change
    are one statement, so two administrators taking it from each other at once cannot both win.
    """
    if not by.is_admin:
        raise AccountError("forbidden", _l("Only an administrator can do this."))
    if facilitator.is_admin == value:
        return False
    if value:
        facilitator.is_admin = True
        db.session.commit()
        return True
    # PostgreSQL: wait for any other change of the administrators (SQLite writes one at a time).
    db.session.execute(select(Facilitator.id).where(Facilitator.is_admin.is_(True)).with_for_update())
    others = (select(func.count(Facilitator.id)).where(Facilitator.is_admin.is_(True), Facilitator.id != facilitator.id)
              .scalar_subquery())
    done = db.session.execute(update(Facilitator).where(Facilitator.id == facilitator.id, others > 0)
                              .values(is_admin=False).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        if facilitator.id == by.id:
            raise AccountError("last_admin", _l("You are the only administrator: make someone else an administrator "
                                                "first, so that someone can still invite facilitators and reset "
                                                "passwords."))
        raise AccountError("last_admin", _l("%(name)s is the only administrator: make someone else an administrator "
                                            "first, so that someone can still invite facilitators and reset "
                                            "passwords.", name=facilitator.name))
    db.session.commit()
    db.session.refresh(facilitator)
    return True


# ---- one-time links ---------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def lifetime(kind: str, config: dict) -> timedelta:
    """How long a link of ``kind`` works (settings INVITE_LINK_HOURS, RESET_LINK_MINUTES)."""
    if kind == "reset":
        return timedelta(minutes=int(config["RESET_LINK_MINUTES"]))
    return timedelta(hours=int(config["INVITE_LINK_HOURS"]))


def make_link(kind: str, created_by: Facilitator, valid_for: timedelta, *, facilitator: Facilitator | None = None,
              workshop: Workshop | None = None, email: str = "") -> str:
    """Store a new link and return its token (the only time it exists in clear).

    Who may make which link is checked here: invitations and resets by administrators,
    co-facilitator invitations by the workshop's facilitators.
    """
    if kind not in KINDS:
        raise ValueError(kind)
    if kind in ("invite", "reset") and not created_by.is_admin:
        raise AccountError("forbidden", _l("Only an administrator can do this."))
    if kind == "reset" and facilitator is None:
        raise AccountError("not_found", _l("This person has no account."))
    if kind == "cofacilitate" and (workshop is None or created_by not in workshop.facilitators):
        raise AccountError("forbidden", _l("Only the facilitators of a workshop can invite others to it."))
    fixed_email = clean_email(email) if kind == "invite" and email.strip() else None
    if fixed_email and email_taken(fixed_email):
        raise AccountError("email_taken", _l("An account with this email already exists."))
    token = secrets.token_urlsafe(32)
    db.session.add(AccountLink(kind=kind, token_hash=token_hash(token), created_by=created_by,
                               facilitator=facilitator if kind == "reset" else None,
                               workshop=workshop if kind == "cofacilitate" else None,
                               email=fixed_email, expires_at=utcnow() + valid_for))
    db.session.commit()
    return token


def open_link(token: str, now: datetime | None = None) -> AccountLink:
    """The link with this token, if it still works; otherwise AccountError saying why
    ("unknown", "used" or "expired")."""
    link = db.session.scalar(select(AccountLink).filter_by(token_hash=token_hash(token))) if token else None
    if link is None:
        raise AccountError("unknown", _l("This link is not valid. Check that it was copied whole, "
                                         "or ask for a new one."))
    if link.used_at is not None:
        raise AccountError("used", _l("This link has already been used. Each link works only once: "
                                      "ask for a new one."))
    if link.expires_at <= (now or utcnow()):
        raise AccountError("expired", _l("This link has expired. Ask the person who sent it for a new one."))
    return link


def _spend(link: AccountLink) -> None:
    """Mark the link used in the current transaction, unless another request did first."""
    done = db.session.execute(update(AccountLink).where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
                              .values(used_at=utcnow()))
    if done.rowcount != 1:
        db.session.rollback()
        raise AccountError("used", _l("This link has already been used. Each link works only once: "
                                      "ask for a new one."))


def accept_invitation(token: str, name: str, email: str, password: str, repeated: str) -> Facilitator:
    """Make the account an invitation (or a co-facilitator invitation) offers, and spend the link."""
    link = open_link(token)
    if link.kind not in ("invite", "cofacilitate"):
        raise AccountError("unknown", _l("This link is not valid."))
    check_password(password, repeated)
    facilitator = new_facilitator(link.email or email, name, password)
    if link.workshop is not None:
        link.workshop.facilitators.append(facilitator)
    _spend(link)
    db.session.commit()
    return facilitator


def reset_with(token: str, password: str, repeated: str) -> Facilitator:
    """Set the password a reset link is for, and spend the link."""
    link = open_link(token)
    if link.kind != "reset" or link.facilitator is None:
        raise AccountError("unknown", _l("This link is not valid."))
    check_password(password, repeated)
    facilitator = link.facilitator
    _spend(link)
    set_password(facilitator, password)
    db.session.commit()
    return facilitator


def join_with(token: str, facilitator: Facilitator) -> Workshop:
    """Add a logged-in facilitator to the workshop a co-facilitator link shares, and spend it."""
    link = open_link(token)
    if link.kind != "cofacilitate" or link.workshop is None:
        raise AccountError("unknown", _l("This link is not valid."))
    workshop = link.workshop
    if facilitator in workshop.facilitators:  # nothing to do: the link stays for its real recipient
        return workshop
    workshop.facilitators.append(facilitator)
    _spend(link)
    db.session.commit()
    return workshop


def pending_links(workshop: Workshop | None = None) -> list[AccountLink]:
    """Unused links that have not expired, newest first: all of them, or one workshop's."""
    query = select(AccountLink).where(AccountLink.used_at.is_(None), AccountLink.expires_at > utcnow())
    if workshop is not None:
        query = query.where(AccountLink.workshop_id == workshop.id)
    return list(db.session.scalars(query.order_by(AccountLink.created_at.desc(), AccountLink.id.desc())))


def revoke(link_id: int, by: Facilitator) -> None:
    """Delete an unused link: administrators revoke any, facilitators their workshops' invitations."""
    link = db.session.get(AccountLink, link_id)
    if link is None or link.used_at is not None:
        raise AccountError("not_found", _l("This link no longer exists."))
    allowed = by.is_admin or (link.kind == "cofacilitate" and link.workshop is not None
                              and by in link.workshop.facilitators)
    if not allowed:
        raise AccountError("forbidden", _l("Only an administrator can do this."))
    db.session.delete(link)
    db.session.commit()
