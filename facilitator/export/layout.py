"""Where everything goes on a canvas sheet, in millimetres: the template's grid
on the page, each block's sections (the block and the sub-blocks ``inside``
it), the notes flowing in rows, and the continuation pages that take the notes
a block has no room for. Pure arithmetic: pdf.py draws what is planned here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..catalog import Template
from .data import BlockData, NoteData

PT = 25.4 / 72  # millimetres per point
LEADING = 1.2
AUTO_WEIGHT = 0.6  # an "auto" grid track, against 1fr
_REPEAT = re.compile(r"repeat\(\s*(\d+)\s*,\s*([^()]*)\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Style:
    """Sizes for one paper size (mm, and points for type)."""

    width: float
    height: float
    margin: float
    header_h: float
    footer_h: float
    pad: float
    gap: float
    note_w: float
    note_pt: float
    meta_pt: float
    title_pt: float
    question_pt: float
    heading_pt: float
    head_pt: float

    def line(self, pt: float) -> float:
        return pt * PT * LEADING


STYLES = {
    "a3": Style(width=420, height=297, margin=10, header_h=15, footer_h=8, pad=2.2, gap=1.8, note_w=40,
                note_pt=8, meta_pt=6, title_pt=10, question_pt=6.8, heading_pt=11, head_pt=15),
    "a4": Style(width=297, height=210, margin=7, header_h=11.5, footer_h=6.5, pad=1.5, gap=1.3, note_w=31,
                note_pt=6.3, meta_pt=4.9, title_pt=7.6, question_pt=5.4, heading_pt=9, head_pt=11.5),
}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


def printable(text: str) -> str:
    """Text as it can be set in type: line breaks kept, tabs as spaces, other control characters out."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    "))


class Measure:
    """Text widths from fonts' advance widths (fpdf2's ``cw``: 1/1000 em per character):
    the main font's, then each fallback's for the characters the main font lacks."""

    def __init__(self, widths: dict[int, float], fallbacks: list[tuple[frozenset[int], dict[int, float]]] = (),
                 covered: frozenset[int] | None = None):
        self._units = widths
        self._covered = covered
        self._fallbacks = list(fallbacks)
        self._cache: dict[str, float] = {}

    def units(self, ch: str) -> float:
        width = self._cache.get(ch)
        if width is None:
            code = ord(ch)
            width = None
            if self._covered is not None and code not in self._covered:
                width = next((float(cw[code]) for cover, cw in self._fallbacks if code in cover), None)
            if width is None:
                width = float(self._units[code])
            self._cache[ch] = width
        return width

    def width(self, text: str, pt: float) -> float:
        return sum(self.units(ch) for ch in text) * pt / 1000 * PT

    def wrap(self, text: str, width: float, pt: float) -> list[str]:
        """Greedy line breaking at spaces; a word wider than the line is broken between characters."""
        limit = max(width, 1.0) * 1000 / PT / pt
        space = self.units(" ")
        lines: list[str] = []
        for paragraph in printable(text).split("\n"):
            words, used = [], 0.0
            for word in paragraph.split(" "):
                size = sum(self.units(ch) for ch in word)
                extra = size + (space if words else 0.0)
                if words and used + extra > limit:
                    lines.append(" ".join(words))
                    words, used, extra = [], 0.0, size
                if size > limit:
                    piece, piece_w = "", 0.0
                    for ch in word:
                        ch_w = self.units(ch)
                        if piece and piece_w + ch_w > limit:
                            lines.append(piece)
                            piece, piece_w = "", 0.0
                        piece, piece_w = piece + ch, piece_w + ch_w
                    words, used = [piece], piece_w
                    continue
                words.append(word)
                used += extra
            lines.append(" ".join(words))
        return lines


def tracks(spec: str, auto: float | None = AUTO_WEIGHT) -> list[float | None]:
    """CSS grid track sizes as weights: ``repeat(10, 1fr)``, ``0.7fr``; ``auto`` gives ``auto``."""
    expanded = _REPEAT.sub(lambda m: " ".join([m.group(2)] * int(m.group(1))), spec)
    weights: list[float | None] = []
    for token in expanded.split():
        match = re.fullmatch(r"([0-9.]+)fr", token)
        weights.append(float(match.group(1)) if match else auto if token == "auto" else 1.0)
    return weights


