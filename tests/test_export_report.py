"""The workshop report, as PDF (read back with pypdf) and as Markdown."""

from __future__ import annotations

import re

import pytest

from facilitator.export import labels
from facilitator.export.data import read_workshop
from facilitator.export.markdown import escape
from facilitator.export.report import report_pdf
from facilitator.extensions import db
from facilitator.models import Workshop

from .export_world import build, make_app, squash
from .test_export_pdf import check_every_note_once_in_its_block


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("report"))
    return app, build(app)


def test_report_pdf_has_cover_attendance_canvases_ranking_and_groups(done):
    app, results = done
    with app.app_context(), app.test_request_context(), labels.in_language("es"):
        data = read_workshop(db.session.get(Workshop, results.workshop_id))
        content, marks = report_pdf(data, "a4")
    runs = check_every_note_once_in_its_block(data, content, marks, whole_file=False)  # also ranked, grouped
    pages = {}
    for page, _x, _y, text in runs:
        pages.setdefault(page, []).append(text)
    cover = "\n".join(pages[1])
    assert "Comunidad de práctica" in cover and "27 de noviembre de 2026" in cover
    assert "Ana Facilitadora" in cover and "Asistencia por institución" in cover
    for institution in ("MEF", "PCM", "Ministerio de Educación", "Sin institución"):
        assert institution in cover
    text = squash("".join(r[3] for r in runs))
    ranking = text[text.index("Resultadosdelavotaciónporpuntos", text.index("Mapa")):text.rindex("Gruposdenotas")]
    first, second = (squash(results.texts[n][2]) for n in (results.cluster_notes[1], results.cluster_notes[0]))
    # The two voted notes are a group: ranked as one item with their 3 + 2 votes.
    assert "1Grupo«Colasytiempos»(2notas)" in ranking and first not in ranking and second not in ranking
    groups = text[text.rindex("Gruposdenotas"):]
    assert "Colasytiempos" in groups and first in groups and second in groups and "2notas·5votos" in groups


def test_report_markdown_lists_every_note_under_its_block(done):
    app, results = done
    with app.app_context(), app.test_request_context(), labels.in_language("es"):
        workshop = db.session.get(Workshop, results.workshop_id)
        data = read_workshop(workshop)
        from facilitator.export.markdown import report_md

        text = report_md(data).decode("utf-8")
    assert text.startswith("# Comunidad de práctica\n")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    for canvas in data.canvases:
        (body,) = [s for s in sections if s.startswith(escape(canvas.name))]
        blocks = re.split(r"^#{3,4} ", body, flags=re.MULTILINE)
        for note in canvas.notes:
            line = f"- {escape(note.text)}"
            holders = [b for b in blocks if line in b]
            assert len(holders) == 1 and holders[0].startswith(escape(canvas.block_title(note.block))), note.text
            assert body.count(line) == 1
    assert "Nota borrada" not in text
    assert escape('=HYPERLINK("http://ejemplo.org","clic")') == '\\=HYPERLINK("http://ejemplo.org","clic")'
    assert "| 1 | Grupo «Colas y tiempos» (2 notas) | Problema | 5 |" in text  # a group is one item
    assert "| 1 | Trámites largos" not in text
    anonymous = next(s for s in sections if s.startswith("Mapa de empatía"))
    assert "Ana" not in anonymous and "Benjamín" not in anonymous


@pytest.mark.parametrize("typed", ["1. lista de pasos", "1) primero", "\rHola desde una nota", "2026. Año\r\r3) tres",
                                   "- guion", "# no es título", "<b>negrita</b> & *énfasis*"])
def test_a_note_in_the_markdown_report_reads_as_typed(typed):
    """Rendered by a CommonMark parser: one list item, holding the note's text as typed
    (no list of its own, no backslash shown, no empty bullet)."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(f"- {escape(typed)}\n")
    assert html.count("<li>") == 1 and "<ol" not in html and "\\" not in html
    body = re.sub(r"<br />\n?", "\n", html[html.index("<li>") + 4:html.index("</li>")])
    shown = body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    lines = [line for line in typed.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]
    assert shown.strip() == "\n".join(lines)


def test_long_exports_pause_between_canvases(done):
    app, results = done
    from facilitator.export import render

    calls = []
    with app.app_context(), app.test_request_context():
        workshop = db.session.get(Workshop, results.workshop_id)
        for fmt in ("report-pdf", "pdf", "xlsx"):
            render(workshop, fmt, pause=lambda: calls.append(1))
    assert len(calls) == 3 * 2  # two canvases, three exports
