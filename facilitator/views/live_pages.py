"""The facilitator's control room and the projector screen: pages whose
script drives the live controls, plus the join QR code."""

from __future__ import annotations

import io

import segno
from flask import Response, render_template, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .. import board, export
from ..board import serialize, visibility
from ..board.actors import projector_token
from ..i18n import use_workshop_language
from ..links import facilitator_links, public_links
from ..links import join_url as join_url  # the other views import it from here
from ..models import Workshop
from .canvas_page import canvas_pdf_urls, color_choices, plural_strings, template_of

# Texts the control room and projector scripts show, translated on the server.
# The canvases drawn as a square (value map) beside a circle (customer profile): the canvases notes, §2 and §4.
VALUE_PROPOSITION_TEMPLATES = frozenset({"value-proposition-canvas", "public-value-proposition-canvas"})

LIVE_STRINGS = {
    # connection and sending
    "connecting": _l("Connecting…"),
    "connected": _l("Connected"),
    "reconnecting": _l("Reconnecting…"),
    "offline": _l("No connection"),
    "server_unavailable": _l("The server cannot save right now. Trying to connect again…"),
    "access_ended": _l("This page cannot connect any more: reload it, or log in again."),
    "sending": _l("Sending…"),
    "done_ok": _l("Done."),
    "not_done": _l("Not done: %(reason)s"),
    "no_answer": _l("no answer from the server. Check the connection and try again."),
    "no_connection": _l("No connection right now: try again once it is back."),
    "cancel": _l("Cancel"),
    # canvases
    "open_canvas": _l("Open"),
    "open_canvas_named": _l("Open %(name)s"),
    "online_now": _l("Online now"),
    "seen_earlier": _l("Seen earlier"),
    "ready_label": _l("Ready:"),
    "hands_label": _l("Raised hands:"),
    "block": _l("Block"),
    "notes": _l("Notes"),
    "hidden_short": _l("Hidden"),
    "empty": _l("empty"),
    "blocks_of": _l("Blocks of %(name)s"),
    "lock": _l("Lock"),
    "lock_block": _l("Lock “%(block)s”"),
    "lock_canvas": _l("Lock the canvas"),
    "locked": _l("Locked"),
    "focus_short": _l("Focus"),
    "invite": _l("Invite"),
    "focus_block": _l("Invite everyone to “%(block)s”"),
    "focus": _l("Bring everyone here"),
    "hidden_mode": _l("Silent writing"),
    "reveal": _l("Reveal"),
    "reveal_count": _l("Reveal (%(count)s hidden)"),
    "anonymous": _l("Anonymous"),
    "project_canvas": _l("Show on the projector"),
    "project_results": _l("Show the results on the projector"),
    "more_controls": _l("Timer, vote and groups"),
    "canvas_timer": _l("Timer of this canvas"),
    "vote_open_flag": _l("Voting open"),
    "choose_table": _l("Choose %(name)s for the room's controls"),
    "details": _l("Details and controls"),
    "details_of": _l("Details and controls of %(name)s"),
    "blocks_locked": _l("Blocks locked: %(count)s"),
    "timer_running": _l("Timer"),
    "stat_online": _l("%(count)s online"),
    "stat_ready": _l("Ready %(count)s/%(of)s"),
    "stat_hands": _l("Hands up: %(count)s"),
    "in_focus": _l("In focus"),
    # the room's toolbar: every table, or the chosen ones
    "bulk_title": _l("At every table at once"),
    "bulk_for": _l("For:"),
    "bulk_all": _l("all tables (%(count)s)"),
    "bulk_some": _l("chosen tables (%(count)s)"),
    "bulk_writing": _l("Writing"),
    "bulk_silent_on": _l("Silent writing on"),
    "bulk_silent_off": _l("Silent writing off"),
    "bulk_lock": _l("Lock"),
    "bulk_unlock": _l("Unlock"),
    "bulk_timer": _l("Timer of the tables"),
    "bulk_timer_start": _l("Start the timer"),
    "bulk_timer_stop": _l("Stop the timer"),
    "bulk_votes_each": _l("Votes each"),
    "bulk_none_chosen": _l("No table is chosen: tick the tables on their cards, or choose all tables."),
    "bulk_sending": _l("%(what)s: sending to %(count)s tables…"),
    "bulk_done": _l("%(what)s: done at %(count)s tables."),
    "bulk_partly": _l("%(what)s: done at %(done)s of %(count)s tables. Not done at %(failed)s"),
    # timers
    "workshop_timer": _l("Timer of the whole workshop"),
    "no_timer": _l("No timer running."),
    "time_left": _l("Time left"),
    "timer_paused": _l("Paused"),
    "time_up": _l("Time is up"),
    "locks_at_end": _l("Writing locks when the time is up."),
    "minutes": _l("Minutes"),
    "minutes_invalid": _l("Give a number of minutes between 0.5 and 360."),
    "start": _l("Start"),
    "restart": _l("Start again"),
    "pause": _l("Pause"),
    "resume": _l("Resume"),
    "stop": _l("Stop"),
    "add_minute": _l("+1 min"),
    "add_minute_label": _l("+1 min (one minute more)"),
    "remove_minute": _l("−1 min"),
    "remove_minute_label": _l("−1 min (one minute less)"),
    "lock_on_end": _l("Lock when time is up"),
    # voting
    "dot_voting": _l("Dot voting"),
    "votes_per_person": _l("Votes per person"),
    "max_per_note": _l("Most votes one person can give a note"),
    "allow_own": _l("People may vote for their own notes"),
    "only_some_blocks": _l("Only some blocks (optional)"),
    "start_vote": _l("Open a vote"),
    "close_vote": _l("Close the vote"),
    "results": _l("Results"),
    "no_votes": _l("No votes were given."),
    "vote_numbers_invalid": _l("Give whole numbers from 1 to 50."),
    "vote_max_over_budget": _l("The most votes on one note cannot exceed the votes per person."),
    # groups
    "groups": _l("Groups of notes"),
    "group_title": _l("Title of the group"),
    "notes_to_group": _l("Notes to group"),
    "no_notes_in_block": _l("This block has no notes yet."),
    "group_notes": _l("Group the chosen notes"),
    "group_needs_title": _l("Give the group a title."),
    "group_needs_notes": _l("Choose at least one note."),
    "ungroup": _l("Ungroup"),
    "ungroup_named": _l("Ungroup “%(title)s”"),
    # the session
    "session": _l("Session"),
    "focus_legend": _l("Focus"),
    "focus_now": _l("Everyone is invited to: %(place)s"),
    "no_focus": _l("No focus: everyone works where they are."),
    "clear_focus": _l("Clear focus"),
    "projector": _l("Projector"),
    "projector_help": _l("Open this link on the computer connected to the projector; it needs no login."),
    "projector_link": _l("Link of the projector screen"),
    "open_projector": _l("Open the projector screen"),
    "projector_shows": _l("The projector shows"),
    "projector_now": _l("Now on the projector: %(what)s"),
    "show_on_projector": _l("Show"),
    "projector_zoom": _l("Zoom in on the block in focus"),
    "show_join": _l("Join screen"),
    "show_timer": _l("Timer"),
    "show_canvas_named": _l("Canvas %(name)s"),
    "show_results_named": _l("Voting results of %(name)s"),
    "ready_and_hands": _l("Ready and raised hands"),
    "reset_ready": _l("Reset ready and hands"),
    "hand_raised_by": _l("%(name)s raised a hand"),
    "workshop_legend": _l("Workshop"),
    "workshop_open_now": _l("The workshop is open."),
    "workshop_closed_now": _l("The workshop is closed: read-only for everyone."),
    "close_workshop": _l("Close the workshop"),
    "close_confirm": _l("Close the workshop? Everything becomes read-only; it stays viewable and exportable."),
    "reopen_workshop": _l("Reopen the workshop"),
    "new_code": _l("New join code"),
    "new_code_confirm": _l("Give the workshop a new join code? The code %(code)s and the current projector link "
                           "stop working at once. People already in keep their places, and the projector screen "
                           "open now moves to the new link."),
    "new_code_disconnect": _l("Also disconnect the projector screens open now (if the projector link was seen "
                              "by others)"),
    "new_code_now": _l("New join code: %(code)s"),
    "show_institutions": _l("Institutions on anonymous canvases"),
    "show_institutions_help": _l("On an anonymous canvas nobody sees who wrote a note. With this on, "
                                 "participants, the projector and the exports still see the author's institution."),
    "lone_institutions": _l("Institutions with a single participant: %(institutions)s. On the anonymous canvases "
                            "(%(canvases)s) and in the exports, the institution shown on a note names its author."),
    "hide_institutions": _l("Hide institutions on anonymous canvases"),
    # people
    "participants": _l("Participants"),
    "person": _l("Person"),
    "where": _l("Where"),
    "status": _l("Status"),
    "ready": _l("Ready"),
    "hands": _l("Raised hand"),
    "nobody_yet": _l("Nobody has joined yet."),
    "online_of": _l("Online now: %(count)s of %(total)s"),
    "by_table": _l("People online by table"),
    "by_institution": _l("By institution"),
    "by_institution_n": _l("By institution (%(count)s)"),
    "no_institution": _l("No institution given"),
    "show_names": _l("Show names"),
    "show_names_n": _l("Show names (%(count)s)"),
    "remove": _l("Remove"),
    "remove_named": _l("Remove %(name)s"),
    "remove_confirm": _l("Remove %(name)s from the workshop? "
                         "They will not be able to come back with the same identity."),
    # the projector
    "join_at": _l("Join at"),
    "with_code": _l("with the code"),
    "waiting": _l("Waiting for the facilitator…"),
    "results_of": _l("Voting results · %(name)s"),
    "vote_in_progress": _l("Voting in progress"),
    "no_vote_yet": _l("No vote has been closed on this canvas yet."),
    "no_timer_projector": _l("No timer is running."),
    "timer_paused_projector": _l("Paused"),
    "anonymous_note": _l("Anonymous"),
    "projector_closed_title": _l("The workshop is closed"),
    "projector_closed": _l("The projector shows nothing more. If the workshop is reopened, reload this page."),
    "projector_link_ended_title": _l("This projector link no longer works"),
    "projector_link_ended": _l("The join code was changed. Open the current link from the control room."),
    "in_focus_label": _l("in focus"),
    # exports
    "exports": _l("Export the results"),
    "exports_help": _l("Files in the workshop's language. The workshop report leaves out the notes not yet revealed "
                       "(silent writing) unless you include them; the other files hold them, marked as hidden. "
                       "Anonymous canvases never name their authors."),
    "include_hidden": _l("Include the notes not yet revealed in the report"),
    "export_report_pdf": _l("Workshop report (PDF)"),
    "export_report_md": _l("Workshop report (Markdown)"),
    "export_pdf": _l("Every canvas (PDF, A3)"),
    "export_pdf_a4": _l("Every canvas (PDF, A4)"),
    "export_xlsx": _l("Spreadsheet (XLSX)"),
    "export_csv": _l("All notes (CSV)"),
    "export_json": _l("Workshop file to import elsewhere (JSON)"),
    "card_pdf": _l("PDF:"),
    "card_pdf_size": _l("Download %(name)s as a PDF, %(size)s"),
}