def _edges(weights: list[float], start: float, length: float) -> list[float]:
    total = sum(weights) or 1.0
    edges, position = [start], start
    for weight in weights:
        position += length * weight / total
        edges.append(position)
    return edges


def spans(template: Template) -> dict[str, tuple[int, int, int, int]]:
    """Every top-level block's grid area as (first row, last row, first column, last column)."""
    cells: dict[str, list[tuple[int, int]]] = {}
    for r, row in enumerate(template.layout.grid()):
        for c, name in enumerate(row):
            if name != ".":
                cells.setdefault(name, []).append((r, c))
    return {name: (min(p[0] for p in places), max(p[0] for p in places), min(p[1] for p in places),
                   max(p[1] for p in places)) for name, places in cells.items()}


def column_edges(template: Template, area: Rect) -> list[float]:
    grid = template.layout.grid()
    cols = tracks(template.layout.columns)
    return _edges(cols if len(cols) == len(grid[0]) else [1.0] * len(grid[0]), area.x, area.w)


def block_frames(template: Template, area: Rect, row_heights: list[float] | None = None) -> dict[str, Rect]:
    """The rectangle of every top-level block of the template inside ``area`` (rows by weight,
    or of the heights given)."""
    grid = template.layout.grid()
    if row_heights is None:
        rows = tracks(template.layout.rows)
        row_heights = rows if len(rows) == len(grid) else [1.0] * len(grid)
    xs, ys = column_edges(template, area), _edges(row_heights, area.y, area.h)
    return {name: Rect(xs[c0], ys[r0], xs[c1 + 1] - xs[c0], ys[r1 + 1] - ys[r0])
            for name, (r0, r1, c0, c1) in spans(template).items()}


@dataclass
class NoteBox:
    """A note set in type at one width: its text lines and its small print."""

    note: NoteData
    lines: list[str]
    meta: list[str]
    h: float
    part: int = 1
    parts: int = 1


@dataclass
class Placed:
    box: NoteBox
    rect: Rect


@dataclass
class Heading:
    """A block's title (and question) above its notes; ``continued`` on a continuation page."""

    block: BlockData
    rect: Rect
    title: list[str]
    question: list[str]
    continued: bool = False


@dataclass
class Section:
    """A block, or a sub-block inside one, on the sheet: heading, notes, and what did not fit."""

    heading: Heading
    area: Rect
    placed: list[Placed] = field(default_factory=list)
    overflow: list[NoteData] = field(default_factory=list)
    marker: Rect | None = None


@dataclass
class SheetPlan:
    frames: dict[str, Rect]
    sections: list[Section]
    continuation: list[list[Heading | Placed]]  # pages
    first_page: dict[str, int]  # block id -> index of the continuation page its notes go on to
    sheet: bool = True  # False for a form: no grid page, the blocks flow from the first page


