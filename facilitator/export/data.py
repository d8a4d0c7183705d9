"""The read model every exporter renders from: one workshop as a given viewer
may see it, built from the board's data and its visibility rules.

Exports are asked for by facilitators, so by default the viewer is one of the
workshop's facilitators: notes still hidden by silent writing are included
(and marked) unless the export leaves them out (the report's default, see
``export.render``), while an anonymous canvas names no author
(``visibility.note_for_export``). Deleted notes are never read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..board import visibility, voting
from ..board.actors import Actor
from ..board.commitments import commitments_of
from ..catalog import CatalogError, Template, load_file
from ..db import db
from ..models import Canvas, Cluster, Note, Participant, VotingRound, Workshop, utcnow
from ..recipes import recipe_data, recipes_of
from ..resources import data_dir


@dataclass(frozen=True)
class Byline:
    """Who wrote a note, as far as the export may say."""

    ref: str | None  # "p3": a person of WorkshopData.people; None when unnamed
    name: str | None
    institution: str | None
    facilitator: bool = False


@dataclass
class NoteData:
    id: str
    block: str
    text: str
    color: str
    author: Byline
    votes: int | None  # its tally in the canvas's last closed round; None: no round closed yet
    created_at: datetime
    updated_at: datetime
    hidden: bool
    cluster_id: int | None
    order: int = 0  # place among the canvas's notes, block by block


@dataclass
class BlockData:
    id: str
    title: str
    question: str
    inside: str | None
    notes: list[NoteData] = field(default_factory=list)


@dataclass
class ClusterData:
    """A group of notes, or a stack participants made (one concept)."""

    id: int
    block: str
    title: str
    notes: list[NoteData]
    # Its votes in the canvas's last closed round: its own dots and its notes'; None: no round closed.
    votes: int | None = None

    @property
    def text(self) -> str:
        """What a ranking shows for it, where a note shows its text."""
        return self.title


@dataclass
class RoundData:
    """A closed dot-voting round; open rounds stay secret and are not exported."""

    id: int
    budget: int
    max_per_note: int
    allow_own: bool
    blocks: list[str] | None
    opened_at: datetime
    closed_at: datetime | None
    voters: int
    tallies: dict[str, int]
    ranking: list[tuple[int, NoteData, int]]  # (rank, note, votes), ties share a rank
    stack_tallies: dict[int, int] = field(default_factory=dict)  # dots given to stacks themselves
    # The results: each stack one item (its dots and its notes'), each note outside a stack, ranked.
    results: list[tuple[int, NoteData | ClusterData, int]] = field(default_factory=list)


@dataclass
class CanvasData:
    id: int
    name: str
    template: Template
    template_data: dict
    anonymous: bool
    hidden: bool  # silent writing is on
    locked: bool
    locked_blocks: list[str]
    editable_by_all: bool
    blocks: list[BlockData]
    clusters: list[ClusterData]
    rounds: list[RoundData]
    language: str
    left_out: int = 0  # notes still hidden by silent writing that this export does not hold

    @property
    def template_name(self) -> str:
        return self.template.name.get(self.language)

    @property
    def credit_line(self) -> str:
        return self.template.credit_line(self.language)

    @property
    def notes(self) -> list[NoteData]:
        return [note for block in self.blocks for note in block.notes]

    def block(self, block_id: str) -> BlockData:
        return next(b for b in self.blocks if b.id == block_id)

    def block_title(self, block_id: str) -> str:
        return self.block(block_id).title


@dataclass
class PersonData:
    ref: str
    name: str
    institution: str | None
    facilitator: bool
    joined_at: datetime
    removed_at: datetime | None


@dataclass
class WorkshopData:
    id: int
    title: str
    date: date | None
    language: str
    status: str
    facilitators: list[str]
    anonymous: bool
    anonymous_shows_institution: bool
    people: list[PersonData] | None  # None when the workshop is anonymous
    attendance: list[tuple[str | None, int]]  # (institution, participants), most first
    canvases: list[CanvasData]
    exported_at: datetime
    # The recipe the workshop follows (its copy, with the room's phase and each table's), or None.
    recipe: dict | None = None
    # The commitments (board.commitments.data dicts), and the titles of the OGP commitment
    # sheet's blocks in the workshop's language, under which the report sets each one out.
    commitments: list[dict] = field(default_factory=list)
    ogp_titles: dict[str, str] = field(default_factory=dict)

    @property
    def participants(self) -> list[PersonData] | None:
        """People who joined by code (not the facilitators), unless the workshop is anonymous."""
        return None if self.people is None else [p for p in self.people if not p.facilitator]

    @property
    def note_count(self) -> int:
        return sum(len(c.notes) for c in self.canvases)

    @property
    def unrevealed_left_out(self) -> int:
        """Notes not yet revealed (silent writing) that this export leaves out."""
        return sum(c.left_out for c in self.canvases)

    @property
    def unrevealed_held(self) -> int:
        """Notes not yet revealed that this export holds (each marked ``hidden``)."""
        return sum(1 for c in self.canvases for n in c.notes if n.hidden)

    def canvas(self, canvas_id: int) -> CanvasData:
        return next(c for c in self.canvases if c.id == canvas_id)


OGP_TEMPLATE = "ogp-commitment.toml"


@lru_cache(maxsize=4)
def _ogp_template(folder: str) -> Template | None:
    try:
        return load_file(Path(folder) / OGP_TEMPLATE)
    except (CatalogError, OSError):
        return None


def ogp_template() -> Template | None:
    """The OGP commitment sheet, from the template file (the export worker has no catalog
    of its own); None if the catalog has no such sheet."""
    folder = current_app.config.get("CATALOG_DIR") or data_dir("canvases")
    return _ogp_template(str(folder))


def ogp_titles(language: str) -> dict[str, str]:
    """The OGP commitment sheet's block titles by block id (empty without the sheet)."""
    template = ogp_template()
    return {} if template is None else {b.id: b.title.get(language) for b in template.blocks}


