"""The facilitator's control room and the projector screen: pages whose
script drives the live controls, plus the join QR code."""

from __future__ import annotations

import io

import segno
from flask import Response, current_app, g, render_template, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .. import board
from ..board import serialize
from ..board.actors import projector_token
from ..models import Workshop
from .canvas_page import COLOR_LABELS, template_of

# Texts the control room and projector scripts show, translated on the server.
LIVE_STRINGS = {
    "connected": _l("Connected"),
    "reconnecting": _l("Reconnecting…"),
    "offline": _l("No connection"),
    "online_now": _l("online now"),
    "seen_earlier": _l("seen earlier"),
    "notes": _l("notes"),
    "empty_blocks": _l("empty blocks"),
    "ready": _l("ready"),
    "hands": _l("raised hands"),
    "open_canvas": _l("Open"),
    "lock": _l("Lock"),
    "unlock": _l("Unlock"),
    "locked": _l("Locked"),
    "hidden_mode": _l("Silent writing"),
    "reveal": _l("Reveal"),
    "anonymous": _l("Anonymous"),
    "start_vote": _l("Open a vote"),
    "close_vote": _l("Close the vote"),
    "voters": _l("have voted"),
    "timer": _l("Timer"),
    "start": _l("Start"),
    "pause": _l("Pause"),
    "resume": _l("Resume"),
    "stop": _l("Stop"),
    "add_minute": _l("+1 min"),
    "remove_minute": _l("−1 min"),
    "lock_on_end": _l("Lock when time is up"),
    "whole_workshop": _l("Whole workshop"),
    "focus": _l("Bring everyone here"),
    "clear_focus": _l("Clear focus"),
    "projector_shows": _l("The projector shows"),
    "show_join": _l("Join screen"),
    "show_canvas": _l("This canvas"),
    "show_results": _l("Voting results"),
    "show_timer": _l("Timer"),
    "reset_ready": _l("Reset ready and hands"),
    "remove": _l("Remove"),
    "remove_confirm": _l("Remove %(name)s from the workshop? "
                         "They will not be able to come back with the same identity."),
    "close_workshop": _l("Close the workshop"),
    "close_confirm": _l("Close the workshop? Everything becomes read-only; it stays viewable and exportable."),
    "reopen_workshop": _l("Reopen the workshop"),
    "time_up": _l("Time is up"),
    "join_at": _l("Join at"),
    "with_code": _l("with the code"),
    "votes": _l("votes"),
    "hidden_notes": _l("hidden notes"),
    "waiting": _l("Waiting for the facilitator…"),
    "error_generic": _l("That did not work. Try again."),
}


def _strings() -> dict[str, str]:
    return {key: str(value) for key, value in LIVE_STRINGS.items()}


def join_url(code: str) -> str:
    """The join link to share; PUBLIC_URL sets the host when behind a proxy."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for("public.join", code=code)
    return url_for("public.join", code=code, _external=True)


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
        "workshop": {"id": workshop.id, "title": workshop.title, "code": workshop.code,
                     "join_url": join_url(workshop.code),
                     "qr_url": url_for("public.join_qr", code=workshop.code)},
        "token": token,
        "me": me,
        "lang": lang,
        "canvases": _canvases(workshop, lang),
        "colors": [{"id": c, "label": str(label)} for c, label in COLOR_LABELS.items()],
        "strings": _strings(),
    }


def render_control_room(workshop: Workshop, actor: board.Actor, token: str) -> str:
    g.workshop_language = workshop.language
    boot = _boot(workshop, token, actor.public())
    boot["projector_url"] = url_for("public.projector", token=projector_token(workshop), _external=True)
    return render_template("control_room.html", workshop=workshop, boot=boot)


def render_projector(workshop: Workshop) -> str:
    g.workshop_language = workshop.language
    return render_template("projector.html", workshop=workshop,
                           boot=_boot(workshop, projector_token(workshop), None))


def qr_svg(url: str) -> Response:
    """The join link as a QR code, drawn here (no outside service)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=10, border=2, dark="#111111", light="#ffffff",
                                    xmldecl=False, title=url)
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.cache_control.max_age = 3600
    return response
