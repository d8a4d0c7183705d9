"""Database models: who runs a workshop, who takes part, and what they write.

The Event table is the append-only log of every change to a canvas; its
``seq`` is the per-canvas counter clients use to stay in step.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A DateTime that always comes back timezone-aware UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


workshop_facilitators = Table(
    "workshop_facilitator",
    db.metadata,
    Column("workshop_id", ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True),
    Column("facilitator_id", ForeignKey("facilitator.id", ondelete="CASCADE"), primary_key=True),
)


class Facilitator(db.Model):
    """A person with an account who prepares and runs workshops."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Administrators see the People page: they invite facilitators and make reset links
    # (facilitator/accounts.py). The first account ever made is one.
    is_admin: Mapped[bool] = mapped_column(default=False)

    workshops: Mapped[list[Workshop]] = relationship(secondary=workshop_facilitators, back_populates="facilitators")


class AccountLink(db.Model):
    """A one-time link someone copies and sends by hand: an invitation to make an account, a
    password reset, or an invitation to co-facilitate a workshop (facilitator/accounts.py).

    Only a hash of its token is kept, so the table read by someone else opens no account.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "invite", "reset" or "cofacilitate"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("facilitator.id", ondelete="SET NULL"))
    # Whose password a reset link sets.
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("facilitator.id", ondelete="CASCADE"))
    # The workshop a co-facilitator link shares.
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    # An invitation's email, when the inviter gave one: the new account gets it, unchangeable.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[Facilitator | None] = relationship(foreign_keys=[created_by_id])
    facilitator: Mapped[Facilitator | None] = relationship(foreign_keys=[facilitator_id])
    workshop: Mapped[Workshop | None] = relationship()


class Workshop(db.Model):
    """One session with its join code, its canvases and its participants."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    date: Mapped[date | None]
    language: Mapped[str] = mapped_column(String(2), default="es")
    code: Mapped[str] = mapped_column(String(6), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Live controls that span the workshop; ``version`` orders their broadcasts.
    version: Mapped[int] = mapped_column(default=0)
    timer: Mapped[dict | None] = mapped_column(JSON)
    focus: Mapped[dict | None] = mapped_column(JSON)
    projector: Mapped[dict | None] = mapped_column(JSON)
    # On anonymous canvases, whether a note may still show its author's institution.
    anonymous_shows_institution: Mapped[bool] = mapped_column(default=True)
    # The recipe the workshop follows (a copy, as canvases copy their template), its current
    # phase and each table's phase; None: no recipe, the manual controls alone (board/phases.py).
    recipe: Mapped[dict | None] = mapped_column(JSON)

    facilitators: Mapped[list[Facilitator]] = relationship(secondary=workshop_facilitators, back_populates="workshops")
    canvases: Mapped[list[Canvas]] = relationship(back_populates="workshop", order_by="Canvas.position, Canvas.id")
    participants: Mapped[list[Participant]] = relationship(back_populates="workshop", order_by="Participant.id")

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"


class Canvas(db.Model):
    """A template put to use in a workshop (one per table or group)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    template_id: Mapped[str] = mapped_column(String(60))
    # The template as it was when the canvas was made, so later edits to the
    # template file never orphan notes or change a finished workshop. Loaded
    # only when used: the hot path of every note operation does not need it.
    template: Mapped[dict] = mapped_column(JSON, deferred=True)
    position: Mapped[int] = mapped_column(default=0)
    seq: Mapped[int] = mapped_column(default=0)
    notes_editable_by_all: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Facilitator controls (see board/controls.py).
    locked: Mapped[bool] = mapped_column(default=False)
    locked_blocks: Mapped[list] = mapped_column(JSON, default=list)
    hidden: Mapped[bool] = mapped_column(default=False)
    anonymous: Mapped[bool] = mapped_column(default=False)
    timer: Mapped[dict | None] = mapped_column(JSON)

    workshop: Mapped[Workshop] = relationship(back_populates="canvases")


class Participant(db.Model):
    """Someone in a workshop: joined by code, or a facilitator working on a canvas."""

    # One seat per facilitator and workshop (facilitator_id is NULL for everyone else).
    __table_args__ = (Index("uq_participant_seat", "workshop_id", "facilitator_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    institution: Mapped[str | None] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("facilitator.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ready: Mapped[bool] = mapped_column(default=False)
    hand_raised: Mapped[bool] = mapped_column(default=False)
    # Set on rows made by importing an export file (facilitator/export/jsonfile.py):
    # "participant"; "facilitator", a facilitator of the original workshop, with no
    # account here; or "anonymous", standing in for the unnamed authors of an
    # anonymous canvas. None for everyone who joined or opened a seat here.
    imported_role: Mapped[str | None] = mapped_column(String(12))

    workshop: Mapped[Workshop] = relationship(back_populates="participants")
    facilitator: Mapped[Facilitator | None] = relationship()


class Note(db.Model):
    """A sticky note in one block of a canvas."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    canvas_id: Mapped[int] = mapped_column(ForeignKey("canvas.id", ondelete="CASCADE"), index=True)
    block: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str] = mapped_column(String(12))
    position: Mapped[float] = mapped_column(default=0.0)
    # Counts text edits only: moves and colour changes are last-writer-wins.
    version: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written during silent writing and not yet revealed: only its author and
    # the facilitators may see its text.
    hidden: Mapped[bool] = mapped_column(default=False)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="SET NULL"))

    author: Mapped[Participant] = relationship()


