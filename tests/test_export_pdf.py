"""Canvas PDFs read back with pypdf: every note once, in its block, nothing cut."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from facilitator.export import labels
from facilitator.export.data import read_workshop
from facilitator.export.pdf import canvas_pdf
from facilitator.extensions import db
from facilitator.models import Workshop

from .export_world import HIDDEN, SPANISH, build, make_app, pdf_lines, squash, text_in


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("pdf"))
    return app, build(app)


def render(app, results, size, canvas_id=None):
    with app.app_context(), app.test_request_context(), labels.in_language("es"):
        workshop = db.session.get(Workshop, results.workshop_id)
        data = read_workshop(workshop, canvas_ids=[canvas_id] if canvas_id else None)
        content, marks = canvas_pdf(data, size)
    return data, content, marks


def check_every_note_once_in_its_block(data, content, marks, whole_file: bool = True):
    """Each note drawn once, inside its block; with ``whole_file``, its text nowhere else either."""
    runs = pdf_lines(content)
    frames = {(m.page, m.block): m.rect for m in marks if m.kind == "block"}
    headings = [m for m in marks if m.kind == "heading"]
    note_marks = [m for m in marks if m.kind == "note"]
    for canvas in data.canvases:
        parents = {b.id: b.inside or b.id for b in canvas.blocks}
        for note in canvas.notes:
            (mark,) = [m for m in note_marks if m.key == note.id]  # drawn exactly once
            assert mark.block == note.block
            inside = text_in(runs, mark.page, mark.rect)
            assert squash(inside).startswith(squash(note.text)), (note.text, inside)
            frame = frames.get((mark.page, parents[note.block]))
            above = [h for h in headings if h.page == mark.page and h.rect.y <= mark.rect.y]
            owner = max(above, key=lambda h: h.rect.y) if frame is None else None
            if frame is not None:  # on the sheet: inside its block's frame, under its block's title
                assert frame.x <= mark.rect.x and mark.rect.right <= frame.right + 0.01
                assert frame.y <= mark.rect.y and mark.rect.bottom <= frame.bottom + 0.01
                assert squash(canvas.block_title(note.block)) in squash(text_in(runs, mark.page, frame))
            else:  # on a continuation page: under a heading that names its block
                assert owner.block == note.block
                heading_text = squash(text_in(runs, owner.page, owner.rect))
                assert squash(canvas.block_title(note.block)) in heading_text
                assert "continuación" in heading_text or canvas.template.kind == "form"
    everything = squash("".join(r[3] for r in runs))
    for canvas in data.canvases if whole_file else ():
        for note in canvas.notes:  # and nowhere else: each text only once in the whole file
            assert everything.count(squash(note.text)) == 1, note.text
    return runs


@pytest.mark.parametrize("size", ["a3", "a4"])
def test_canvas_pdf_holds_every_note_once_in_its_block(done, size):
    app, results = done
    data, content, marks = render(app, results, size, results.lean)
    reader = PdfReader(io.BytesIO(content))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    expected = {"a3": (1190.55, 841.89), "a4": (841.89, 595.28)}[size]
    assert (round(width, 2), round(height, 2)) == expected  # landscape
    assert len(reader.pages) > 1, "40 notes in one block must continue on another page"
    runs = check_every_note_once_in_its_block(data, content, marks)
    text = "\n".join(r[3] for r in runs)
    assert squash(SPANISH) in squash(text)
    for piece in ("Comunidad de práctica", "27 de noviembre de 2026", "Lean Canvas de Ash Maurya",
                  "Ñandú", "pingüino", "«acción»", "→ prioridad ✓", "€ 25", "°C"):
        assert squash(piece) in squash(text), piece
    assert HIDDEN.split()[0] in text  # a facilitator's export shows silent-writing notes
    assert "Ana Núñez · MEF" in text and squash("3 votos") in squash(text)
    assert "Nota borrada" not in text
    assert squash("notas más en la página 2") in squash(text)


def test_anonymous_canvas_pdf_names_nobody(done):
    app, results = done
    data, content, marks = render(app, results, "a3", results.empathy)
    runs = check_every_note_once_in_its_block(data, content, marks)
    text = "\n".join(r[3] for r in runs)
    assert squash("Se sienten ignorados") in squash(text) and squash("«nadie nos escucha»") in squash(text)
    for name in results.names:
        assert name.split()[0] not in text


def test_a_note_taller_than_a_page_is_split_not_cut(done):  # runs last: it adds a note
    app, results = done
    long_text = "\n".join(f"l{i:03d}" for i in range(165))
    with app.app_context():
        from facilitator import board

        from .export_world import _op

        who = board.resolve_token(results.world.join("Eva Rojas", "MEF"))
        board.apply(who, results.empathy, "note:add", _op(block="see", text=long_text))
    _data, content, marks = render(app, results, "a4", results.empathy)
    runs = pdf_lines(content)
    lines = [r[3] for r in runs if len(r[3]) == 4 and r[3].startswith("l")]
    assert lines == [f"l{i:03d}" for i in range(165)]
    assert len({m.page for m in marks if m.kind == "note"}) >= 2


def test_a_form_canvas_flows_its_fields_down_the_pages(app):
    results = build(app)
    with app.app_context():
        from facilitator import board, catalog_of
        from facilitator.board.schemas import NewCanvases
        from facilitator.board.workshops import add_canvases

        from .export_world import _op

        workshop = db.session.get(Workshop, results.workshop_id)
        form = add_canvases(catalog_of(app), workshop, NewCanvases(template_id="ogp-commitment", name="Compromiso"))
        form_id = form[0].id
        who = board.resolve_token(results.world.join("Eva Rojas", "MEF"))
        for i in range(30):
            board.apply(who, form_id, "note:add", _op(block=("problem", "commitment", "milestones")[i % 3],
                                                       text=f"Hito {i}: publicar los datos de compras públicas"))
    data, content, marks = render(app, results, "a4", form_id)
    check_every_note_once_in_its_block(data, content, marks)
    headings = [m.block for m in marks if m.kind == "heading"]
    assert headings[:2] == ["name", "dates"]  # every field is there, empty ones too, in the form's order
    assert set(headings) == {b.id for b in data.canvases[0].blocks}
