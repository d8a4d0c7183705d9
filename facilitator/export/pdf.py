"""Canvas PDFs drawn like the real sheet: landscape A3 (or A4), the template's
grid, block titles and guiding questions, every note in its colour with its
author and votes, the credit line and the workshop in the margins, and
continuation pages for blocks with more notes than room."""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext
from fpdf import FPDF

from . import fonts, labels
from .data import CanvasData, NoteData, WorkshopData
from .layout import FLOOR_PT, PT, STYLES, Heading, Measure, Placed, Planner, Rect, Style

INK = (33, 37, 41)
MUTED = (96, 104, 112)
RULE = (70, 70, 70)
ACCENT = (0, 92, 138)
NOTE_COLORS = {  # fill, edge
    "yellow": ((255, 240, 150), (222, 200, 90)),
    "pink": ((255, 204, 224), (224, 150, 180)),
    "blue": ((196, 225, 255), (130, 175, 225)),
    "green": ((205, 240, 196), (140, 200, 130)),
    "orange": ((255, 214, 170), (230, 165, 100)),
    "purple": ((226, 212, 255), (170, 150, 220)),
}
SIZES = tuple(STYLES)
SHAPE_FILL = (236, 244, 249)
SHAPE_LINE = (150, 192, 218)


@dataclass(frozen=True)
class Mark:
    """Where something was drawn (for tests and for anyone checking a file): page from 1, mm."""

    page: int
    kind: str  # "block", "heading", "note"
    block: str
    key: str
    rect: Rect


