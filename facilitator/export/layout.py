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
                note_pt=6.8, meta_pt=6, title_pt=7.6, question_pt=6, heading_pt=9, head_pt=11.5),
}
FLOOR_PT = 6.0  # the legibility floor: no text on a canvas PDF is set smaller


@dataclass(frozen=True)
class Density:
    """How tightly notes are set: type sizes, padding, gap, the width a note aims at, the leading."""

    note_pt: float
    meta_pt: float
    pad: float
    gap: float
    note_w: float
    leading: float = LEADING

    def line(self, pt: float) -> float:
        return pt * PT * self.leading


def densities(style: Style) -> list[Density]:
    """From the style's own sizes down to the floor: type scaled in steps (never under
    FLOOR_PT), notes narrower and padding thinner; the last two also set lines closer."""
    out = []
    for scale, leading in ((1.0, LEADING), (0.92, LEADING), (0.85, LEADING), (0.78, LEADING), (0.72, 1.12),
                           (0.66, 1.08), (0.6, 1.04)):
        out.append(Density(max(FLOOR_PT, style.note_pt * scale), max(FLOOR_PT, style.meta_pt * scale),
                           style.pad * max(scale, 0.5) ** 1.5, style.gap * scale, style.note_w * scale, leading))
    return out


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
        self._words: dict[str, float] = {}
        self._wrapped: dict[tuple[str, float], tuple[str, ...]] = {}

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

    def word_units(self, word: str) -> float:
        size = self._words.get(word)
        if size is None:
            size = self._words[word] = sum(self.units(ch) for ch in word)
        return size

    def width(self, text: str, pt: float) -> float:
        return self.word_units(text) * pt / 1000 * PT

    def wrap(self, text: str, width: float, pt: float) -> list[str]:
        """Greedy line breaking at spaces; a word wider than the line is broken between characters."""
        limit = max(width, 1.0) * 1000 / PT / pt
        space = self.units(" ")
        key = (text, round(limit, 1))
        known = self._wrapped.get(key)
        if known is not None:
            return list(known)
        lines: list[str] = []
        for paragraph in printable(text).split("\n"):
            words, used = [], 0.0
            for word in paragraph.split(" "):
                size = self.word_units(word)
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
        self._wrapped[key] = tuple(lines)
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
    density: Density | None = None
    meta_inline: bool = False  # the small print follows the last line of text instead of lines of its own


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
        self.levels = densities(style)
        self.base = self.levels[0]
        self._boxes: dict[tuple[str, float, Density], NoteBox] = {}
        self._counts: dict[tuple, int] = {}
        self._heights: dict[tuple, float] = {}
        self._meta: dict[str, str] = {}
        self.questions = True  # the blocks' guiding questions under their titles on the sheet

    # --- boxes -------------------------------------------------------------
    def box(self, note: NoteData, width: float, d: Density | None = None) -> NoteBox:
        d = d or self.base
        key = (note.id, round(width, 2), d)
        box = self._boxes.get(key)
        if box is None:
            inner = width - 2 * d.pad
            lines = self.measure[""].wrap(note.text, inner, d.note_pt)
            meta_text = self._meta.get(note.id)
            if meta_text is None:
                meta_text = self._meta[note.id] = self.meta(note)
            if meta_text and d.leading < LEADING and lines and lines[-1] and (
                    self.measure[""].width(lines[-1] + "  ", d.note_pt) + self.measure[""].width(meta_text, d.meta_pt)
                    <= inner):  # compact: on the text's last line when there is room for it
                box = NoteBox(note, lines, [meta_text], self._box_h(len(lines), 0, d), density=d, meta_inline=True)
                self._boxes[key] = box
                return box
            meta = self.measure[""].wrap(meta_text, inner, d.meta_pt) if meta_text else []
            box = self._boxes[key] = NoteBox(note, lines, meta, self._box_h(len(lines), len(meta), d), density=d)
        return box

    def _box_h(self, lines: int, meta: int, d: Density | None = None) -> float:
        d = d or self.base
        return 2 * d.pad + lines * d.line(d.note_pt) + (meta * d.line(d.meta_pt) + d.pad * 0.6 if meta else 0.0)

    def split(self, box: NoteBox, limit: float) -> list[NoteBox]:
        """A note taller than a whole page, in parts that each fit (nothing is cut)."""
        if box.h <= limit:
            return [box]
        d = box.density or self.base
        meta_h = len(box.meta) * d.line(d.meta_pt) + d.pad * 0.6 if box.meta else 0.0
        per_part = max(1, int((limit - 2 * d.pad - meta_h) // d.line(d.note_pt)))
        chunks = [box.lines[i:i + per_part] for i in range(0, len(box.lines), per_part)]
        return [NoteBox(box.note, chunk, box.meta, self._box_h(len(chunk), len(box.meta), d), i + 1, len(chunks), d)
                for i, chunk in enumerate(chunks)]

    def columns(self, width: float, d: Density | None = None) -> tuple[int, float]:
        """How many columns of notes fit across ``width`` (notes may shrink to 85% of their width)."""
        d = d or self.base
        count = max(1, int((width + d.gap) // (d.note_w * 0.85 + d.gap)))
        return count, (width - d.gap * (count - 1)) / count

    def _count(self, notes: list[NoteData], width: float, d: Density) -> int:
        """The number of columns that stacks ``notes`` lowest: around what ``note_w`` gives,
        fewer and wider when short lines and small print wrap less that way."""
        count = self.columns(width, d)[0]
        if len(notes) < 2:
            return count
        key = (tuple(n.id for n in notes), round(width, 2), d)
        best = self._counts.get(key)
        if best is None:
            words = max((self.measure[""].width(w, d.note_pt) for n in notes for w in printable(n.text).split()),
                        default=0.0)
            heights = {}
            for c in range(max(1, count - 2), count + 2):
                each = (width - d.gap * (c - 1)) / c
                if each >= d.note_w * 0.55 and (c == 1 or each - 2 * d.pad >= words):  # no word broken in two
                    heights[c] = self.stacked(notes, width, d, c)
            if not heights:
                return 1
            best = self._counts[key] = min(heights, key=lambda c: (round(heights[c], 1), c != count))
        return best

    def stacked(self, notes: list[NoteData], width: float, d: Density, count: int | None = None) -> float:
        """Height ``notes`` take stacked across ``width`` (remembered: layouts ask it often)."""
        key = (tuple(n.id for n in notes), round(width, 2), d, count)
        height = self._heights.get(key)
        if height is None:
            height = self._heights[key] = self.pack(notes, Rect(0, 0, width, 1e9), d, count)[2]
        return height

    def pack(self, notes: list[NoteData], area: Rect, d: Density, count: int | None = None,
             skip_ties: bool = False) -> tuple[list[Placed], list[NoteData], float]:
        """Notes in columns, each into the shortest one (no row waits for its tallest note),
        until one does not fit (with ``skip_ties``, until one of fewer votes than the first
        that did not fit); returns placed, the rest, height used."""
        count = count or self._count(notes, area.w, d)
        width = (area.w - d.gap * (count - 1)) / count
        tops = [area.y] * count
        placed: list[Placed] = []
        rest: list[NoteData] = []
        for i, note in enumerate(notes):
            box = self.box(note, width, d)
            k = min(range(count), key=lambda c: (round(tops[c], 3), c))
            if tops[k] + box.h > area.bottom + 1e-6:
                if not skip_ties or (rest and note.votes != rest[0].votes):
                    return placed, rest + notes[i:], max(tops) - area.y
                rest.append(note)  # a shorter note of as many votes may still fit below
                continue
            placed.append(Placed(box, Rect(area.x + k * (width + d.gap), tops[k], width, box.h)))
            tops[k] += box.h + d.gap
        if rest:
            return placed, rest, max(tops) - area.y
        return placed, [], max(max(tops) - area.y - d.gap, 0.0) if placed else 0.0

    # --- the sheet ---------------------------------------------------------
    def heading(self, block: BlockData, x: float, y: float, width: float, continued: bool = False) -> Heading:
        s = self.style
        title_pt = s.heading_pt if continued else s.title_pt
        title = self.measure["B"].wrap(block.title, width, title_pt)
        asks = block.question and (self.questions or continued)
        question = self.measure["I"].wrap(block.question, width, s.question_pt) if asks else []
        h = len(title) * s.line(title_pt) + len(question) * s.line(s.question_pt) + s.pad * 0.8
        return Heading(block, Rect(x, y, width, h), title, question, continued)

    def _members(self, template: Template, by_id: dict[str, BlockData], top: str) -> list[BlockData]:
        return [by_id[top]] + [by_id[child.id] for child in template.children(top) if child.id in by_id]

    def _need(self, width: float, members: list[BlockData], d: Density | None = None) -> float:
        """Height a block needs to hold all its notes at this width (and density)."""
        s = self.style
        inner = width - 2 * s.pad
        return 2 * s.pad + sum(self.heading(b, 0, 0, inner).rect.h + self.stacked(b.notes, inner, d or self.base)
                               + s.pad for b in members)

    def row_heights(self, template: Template, by_id: dict[str, BlockData], area: Rect,
                    d: Density | None = None) -> list[float]:
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
                needs[r0] = max(needs[r0], self._need(width, members, d))
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

    def _flexed(self, template: Template, by_id: dict[str, BlockData], area: Rect, d: Density,
                tops: list) -> dict[str, Rect]:
        """When no density fits the template's rows: rows with room lend height to rows
        without (an ``fr`` row keeps between half and twice its share), a few rounds; the
        frames that hold the most notes."""
        heights = self.row_heights(template, by_id, area, d)
        weights = tracks(template.layout.rows, auto=None)
        flexible = [r for r, w in enumerate(weights) if w is not None] if len(weights) == len(heights) else []
        best, best_score = block_frames(template, area, heights), (0, float("inf"))
        if len(flexible) < 2:
            return best
        base, where = list(heights), spans(template)
        for _round in range(5):
            frames = block_frames(template, area, heights)
            pressure = [0.0] * len(heights)
            for top, members in tops:
                frame = frames[top.id]
                full = self._need(frame.w, members, d) / max(frame.h, 1e-6)
                for r in range(where[top.id][0], where[top.id][1] + 1):
                    pressure[r] = max(pressure[r], full)
            held = sum(len(section.placed) for top, members in tops for section in self._frame(frames[top.id], members))
            score = (-held, max(pressure))
            if score < best_score:
                best, best_score = frames, score
            if max(pressure) <= 1.0:
                break
            grown = {r: min(max(heights[r] * max(pressure[r], 0.25) ** 0.6, base[r] * 0.5), base[r] * 2.0)
                     for r in flexible}
            scale = sum(heights[r] for r in flexible) / sum(grown.values())
            heights = [grown[r] * scale if r in grown else h for r, h in enumerate(heights)]
        return best

    def plan(self, template: Template, blocks: list[BlockData], area: Rect, content: Rect) -> SheetPlan:
        by_id = {b.id: b for b in blocks}
        if template.kind == "form":  # a form is a sequence of fields: they flow down the pages
            pages, first = self._continuation([(b, b.notes) for b in blocks], content, fresh=True)
            return SheetPlan({}, [], pages, first, sheet=False)
        tops = [(top, self._members(template, by_id, top.id)) for top in template.top_blocks()]
        # The rows sized for the largest density at which every block fits; when none does,
        # the guiding questions give their lines to notes (the continuation pages keep them).
        for d, questions in [(d, True) for d in self.levels] + [(self.levels[-1], False)]:
            self.questions = questions
            frames = block_frames(template, area, self.row_heights(template, by_id, area, d))
            if all(self._fits(frames[top.id], members, d) for top, members in tops):
                break
        else:
            frames = self._flexed(template, by_id, area, d, tops)
        sections: list[Section] = []
        for top in template.top_blocks():
            sections += self._frame(frames[top.id], self._members(template, by_id, top.id))
        placed_ids = {top.id for top in template.top_blocks()} | {c.id for t in template.top_blocks()
                                                                   for c in template.children(t.id)}
        stray = [b for b in blocks if b.id not in placed_ids and b.notes]
        overflows = [(s.heading.block, s.overflow) for s in sections if s.overflow] + [(b, b.notes) for b in stray]
        pages, first = self._continuation(overflows, content)
        return SheetPlan(frames, sections, pages, first)

    def _space(self, frame: Rect, members: list[BlockData]) -> tuple[Rect, list[Heading], float]:
        s = self.style
        inner = Rect(frame.x + s.pad, frame.y + s.pad, frame.w - 2 * s.pad, frame.h - 2 * s.pad)
        headings = [self.heading(b, inner.x, 0, inner.w) for b in members]
        return inner, headings, inner.h - sum(h.rect.h for h in headings) - s.pad * (len(members) - 1)

    def _fits(self, frame: Rect, members: list[BlockData], d: Density) -> bool:
        inner, _headings, space = self._space(frame, members)
        return sum(self.stacked(b.notes, inner.w, d) for b in members) <= space + 1e-6

    def _frame(self, frame: Rect, members: list[BlockData]) -> list[Section]:
        """A block and its sub-blocks in their frame, at the largest density at which all
        their notes fit; at the floor, the most-voted notes stay and the rest continue."""
        inner, headings, space = self._space(frame, members)
        for d in self.levels:
            room = d.line(d.note_pt) + 2 * d.pad  # a sub-block keeps a line's room under its title, even empty
            needs = [self.stacked(b.notes, inner.w, d) for b in members]
            needs = needs[:1] + [max(need, room) for need in needs[1:]]
            if sum(needs) <= space + 1e-6:
                heights = [space - sum(needs[1:]), *needs[1:]]
                return self._sections(members, headings, heights, inner, d)
        d = self.levels[-1]
        heights = [max(space, 0.0)]
        if len(members) > 1:
            smallest = d.line(d.note_pt) + 2 * d.pad + d.gap
            share = max(smallest, space * 0.4 / (len(members) - 1))
            children = [max(smallest, min(need, share)) for need in needs[1:]]
            heights = [max(space - sum(children), 0.0), *children]
        return self._sections(members, headings, heights, inner, d)

    def _sections(self, members, headings, heights, inner: Rect, d: Density) -> list[Section]:
        sections, y = [], inner.y
        for block, heading, height in zip(members, headings, heights, strict=True):
            heading = Heading(block, Rect(inner.x, y, inner.w, heading.rect.h), heading.title, heading.question)
            area = Rect(inner.x, heading.rect.bottom, inner.w, max(height, 0.0))
            sections.append(self._fill(heading, area, d))
            y = area.bottom + self.style.pad
        return sections

    def _fill(self, heading: Heading, area: Rect, d: Density) -> Section:
        """All the block's notes in board order; if they do not all fit, the most-voted first
        (ties in board order) above a line that says where the rest are."""
        section = Section(heading, area)
        notes = heading.block.notes
        section.placed, section.overflow, _ = self.pack(notes, area, d)
        if section.overflow:
            marker_h = self.style.line(self.style.meta_pt) + self.style.pad
            shorter = Rect(area.x, area.y, area.w, max(area.h - marker_h, 0.0))
            ranked = sorted(notes, key=lambda n: -(n.votes or 0))
            section.placed, _rest, used = self.pack(ranked, shorter, d, skip_ties=True)
            kept = {p.box.note.id for p in section.placed}
            section.overflow = [n for n in notes if n.id not in kept]
            if section.overflow:
                section.marker = Rect(area.x, min(area.y + used, shorter.bottom), area.w, marker_h)
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
