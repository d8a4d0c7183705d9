"""The canvas page, shared by participants and facilitators, and its layout CSS."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import lazy_gettext as _l

from .. import board
from ..board import serialize
from ..board.schemas import COLOR_NAMES, MAX_NOTE_TEXT
from ..catalog import Template
from ..i18n import use_workshop_language
from ..models import Canvas

# Every text the canvas script shows, translated on the server.
CLIENT_STRINGS = {
    "connected": _l("Connected"),
    "connecting": _l("Connecting…"),
    "reconnecting": _l("Reconnecting… your changes are kept and will be sent."),
    "offline": _l("No connection. Your changes are kept and will be sent."),
    "server_unavailable": _l("The server cannot save right now. Trying to connect again… "
                             "your changes are kept and will be sent."),
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
    "conflict_title_named": _l("%(name)s changed this note while you were writing."),
    "conflict_theirs": _l("The saved text"),
    "conflict_theirs_named": _l("%(name)s's text"),
    "conflict_yours": _l("Your version"),
    "keep_mine": _l("Keep my text"),
    "keep_theirs": _l("Keep the saved text"),
    "keep_theirs_named": _l("Keep %(name)s's text"),
    "replaced_by": _l("%(name)s replaced your text in this note."),
    "replaced_by_someone": _l("Someone replaced your text in this note."),
    "replaced_yours_was": _l("Your text was:"),
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
    # The live session: timer, locks, silent writing, votes, focus, status, the end.
    "sending": _l("Sending…"),
    "no_connection": _l("No connection right now: try again once it is back."),
    "not_sent": _l("Not done: %(reason)s"),
    "no_answer": _l("no answer from the server. Check the connection and try again."),
    "time_left": _l("Time left"),
    "timer_paused": _l("Paused"),
    "time_up": _l("Time is up"),
    "announce_timer_started": _l("A timer has started: %(time)s."),
    "notice_closed": _l("This workshop is closed: everything stays readable, nothing can be changed."),
    "announce_reopened": _l("The workshop is open again."),
    "notice_locked": _l("The facilitator has locked this canvas for now: you can read, not write."),
    "notice_locked_facilitator": _l("This canvas is locked for participants."),
    "announce_locked": _l("The facilitator has locked the canvas for now."),
    "announce_unlocked": _l("The canvas is open for writing again."),
    "announce_block_locked": _l("The facilitator has locked “%(block)s”."),
    "notice_time_locked": _l("Time is up: writing is closed until the facilitator adds time."),
    "notice_hidden": _l("Silent writing: only you and the facilitator see your notes until they are revealed."),
    "notice_hidden_facilitator": _l("Silent writing is on: each participant sees only their own notes."),
    "notice_anonymous": _l("Anonymous canvas: notes show no names."),
    "notice_anonymous_facilitator": _l("Anonymous canvas: participants see no names on the notes."),
    "notice_revealed": _l("The notes have been revealed: everyone sees them now."),
    "block_locked": _l("Locked"),
    "block_focus": _l("The group is here now"),
    "note_private_own": _l("Only you and the facilitator see this"),
    "note_private_facilitator": _l("Hidden from the other participants until the reveal"),
    "note_anonymous": _l("Note (anonymous)"),
    "you_author": _l("You"),
    "in_group": _l("In the group “%(title)s”"),
    "focus_invite": _l("The facilitator invites you to: %(place)s"),
    "ready_on": _l("You told the facilitator you are ready."),
    "ready_off": _l("You are no longer marked as ready."),
    "hand_on": _l("Your hand is raised."),
    "hand_off": _l("Your hand is lowered."),
    "vote": _l("Vote"),
    "vote_take_back": _l("Take back"),
    "vote_for_note": _l("Vote for this note"),
    "vote_take_back_from_note": _l("Take back one vote from this note"),
    "vote_open_bar": _l("Voting is open: you have %(left)s of %(budget)s votes left."),
    "vote_only_in": _l("Only notes in: %(blocks)s."),
    "vote_closed_bar": _l("Voting is closed. Each note shows its votes."),
    "vote_given": _l("Vote given. Votes left: %(left)s."),
    "vote_taken_back": _l("Vote taken back. Votes left: %(left)s."),
    "announce_vote_opened": _l("Voting is open."),
    "announce_vote_closed": _l("Voting is closed: the notes show their votes."),
    "sorted_by_votes": _l("Notes ordered by votes."),
    "sorted_by_place": _l("Notes back in their usual order."),
    "ended_title": _l("Your session has ended"),
    "ended_text": _l("The facilitator ended your participation in this workshop."),
    "ended_hint": _l("What you wrote is kept. You can close this page."),
    "ended_link": _l("Go to the start page"),
    # The facilitator's download of this canvas.
    "download_canvas": _l("Download this canvas"),
    "download_pdf": _l("PDF:"),
    "download_pdf_size": _l("Download this canvas as a PDF, %(size)s"),
}


def template_of(canvas: Canvas) -> Template:
    """The template snapshot stored with the canvas."""
    return Template.model_validate(canvas.template)


def plural_forms(text: Callable[[int], str]) -> dict[str, str]:
    """A counted text in every plural category the page may meet (Intl.PluralRules
    names them); the page puts the number in place of %(count)s."""
    return {"one": text(1), "many": text(1_000_000), "other": text(2)}


def plural_strings() -> dict[str, dict[str, str]]:
    """Counted texts of the live pages, translated now (inside the request)."""
    keep = "%(count)s"
    return {
        "hidden_notes": plural_forms(
            lambda n: ngettext("%(count)s hidden note", "%(count)s hidden notes", n, count=keep)),
        "votes_count": plural_forms(lambda n: ngettext("%(count)s vote", "%(count)s votes", n, count=keep)),
        "your_votes_on_note": plural_forms(
            lambda n: ngettext("%(count)s vote from you", "%(count)s votes from you", n, count=keep)),
        "voters_count": plural_forms(
            lambda n: ngettext("%(count)s person has voted", "%(count)s people have voted", n, count=keep)),
        "notes_n": plural_forms(lambda n: ngettext("%(count)s note", "%(count)s notes", n, count=keep)),
        "empty_blocks_n": plural_forms(
            lambda n: ngettext("%(count)s empty block", "%(count)s empty blocks", n, count=keep)),
        "people_n": plural_forms(lambda n: ngettext("%(count)s person", "%(count)s people", n, count=keep)),
        "more_notes": plural_forms(
            lambda n: ngettext("%(count)s more note: open the block", "%(count)s more notes: open the block",
                               n, count=keep)),
    }


def _strings() -> dict:
    return {**{key: str(value) for key, value in CLIENT_STRINGS.items()}, **plural_strings()}


def color_choices() -> list[dict]:
    """The palette as the pages' scripts offer it, named in the page's language."""
    return [{"id": color, "label": str(name)} for color, name in COLOR_NAMES.items()]


def workshop_canvases(canvas: Canvas, lang: str) -> list[dict]:
    """The workshop's canvases with their block titles (where the facilitator may invite everyone)."""
    return [{"id": c.id, "name": c.name, "url": url_for("public.canvas", canvas_id=c.id),
             "blocks": {b["id"]: b["title"].get(lang) or b["title"]["es"] for b in c.template["blocks"]}}
            for c in canvas.workshop.canvases]