def facilitator_viewer(workshop: Workshop) -> Actor:
    """The viewer an export is made for: one of the workshop's facilitators."""
    return Actor(participant_id=None, workshop_id=workshop.id, name="export", institution=None, is_facilitator=True)


def is_anonymous(workshop: Workshop) -> bool:
    """A workshop is anonymous when it has canvases and every one of them is anonymous."""
    return bool(workshop.canvases) and all(c.anonymous for c in workshop.canvases)


def _people(workshop: Workshop) -> list[Participant]:
    return [p for p in workshop.participants if p.imported_role != "anonymous"]


def _byline(author: dict, refs: dict[int, str]) -> Byline:
    ref = refs.get(author["id"]) if author.get("id") is not None else None
    return Byline(ref=ref, name=author.get("name"), institution=author.get("institution"),
                  facilitator=bool(author.get("facilitator")))


def _ranked(items: list, count) -> list[tuple[int, object, int]]:
    """(rank, item, votes) for the items with votes, most first; ties share a rank."""
    ranking, rank, previous = [], 0, None
    for place, item in enumerate(sorted((i for i in items if count(i) > 0), key=lambda i: -count(i)), start=1):
        if count(item) != previous:
            rank, previous = place, count(item)
        ranking.append((rank, item, count(item)))
    return ranking


def _ranking(notes: list[NoteData], tallies: dict[str, int]) -> list[tuple[int, NoteData, int]]:
    return _ranked(notes, lambda n: tallies.get(n.id, 0))


def _results(notes: list[NoteData], clusters: list[ClusterData], tallies: dict[str, int],
             stacks: dict[int, int]) -> list[tuple[int, NoteData | ClusterData, int]]:
    """The ranking that counts each stack as one item (as ``voting.results`` does), stacks
    first among equals, then in the canvas's order."""
    totals = {c.id: stacks.get(c.id, 0) + sum(tallies.get(n.id, 0) for n in c.notes) for c in clusters}
    items = [*clusters, *(n for n in notes if n.cluster_id not in totals)]
    return _ranked(items, lambda i: totals[i.id] if isinstance(i, ClusterData) else tallies.get(i.id, 0))