class Planner:
    """Lays out one canvas for one paper size."""

    def __init__(self, style: Style, measure: dict[str, Measure], meta: Callable[[NoteData], str]):
        self.style, self.measure, self.meta = style, measure, meta
        self._boxes: dict[tuple[str, float], NoteBox] = {}

    # --- boxes -------------------------------------------------------------
    def box(self, note: NoteData, width: float) -> NoteBox:
        key = (note.id, round(width, 2))
        box = self._boxes.get(key)
        if box is None:
            s = self.style
            inner = width - 2 * s.pad
            lines = self.measure[""].wrap(note.text, inner, s.note_pt)
            meta_text = self.meta(note)
            meta = self.measure[""].wrap(meta_text, inner, s.meta_pt) if meta_text else []
            box = self._boxes[key] = NoteBox(note, lines, meta, self._box_h(len(lines), len(meta)))
        return box

    def _box_h(self, lines: int, meta: int) -> float:
        s = self.style
        return 2 * s.pad + lines * s.line(s.note_pt) + (meta * s.line(s.meta_pt) + s.pad * 0.6 if meta else 0.0)

    def split(self, box: NoteBox, limit: float) -> list[NoteBox]:
        """A note taller than a whole page, in parts that each fit (nothing is cut)."""
        if box.h <= limit:
            return [box]
        s = self.style
        meta_h = len(box.meta) * s.line(s.meta_pt) + s.pad * 0.6 if box.meta else 0.0
        per_part = max(1, int((limit - 2 * s.pad - meta_h) // s.line(s.note_pt)))
        chunks = [box.lines[i:i + per_part] for i in range(0, len(box.lines), per_part)]
        return [NoteBox(box.note, chunk, box.meta, self._box_h(len(chunk), len(box.meta)), i + 1, len(chunks))
                for i, chunk in enumerate(chunks)]

    def columns(self, width: float) -> tuple[int, float]:
        """How many columns of notes fit across ``width`` (notes may shrink to 85% of their width)."""
        s = self.style
        count = max(1, int((width + s.gap) // (s.note_w * 0.85 + s.gap)))
        return count, (width - s.gap * (count - 1)) / count

    def flow(self, notes: list[NoteData], area: Rect) -> tuple[list[Placed], list[NoteData], float]:
        """Notes in rows from the top of ``area`` until one does not fit; returns placed, rest, height used."""
        count, width = self.columns(area.w)
        placed, y, i = [], area.y, 0
        while i < len(notes):
            row = [self.box(n, width) for n in notes[i:i + count]]
            tallest = max(b.h for b in row)
            if y + tallest > area.bottom + 1e-6:
                break
            placed += [Placed(b, Rect(area.x + k * (width + self.style.gap), y, width, b.h)) for k, b in enumerate(row)]
            y += tallest + self.style.gap
            i += len(row)
        return placed, notes[i:], y - area.y

    # --- the sheet ---------------------------------------------------------
    def heading(self, block: BlockData, x: float, y: float, width: float, continued: bool = False) -> Heading:
        s = self.style
        title_pt = s.heading_pt if continued else s.title_pt
        title = self.measure["B"].wrap(block.title, width, title_pt)
        question = self.measure["I"].wrap(block.question, width, s.question_pt) if block.question else []
        h = len(title) * s.line(title_pt) + len(question) * s.line(s.question_pt) + s.pad * 0.8
        return Heading(block, Rect(x, y, width, h), title, question, continued)

    def _members(self, template: Template, by_id: dict[str, BlockData], top: str) -> list[BlockData]:
        return [by_id[top]] + [by_id[child.id] for child in template.children(top) if child.id in by_id]

    def _need(self, width: float, members: list[BlockData]) -> float:
        """Height a block needs to hold all its notes at this width."""
        s = self.style
        inner = width - 2 * s.pad
        return 2 * s.pad + sum(self.heading(b, 0, 0, inner).rect.h + self.flow(b.notes, Rect(0, 0, inner, 1e9))[2]
                               + s.pad for b in members)

    def row_heights(self, template: Template, by_id: dict[str, BlockData], area: Rect) -> list[float]:
        """Row heights: ``fr`` rows share the page; ``auto`` rows take what their blocks need,
        within 45% of the page when there are ``fr`` rows too (a form of ``auto`` rows fills it)."""
        grid = template.layout.grid()
        rows = tracks(template.layout.rows, auto=None)
        if len(rows) != len(grid) or None not in rows:
            return [w if w is not None else AUTO_WEIGHT for w in rows] if len(rows) == len(grid) else [1.0] * len(grid)
        xs = column_edges(template, area)
        s = self.style
        needs = {r: 0.0 for r, w in enumerate(rows) if w is None}
        floors = dict.fromkeys(needs, 0.0)
        for name, (r0, r1, c0, c1) in spans(template).items():
            if r0 == r1 and r0 in needs:
                members = self._members(template, by_id, name)
                width = xs[c1 + 1] - xs[c0]
                needs[r0] = max(needs[r0], self._need(width, members))
                floors[r0] = max(floors[r0], self._need(width, [BlockData(b.id, b.title, b.question, b.inside)
                                                               for b in members]) + s.line(s.note_pt) * 2)
        needs = {r: max(needs[r], floors[r]) for r in needs}
        shared = sum(w for w in rows if w is not None)
        budget = area.h * (0.45 if shared else 1.0)
        total = sum(needs.values())
        if total > budget:
            floor_total = sum(floors.values())
            spare = max(budget - floor_total, 0.0)
            extra = sum(needs[r] - floors[r] for r in needs) or 1.0
            needs = {r: floors[r] + (needs[r] - floors[r]) * spare / extra for r in needs}
        elif not shared:
            needs = {r: h * area.h / total for r, h in needs.items()}
        rest = max(area.h - sum(needs.values()), 0.0)
        return [needs[r] if w is None else rest * w / shared for r, w in enumerate(rows)]

    def plan(self, template: Template, blocks: list[BlockData], area: Rect, content: Rect) -> SheetPlan:
        by_id = {b.id: b for b in blocks}
        if template.kind == "form":  # a form is a sequence of fields: they flow down the pages
            pages, first = self._continuation([(b, b.notes) for b in blocks], content, fresh=True)
            return SheetPlan({}, [], pages, first, sheet=False)
        frames = block_frames(template, area, self.row_heights(template, by_id, area))
        sections: list[Section] = []
        for top in template.top_blocks():
            sections += self._frame(frames[top.id], self._members(template, by_id, top.id))
        placed_ids = {top.id for top in template.top_blocks()} | {c.id for t in template.top_blocks()
                                                                   for c in template.children(t.id)}
        stray = [b for b in blocks if b.id not in placed_ids and b.notes]
        overflows = [(s.heading.block, s.overflow) for s in sections if s.overflow] + [(b, b.notes) for b in stray]
        pages, first = self._continuation(overflows, content)
        return SheetPlan(frames, sections, pages, first)

    def _frame(self, frame: Rect, members: list[BlockData]) -> list[Section]:
        s = self.style
        inner = Rect(frame.x + s.pad, frame.y + s.pad, frame.w - 2 * s.pad, frame.h - 2 * s.pad)
        headings = [self.heading(b, inner.x, 0, inner.w) for b in members]
        space = inner.h - sum(h.rect.h for h in headings) - s.pad * (len(members) - 1)
        heights = [max(space, 0.0)]
        if len(members) > 1:
            needs = [self.flow(b.notes, Rect(inner.x, 0, inner.w, 1e9))[2] for b in members]
            smallest = s.line(s.note_pt) + 2 * s.pad + s.gap
            share = max(smallest, space * 0.4 / (len(members) - 1))
            children = [max(smallest, need if sum(needs) <= space else min(need, share)) for need in needs[1:]]
            heights = [max(space - sum(children), 0.0), *children]
        sections, y = [], inner.y
        for block, heading, height in zip(members, headings, heights, strict=True):
            heading = Heading(block, Rect(inner.x, y, inner.w, heading.rect.h), heading.title, heading.question)
            area = Rect(inner.x, heading.rect.bottom, inner.w, height)
            sections.append(self._fill(heading, area))
            y = area.bottom + s.pad
        return sections

    def _fill(self, heading: Heading, area: Rect) -> Section:
        section = Section(heading, area)
        section.placed, section.overflow, _ = self.flow(heading.block.notes, area)
        if section.overflow:
            marker_h = self.style.line(self.style.meta_pt) + self.style.pad
            shorter = Rect(area.x, area.y, area.w, max(area.h - marker_h, 0.0))
            section.placed, section.overflow, used = self.flow(heading.block.notes, shorter)
            section.marker = Rect(area.x, area.y + used, area.w, marker_h)
        return section

    def _continuation(self, overflows: list[tuple[BlockData, list[NoteData]]], content: Rect,
                      fresh: bool = False) -> tuple[list[list[Heading | Placed]], dict[str, int]]:
        """Blocks one after the other down full pages, each under its heading (``continued``
        unless ``fresh`` and on the block's first page); a heading is never left alone at a page's foot."""
        s = self.style
        count, width = self.columns(content.w)
        pages: list[list[Heading | Placed]] = []
        first: dict[str, int] = {}
        y = content.bottom  # forces a first page
        for block, notes in overflows:
            heading_h = self.heading(block, content.x, 0, content.w, continued=True).rect.h
            boxes = [part for n in notes for part in self.split(self.box(n, width), content.h - heading_h)]
            headed = False
            rows = [boxes[i:i + count] for i in range(0, len(boxes), count)] or [[]]
            for row in rows:
                tallest = max((b.h for b in row), default=s.line(s.note_pt))
                need = tallest + (0 if headed else heading_h)
                if y + need > content.bottom + 1e-6:
                    pages.append([])
                    y, headed = content.y, False
                    need = tallest + heading_h
                if not headed:
                    again = not fresh or block.id in first
                    heading = self.heading(block, content.x, y, content.w, continued=again)
                    pages[-1].append(heading)
                    first.setdefault(block.id, len(pages) - 1)
                    y, headed = heading.rect.bottom, True
                pages[-1] += [Placed(b, Rect(content.x + k * (width + s.gap), y, width, b.h))
                              for k, b in enumerate(row)]
                y += tallest + s.gap
            y += s.pad * 2
        return pages, first