class Cluster(db.Model):
    """Notes of one block that say the same thing, grouped under a title: a group made by the
    facilitator, or a stack that participants make by dropping a note onto another (one concept)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    canvas_id: Mapped[int] = mapped_column(ForeignKey("canvas.id", ondelete="CASCADE"), index=True)
    block: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VotingRound(db.Model):
    """A dot-voting round on a canvas; tallies stay secret until it closes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    canvas_id: Mapped[int] = mapped_column(ForeignKey("canvas.id", ondelete="CASCADE"), index=True)
    blocks: Mapped[list | None] = mapped_column(JSON)  # None: every block
    budget: Mapped[int]
    max_per_note: Mapped[int]
    allow_own: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Vote(db.Model):
    """One dot: a participant's vote for a note, or for a stack of notes (a cluster), in a round
    (several dots may go to one note or stack). Exactly one of the two is set."""

    __table_args__ = (CheckConstraint("(note_id IS NULL) <> (cluster_id IS NULL)", name="one_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id", ondelete="CASCADE"), index=True)
    note_id: Mapped[str | None] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"), index=True)
    # A dot on a stack; a stack that is dissolved takes its dots with it (board/stacks.py moves
    # them first where the stack lives on: into the stack it merged with, or its last note).
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"), index=True)
    # None for a dot recreated by an import: the file keeps tallies, never who voted.
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(db.Model):
    """One committed change to a canvas (or to a workshop's live state), in order."""

    __table_args__ = (
        UniqueConstraint("canvas_id", "seq", name="uq_event_canvas_seq"),
        UniqueConstraint("actor_id", "op_id", name="uq_event_actor_op"),
        # A workshop event's seq is the workshop's version: one event per number.
        Index("uq_event_workshop_version", "workshop_id", "seq", unique=True,
              sqlite_where=text("canvas_id IS NULL"), postgresql_where=text("canvas_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    # None for workshop events, whose ``seq`` is the workshop's version.
    canvas_id: Mapped[int | None] = mapped_column(ForeignKey("canvas.id", ondelete="CASCADE"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON)
    actor_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    op_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(db.Model):
    """One attempt to post a closed workshop's file to the installation's webhook
    (export/webhook.py): the delivery log the facilitator reads on the workshop page.
    The attempts of one delivery share its ``delivery_id`` (the receiver's key against
    duplicates); ``next_retry_at`` is set while another attempt is due."""

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(String(10))  # "closed": on closing; "again": the facilitator's button
    attempt: Mapped[int]
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(200))
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OwnTemplate(db.Model):
    """A canvas template a facilitator designed or copied (views/canvas_editor.py): the same data
    as a ``canvases/*.toml`` file, checked by the same validator, offered only to its owner."""

    __table_args__ = (UniqueConstraint("owner_id", "slug", name="uq_own_template_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("facilitator.id", ondelete="CASCADE"), index=True)
    # The template's ``id``: what canvases made from it record as their template_id.
    slug: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict] = mapped_column(JSON)
    # The template it was copied from, if it came with a credit (a shipped one, or an imported
    # file that names its author): its credit and licence must stay.
    copied_from: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SavedRecipe(db.Model):
    """A facilitator's own recipe, saved from a workshop's set-up: seen and used by its owner
    only. ``data`` has the shape of a recipe file once loaded, checked by the one validator of
    recipes (``recipes.parse_recipe``) when saved and again when used."""

    __table_args__ = (UniqueConstraint("facilitator_id", "name", name="uq_saved_recipe_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitator.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Commitment(db.Model):
    """What the room agreed to do about one of a canvas's most-voted notes or groups:
    who answers for it, by when, and how it will be measured (board/commitments.py).

    ``source_text`` keeps the note's text or the group's title as it was when the
    commitment was made, so later edits (or the note's deletion) never change it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    canvas_id: Mapped[int | None] = mapped_column(ForeignKey("canvas.id", ondelete="SET NULL"))
    source_kind: Mapped[str | None] = mapped_column(String(8))  # "note", "cluster", or None (typed by hand)
    source_id: Mapped[str | None] = mapped_column(String(36))  # the note's id, or the group's id as text
    source_text: Mapped[str] = mapped_column(Text, default="")
    source_votes: Mapped[int | None]
    title: Mapped[str] = mapped_column(Text)  # what will be done
    responsible: Mapped[str] = mapped_column(String(120), default="")
    co_responsible: Mapped[list] = mapped_column(JSON, default=list)
    due_date: Mapped[date | None]
    indicator: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="planned")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
