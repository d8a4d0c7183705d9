"""Every text an export shows besides what people wrote, translated with
Flask-Babel into the workshop's language (see ``in_language``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..board.commitments import status_name
from ..board.schemas import COLOR_NAMES
from .data import Byline, ClusterData, NoteData, WorkshopData

NOTE_COLUMNS = {
    "kind": _l("Row"),
    "canvas": _l("Canvas"),
    "template": _l("Template"),
    "block": _l("Block"),
    "text": _l("Text"),
    "color": _l("Colour"),
    "author": _l("Author"),
    "institution": _l("Institution"),
    "votes": _l("Votes"),
    "group": _l("Group"),
    "group_votes": _l("Group votes"),
    "hidden": _l("Hidden note"),
    "created": _l("Created (%(zone)s)"),
    "edited": _l("Last edited (%(zone)s)"),
    "note_id": _l("Note id"),
    # The CSV's commitment rows (its notes leave these empty).
    "responsible": _l("Responsible institution"),
    "co_responsible": _l("Co-responsible institutions"),
    "due": _l("Due date"),
    "indicator": _l("Indicator"),
    "status": _l("Status"),
    "comes_from": _l("Comes from"),
}
# What a CSV row is (its first column).
ROW_KINDS = {"note": _l("Note"), "commitment": _l("Commitment")}


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Render an export in the workshop's language, whatever the page's."""
    with force_locale(language):
        yield


def color_name(color: str) -> str:
    label = COLOR_NAMES.get(color)
    return str(label) if label is not None else color


def votes(count: int) -> str:
    return ngettext("%(num)d vote", "%(num)d votes", count)


def voters(count: int, budget: int) -> str:
    return ngettext("%(num)d person voted, %(budget)s votes each.", "%(num)d people voted, %(budget)s votes each.",
                    count, budget=budget)


def byline(author: Byline) -> str:
    """"Ana · MEF", "MEF" on an anonymous canvas that shows institutions, or ""."""
    name = author.name
    if name and author.facilitator:
        name = _("%(name)s (facilitator)", name=name)
    return " · ".join(part for part in (name, author.institution) if part)


def note_facts(note: NoteData, clusters: dict[int, str]) -> list[str]:
    """What an export says under a note's text: author, votes, group, hidden."""
    facts = [byline(note.author)]
    if note.votes:
        facts.append(votes(note.votes))
    if note.cluster_id in clusters:
        facts.append(_("Group: %(title)s", title=clusters[note.cluster_id]))
    if note.hidden:
        facts.append(_("Hidden (silent writing)"))
    return [fact for fact in facts if fact]


def ranked(item: NoteData | ClusterData) -> str:
    """What a ranking of results shows for an item: a note's text, or a stack's title and size."""
    if isinstance(item, ClusterData):
        return ngettext("Group “%(title)s” (%(num)d note)", "Group “%(title)s” (%(num)d notes)", len(item.notes),
                        title=item.title)
    return item.text or "—"


def group_facts(group: ClusterData) -> str:
    """What an export says under a group's title: its notes and, once a vote closed, its votes."""
    facts = [ngettext("%(num)d note", "%(num)d notes", len(group.notes))]
    if group.votes:
        facts.append(votes(group.votes))
    return " · ".join(facts)


def unrevealed(workshop: WorkshopData) -> str:
    """What the report says of the notes silent writing still hides: how many it
    leaves out, or holds (marked), or "" when there are none."""
    if workshop.unrevealed_left_out:
        return ngettext("%(num)d note not yet revealed is left out of this report.",
                        "%(num)d notes not yet revealed are left out of this report.", workshop.unrevealed_left_out)
    if workshop.unrevealed_held:
        return ngettext("%(num)d note not yet revealed is included, marked as hidden.",
                        "%(num)d notes not yet revealed are included, marked as hidden.", workshop.unrevealed_held)
    return ""


def institution(value: str | None) -> str:
    return value if value else _("No institution")


def long_date(value: date | None) -> str:
    return format_date(value, "long") if value is not None else _("No date")


def zone_name() -> str:
    """The time zone exports show times in (the TIMEZONE setting, checked at start-up)."""
    return current_app.config.get("TIMEZONE") or "UTC"


def local(moment: datetime) -> datetime:
    """A stored moment (UTC) as the wall-clock time of ``zone_name()``, without tzinfo
    (spreadsheets have no time zones: the column header names it)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone_name())).replace(tzinfo=None)


def when(moment: datetime) -> str:
    """"2026-11-28 10:15 America/Lima": a moment as people read it, naming the zone."""
    return f"{local(moment):%Y-%m-%d %H:%M} {zone_name()}"


def column(key: str) -> str:
    """A note column's header (the time columns name the zone)."""
    return str(NOTE_COLUMNS[key]) % {"zone": zone_name()} if key in ("created", "edited") else str(NOTE_COLUMNS[key])


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


# --- commitments ---------------------------------------------------------------

def due(value: str | None) -> str:
    """A commitment's due date ("YYYY-MM-DD" or None) in the workshop's words."""
    return format_date(date.fromisoformat(value), "long") if value else _("No due date")


def commitment_source(commitment: dict) -> str:
    """Where a commitment came from: "Mesa 1 · group: Atención lenta · 3 votes"."""
    source = commitment["source"]
    parts = [commitment.get("canvas_name") or ""]
    if source.get("kind") == "cluster":
        parts.append(_("Group: %(title)s", title=source.get("text") or ""))
    else:
        parts.append(source.get("text") or "")
    if source.get("votes"):
        parts.append(votes(source["votes"]))
    return " · ".join(part for part in parts if part)


def commitment_fields(commitment: dict, titles: dict[str, str]) -> list[tuple[str, str]]:
    """A commitment set out as the OGP commitment sheet's blocks (``titles``, by block id,
    from data.ogp_titles), with our own words for the fields the sheet lacks."""
    def title(block_id: str, fallback) -> str:
        return titles.get(block_id) or str(fallback)

    return [
        (_("Comes from"), commitment_source(commitment)),
        (title("commitment", _l("The commitment")), commitment["title"]),
        (title("lead_agency", _l("Lead implementing agency")), commitment["responsible"] or "—"),
        (_("Co-responsible institutions"), ", ".join(commitment["co_responsible"]) or "—"),
        (_("Due date"), due(commitment["due"])),
        (_("Indicator"), commitment["indicator"] or "—"),
        (title("completion", _l("Completion level")), status_name(commitment["status"])),
    ]


def commitment_status(status: str) -> str:
    return status_name(status)


def commitment_heading(number: int, commitment: dict) -> str:
    """"1. Cita en línea para cada trámite": the sheet's "number and name of the commitment"."""
    return f"{number}. {' '.join(commitment['title'].split())}"