def _strings() -> dict:
    return {**{key: str(value) for key, value in LIVE_STRINGS.items()}, **plural_strings()}


def _canvases(workshop: Workshop, lang: str) -> list[dict]:
    result = []
    for canvas in workshop.canvases:
        template = template_of(canvas)
        result.append({
            **serialize.canvas(canvas),
            "template_name": template.name.get(lang),
            "kind": template.kind,
            "credit": template.credit.line.get(lang),
            "layout_css": url_for("public.canvas_layout", canvas_id=canvas.id),
            "blocks": [{"id": b.id, "title": b.title.get(lang), "question": b.question.get(lang),
                        "inside": b.inside} for b in template.blocks],
        })
    return result


def _boot(workshop: Workshop, token: str, me: dict | None) -> dict:
    lang = str(get_locale())
    return {
        "workshop": {"id": workshop.id, "title": workshop.title, **public_links(workshop)},
        "token": token,
        "me": me,
        "lang": lang,
        "canvases": _canvases(workshop, lang),
        "colors": color_choices(),
        "strings": _strings(),
    }


def export_urls(workshop: Workshop) -> dict[str, str]:
    """The workshop's downloads, in the order the control room lists them (docs/export-format.md)."""
    def url(fmt: str, **args) -> str:
        return url_for("facilitator.export_workshop", workshop_id=workshop.id, fmt=fmt, **args)

    return {"report-pdf": url("report-pdf"), "report-md": url("report-md"), "pdf": url("pdf"),
            "pdf-a4": url("pdf", size="a4"), "xlsx": url("xlsx"), "csv": url("csv"), "json": url("json")}


