"""The workshop report in Markdown: cover facts, attendance, every canvas
block by block, the dot-voting results ranked, and the groups of notes.

What people wrote is escaped, so it reads as typed and never turns into
links, HTML or headings when the file is rendered.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from . import labels
from .data import CanvasData, NoteData, WorkshopData

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^(\s*)(-|\+|=)", re.MULTILINE)
_ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)  # "1. " and "1) " start ordered lists


def escape(text: str) -> str:
    """Markdown-escape user text (one paragraph per line kept with hard breaks; blank
    lines, and carriage returns as line ends, never leave an empty line or bullet)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line for line in text.split("\n") if line.strip())
    text = _SPECIAL.sub(r"\\\1", _ENTITY.sub("&amp;", text))
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    text = _ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), text)  # "1\." is escaped; "\1." shows the "\"
    return "  \n  ".join(text.split("\n"))


def _note_line(note: NoteData, groups: dict[int, str]) -> str:
    meta_text = " · ".join(escape(fact) for fact in labels.note_facts(note, groups))
    return f"- {escape(note.text) or '—'}" + (f" — *{meta_text}*" if meta_text else "")


def _canvas(canvas: CanvasData) -> list[str]:
    out = [f"## {escape(canvas.name)} · {escape(canvas.template_name)}", ""]
    if canvas.anonymous:
        unnamed = _("Anonymous canvas: authors are not named.")  # outside an f-string, or it is not extracted
        out += [f"*{unnamed}*", ""]
    groups = {c.id: c.title for c in canvas.clusters}
    for block in canvas.blocks:
        level = "####" if block.inside else "###"
        out += [f"{level} {escape(block.title)}", ""]
        if block.question:
            out += [f"*{escape(block.question)}*", ""]
        out += [_note_line(n, groups) for n in block.notes] or [f"*{_('No notes.')}*"]
        out.append("")
    out += [f"<small>{escape(canvas.credit_line)}</small>", ""]
    return out


def _votes(workshop: WorkshopData) -> list[str]:
    out = [f"## {_('Dot-voting results')}", ""]
    rounds = [(c, r) for c in workshop.canvases for r in c.rounds]
    if not rounds:
        return [*out, f"*{_('No vote was closed in this workshop.')}*", ""]
    for canvas, round_ in rounds:
        out += [f"### {escape(canvas.name)} · {labels.when(round_.closed_at or round_.opened_at)}", ""]
        if round_.voters:  # an imported round knows its tallies, not its voters
            out += [labels.voters(round_.voters, round_.budget), ""]
        if not round_.results:
            out += [f"*{_('No votes.')}*", ""]
            continue
        out += [f"| # | {_('Note')} | {_('Block')} | {_('Votes')} |", "|---:|---|---|---:|"]
        for rank, item, count in round_.results:  # a group (stack) is one item, with its notes' votes
            text = escape(labels.ranked(item)).replace("  \n  ", " ")
            out.append(f"| {rank} | {text} | {escape(canvas.block_title(item.block))} | {count} |")
        out.append("")
    return out


def _groups(workshop: WorkshopData) -> list[str]:
    out = [f"## {_('Groups of notes')}", ""]
    clustered = [(c, k) for c in workshop.canvases for k in c.clusters]
    if not clustered:
        return [*out, f"*{_('No notes were grouped in this workshop.')}*", ""]
    for canvas, cluster in clustered:
        out += [f"### {escape(cluster.title)}", "",
                f"*{escape(canvas.name)} · {escape(canvas.block_title(cluster.block))} · "
                f"{escape(labels.group_facts(cluster))}*", ""]
        out += [f"- {escape(n.text) or '—'}" for n in cluster.notes] or [f"*{_('No notes.')}*"]
        out.append("")
    return out


def _commitments(workshop: WorkshopData) -> list[str]:
    """One section per commitment, set out as the OGP commitment sheet."""
    out = [f"## {_('Commitments')}", ""]
    if not workshop.commitments:
        return [*out, f"*{_('No commitments were made in this workshop.')}*", ""]
    for number, commitment in enumerate(workshop.commitments, start=1):
        out += [f"### {escape(labels.commitment_heading(number, commitment))}", ""]
        for name, value in labels.commitment_fields(commitment, workshop.ogp_titles):
            out.append(f"- **{escape(name)}:** {escape(value) or '—'}")
        out.append("")
    return out


def report_md(workshop: WorkshopData) -> bytes:
    """The whole report as UTF-8 Markdown."""
    out = [f"# {escape(workshop.title)}", "",
           f"- **{_('Date')}:** {labels.long_date(workshop.date)}",
           f"- **{_('Facilitators')}:** {escape(', '.join(workshop.facilitators)) or '—'}",
           f"- **{_('Participants')}:** {sum(count for _inst, count in workshop.attendance)}",
           f"- **{_('Canvases')}:** {len(workshop.canvases)}",
           f"- **{_('Notes')}:** {workshop.note_count}",
           f"- **{_('Exported at')}:** {labels.when(workshop.exported_at)}", ""]
    if workshop.anonymous:
        out += [f"*{_('Anonymous workshop: no export names its participants.')}*", ""]
    out += [f"**{labels.unrevealed(workshop)}**", ""] if labels.unrevealed(workshop) else []
    out += [f"## {_('Attendance by institution')}", "", f"| {_('Institution')} | {_('Participants')} |", "|---|---:|"]
    out += [f"| {escape(labels.institution(inst))} | {count} |" for inst, count in workshop.attendance]
    out.append("")
    for canvas in workshop.canvases:
        out += _canvas(canvas)
    out += _votes(workshop) + _groups(workshop) + _commitments(workshop)
    return "\n".join(out).encode("utf-8")
