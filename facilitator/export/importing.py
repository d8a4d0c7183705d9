"""Importing a workshop file (see jsonfile.py and docs/export-format.md):
validate everything first, then create a new draft workshop with a new join
code in one transaction. A bad file changes nothing and gets one message
naming the place that is wrong."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..board.commitments import MAX_COMMITMENTS
from ..board.schemas import (
    MAX_NAME,
    BlockId,
    CanvasName,
    ClusterTitle,
    Color,
    CommitmentStatus,
    CommitmentText,
    CoResponsible,
    Institution,
    Name,
    NoteText,
    OptionalInstitution,
    Title,
)
from ..board.workshops import new_code
from ..catalog import Catalog, CatalogError, Template, catalog_of, parse_template
from ..db import db
from ..models import Canvas, Cluster, Commitment, Facilitator, Note, Participant, Vote, VotingRound, Workshop, utcnow
from ..recipes import Recipe, parse_recipe
from ..text import SingleLine
from .jsonfile import FORMAT, VERSION

MAX_CANVASES = 200
MAX_NOTES = 50_000
MAX_DOTS = 100_000  # in the whole file
Ref = Annotated[str, StringConstraints(pattern=r"^[a-z][0-9]{1,7}$")]
# Text follows the same rules as everywhere else (facilitator/text.py), and the
# live capacity limits (MAX_NOTES_PER_CANVAS, MAX_PARTICIPANTS_PER_WORKSHOP) hold.
FacilitatorName = SingleLine(MAX_NAME, required=False)


class ImportFailed(ValueError):
    """The file cannot be imported; the message says where and why."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkshopIn(Strict):
    title: Title
    date: dt.date | None = None
    language: Literal["es", "en"]
    anonymous: bool = False
    anonymous_shows_institution: bool = True
    facilitators: list[FacilitatorName] = []


class TemplateIn(Strict):
    ref: Ref
    template: dict


class PersonIn(Strict):
    ref: Ref
    name: Name
    institution: Institution | None = None
    facilitator: bool = False
    joined_at: datetime
    removed_at: datetime | None = None


class NoteIn(Strict):
    ref: Ref
    block: BlockId
    text: NoteText
    color: Color
    author: Ref | None = None
    institution: Institution | None = None
    votes: int | None = None
    hidden: bool = False
    group: Ref | None = None
    created_at: datetime
    updated_at: datetime


class GroupIn(Strict):
    ref: Ref
    block: BlockId
    title: ClusterTitle
    votes: Annotated[int, Field(ge=0)] | None = None  # read from the tallies, not from here


class RoundIn(Strict):
    budget: Annotated[int, Field(ge=1, le=50)]
    max_per_note: Annotated[int, Field(ge=1, le=50)]
    allow_own: bool = False
    blocks: list[BlockId] | None = None
    opened_at: datetime
    closed_at: datetime | None = None
    tallies: dict[Ref, Annotated[int, Field(ge=1, le=MAX_DOTS)]] = {}
    group_tallies: dict[Ref, Annotated[int, Field(ge=1, le=MAX_DOTS)]] = {}  # dots on groups (stacks)


class CanvasIn(Strict):
    name: CanvasName
    template: Ref
    anonymous: bool = False
    silent_writing: bool = False
    locked: bool = False
    locked_blocks: list[BlockId] = []
    editable_by_all: bool = False
    notes: list[NoteIn] = []
    groups: list[GroupIn] = []
    votes: list[RoundIn] = []


class RecipeTableIn(Strict):
    canvas: Annotated[int, Field(ge=0, lt=MAX_CANVASES)]
    phase: Annotated[int, Field(ge=0, le=40)]


class RecipeStateIn(Strict):
    """Where the room is in its recipe; the recipe itself is checked by ``recipes.parse_recipe``."""

    phase: Annotated[int, Field(ge=0, le=40)] | None = None
    tables: Annotated[list[RecipeTableIn], Field(max_length=MAX_CANVASES)] = []
    started_at: datetime | None = None
class CommitmentSourceIn(Strict):
    kind: Literal["note", "cluster"] | None = None
    ref: Ref | None = None
    text: CommitmentText = ""
    votes: Annotated[int, Field(ge=0, le=MAX_DOTS)] | None = None


class CommitmentIn(Strict):
    canvas: Annotated[int, Field(ge=0, lt=MAX_CANVASES)] | None = None
    title: CommitmentText
    responsible: OptionalInstitution = ""
    co_responsible: CoResponsible = []
    due: dt.date | None = None
    indicator: CommitmentText = ""
    status: CommitmentStatus = "planned"
    source: CommitmentSourceIn = CommitmentSourceIn()
    created_at: datetime | None = None
    updated_at: datetime | None = None


