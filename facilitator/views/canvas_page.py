"""The canvas page, shared by participants and facilitators, and its layout CSS."""

from __future__ import annotations

from flask import Response, render_template, url_for
from flask_babel import get_locale

from .. import board
from ..board import serialize
from ..board.schemas import COLOR_NAMES, MAX_NOTE_TEXT
from ..catalog import Template
from ..i18n import use_workshop_language
from ..models import Canvas
from .browser_strings import CLIENT_STRINGS, plural_strings


def template_of(canvas: Canvas) -> Template:
    """The template snapshot stored with the canvas."""
    return Template.model_validate(canvas.template)


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
    return {"a3": url_for("exports.export_canvas", workshop_id=canvas.workshop_id, canvas_id=canvas.id),
            "a4": url_for("exports.export_canvas", workshop_id=canvas.workshop_id, canvas_id=canvas.id,
                          size="a4")}


def grid_info(template: Template) -> dict:
    """The template's grid for the pages that size its rows and columns by what the blocks hold
    (the board view and the projector, static/js/projector-fit.js): tracks, areas and figures."""
    layout = template.layout
    figures = layout.figures
    return {"layout": {"columns": layout.columns, "rows": layout.rows, "areas": list(layout.areas)},
            "figures": {"square": list(figures.square), "circle": list(figures.circle)} if figures else None}


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
        **grid_info(template),
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
