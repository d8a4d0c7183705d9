"""Plain-dict views of rows, as sent to clients and stored in events."""

from __future__ import annotations

from datetime import datetime

from ..models import Canvas, Cluster, Note, Participant


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def person(participant: Participant) -> dict:
    return person_of(participant.id, participant.name, participant.institution, participant.facilitator_id,
                     participant.imported_role)


def person_of(participant_id: int, name: str, institution: str | None, facilitator_id: int | None,
              imported_role: str | None) -> dict:
    """``person`` from a participant's columns (when they were read without the row)."""
    return {
        "id": participant_id,
        "name": name,
        "institution": institution or None,
        "facilitator": facilitator_id is not None or imported_role == "facilitator",
    }


def note(note: Note, votes: int | None = None, author: dict | None = None) -> dict:
    """A note's full data; ``votes`` is its tally in the canvas's last closed round.
    ``note`` may be a row of the note's columns, with its ``author`` given as ``person``."""
    return {
        "id": note.id,
        "block": note.block,
        "text": note.text,
        "color": note.color,
        "position": note.position,
        "version": note.version,
        "author": author if author is not None else person(note.author),
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
        "hidden": note.hidden,
        "cluster_id": note.cluster_id,
        "votes": votes,
    }


def canvas(canvas: Canvas) -> dict:
    return {
        "id": canvas.id,
        "workshop_id": canvas.workshop_id,
        "name": canvas.name,
        "template_id": canvas.template_id,
        "notes_editable_by_all": canvas.notes_editable_by_all,
    }


def controls(canvas: Canvas) -> dict:
    """The facilitator's settings on a canvas, as every viewer may know them."""
    return {
        "locked": canvas.locked,
        "locked_blocks": list(canvas.locked_blocks or []),
        "hidden": canvas.hidden,
        "anonymous": canvas.anonymous,
        "notes_editable_by_all": canvas.notes_editable_by_all,
        "timer": canvas.timer,
    }


def cluster(cluster: Cluster) -> dict:
    """A group of notes (a stack): its notes say which one through their ``cluster_id``."""
    return {"id": cluster.id, "block": cluster.block, "title": cluster.title}