class FileIn(Strict):
    format: Literal["lienzo.workshop"]
    version: Literal[1]
    exported: dict = {}
    workshop: WorkshopIn
    templates: list[TemplateIn]
    people: list[PersonIn] | None = None
    canvases: Annotated[list[CanvasIn], Field(max_length=MAX_CANVASES)]
    recipe: dict | None = None
    commitments: Annotated[list[CommitmentIn], Field(max_length=MAX_COMMITMENTS)] = []


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "file"


def parse(raw: bytes) -> FileIn:
    """The file's content, validated, or ImportFailed."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportFailed(_("The file is not UTF-8 text.")) from None
    except json.JSONDecodeError as error:
        raise ImportFailed(_("The file is not valid JSON (line %(line)s, column %(col)s: %(msg)s).",
                             line=error.lineno, col=error.colno, msg=error.msg)) from None
    except (ValueError, RecursionError):  # a number of thousands of digits, nesting deeper than Python goes
        raise ImportFailed(_("The file is not valid JSON.")) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportFailed(_("This is not a Lienzo workshop file (its “format” is not “%(format)s”).",
                             format=FORMAT))
    if data.get("version") != VERSION:
        raise ImportFailed(_("This file has format version %(found)s; this Lienzo reads version %(version)s.",
                             found=data.get("version"), version=VERSION))
    try:
        parsed = FileIn.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise ImportFailed(f"{_where(first['loc'])}: {first['msg']}") from None
    _check_references(parsed)
    return parsed


def _templates(parsed: FileIn) -> dict[str, Template]:
    templates = {}
    for i, entry in enumerate(parsed.templates):
        try:
            templates[entry.ref] = parse_template(entry.template, f"templates[{i}].template")
        except CatalogError as error:
            raise ImportFailed(str(error)) from None
    return templates


def _recipe(parsed: FileIn, templates: dict[str, Template]) -> tuple[Recipe, RecipeStateIn] | None:
    """The recipe the workshop follows, checked like a recipe file against the file's templates
    (and the catalog's, for a recipe whose canvas has no table yet), and the room's place in it."""
    if parsed.recipe is None:
        return None
    state_keys = ("phase", "tables", "started_at")
    try:
        state = RecipeStateIn.model_validate({k: v for k, v in parsed.recipe.items() if k in state_keys})
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise ImportFailed(f"{_where(('recipe', *first['loc']))}: {first['msg']}") from None
    known = Catalog({**catalog_of(current_app).templates, **{t.id: t for t in templates.values()}})
    try:
        recipe = parse_recipe({k: v for k, v in parsed.recipe.items() if k not in state_keys}, "recipe", known)
    except CatalogError as error:
        raise ImportFailed(str(error)) from None
    phases = len(recipe.phases)
    if state.phase is not None and state.phase >= phases:
        raise ImportFailed(_("%(where)s: the recipe has %(count)s phases.", where="recipe.phase", count=phases))
    seen = set()
    for t, table in enumerate(state.tables):
        where = f"recipe.tables[{t}]"
        if table.canvas >= len(parsed.canvases) or table.canvas in seen:
            raise ImportFailed(_("%(where)s: there is no canvas %(ref)s, or it is named twice.",
                                 where=f"{where}.canvas", ref=table.canvas))
        seen.add(table.canvas)
        if templates[parsed.canvases[table.canvas].template].id != recipe.template:
            raise ImportFailed(_("%(where)s: this canvas is not one the recipe runs on.", where=f"{where}.canvas"))
        if table.phase >= phases:
            raise ImportFailed(_("%(where)s: the recipe has %(count)s phases.", where=f"{where}.phase",
                                 count=phases))
    return recipe, state


def _check_capacity(parsed: FileIn) -> None:
    """The limits a live workshop keeps: notes per canvas, participants per workshop
    (the file's people and one stand-in per institution for notes without an author)."""
    most_notes = current_app.config["MAX_NOTES_PER_CANVAS"]
    for c, canvas in enumerate(parsed.canvases):
        if len(canvas.notes) > most_notes:
            raise ImportFailed(_("%(where)s: a canvas holds at most %(max)s notes; this one has %(count)s.",
                                 where=f"canvases[{c}].notes", max=most_notes, count=len(canvas.notes)))
    most_people = current_app.config["MAX_PARTICIPANTS_PER_WORKSHOP"]
    stand_ins = {note.institution for canvas in parsed.canvases for note in canvas.notes if note.author is None}
    people = len(parsed.people or []) + len(stand_ins)
    if people > most_people:
        raise ImportFailed(_("A workshop takes at most %(max)s participants; this file has %(count)s.",
                             max=most_people, count=people))


def _check_references(parsed: FileIn) -> None:
    _check_capacity(parsed)
    templates = _templates(parsed)
    people = {p.ref for p in parsed.people or []}
    if len(people) != len(parsed.people or []):
        raise ImportFailed(_("%(where)s: a reference is used twice.", where="people"))
    seen_notes: set[str] = set()
    total = dots = 0
    for c, canvas in enumerate(parsed.canvases):
        where = f"canvases[{c}]"
        template = templates.get(canvas.template)
        if template is None:
            raise ImportFailed(_("%(where)s: there is no template “%(ref)s”.", where=f"{where}.template",
                                 ref=canvas.template))
        blocks = set(template.block_ids())
        groups = {g.ref: g.block for g in canvas.groups}
        for g, group in enumerate(canvas.groups):
            _check_block(blocks, group.block, f"{where}.groups[{g}].block")
        for b, block in enumerate(canvas.locked_blocks):
            _check_block(blocks, block, f"{where}.locked_blocks[{b}]")
        notes = set()
        for n, note in enumerate(canvas.notes):
            at = f"{where}.notes[{n}]"
            _check_block(blocks, note.block, f"{at}.block")
            if note.ref in seen_notes:
                raise ImportFailed(_("%(where)s: a reference is used twice.", where=f"{at}.ref"))
            seen_notes.add(note.ref)
            notes.add(note.ref)
            if note.author is not None and note.author not in people:
                raise ImportFailed(_("%(where)s: there is no person “%(ref)s”.", where=f"{at}.author", ref=note.author))
            if note.group is not None and groups.get(note.group) != note.block:
                raise ImportFailed(_("%(where)s: there is no group “%(ref)s” in this note's block.",
                                     where=f"{at}.group", ref=note.group))
        for r, round_ in enumerate(canvas.votes):
            for ref in round_.tallies:
                if ref not in notes:
                    raise ImportFailed(_("%(where)s: there is no note “%(ref)s” on this canvas.",
                                         where=f"{where}.votes[{r}].tallies", ref=ref))
            for ref in round_.group_tallies:
                if ref not in groups:
                    raise ImportFailed(_("%(where)s: there is no group “%(ref)s” on this canvas.",
                                         where=f"{where}.votes[{r}].group_tallies", ref=ref))
            for b, block in enumerate(round_.blocks or []):
                _check_block(blocks, block, f"{where}.votes[{r}].blocks[{b}]")
        total += len(canvas.notes)
        dots += sum(count for r in canvas.votes for count in [*r.tallies.values(), *r.group_tallies.values()])
    _recipe(parsed, templates)
    _check_commitments(parsed)
    if total > MAX_NOTES:
        raise ImportFailed(_("The file has more than %(max)s notes.", max=MAX_NOTES))
    if dots > MAX_DOTS:
        raise ImportFailed(_("The file has more than %(max)s votes.", max=MAX_DOTS))


def _check_commitments(parsed: FileIn) -> None:
    """Each commitment names a canvas of the file, and its note or group is on that canvas."""
    for i, commitment in enumerate(parsed.commitments):
        where = f"commitments[{i}]"
        if not commitment.title.strip():
            raise ImportFailed(_("%(where)s: the field “%(field)s” is empty.", where=where, field="title"))
        if commitment.canvas is not None and commitment.canvas >= len(parsed.canvases):
            raise ImportFailed(_("%(where)s: there is no canvas %(ref)s.", where=f"{where}.canvas",
                                 ref=commitment.canvas))
        ref = commitment.source.ref
        if ref is None:
            continue
        canvas = parsed.canvases[commitment.canvas] if commitment.canvas is not None else None
        refs = set() if canvas is None else (
            {g.ref for g in canvas.groups} if commitment.source.kind == "cluster" else {n.ref for n in canvas.notes})
        if ref not in refs:
            raise ImportFailed(_("%(where)s: there is no note “%(ref)s” on this canvas.", where=f"{where}.source.ref",
                                 ref=ref))


def _check_block(blocks: set[str], block: str, where: str) -> None:
    if block not in blocks:
        raise ImportFailed(_("%(where)s: the template has no block “%(block)s”.", where=where, block=block))


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _person(workshop: Workshop, name: str, institution: str | None, role: str, joined: datetime,
            removed: datetime | None = None) -> Participant:
    return Participant(workshop=workshop, name=name, institution=institution or None, imported_role=role,
                       token_hash="import:" + secrets.token_hex(28), joined_at=joined, removed_at=removed)


def _create(parsed: FileIn, facilitator: Facilitator) -> Workshop:
    info = parsed.workshop
    workshop = Workshop(title=info.title, date=info.date, language=info.language, code=new_code(), status="draft",
                        anonymous_shows_institution=info.anonymous_shows_institution)
    workshop.facilitators.append(facilitator)
    db.session.add(workshop)
    now = utcnow()
    people = {p.ref: _person(workshop, p.name, p.institution, "facilitator" if p.facilitator else "participant",
                             _utc(p.joined_at), _utc(p.removed_at)) for p in parsed.people or []}
    db.session.add_all(people.values())  # in the file's order, so they keep it
    db.session.flush()
    with force_locale(info.language):
        unnamed = _("Anonymous")
    stand_ins: dict[str | None, Participant] = {}
    templates = {t.ref: t.template for t in parsed.templates}
    canvases = []
    made: list[tuple[Canvas, dict[str, Note], dict[str, Cluster]]] = []
    for position, entry in enumerate(parsed.canvases, start=1):
        data = templates[entry.template]
        canvas = Canvas(workshop=workshop, name=entry.name, template_id=data["id"], template=data, position=position,
                        anonymous=entry.anonymous, hidden=entry.silent_writing, locked=entry.locked,
                        locked_blocks=list(entry.locked_blocks), notes_editable_by_all=entry.editable_by_all)
        db.session.add(canvas)
        db.session.flush()
        canvases.append(canvas)
        groups = {g.ref: Cluster(canvas_id=canvas.id, block=g.block, title=g.title, created_at=now)
                  for g in entry.groups}
        db.session.add_all(groups.values())
        db.session.flush()
        notes, places = {}, {}
        for item in entry.notes:
            if item.author is not None:
                author = people[item.author]
            else:
                author = stand_ins.get(item.institution)
                if author is None:
                    author = _person(workshop, unnamed, item.institution, "anonymous", now)
                    db.session.add(author)
                    stand_ins[item.institution] = author
            places[item.block] = places.get(item.block, 0.0) + 1.0
            notes[item.ref] = Note(id=str(uuid.uuid4()), canvas_id=canvas.id, block=item.block, text=item.text,
                                   color=item.color, position=places[item.block], version=1, author=author,
                                   created_at=_utc(item.created_at), updated_at=_utc(item.updated_at),
                                   hidden=item.hidden, cluster_id=groups[item.group].id if item.group else None)
        db.session.add_all(notes.values())
        db.session.flush()
        made.append((canvas, notes, groups))
        for item in entry.votes:
            round_ = VotingRound(canvas_id=canvas.id, blocks=list(item.blocks) if item.blocks else None,
                                 budget=item.budget, max_per_note=item.max_per_note, allow_own=item.allow_own,
                                 status="closed", opened_at=_utc(item.opened_at),
                                 closed_at=_utc(item.closed_at or item.opened_at))
            db.session.add(round_)
            db.session.flush()
            db.session.add_all(Vote(round_id=round_.id, note_id=notes[ref].id, participant_id=None,
                                    created_at=round_.closed_at)
                               for ref, count in item.tallies.items() for _ in range(count))
            db.session.add_all(Vote(round_id=round_.id, cluster_id=groups[ref].id, participant_id=None,
                                    created_at=round_.closed_at)
                               for ref, count in item.group_tallies.items() for _ in range(count))
    followed = _recipe(parsed, _templates(parsed))
    if followed is not None:
        recipe, state = followed
        started = _utc(state.started_at)
        workshop.recipe = {**recipe.workshop_copy(), "phase": state.phase,
                           "tables": {str(canvases[t.canvas].id): t.phase for t in state.tables},
                           "started_at": None if started is None else round(started.timestamp() * 1000)}
    _create_commitments(workshop, parsed.commitments, made, now)
    return workshop


def _create_commitments(workshop: Workshop, commitments: list[CommitmentIn],
                        made: list[tuple[Canvas, dict[str, Note], dict[str, Cluster]]], now: datetime) -> None:
    for position, item in enumerate(commitments):
        canvas, notes, groups = made[item.canvas] if item.canvas is not None else (None, {}, {})
        source_id = None
        if item.source.ref is not None:
            source_id = str(groups[item.source.ref].id) if item.source.kind == "cluster" else notes[item.source.ref].id
        db.session.add(Commitment(
            workshop_id=workshop.id, canvas_id=canvas.id if canvas is not None else None, source_kind=item.source.kind,
            source_id=source_id, source_text=item.source.text, source_votes=item.source.votes,
            title=item.title.strip(), responsible=item.responsible, co_responsible=list(item.co_responsible),
            due_date=item.due, indicator=item.indicator, status=item.status, position=position,
            created_at=_utc(item.created_at) or now, updated_at=_utc(item.updated_at) or now))


def import_workshop(raw: bytes, facilitator: Facilitator) -> Workshop:
    """A new draft workshop (new join code) run by ``facilitator``, from an export file."""
    parsed = parse(raw)
    try:
        workshop = _create(parsed, facilitator)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return workshop