def canvas_pdf_urls(canvas: Canvas) -> dict[str, str]:
    """Where a facilitator downloads the canvas drawn like the sheet, in A3 and A4."""
    return {"a3": url_for("facilitator.export_canvas", workshop_id=canvas.workshop_id, canvas_id=canvas.id),
            "a4": url_for("facilitator.export_canvas", workshop_id=canvas.workshop_id, canvas_id=canvas.id,
                          size="a4")}


def render_canvas(canvas: Canvas, actor: board.Actor, token: str) -> str:
    """Render the canvas page; the script gets its data from a JSON block (no inline code)."""
    use_workshop_language(canvas.workshop.language)
    lang = str(get_locale())
    template = template_of(canvas)
    blocks = [{"id": b.id, "title": b.title.get(lang), "question": b.question.get(lang), "inside": b.inside}
              for b in template.blocks]
    boot = {
        "canvas": serialize.canvas(canvas),
        "workshop": {"id": canvas.workshop.id, "title": canvas.workshop.title, "code": canvas.workshop.code,
                     "canvases": workshop_canvases(canvas, lang)},
        "token": token,
        "me": actor.public(),
        "lang": lang,
        "blocks": blocks,
        "colors": color_choices(),
        "limits": {"text": MAX_NOTE_TEXT},
        "strings": _strings(),
    }
    if actor.is_facilitator:  # participants get no download links (the routes refuse them anyway)
        boot["exports"] = {"canvas_pdf": canvas_pdf_urls(canvas)}
    return render_template("canvas.html", canvas=canvas, workshop=canvas.workshop, template=template,
                           lang=lang, boot=boot, me=actor)


def board_rows(rows: str) -> str:
    """The template's rows for the board view, which fills the screen and never grows:
    a row sized by its content (``auto``) gets a smaller share instead, and no row's
    notes may stretch it (``minmax(0, ...)``); dense blocks compact their notes."""
    tracks = []
    for track in rows.split():
        if track == "auto":
            tracks.append("minmax(0, 0.6fr)")
        elif track.endswith("fr"):
            tracks.append(f"minmax(0, {track})")
        else:
            tracks.append(track)
    return " ".join(tracks)


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
    css += (f".board-viewport .sheet[data-canvas='{canvas.id}'] {{ grid-template-rows: "
            f"{board_rows(template.layout.rows)}; }}\n")
    response = Response(css, mimetype="text/css")
    response.cache_control.max_age = 300
    return response
