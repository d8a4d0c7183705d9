"""Room names, so every module addresses the same audiences."""


def canvas(canvas_id: int) -> str:
    return f"canvas:{canvas_id}"


def is_canvas(room: str) -> bool:
    return room.startswith("canvas:")


def workshop(workshop_id: int) -> str:
    return f"workshop:{workshop_id}"


def facilitators(workshop_id: int) -> str:
    return f"facilitators:{workshop_id}"


def projectors(workshop_id: int) -> str:
    """The workshop's projector screens (moved or ended together when the code changes)."""
    return f"projectors:{workshop_id}"


def participant(participant_id: int) -> str:
    return f"participant:{participant_id}"
