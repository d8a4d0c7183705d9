"""A finished workshop to export, built through the board like a real session:
Spanish notes from several people, a note deleted, a closed vote, a group,
a note still hidden by silent writing, a facilitator's note, an anonymous
canvas, texts that look like spreadsheet formulas, and enough notes in one
block to need continuation pages."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from facilitator import board, catalog_of
from facilitator.board.schemas import NewCanvases
from facilitator.board.workshops import add_canvases
from facilitator.extensions import db
from facilitator.models import Workshop

from .conftest import World

SPANISH = "¿Cómo reducimos las colas en la atención? Ñandú, pingüino, «acción» ¡ya!"
DELETED = "Nota borrada que nunca debe salir"
HIDDEN = "Propuesta secreta escrita en silencio"
FORMULAS = ['=HYPERLINK("http://ejemplo.org","clic")', "+51 999 888 777 línea gratuita", "-Reducir requisitos",
            "@municipalidad en redes sociales"]
MANY = 40


@dataclass
class Results:
    world: World
    workshop_id: int
    lean: int  # canvas ids
    empathy: int
    texts: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # note id -> (canvas, block, text)
    names: dict[str, str] = field(default_factory=dict)  # participant name -> institution
    hidden_id: str = ""
    deleted_id: str = ""
    tally: dict[str, int] = field(default_factory=dict)
    cluster_notes: list[str] = field(default_factory=list)

    def notes_of(self, canvas_id: int) -> dict[str, tuple[int, str, str]]:
        return {k: v for k, v in self.texts.items() if v[0] == canvas_id}


def _op(**fields):
    return {"op_id": uuid.uuid4().hex, **fields}


def build(app, *, anonymous_everywhere: bool = False) -> Results:
    world = World(app, template_id="lean-canvas")
    with app.app_context():
        workshop = db.session.get(Workshop, world.workshop_id)
        workshop.date = dt.date(2026, 11, 27)
        empathy = add_canvases(catalog_of(app), workshop,
                               NewCanvases(template_id="empathy-map", name="Mapa de empatía anónimo"))[0].id
        results = Results(world, world.workshop_id, world.canvas_id, empathy)
        fac = board.resolve_token(world.seat())
        people = {}
        for name, institution in [("Ana Núñez", "MEF"), ("Benjamín Peña", "PCM"),
                                  ("Carla Ibáñez", "Ministerio de Educación"), ("Dani Ortiz", "")]:
            people[name] = board.resolve_token(world.join(name, institution))
            results.names[name] = institution
        ana, ben, carla, dani = people.values()

        def add(who, canvas, block, text, color="yellow"):
            change = board.apply(who, canvas, "note:add", _op(block=block, text=text, color=color))
            note_id = change.envelope["data"]["id"]
            results.texts[note_id] = (canvas, block, text)
            return note_id

        lean = world.canvas_id
        first = add(ana, lean, "problem", SPANISH, "pink")
        second = add(ben, lean, "problem", "Trámites largos: más de 3 días — ¡demasiado! (€ 25, 30 °C)", "blue")
        add(carla, lean, "existing_alternatives", "Ventanilla única; información dispersa", "green")
        add(dani, lean, "uvp", FORMULAS[0], "orange")
        add(ana, lean, "solution", FORMULAS[1])
        add(ben, lean, "solution", FORMULAS[2], "purple")
        add(carla, lean, "channels", FORMULAS[3])
        add(fac, lean, "customer_segments", "Ciudadanía de zonas rurales → prioridad ✓")
        for i in range(MANY):
            who = (ana, ben, carla, dani)[i % 4]
            add(who, lean, "problem", f"Idea {i:02d}: mejorar la señalética en la sede número {i} de atención "
                                      f"al público, con información clara y accesible")
        gone = board.apply(ben, lean, "note:add", _op(block="problem", text=DELETED))
        results.deleted_id = gone.envelope["data"]["id"]
        board.apply(ben, lean, "note:delete", _op(note_id=results.deleted_id))

        board.apply(fac, None, "cluster:create", _op(canvas_id=lean, block="problem", title="Colas y tiempos",
                                                     note_ids=[first, second]))
        results.cluster_notes = [first, second]
        board.apply(fac, None, "vote:open", _op(canvas_id=lean, budget=3, max_per_note=2))
        for who, note_id in [(ana, second), (ana, second), (carla, second), (ben, first), (carla, first)]:
            board.apply(who, lean, "vote:add", _op(note_id=note_id))
        board.apply(fac, None, "vote:close", _op(canvas_id=lean))
        results.tally = {second: 3, first: 2}

        board.apply(fac, None, "canvas:hidden", _op(canvas_id=lean, value=True))
        results.hidden_id = add(dani, lean, "key_metrics", HIDDEN)

        add(ana, empathy, "think_feel", "Se sienten ignorados por el Estado", "purple")
        add(ben, empathy, "say", "Dicen: «nadie nos escucha»", "green")
        board.apply(fac, None, "canvas:anonymous", _op(canvas_id=empathy, value=True))
        if anonymous_everywhere:
            board.apply(fac, None, "canvas:anonymous", _op(canvas_id=lean, value=True))
        db.session.commit()
    return results


def squash(text: str) -> str:
    """Text without any whitespace, to compare what a PDF wrapped over several lines; the few
    symbols no Noto font has (✓ ★) as the PDF prints them (✔ ⭐, fonts.SUBSTITUTES)."""
    from facilitator.export.fonts import SUBSTITUTES

    for symbol, printed in SUBSTITUTES.items():
        text = text.replace(symbol, printed)
    return "".join(text.split())


def make_app(folder):
    """An app of its own (for module-scoped fixtures: the build takes a second)."""
    from facilitator import create_app
    from facilitator.config import TestConfig

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'export.db'}")
    with app.app_context():
        db.create_all()
    return app


def pdf_lines(content: bytes) -> list[tuple[int, float, float, str]]:
    """Every text run of a PDF as (page from 1, x mm, baseline y mm from the top, text), read with pypdf."""
    import io

    from pypdf import PdfReader

    runs = []
    for number, page in enumerate(PdfReader(io.BytesIO(content)).pages, start=1):
        height = float(page.mediabox.height)

        def visit(text, cm, tm, _font, _size, number=number, height=height):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                runs.append((number, x * 25.4 / 72, (height - y) * 25.4 / 72, text))

        page.extract_text(visitor_text=visit)
    return runs


def text_in(runs, page: int, rect) -> str:
    """The text whose runs start inside ``rect`` on ``page``, in reading order."""
    inside = [r for r in runs if r[0] == page and rect.x - 0.3 <= r[1] <= rect.right and
              rect.y - 0.3 <= r[2] <= rect.bottom + 0.3]
    return "\n".join(r[3] for r in sorted(inside, key=lambda r: (round(r[2], 1), r[1])))