def _canvas(canvas: Canvas, notes: list[Note], clusters: list[Cluster], rounds: list[VotingRound],
            viewer: Actor, refs: dict[int, str], language: str, unrevealed: bool) -> CanvasData:
    template = Template.model_validate(canvas.template)
    blocks = [BlockData(b.id, b.title.get(language), b.question.get(language), b.inside) for b in template.blocks]
    by_id = {b.id: b for b in blocks}
    published = voting.canvas_tallies(canvas.id)
    left_out = 0
    for note in notes:
        seen = visibility.note_for_export(voting.note_data(note, published), canvas, viewer, unrevealed=unrevealed)
        if seen is None:
            left_out += 1 if note.hidden else 0
            continue
        if seen["block"] not in by_id:  # a block the template lost: keep its notes, never drop them
            by_id[seen["block"]] = BlockData(seen["block"], seen["block"], "", None)
            blocks.append(by_id[seen["block"]])
        by_id[seen["block"]].notes.append(NoteData(
            id=seen["id"], block=seen["block"], text=seen["text"], color=seen["color"],
            author=_byline(seen["author"], refs), votes=seen["votes"], created_at=note.created_at,
            updated_at=note.updated_at, hidden=bool(seen["hidden"]), cluster_id=seen["cluster_id"]))
    ordered = [n for b in blocks for n in b.notes]
    for index, note in enumerate(ordered):
        note.order = index
    exported = {n.id: n for n in ordered}
    cluster_data = [ClusterData(c.id, c.block, c.title, [n for n in ordered if n.cluster_id == c.id])
                    for c in clusters]
    round_data = []
    for round_ in rounds:
        tallies = {note_id: count for note_id, count in voting.tallies(round_).items() if note_id in exported}
        stacks = {int(cluster_id): count for cluster_id, count in voting.stack_tallies(round_).items()}
        results = _results(ordered, cluster_data, tallies, stacks)
        round_data.append(RoundData(
            id=round_.id, budget=round_.budget, max_per_note=round_.max_per_note, allow_own=round_.allow_own,
            blocks=list(round_.blocks) if round_.blocks else None, opened_at=round_.opened_at,
            closed_at=round_.closed_at, voters=voting.voters(round_), tallies=tallies,
            ranking=_ranking(ordered, tallies), stack_tallies=stacks, results=results))
    if round_data:
        totals = {item.id: votes for _rank, item, votes in round_data[-1].results if isinstance(item, ClusterData)}
        for cluster in cluster_data:
            cluster.votes = totals.get(cluster.id, 0)
    return CanvasData(
        id=canvas.id, name=canvas.name, template=template, template_data=canvas.template, anonymous=canvas.anonymous,
        hidden=canvas.hidden, locked=canvas.locked, locked_blocks=list(canvas.locked_blocks or []),
        editable_by_all=canvas.notes_editable_by_all, blocks=blocks, clusters=cluster_data, rounds=round_data,
        language=language, left_out=left_out)


def _attendance(people: list[Participant]) -> list[tuple[str | None, int]]:
    counts = Counter(p.institution or None for p in people
                     if p.facilitator_id is None and p.imported_role != "facilitator")
    return sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, (item[0] or "").casefold()))


def _recipe(workshop: Workshop) -> dict | None:
    """The workshop's copy of its recipe, whole (copies made before they kept the description
    get the shipped recipe's, ``recipes.recipe_data``)."""
    if not workshop.recipe:
        return None
    return {**workshop.recipe, **recipe_data(workshop.recipe, recipes_of(current_app))}


def read_workshop(workshop: Workshop, viewer: Actor | None = None,
                  canvas_ids: list[int] | None = None, *, unrevealed: bool = True) -> WorkshopData:
    """The workshop as ``viewer`` (by default, a facilitator) may export it;
    ``canvas_ids`` limits the canvases read (the workshop-wide facts stay whole);
    ``unrevealed=False`` leaves out the notes silent writing still hides, and
    counts them (``visibility.note_for_export``)."""
    viewer = viewer or facilitator_viewer(workshop)
    language = workshop.language
    canvases = [c for c in workshop.canvases if canvas_ids is None or c.id in canvas_ids]
    ids = [c.id for c in canvases]
    notes = db.session.scalars(
        select(Note).where(Note.canvas_id.in_(ids), Note.deleted_at.is_(None)).options(selectinload(Note.author))
        .order_by(Note.canvas_id, Note.block, Note.position, Note.created_at)).all()
    clusters = db.session.scalars(select(Cluster).where(Cluster.canvas_id.in_(ids)).order_by(Cluster.id)).all()
    rounds = db.session.scalars(select(VotingRound).where(VotingRound.canvas_id.in_(ids),
                                                          VotingRound.status == "closed")
                                .order_by(VotingRound.id)).all()
    people = _people(workshop)
    refs = {p.id: f"p{i}" for i, p in enumerate(people, start=1)}
    anonymous = is_anonymous(workshop)
    return WorkshopData(
        id=workshop.id, title=workshop.title, date=workshop.date, language=language, status=workshop.status,
        facilitators=sorted((f.name for f in workshop.facilitators), key=str.casefold), anonymous=anonymous,
        anonymous_shows_institution=workshop.anonymous_shows_institution,
        people=None if anonymous else [
            PersonData(ref=refs[p.id], name=p.name, institution=p.institution or None,
                       facilitator=p.facilitator_id is not None or p.imported_role == "facilitator",
                       joined_at=p.joined_at, removed_at=p.removed_at) for p in people],
        attendance=_attendance(people),
        canvases=[_canvas(c, [n for n in notes if n.canvas_id == c.id], [k for k in clusters if k.canvas_id == c.id],
                          [r for r in rounds if r.canvas_id == c.id], viewer, refs, language, unrevealed)
                  for c in canvases],
        exported_at=utcnow(), recipe=_recipe(workshop),
        commitments=commitments_of(workshop.id, canvas_ids),
        ogp_titles=ogp_titles(language))
