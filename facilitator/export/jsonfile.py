"""The whole workshop as JSON (docs/export-format.md describes the format),
and the import that recreates a workshop from such a file.

The file holds no database ids: people, notes, groups and templates are named
by references local to the file ("p1", "n7", "g2", "t1"), so a workshop
exported, imported and exported again gives the same file but for its
``exported`` section.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

from ..recipes import RECIPE_FIELDS
from .data import CanvasData, NoteData, WorkshopData

FORMAT = "lienzo.workshop"
VERSION = 1


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def app_version() -> str:
    try:
        return f"lienzo {version('lienzo')}"
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "lienzo"


def _note(note: NoteData, ref: str, groups: dict[int, str]) -> dict:
    named = note.author.ref is not None
    return {
        "ref": ref, "block": note.block, "text": note.text, "color": note.color,
        "author": note.author.ref, "institution": None if named else note.author.institution,
        "votes": note.votes, "hidden": note.hidden, "group": groups.get(note.cluster_id) if note.cluster_id else None,
        "created_at": _iso(note.created_at), "updated_at": _iso(note.updated_at),
    }


def _canvas(canvas: CanvasData, template_ref: str, note_refs: dict[str, str], group_refs: dict[int, str]) -> dict:
    groups = {c.id: group_refs[c.id] for c in canvas.clusters}
    return {
        "name": canvas.name, "template": template_ref, "anonymous": canvas.anonymous,
        "silent_writing": canvas.hidden, "locked": canvas.locked, "locked_blocks": canvas.locked_blocks,
        "editable_by_all": canvas.editable_by_all,
        "notes": [_note(n, note_refs[n.id], groups) for n in canvas.notes],
        "groups": [{"ref": groups[c.id], "block": c.block, "title": c.title, "votes": c.votes}
                   for c in canvas.clusters],
        "votes": [{"budget": r.budget, "max_per_note": r.max_per_note, "allow_own": r.allow_own,
                   "blocks": r.blocks, "opened_at": _iso(r.opened_at), "closed_at": _iso(r.closed_at),
                   "tallies": {note_refs[note_id]: count for note_id, count in
                               sorted(r.tallies.items(), key=lambda item: int(note_refs[item[0]][1:]))
                               if count > 0},
                   "group_tallies": {groups[cluster_id]: count for cluster_id, count in
                                     sorted(r.stack_tallies.items(), key=lambda item: int(groups[item[0]][1:]))
                                     if count > 0 and cluster_id in groups}}
                  for r in canvas.rounds],
    }


def _recipe(workshop: WorkshopData) -> dict | None:
    """The recipe followed, with the room's phase and each table's, tables named by their
    place among the file's canvases (``canvases[i]``)."""
    copy = workshop.recipe
    if not copy:
        return None
    places = {c.id: i for i, c in enumerate(workshop.canvases)}
    tables = sorted((places[int(canvas_id)], phase) for canvas_id, phase in (copy.get("tables") or {}).items()
                    if int(canvas_id) in places)
    started = copy.get("started_at")
    return {**{key: copy[key] for key in RECIPE_FIELDS}, "phase": copy.get("phase"),
            "tables": [{"canvas": place, "phase": phase} for place, phase in tables],
            "started_at": None if started is None else
            datetime.fromtimestamp(started / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")}
def _commitment(commitment: dict, canvases: dict[int, int], note_refs: dict[str, str],
                group_refs: dict[int, str]) -> dict:
    """A commitment, naming its canvas by place in ``canvases`` and its note or group by
    reference (null when the note or group is no longer there: its text stays)."""
    source = commitment["source"]
    if source["kind"] == "cluster":
        ref = group_refs.get(int(source["id"])) if source["id"] else None
    else:
        ref = note_refs.get(source["id"])
    return {
        "canvas": canvases.get(commitment["canvas_id"]), "title": commitment["title"],
        "responsible": commitment["responsible"], "co_responsible": commitment["co_responsible"],
        "due": commitment["due"], "indicator": commitment["indicator"], "status": commitment["status"],
        "source": {"kind": source["kind"], "ref": ref, "text": source["text"], "votes": source["votes"]},
        "created_at": commitment["created_at"], "updated_at": commitment["updated_at"],
    }


def to_dict(workshop: WorkshopData) -> dict:
    templates: list[dict] = []
    canvas_templates = []
    for canvas in workshop.canvases:
        if canvas.template_data not in templates:
            templates.append(canvas.template_data)
        canvas_templates.append(f"t{templates.index(canvas.template_data) + 1}")
    note_refs = {n.id: f"n{i}" for i, n in enumerate((n for c in workshop.canvases for n in c.notes), start=1)}
    group_refs = {k.id: f"g{i}" for i, k in enumerate((k for c in workshop.canvases for k in c.clusters), start=1)}
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported": {"at": _iso(workshop.exported_at), "by": app_version(), "workshop_id": workshop.id,
                     "status": workshop.status},
        "workshop": {"title": workshop.title, "date": workshop.date.isoformat() if workshop.date else None,
                     "language": workshop.language, "anonymous": workshop.anonymous,
                     "anonymous_shows_institution": workshop.anonymous_shows_institution,
                     "facilitators": workshop.facilitators},
        "templates": [{"ref": f"t{i}", "template": t} for i, t in enumerate(templates, start=1)],
        "people": None if workshop.people is None else [
            {"ref": p.ref, "name": p.name, "institution": p.institution, "facilitator": p.facilitator,
             "joined_at": _iso(p.joined_at), "removed_at": _iso(p.removed_at)} for p in workshop.people],
        "canvases": [_canvas(c, t, note_refs, group_refs) for c, t in zip(workshop.canvases, canvas_templates,
                                                                          strict=True)],
        "recipe": _recipe(workshop),
        "commitments": [_commitment(c, {k.id: i for i, k in enumerate(workshop.canvases)}, note_refs, group_refs)
                        for c in workshop.commitments],
    }


def json_bytes(workshop: WorkshopData) -> bytes:
    return json.dumps(to_dict(workshop), ensure_ascii=False, indent=1).encode("utf-8")