def report_urls_with_hidden(workshop: Workshop) -> dict[str, str]:
    """The reports holding the notes not yet revealed: the export dialog's explicit option."""
    return {fmt: url_for("facilitator.export_workshop", workshop_id=workshop.id, fmt=fmt, hidden="include")
            for fmt in export.REPORTS}


def render_control_room(workshop: Workshop, actor: board.Actor, token: str) -> str:
    use_workshop_language(workshop.language)
    boot = _boot(workshop, token, actor.public())
    boot["projector_url"] = facilitator_links(workshop)["projector_url"]
    boot["exports"] = export_urls(workshop)
    boot["exports_with_hidden"] = report_urls_with_hidden(workshop)
    boot["lone_institutions"] = visibility.lone_institutions(workshop)
    by_id = {canvas.id: canvas for canvas in workshop.canvases}
    for info in boot["canvases"]:  # the control room's only: the projector's boot has no downloads
        info["pdf"] = canvas_pdf_urls(by_id[info["id"]])
    return render_template("control_room.html", workshop=workshop, boot=boot)


def render_projector(workshop: Workshop) -> str:
    """The projector screen; its boot holds each canvas's grid, which the screen stretches to fill itself."""
    use_workshop_language(workshop.language)
    boot = _boot(workshop, projector_token(workshop), None)
    by_id = {canvas.id: canvas for canvas in workshop.canvases}
    for info in boot["canvases"]:
        template = template_of(by_id[info["id"]])
        layout = template.layout
        # The areas too: the screen sizes each row and column by what its blocks hold.
        info["layout"] = {"columns": layout.columns, "rows": layout.rows, "areas": list(layout.areas)}
        # A Value Proposition Canvas draws the value map's square and the customer profile's circle,
        # the blocks left and right of its empty column.
        info["figures"] = template.id in VALUE_PROPOSITION_TEMPLATES
    return render_template("projector.html", workshop=workshop, boot=boot)


def qr_svg(url: str) -> Response:
    """The join link as a QR code, drawn here (no outside service)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=10, border=2, dark="#111111", light="#ffffff",
                                    xmldecl=False, title=url)
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.cache_control.max_age = 3600
    return response
