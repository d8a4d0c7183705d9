"""The workshop report as a PDF: a cover (title, date, facilitators, figures),
attendance by institution, every canvas drawn as in the canvas PDF, the
dot-voting results ranked, the groups of notes, and the commitments, set out
and then each drawn on the OGP commitment sheet."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import gettext as _

from . import labels, ogp
from .data import WorkshopData
from .layout import STYLES, Rect
from .pdf import ACCENT, INK, MUTED, Document, SheetDrawer, new_document

BODY_PT = {"a3": 12.0, "a4": 9.5}


class Flow:
    """Text set from top to bottom on portrait pages, starting a page when one is full."""

    def __init__(self, pdf: Document, size: str):
        landscape = STYLES[size]
        self.pdf, self.size = pdf, size
        self.style = replace(landscape, width=landscape.height, height=landscape.width, margin=landscape.margin * 1.8)
        self.pt = BODY_PT[size]
        s = self.style
        self.box = Rect(s.margin, s.margin + s.header_h, s.width - 2 * s.margin,
                        s.height - 2 * s.margin - s.header_h - s.footer_h)
        self.y = self.box.bottom

    def new_page(self, subtitle: str) -> None:
        self.pdf.add_page(orientation="P", format=self.size)
        self.pdf.page_margins(self.style, None, subtitle)
        self.y = self.box.y

    def lines(self, text: str, pt: float, style: str = "", width: float | None = None) -> list[str]:
        return self.pdf.measure[style].wrap(text, width or self.box.w, pt)

    def room(self, height: float, subtitle: str) -> None:
        if self.y + height > self.box.bottom + 1e-6:
            self.new_page(subtitle)

    def text(self, text: str, subtitle: str, pt: float | None = None, style: str = "", color=INK,
             indent: float = 0.0, after: float = 1.0) -> None:
        pt = pt or self.pt
        step = self.style.line(pt)
        for line in self.lines(text, pt, style, self.box.w - indent):
            self.room(step, subtitle)
            self.y = self.pdf.write_lines(self.box.x + indent, self.y, [line], pt, style, color)
        self.y += after

    def heading(self, text: str, subtitle: str, scale: float = 1.4) -> None:
        self.room(self.style.line(self.pt * scale) + self.style.line(self.pt) * 3, subtitle)
        self.y += self.style.line(self.pt) * 0.6
        self.text(text, subtitle, self.pt * scale, "B", ACCENT, after=self.style.line(self.pt) * 0.3)

    def row(self, cells: list[tuple[str, float, str]], subtitle: str, style: str = "", rule: bool = False) -> None:
        """A table row: (text, width share, "L"/"R") cells wrapped in their column."""
        gap = 2.0
        widths = [self.box.w * share - gap for _t, share, _a in cells]
        wrapped = [self.lines(text, self.pt, style, w) for (text, _s, _a), w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped) * self.style.line(self.pt)
        self.room(height + 1.5, subtitle)
        x = self.box.x
        for (_text, _share, align), lines, width in zip(cells, wrapped, widths, strict=True):
            self.pdf.write_lines(x, self.y, lines, self.pt, style, INK, align_right=x + width if align == "R" else None)
            x += width + gap
        self.y += height + 0.6
        if rule:
            self.pdf.set_draw_color(*MUTED)
            self.pdf.set_line_width(0.2)
            self.pdf.line(self.box.x, self.y, self.box.right, self.y)
        self.y += 0.9


def _cover(flow: Flow, workshop: WorkshopData) -> None:
    title = _("Workshop report")
    flow.new_page(title)
    flow.y += flow.box.h * 0.12
    flow.text(workshop.title, title, flow.pt * 2.6, "B", INK, after=flow.style.line(flow.pt))
    flow.text(labels.long_date(workshop.date), title, flow.pt * 1.4, "", MUTED, after=flow.style.line(flow.pt) * 2)
    facts = [
        (_("Facilitators"), ", ".join(workshop.facilitators) or "—"),
        (_("Participants"), str(sum(count for _inst, count in workshop.attendance))),
        (_("Canvases"), str(len(workshop.canvases))),
        (_("Notes"), str(workshop.note_count)),
        (_("Exported at"), labels.when(workshop.exported_at)),
    ]
    for name, value in facts:
        flow.row([(name, 0.3, "L"), (value, 0.7, "L")], title)
    if workshop.anonymous:
        flow.text(_("Anonymous workshop: no export names its participants."), title, style="I", color=MUTED)
    if labels.unrevealed(workshop):
        flow.text(labels.unrevealed(workshop), title, style="B", color=INK)
    flow.heading(_("Attendance by institution"), title)
    flow.row([(_("Institution"), 0.75, "L"), (_("Participants"), 0.25, "R")], title, "B", rule=True)
    for inst, count in workshop.attendance:
        flow.row([(labels.institution(inst), 0.75, "L"), (str(count), 0.25, "R")], title)
    if not workshop.attendance:
        flow.text(_("Nobody joined this workshop."), title, style="I", color=MUTED)


def _votes(flow: Flow, workshop: WorkshopData) -> None:
    title = _("Dot-voting results")
    flow.new_page(title)
    flow.heading(title, title, 1.8)
    rounds = [(c, r) for c in workshop.canvases for r in c.rounds]
    if not rounds:
        flow.text(_("No vote was closed in this workshop."), title, style="I", color=MUTED)
    for canvas, round_ in rounds:
        flow.heading(f"{canvas.name} · {labels.when(round_.closed_at or round_.opened_at)}", title, 1.2)
        if round_.voters:  # an imported round knows its tallies, not its voters
            flow.text(labels.voters(round_.voters, round_.budget), title, color=MUTED)
        flow.row([("#", 0.06, "R"), (_("Note"), 0.6, "L"), (_("Block"), 0.24, "L"), (_("Votes"), 0.1, "R")],
                 title, "B", rule=True)
        for rank, item, count in round_.results:  # a group (stack) is one item, with its notes' votes
            flow.row([(str(rank), 0.06, "R"), (labels.ranked(item), 0.6, "L"),
                      (canvas.block_title(item.block), 0.24, "L"), (str(count), 0.1, "R")], title)
        if not round_.results:
            flow.text(_("No votes."), title, style="I", color=MUTED)


def _groups(flow: Flow, workshop: WorkshopData) -> None:
    title = _("Groups of notes")
    flow.new_page(title)
    flow.heading(title, title, 1.8)
    clustered = [(c, k) for c in workshop.canvases for k in c.clusters]
    if not clustered:
        flow.text(_("No notes were grouped in this workshop."), title, style="I", color=MUTED)
    for canvas, cluster in clustered:
        flow.heading(cluster.title, title, 1.2)
        flow.text(f"{canvas.name} · {canvas.block_title(cluster.block)} · {labels.group_facts(cluster)}", title,
                  style="I", color=MUTED)
        for note in cluster.notes:
            flow.text(f"• {note.text or '—'}", title, indent=3.0, after=0.8)
        if not cluster.notes:
            flow.text(_("No notes."), title, style="I", color=MUTED)


def _commitments(flow: Flow, workshop: WorkshopData) -> None:
    """One section per commitment, set out as the OGP commitment sheet."""
    title = _("Commitments")
    flow.new_page(title)
    flow.heading(title, title, 1.8)
    if not workshop.commitments:
        flow.text(_("No commitments were made in this workshop."), title, style="I", color=MUTED)
    for number, commitment in enumerate(workshop.commitments, start=1):
        flow.heading(labels.commitment_heading(number, commitment), title, 1.2)
        for name, value in labels.commitment_fields(commitment, workshop.ogp_titles):
            flow.row([(name, 0.3, "L"), (value, 0.7, "L")], title, rule=False)


def report_pdf(workshop: WorkshopData, size: str = "a4", pause=None) -> tuple[bytes, list]:
    """The whole report; text pages are portrait, canvas sheets landscape, on paper of ``size``."""
    pdf = new_document(workshop, f"{_('Workshop report')} · {workshop.title}")
    flow = Flow(pdf, size)
    _cover(flow, workshop)
    drawer = SheetDrawer(pdf, size)
    for canvas in workshop.canvases:
        drawer.draw(canvas)
        if pause is not None:
            pause()
    _votes(flow, workshop)
    _groups(flow, workshop)
    _commitments(flow, workshop)
    for sheet in ogp.sheets(workshop):  # each commitment on the OGP commitment sheet, to complete
        drawer.draw(sheet)
        if pause is not None:
            pause()
    return bytes(pdf.output()), pdf.marks