def _texts(value) -> list[str]:
    """Every string in the read model (to know which fallback fonts a document needs)."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        return [t for f in dataclasses.fields(value) for t in _texts(getattr(value, f.name))]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [t for v in value for t in _texts(v)]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _texts(k) + _texts(v)]
    return []


def right_to_left(line: str) -> bool:
    """Whether the first letter with a direction is Arabic or Hebrew (or another right-to-left script)."""
    for ch in line:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


class Document(FPDF):
    """An FPDF with Lienzo's font and a record of what went where."""

    def __init__(self, workshop: WorkshopData, title: str):
        super().__init__(unit="mm", format="A4")
        self.workshop = workshop
        self.set_auto_page_break(False)
        self.set_margin(0)
        self.set_compression(True)
        self.c_margin = 0
        self.shaping = False  # HarfBuzz on for the lines that need it (fonts.needs_shaping)
        # "→" starts the line that says where a block's other notes are
        fallbacks = fonts.add_fonts(self, "→" + title + "".join(_texts(workshop)))
        chain = [(fonts.coverage(Path(self.fonts[f.lower()].ttffile)), self.fonts[f.lower()].cw) for f in fallbacks]
        self.scripts = [(family, cover) for family, (cover, _cw) in zip(fallbacks, chain, strict=True)]
        covered = fonts.coverage(fonts.font_files()[""])
        self.covered = {style: fonts.coverage(path) for style, path in fonts.font_files().items()}
        self.measure = {}
        for style in fonts.STYLES:
            self.set_font(fonts.FAMILY, style, 10)
            self.measure[style] = Measure(self.current_font.cw, chain, covered)
        self.set_title(title)
        self.set_author(", ".join(workshop.facilitators))
        self.set_creator("Lienzo")
        self.set_lang(workshop.language)
        self.marks: list[Mark] = []

    def script_family(self, line: str) -> str | None:
        """The fallback family of the line's first right-to-left letter."""
        for ch in line:
            if unicodedata.bidirectional(ch) in ("R", "AL"):
                return next((family for family, cover in self.scripts if ord(ch) in cover), None)
        return None

    def mark(self, kind: str, block: str, key: str, rect: Rect) -> None:
        self.marks.append(Mark(self.page, kind, block, key, rect))

    def write_lines(self, x: float, y: float, lines: list[str], pt: float, style: str = "",
                    color: tuple[int, int, int] = INK, align_right: float | None = None,
                    width: float | None = None, leading: float = 1.2) -> float:
        """Set lines from top ``y``; returns the y under the last one. A right-to-left line
        (Arabic, Hebrew) is set flush right when ``width`` says how wide its column is."""
        self.set_font(fonts.FAMILY, style, pt)
        self.set_text_color(*color)
        step = pt * 25.4 / 72 * leading
        for line in lines:
            if line:
                line = fonts.printable_glyphs(line)
                shaped = fonts.needs_shaping(line)
                if shaped != self.shaping:
                    self.set_text_shaping(shaped)
                    self.shaping = shaped
                w = self.measure[style].width(line, pt)
                if width is not None and right_to_left(line):  # flush right, as shaped (cell measures it)
                    # Set in the script's own font (its spaces too), so the line is one run that
                    # readers give back in logical order; Noto Sans is its fallback for the rest.
                    self.set_font(self.script_family(line) or fonts.FAMILY, "", pt)
                    self.set_xy(x, y)
                    self.cell(width, step, line, align="R", new_x="LEFT", new_y="TOP")
                    self.set_font(fonts.FAMILY, style, pt)
                    y += step
                    continue
                left = x if align_right is None else align_right - w
                if shaped or not self.covered[style].issuperset(map(ord, line)):
                    # cell(), unlike text(), shapes the line (HarfBuzz) and uses the fallback fonts.
                    self.set_xy(left, y)
                    self.cell(w + 0.01, step, line, new_x="LEFT", new_y="TOP")
                    self.set_font(fonts.FAMILY, style, pt)  # cell() leaves the last fallback font current
                else:  # text() is four times cheaper; the same baseline as cell()'s
                    self.text(left, y + step * 0.5 + pt * PT * 0.3, line)
            y += step
        return y

    def title_lines(self, style: Style, date_left: float) -> tuple[list[str], float]:
        """The workshop's title wrapped left of the date, as large as fits above the grid
        with the subtitle (down to the floor; past it, the last line ends with "…")."""
        width = date_left - 5 - style.margin
        room = _title_room(style) - style.line(style.title_pt)
        measure = self.measure["B"]
        pt = style.head_pt
        while True:
            lines = measure.wrap(self.workshop.title, width, pt)
            if len(lines) * pt * PT * 1.15 <= room or pt <= FLOOR_PT:
                break
            pt = max(FLOOR_PT, pt - 0.5)
        fit = max(1, int(room // (pt * PT * 1.15)))
        if len(lines) > fit:
            last = lines[fit - 1]
            while last and measure.width(last + " …", pt) > width:
                last = last[:-1]
            lines = [*lines[:fit - 1], last.rstrip() + " …"]
        return lines, pt

    def page_margins(self, style: Style, credit: str | None, subtitle: str) -> None:
        """The workshop's title and date on top, the template's credit line and the page number below."""
        w = self.workshop
        m = style.margin
        right = style.width - m
        when = labels.long_date(w.date)
        lines, pt = self.title_lines(style, right - self.measure[""].width(when, style.title_pt))
        y = self.write_lines(m, m - 2, lines, pt, "B", leading=1.15)
        self.write_lines(m, y, [subtitle], style.title_pt, "", MUTED)
        self.write_lines(0, m - 2, [when], style.title_pt, "", MUTED, align_right=right)
        foot_y = style.height - m - style.footer_h + 2.5
        page_label = _("Page %(page)s of %(pages)s", page=self.page, pages="{nb}")
        label_w = self.measure[""].width(page_label + "00", style.meta_pt) + 12
        if credit:
            lines = self.measure[""].wrap(credit, style.width - 2 * m - label_w, style.meta_pt)
            self.write_lines(m, foot_y, lines, style.meta_pt, "", MUTED)
        # cell(), unlike text(), fills in the total page count ({nb}) when the file is written.
        self.set_font(fonts.FAMILY, "", style.meta_pt)
        self.set_text_color(*MUTED)
        self.set_xy(right - label_w, foot_y)
        self.cell(label_w, style.line(style.meta_pt), f"Lienzo · {page_label}", align="R")


def _title_room(style: Style) -> float:
    """Height above the grid for the title and the subtitle under it."""
    return style.header_h + 1.0


def note_meta(note: NoteData, clusters: dict[int, str]) -> str:
    return " · ".join(labels.note_facts(note, clusters))


class SheetDrawer:
    """Draws canvases into a Document, one sheet page plus its continuation pages each."""

    def __init__(self, pdf: Document, size: str):
        self.pdf, self.size, self.style = pdf, size, STYLES[size]
        self.figures = None

    def areas(self) -> tuple[Rect, Rect]:
        s = self.style
        top = s.margin + s.header_h
        content = Rect(s.margin, top, s.width - 2 * s.margin, s.height - top - s.margin - s.footer_h)
        return content, content

    def draw(self, canvas: CanvasData) -> None:
        self.figures = canvas.template.layout.figures
        clusters = {c.id: c.title for c in canvas.clusters}
        planner = Planner(self.style, self.pdf.measure, lambda note: note_meta(note, clusters))
        grid, content = self.areas()
        plan = planner.plan(canvas.template, canvas.blocks, grid, content)
        subtitle = f"{canvas.name} · {canvas.template_name}"
        if plan.sheet:
            self.sheet(plan, subtitle, canvas.credit_line)
        for number, page in enumerate(plan.continuation):
            self.pdf.add_page(orientation="L", format=self.size)
            continued = plan.sheet or number > 0
            self.pdf.page_margins(self.style, canvas.credit_line,
                                  _("%(subtitle)s · continued", subtitle=subtitle) if continued else subtitle)
            block = ""
            for item in page:
                if isinstance(item, Heading):
                    block = item.block.id
                    self.heading(item)
                else:
                    self.note(item, block)

    def sheet(self, plan, subtitle: str, credit: str) -> None:
        """The page drawn like the real sheet: the grid's frames, headings and the notes that fit."""
        self.pdf.add_page(orientation="L", format=self.size)
        self.pdf.page_margins(self.style, credit, subtitle)
        first_continuation = self.pdf.page + 1
        square, circle = self.shapes(plan)
        for block_id, frame in plan.frames.items():
            self.pdf.set_draw_color(*RULE)
            self.pdf.set_line_width(0.35)
            self.pdf.rect(frame.x, frame.y, frame.w, frame.h)
            self.pdf.mark("block", block_id, block_id, frame)
        for kind, shape in (("square", square), ("circle", circle)):
            if shape is not None:
                self.pdf.mark(kind, "", kind, shape)
        for section in plan.sections:
            self.heading(section.heading, divider=section.heading.block.inside is not None)
            for placed in section.placed:
                self.note(placed, section.heading.block.id)
            if section.marker is not None:
                page = first_continuation + plan.first_page[section.heading.block.id]
                text = ngettext("→ %(num)d more note on page %(page)s", "→ %(num)d more notes on page %(page)s",
                                len(section.overflow), page=page)
                self.pdf.write_lines(section.marker.x, section.marker.y, [text], self.style.meta_pt, "B", ACCENT)

    def shapes(self, plan) -> tuple[Rect | None, Rect | None]:
        """Draw a Value Proposition Canvas's square and circle, tinted, under its blocks;
        returns where they are (None for other templates)."""
        if self.figures is None:
            return None, None
        blocks = (self.figures.square, self.figures.circle)
        if not all(b in plan.frames for b in blocks[0] + blocks[1]):
            return None, None
        found = []
        for members in blocks:
            frames = [plan.frames[b] for b in members]
            x, y = min(f.x for f in frames), min(f.y for f in frames)
            found.append(Rect(x, y, max(f.right for f in frames) - x, max(f.bottom for f in frames) - y))
        square, circle = found
        self.pdf.set_fill_color(*SHAPE_FILL)
        self.pdf.set_draw_color(*SHAPE_LINE)
        self.pdf.set_line_width(0.9)
        self.pdf.rect(square.x, square.y, square.w, square.h, style="DF")
        # The circle's line passes behind headings and notes: light enough not to cross them out.
        self.pdf.ellipse(circle.x, circle.y, circle.w, circle.h, style="DF")
        return square, circle

    def heading(self, heading: Heading, divider: bool = False) -> None:
        s, r = self.style, heading.rect
        if divider:
            self.pdf.set_draw_color(*MUTED)
            self.pdf.set_line_width(0.2)
            self.pdf.set_dash_pattern(dash=1.2, gap=0.8)
            self.pdf.line(r.x, r.y - s.pad * 0.5, r.right, r.y - s.pad * 0.5)
            self.pdf.set_dash_pattern()
        title = heading.title
        if heading.continued:
            title = self.pdf.measure["B"].wrap(_("%(block)s (continued)", block=heading.block.title), r.w, s.heading_pt)
        y = self.pdf.write_lines(r.x, r.y, title, s.heading_pt if heading.continued else s.title_pt, "B")
        self.pdf.write_lines(r.x, y, heading.question, s.question_pt, "I", MUTED)
        self.pdf.mark("heading", heading.block.id, heading.block.id, r)

    def note(self, placed: Placed, block: str) -> None:
        r, box = placed.rect, placed.box
        d = box.density
        fill, edge = NOTE_COLORS.get(box.note.color, NOTE_COLORS["yellow"])
        self.pdf.set_fill_color(*fill)
        self.pdf.set_draw_color(*edge)
        self.pdf.set_line_width(0.2)
        if box.note.hidden:
            self.pdf.set_dash_pattern(dash=1, gap=0.7)
        self.pdf.rect(r.x, r.y, r.w, r.h, style="DF")
        self.pdf.set_dash_pattern()
        inner = r.w - 2 * d.pad
        y = self.pdf.write_lines(r.x + d.pad, r.y + d.pad, box.lines, d.note_pt, width=inner, leading=d.leading)
        if box.meta_inline:  # after the last line of text, on its line
            last = fonts.printable_glyphs(box.lines[-1]) + "  "
            step = d.line(d.note_pt)
            self.pdf.write_lines(r.x + d.pad + self.pdf.measure[""].width(last, d.note_pt), y - step, box.meta,
                                 d.meta_pt, "", MUTED, leading=d.leading * d.note_pt / d.meta_pt)
        elif box.meta:
            self.pdf.write_lines(r.x + d.pad, y + d.pad * 0.6, box.meta, d.meta_pt, "", MUTED, width=inner,
                                 leading=d.leading)
        self.pdf.mark("note", block, box.note.id, r)


def new_document(workshop: WorkshopData, title: str) -> Document:
    pdf = Document(workshop, title)
    pdf.alias_nb_pages()
    return pdf


def canvas_pdf(workshop: WorkshopData, size: str = "a3", pause=None) -> tuple[bytes, list[Mark]]:
    """Every canvas of ``workshop`` (usually read with just one) as sheets of ``size``;
    ``pause`` is called between canvases (see ``export.render``)."""
    pdf = new_document(workshop, workshop.title if len(workshop.canvases) != 1 else
                       f"{workshop.canvases[0].name} · {workshop.title}")
    drawer = SheetDrawer(pdf, size)
    for canvas in workshop.canvases:
        drawer.draw(canvas)
        if pause is not None:
            pause()
    if not workshop.canvases:
        pdf.add_page(orientation="L", format=size)
        pdf.page_margins(STYLES[size], None, _("This workshop has no canvases yet."))
    return bytes(pdf.output()), pdf.marks
