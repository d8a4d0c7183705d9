"""Spreadsheets: an XLSX workbook (summary, one sheet per canvas, commitments, participants)
and one CSV of every note and commitment, both safe against formula injection."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..board.commitments import status_name
from . import labels, safety
from .data import CanvasData, WorkshopData

HEADER_FILL = PatternFill("solid", fgColor="E8EEF3")
HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
NOTE_SHEET = ("block", "text", "color", "author", "institution", "votes", "group", "group_votes", "hidden", "created",
              "edited")
NOTE_WIDTHS = {"block": 24, "text": 60, "color": 11, "author": 22, "institution": 24, "votes": 8, "group": 20,
               "group_votes": 10, "hidden": 9, "created": 18, "edited": 18, "canvas": 20, "template": 24, "note_id": 38}
# One table for the notes and, after them, the commitments: the first column says which a row
# is; the note columns a commitment has (canvas, text = what will be done, votes of its
# source, times) hold its values, and the last six are the commitment's own (empty on notes).
CSV_COLUMNS = ("kind", "canvas", "template", "block", "text", "color", "author", "institution", "votes", "group",
               "group_votes", "hidden", "created", "edited", "note_id", "responsible", "co_responsible", "due",
               "indicator", "status", "comes_from")


class _Rows:
    """Note rows of one canvas; translated words looked up once per export, not once per cell."""

    def __init__(self, for_csv: bool):
        self.moment = labels.when if for_csv else labels.local
        self.colors = {c: labels.color_name(c) for c in labels.COLOR_NAMES}
        self.yes, self.no = labels.yes_no(True), labels.yes_no(False)
        self.kind = str(labels.ROW_KINDS["note"])

    def __call__(self, canvas: CanvasData, keys) -> list[list[object]]:
        groups = {c.id: c for c in canvas.clusters}
        titles = {b.id: b.title for b in canvas.blocks}
        rows = []
        for note in canvas.notes:
            values = {
                "kind": self.kind, "canvas": canvas.name, "template": canvas.template_name, "block": titles[note.block],
                "text": note.text, "color": self.colors.get(note.color, note.color), "author": note.author.name or "",
                "institution": note.author.institution or "", "votes": note.votes if note.votes is not None else "",
                "group": groups[note.cluster_id].title if note.cluster_id in groups else "",
                # A group's votes (its own dots and its notes') on each of its notes' rows.
                "group_votes": _group_votes(groups.get(note.cluster_id)),
                "hidden": self.yes if note.hidden else self.no,
                "created": self.moment(note.created_at), "edited": self.moment(note.updated_at), "note_id": note.id,
            }
            rows.append([values.get(k, "") for k in keys])
        return rows


def _commitment_rows(workshop: WorkshopData, keys) -> list[list[object]]:
    """The CSV's commitment rows, in the workshop's order (see CSV_COLUMNS)."""
    kind = str(labels.ROW_KINDS["commitment"])
    templates = {canvas.name: canvas.template_name for canvas in workshop.canvases}
    rows = []
    for c in workshop.commitments:
        values = {
            "kind": kind, "canvas": c["canvas_name"] or "", "template": templates.get(c["canvas_name"], ""),
            "text": c["title"], "votes": c["source"]["votes"] if c["source"]["votes"] is not None else "",
            "created": labels.when(datetime.fromisoformat(c["created_at"])),
            "edited": labels.when(datetime.fromisoformat(c["updated_at"])),
            "responsible": c["responsible"], "co_responsible": ", ".join(c["co_responsible"]),
            "due": c["due"] or "", "indicator": c["indicator"], "status": status_name(c["status"]),
            "comes_from": labels.commitment_source(c),
        }
        rows.append([values.get(k, "") for k in keys])
    return rows


def _group_votes(group) -> object:
    return group.votes if group is not None and group.votes is not None else ""


def _headers(keys) -> list[str]:
    return [labels.column(k) for k in keys]


# --- XLSX ----------------------------------------------------------------

def _set(ws, row: int, col: int, value: object, align: Alignment = TOP):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=col, value=value)
    if safety.is_risky(value):
        cell.data_type = "s"  # never a formula
        cell.quotePrefix = True
    cell.alignment = align
    if hasattr(value, "hour"):
        cell.number_format = "yyyy-mm-dd hh:mm"
    return cell


def _table(ws, headers: list[str], rows: list[list[object]], widths: list[float], wrap: set[int] = frozenset()):
    for col, title in enumerate(headers, start=1):
        cell = _set(ws, 1, col, title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for r, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            _set(ws, r, col, value, WRAP if col in wrap else TOP)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"  # printed: header on every page, landscape, as wide as the paper
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"


def _sheet_title(name: str, taken: set[str]) -> str:
    """A sheet name Excel accepts. Control characters are dropped too: entry points refuse
    them today, but a name stored before that rule would make the whole file unreadable."""
    name = ILLEGAL_CHARACTERS_RE.sub("", name)
    base = " ".join(re.sub(r"[\[\]:*?/\\]", " ", name).split()).strip("'").strip() or "Canvas"
    base = base[:28].rstrip()  # one space between words, none at the end (also after the cut)
    title, n = base, 2
    while title.casefold() in taken:
        title = f"{base[:25].rstrip()} ({n})"
        n += 1
    taken.add(title.casefold())
    return title


def _summary(ws, workshop: WorkshopData) -> None:
    facts = [
        (_("Workshop"), workshop.title),
        (_("Date"), workshop.date if workshop.date else _("No date")),
        (_("Language"), {"es": "Español", "en": "English"}.get(workshop.language, workshop.language)),
        (_("Facilitators"), ", ".join(workshop.facilitators)),
        (_("Participants"), sum(count for _inst, count in workshop.attendance)),
        (_("Canvases"), len(workshop.canvases)),
        (_("Notes"), workshop.note_count),
        (_("Anonymous workshop"), labels.yes_no(workshop.anonymous)),
        (_("Exported at (%(zone)s)", zone=labels.zone_name()),
         labels.local(workshop.exported_at).replace(microsecond=0)),
    ]
    rows: list[list[object]] = [[k, v] for k, v in facts]
    rows += [[], [_("Canvas"), _("Template"), _("Notes"), _("Votes"), _("Groups"), _("Anonymous")]]
    first_canvas_row = len(rows) + 1
    for canvas in workshop.canvases:
        last = canvas.rounds[-1] if canvas.rounds else None
        votes = sum(last.tallies.values()) + sum(last.stack_tallies.values()) if last else ""
        rows.append([canvas.name, canvas.template_name, len(canvas.notes), votes, len(canvas.clusters),
                     labels.yes_no(canvas.anonymous)])
    rows += [[], [_("Institution"), _("Participants")]]
    first_inst_row = len(rows) + 1
    rows += [[labels.institution(inst), count] for inst, count in workshop.attendance]
    _table(ws, [_("Summary"), ""], rows, [26, 42, 10, 10, 10, 12], wrap={2})
    ws.auto_filter.ref = None
    for row in (first_canvas_row, first_inst_row):
        for col in range(1, 7 if row == first_canvas_row else 3):
            ws.cell(row=row, column=col).font = HEADER_FONT
            ws.cell(row=row, column=col).fill = HEADER_FILL


def _commitment_sheet(ws, workshop: WorkshopData) -> None:
    """A row a commitment, in the columns of the OGP commitment sheet where it has them."""
    titles = workshop.ogp_titles
    headers = ["#", titles.get("commitment") or _("The commitment"),
               titles.get("lead_agency") or _("Lead implementing agency"), _("Co-responsible institutions"),
               _("Due date"), _("Indicator"), titles.get("completion") or _("Completion level"), _("Canvas"),
               _("Comes from"), _("Votes")]
    rows = [[number, c["title"], c["responsible"], ", ".join(c["co_responsible"]),
             date.fromisoformat(c["due"]) if c["due"] else "", c["indicator"], status_name(c["status"]),
             c["canvas_name"] or "", c["source"]["text"], c["source"]["votes"] if c["source"]["votes"] is not None
             else ""]
            for number, c in enumerate(workshop.commitments, start=1)]
    _table(ws, headers, rows, [5, 50, 26, 30, 13, 36, 14, 18, 40, 8], wrap={2, 3, 4, 6, 9})
    for row in range(2, len(rows) + 2):
        ws.cell(row=row, column=5).number_format = "yyyy-mm-dd"


def xlsx(workshop: WorkshopData, pause=None) -> bytes:
    """Summary sheet, one sheet per canvas (a row a note), and the participants unless anonymous."""
    book = Workbook()
    summary = book.active
    summary.title = _sheet_title(_("Summary"), set())
    taken = {summary.title.casefold()}
    _summary(summary, workshop)
    note_rows = _Rows(for_csv=False)
    for canvas in workshop.canvases:
        ws = book.create_sheet(_sheet_title(canvas.name, taken))
        _table(ws, _headers(NOTE_SHEET), note_rows(canvas, NOTE_SHEET), [NOTE_WIDTHS[k] for k in NOTE_SHEET],
               wrap={1, 2, 4, 5, 7})
        if pause is not None:
            pause()
    groups = [(canvas, group) for canvas in workshop.canvases for group in canvas.clusters]
    if groups:
        ws = book.create_sheet(_sheet_title(_("Groups"), taken))
        rows = [[canvas.name, canvas.block_title(group.block), group.title, len(group.notes),
                 group.votes if group.votes is not None else "",
                 "\n".join(note.text for note in group.notes)] for canvas, group in groups]
        _table(ws, [_("Canvas"), _("Block"), _("Group"), _("Notes"), _("Votes"), _("Text")], rows,
               [20, 24, 30, 8, 8, 60], wrap={3, 6})
    if workshop.commitments:
        _commitment_sheet(book.create_sheet(_sheet_title(_("Commitments"), taken)), workshop)
    if workshop.participants is not None:
        ws = book.create_sheet(_sheet_title(_("Participants"), taken))
        rows = [[p.name, p.institution or "", labels.local(p.joined_at)] for p in workshop.participants]
        _table(ws, [_("Name"), _("Institution"), _("Joined at (%(zone)s)", zone=labels.zone_name())], rows,
               [30, 34, 18])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- CSV -----------------------------------------------------------------

def csv_bytes(workshop: WorkshopData) -> bytes:
    """Every note of the workshop, one row each, then its commitments, one row each (the first
    column says which); UTF-8 with a BOM so Excel reads accents right."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(_headers(CSV_COLUMNS))
    note_rows = _Rows(for_csv=True)
    for canvas in workshop.canvases:
        writer.writerows([safety.csv_cell(v) for v in row] for row in note_rows(canvas, CSV_COLUMNS))
    writer.writerows([safety.csv_cell(v) for v in row] for row in _commitment_rows(workshop, CSV_COLUMNS))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
