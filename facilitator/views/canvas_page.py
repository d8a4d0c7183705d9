"""The canvas page, shared by participants and facilitators, and its layout CSS."""

from __future__ import annotations

from flask import Response, g, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .. import board
from ..board import serialize
from ..board.schemas import COLORS, MAX_NOTE_TEXT
from ..catalog import Template
from ..models import Canvas

COLOR_LABELS = {
    "yellow": _l("Yellow"), "pink": _l("Pink"), "blue": _l("Blue"),
    "green": _l("Green"), "orange": _l("Orange"), "purple": _l("Purple"),
}

# Every text the canvas script shows, translated on the server.
CLIENT_STRINGS = {
    "connected": _l("Connected"),
    "connecting": _l("Connecting…"),
    "reconnecting": _l("Reconnecting… your changes are kept and will be sent."),
    "offline": _l("No connection. Your changes are kept and will be sent."),
    "saving": _l("Saving…"),
    "saved": _l("Saved"),
    "pending": _l("Waiting to be sent"),
    "add_note": _l("Add a note"),
    "add_note_to": _l("Add a note to “%(block)s”"),
    "new_note_placeholder": _l("Write your idea…"),
    "edit": _l("Edit"),
    "done": _l("Done"),
    "cancel": _l("Cancel"),
    "delete": _l("Delete"),
    "delete_confirm": _l("Delete this note?"),
    "move_to": _l("Move to…"),
    "color": _l("Colour"),
    "note_menu": _l("Note options"),
    "editing_by": _l("%(name)s is editing"),
    "people_here": _l("People on this canvas"),
    "you": _l("you"),
    "facilitator": _l("facilitator"),
    "notes_count": _l("notes"),
    "back_to_blocks": _l("All blocks"),
    "conflict_title": _l("Someone else changed this note while you were writing."),
    "conflict_theirs": _l("Their version"),
    "conflict_yours": _l("Your version"),
    "keep_mine": _l("Keep my text"),
    "keep_theirs": _l("Keep theirs"),
    "too_long": _l("A note can hold up to %(max)s characters.", max=MAX_NOTE_TEXT),
    "chars_left": _l("characters left"),
    "error_forbidden": _l("You cannot change this note."),
    "error_not_found": _l("This note no longer exists."),
    "error_locked": _l("This canvas is locked for now."),
    "error_invalid": _l("This change could not be saved."),
    "error_generic": _l("Something went wrong; your text is kept."),
    "note_added": _l("New note in %(block)s"),
    "session_ended": _l("Your access to this workshop has ended. Join again with the code."),
    "note_by": _l("Note by %(name)s"),
    "drag_to_move": _l("Drag to move the note"),
    "moved_to": _l("Note moved to “%(block)s”"),
    "note_deleted": _l("Note deleted"),
    "dismiss": _l("Dismiss"),
}


def template_of(canvas: Canvas) -> Template:
    """The template snapshot stored with the canvas."""
    return Template.model_validate(canvas.template)


def _strings() -> dict[str, str]:
    return {key: str(value) for key, value in CLIENT_STRINGS.items()}


def render_canvas(canvas: Canvas, actor: board.Actor, token: str) -> str:
    """Render the canvas page; the script gets its data from a JSON block (no inline code)."""
    g.workshop_language = canvas.workshop.language
    lang = str(get_locale())
    template = template_of(canvas)
    blocks = [{"id": b.id, "title": b.title.get(lang), "question": b.question.get(lang), "inside": b.inside}
              for b in template.blocks]
    boot = {
        "canvas": serialize.canvas(canvas),
        "workshop": {"id": canvas.workshop.id, "title": canvas.workshop.title, "code": canvas.workshop.code},
        "token": token,
        "me": actor.public(),
        "lang": lang,
        "blocks": blocks,
        "colors": [{"id": c, "label": str(COLOR_LABELS[c])} for c in COLORS],
        "limits": {"text": MAX_NOTE_TEXT},
        "strings": _strings(),
    }
    return render_template("canvas.html", canvas=canvas, workshop=canvas.workshop, template=template,
                           lang=lang, boot=boot, me=actor)


def layout_css(canvas: Canvas) -> Response:
    """The sheet's grid as a stylesheet, so pages need no inline styles."""
    template = template_of(canvas)
    css = (
        f".sheet[data-canvas='{canvas.id}'] {{\n"
        f"  grid-template-columns: {template.layout.columns};\n"
        f"  grid-template-rows: {template.layout.rows};\n"
        f"  grid-template-areas: {template.css_areas()};\n}}\n"
    )
    css += "".join(f".sheet[data-canvas='{canvas.id}'] .block[data-block='{b.id}'] {{ grid-area: {b.id}; }}\n"
                   for b in template.top_blocks())
    response = Response(css, mimetype="text/css")
    response.cache_control.max_age = 300
    return response
