"""XLSX read back with openpyxl, CSV with the csv module; the formula guard."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, timedelta, timezone

import pytest
from openpyxl import load_workbook

from facilitator.export import render, safety
from facilitator.extensions import db
from facilitator.models import Note, Workshop

from .export_world import FORMULAS, HIDDEN, build, make_app


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("sheets"))
    return app, build(app)


def export(app, results, fmt):
    with app.app_context(), app.test_request_context():
        return render(db.session.get(Workshop, results.workshop_id), fmt)


def test_xlsx_has_summary_one_sheet_per_canvas_and_participants(done):
    app, results = done
    result = export(app, results, "xlsx")
    assert result.filename == "comunidad-de-practica-2026-11-27.xlsx"
    book = load_workbook(io.BytesIO(result.content))
    assert book.sheetnames == ["Resumen", "Mesa", "Mapa de empatía anónimo", "Grupos", "Participantes"]
    for sheet, canvas_id in (("Mesa", results.lean), ("Mapa de empatía anónimo", results.empathy)):
        ws = book[sheet]
        header = [c.value for c in ws[1]]
        assert header[:6] == ["Bloque", "Texto", "Color", "Autoría", "Institución", "Votos"]
        assert ws.freeze_panes == "A2" and ws.column_dimensions["B"].width >= 50
        rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]
        expected = results.notes_of(canvas_id)
        assert len(rows) == len(expected)
        texts = [r["Texto"] for r in rows]
        for _canvas, _block, text in expected.values():
            assert texts.count(text) == 1, text
        if canvas_id == results.empathy:
            assert all(r["Autoría"] is None for r in rows) and {r["Institución"] for r in rows} == {"MEF", "PCM"}
        else:
            by_text = {r["Texto"]: r for r in rows}
            spanish = by_text["¿Cómo reducimos las colas en la atención? Ñandú, pingüino, «acción» ¡ya!"]
            assert (spanish["Bloque"], spanish["Autoría"], spanish["Institución"], spanish["Votos"],
                    spanish["Grupo"], spanish["Color"]) == ("Problema", "Ana Núñez", "MEF", 2, "Colas y tiempos",
                                                            "Rosado")
            assert by_text[HIDDEN]["Nota oculta"] == "Sí" and spanish["Nota oculta"] == "No"
            assert spanish["Creada (UTC)"].year >= 2026
    people = book["Participantes"]
    assert [c.value for c in people[1]] == ["Nombre", "Institución", "Entró el (UTC)"]
    assert {r[0].value: r[1].value for r in people.iter_rows(min_row=2)} == {
        name: institution or None for name, institution in results.names.items()}
    summary = {r[0].value: r[1].value for r in book["Resumen"].iter_rows() if r[0].value}
    assert summary["Notas"] == len(results.texts) and summary["Participantes"] == 4


def test_xlsx_keeps_formula_looking_text_exact_but_never_a_formula(done):
    app, results = done
    book = load_workbook(io.BytesIO(export(app, results, "xlsx").content))
    cells = {c.value: c for row in book["Mesa"].iter_rows() for c in row if isinstance(c.value, str)}
    for text in FORMULAS:
        cell = cells[text]  # exactly the text typed
        assert cell.data_type == "s" and cell.quotePrefix
    assert not any(c.data_type == "f" for ws in book for row in ws.iter_rows() for c in row)


def test_csv_has_every_note_once_with_bom_and_formula_guard(done):
    app, results = done
    result = export(app, results, "csv")
    assert result.content.startswith(b"\xef\xbb\xbf") and result.mimetype.startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(result.content.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(results.texts)
    by_id = {r["Identificador de la nota"]: r for r in rows}
    assert set(by_id) == set(results.texts)
    names = {"Mesa": results.lean, "Mapa de empatía anónimo": results.empathy}
    for note_id, (canvas_id, _block, text) in results.texts.items():
        row = by_id[note_id]
        assert names[row["Lienzo"]] == canvas_id
        assert row["Texto"] == (safety.csv_cell(text))
    for text in FORMULAS:
        assert any(r["Texto"] == "'" + text for r in rows)
    assert not any(r["Texto"].startswith(safety.TRIGGERS) for r in rows)
    anonymous = [r for r in rows if r["Lienzo"] == "Mapa de empatía anónimo"]
    assert all(r["Autoría"] == "" for r in anonymous)
    assert "Nota borrada" not in result.content.decode("utf-8")


def test_times_are_shown_in_the_servers_time_zone_and_named(done):
    """TIMEZONE=America/Lima: people read Lima's wall-clock times, and every header says so;
    the JSON export keeps UTC."""
    app, results = done
    with app.app_context():
        note = db.session.get(Note, next(iter(results.texts)))
        created, author, joined = note.created_at, note.author.name, note.author.joined_at
    lima = timezone(timedelta(hours=-5))  # Peru keeps no daylight saving time
    app.config["TIMEZONE"] = "America/Lima"
    try:
        rows = list(csv.DictReader(io.StringIO(export(app, results, "csv").content.decode("utf-8-sig"),
                                               newline="")))
        book = load_workbook(io.BytesIO(export(app, results, "xlsx").content))
        markdown = export(app, results, "report-md").content.decode()
        exported = json.loads(export(app, results, "json").content)
    finally:
        app.config["TIMEZONE"] = "UTC"
    (row,) = [r for r in rows if r["Identificador de la nota"] == note.id]
    as_lima = created.replace(tzinfo=created.tzinfo or UTC).astimezone(lima)
    assert row["Creada (America/Lima)"] == f"{as_lima:%Y-%m-%d %H:%M} America/Lima"
    header = [c.value for c in book["Mesa"][1]]
    assert "Creada (America/Lima)" in header and "Última edición (America/Lima)" in header
    people = book["Participantes"]
    assert people[1][2].value == "Entró el (America/Lima)"
    joined_at = {r[0].value: r[2].value for r in people.iter_rows(min_row=2)}
    as_lima = joined.replace(tzinfo=joined.tzinfo or UTC).astimezone(lima).replace(tzinfo=None)
    assert abs(joined_at[author] - as_lima) < timedelta(milliseconds=1)  # Excel keeps milliseconds
    assert "America/Lima" in markdown and "UTC" not in markdown
    assert "America/Lima" not in json.dumps(exported)


def test_formula_guard():
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert safety.is_risky(risky) and safety.csv_cell(risky) == "'" + risky
    for fine in ("Hola", "1-2", "¿=?", "", 5, None):
        assert not safety.is_risky(fine) and safety.csv_cell(fine) == fine


def test_anonymous_workshop_has_no_participants_sheet_and_names_nobody(app):
    results = build(app, anonymous_everywhere=True)
    book = load_workbook(io.BytesIO(export(app, results, "xlsx").content))
    assert "Participantes" not in book.sheetnames
    values = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
    for name in results.names:
        assert name not in values
    assert "Ana Facilitadora" in values  # the facilitators are not participants


def test_a_canvas_name_stored_with_a_control_character_still_gives_a_readable_xlsx(tmp_path):
    """Entry points refuse control characters now; a name stored before that rule
    (an old database) must not make the spreadsheet unreadable."""
    from facilitator.models import Canvas

    app = make_app(tmp_path)
    results = build(app)
    with app.app_context():
        canvas = db.session.get(Canvas, results.lean)
        canvas.name = "Mesa\x07 uno"
        db.session.commit()
    book = load_workbook(io.BytesIO(export(app, results, "xlsx").content))
    assert "Mesa uno" in book.sheetnames


def test_sheet_names_keep_one_space_between_words_and_none_at_the_end(tmp_path):
    from facilitator.models import Canvas

    app = make_app(tmp_path)
    results = build(app)
    with app.app_context():
        db.session.get(Canvas, results.lean).name = "Mesa   de  trabajo:   MEF  "
        db.session.get(Canvas, results.empathy).name = "Una mesa con nombre largo y otra cosa más"
        db.session.commit()
    book = load_workbook(io.BytesIO(export(app, results, "xlsx").content))
    assert "Mesa de trabajo MEF" in book.sheetnames
    cut = next(name for name in book.sheetnames if name.startswith("Una mesa"))
    assert cut == "Una mesa con nombre largo y"  # cut at 28 characters, the space at the cut dropped
    for name in book.sheetnames:
        assert "  " not in name and name == name.strip()
