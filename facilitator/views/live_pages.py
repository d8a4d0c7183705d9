"""The facilitator's control room and the projector screen: pages whose
script drives the live controls, plus the join QR code."""

from __future__ import annotations

import io

import segno
from flask import Response, current_app, render_template, url_for
from flask_babel import get_locale

from .. import board, export
from ..board import serialize, visibility
from ..board.actors import projector_token
from ..i18n import use_workshop_language
from ..links import facilitator_links, public_links
from ..links import join_url as join_url  # the other views import it from here
from ..models import Workshop
from ..recipes import recipes_of
from .browser_strings import LIVE_STRINGS, plural_strings
from .canvas_page import canvas_pdf_urls, color_choices, grid_info, template_of
from .reuse import own_recipe_options


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
            "credit": template.credit_line(lang),
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
        return url_for("exports.export_workshop", workshop_id=workshop.id, fmt=fmt, **args)

    return {"report-pdf": url("report-pdf"), "report-md": url("report-md"), "pdf": url("pdf"),
            "pdf-a4": url("pdf", size="a4"), "xlsx": url("xlsx"), "csv": url("csv"), "json": url("json"),
            "decidim-csv": url("decidim-csv"), "decidim-json": url("decidim-json")}


def report_urls_with_hidden(workshop: Workshop) -> dict[str, str]:
    """The reports holding the notes not yet revealed: the export dialog's explicit option."""
    return {fmt: url_for("exports.export_workshop", workshop_id=workshop.id, fmt=fmt, hidden="include")
            for fmt in export.REPORTS}


def render_control_room(workshop: Workshop, actor: board.Actor, token: str) -> str:
    use_workshop_language(workshop.language)
    boot = _boot(workshop, token, actor.public())
    boot["projector_url"] = facilitator_links(workshop)["projector_url"]
    boot["exports"] = export_urls(workshop)
    boot["exports_with_hidden"] = report_urls_with_hidden(workshop)
    boot["lone_institutions"] = visibility.lone_institutions(workshop)
    lang = boot["lang"]
    boot["recipes"] = [{"id": r.id, "name": r.name.get(lang), "template": r.template, "minutes": r.minutes()}
                       for r in recipes_of(current_app)]
    boot["recipes"] += own_recipe_options(actor, lang)
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
        # The grid with its areas and figures: the screen sizes each row and column by what its blocks
        # hold, and draws the shapes the canvas is recognised by (a Value Proposition Canvas's square and circle).
        info.update(grid_info(template_of(by_id[info["id"]])))
    return render_template("projector.html", workshop=workshop, boot=boot)


def qr_svg(url: str) -> Response:
    """The join link as a QR code, drawn here (no outside service)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=10, border=2, dark="#111111", light="#ffffff",
                                    xmldecl=False, title=url)
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.cache_control.max_age = 3600
    return response
