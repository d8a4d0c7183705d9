"""Time every export of a big workshop: 150 participants, 15 canvases, 3,000 notes.

Run from a checkout with the project's dependencies installed:

    python bench/export.py            # or: python -m bench.export (from the repository root)
    python bench/export.py --notes 6000 --canvases 30 --participants 300

The workshop is written straight into a temporary SQLite database (the board's
own rules are tested elsewhere; here only the exports are timed), with Spanish
texts, five colours, two anonymous canvases, a closed vote with tallies and
groups on every canvas, and a few notes still hidden by silent writing. Each
export runs inside a Flask app context, as the download routes do. The script
prints one line per export and a final JSON line with every figure, in seconds.
Aims (a 2-core machine): each canvas PDF under 1 s; the workshop's XLSX and
report PDF under 5 s each. The every-canvas PDF (all canvases in one file) is timed
too; bench/README.md says how to read the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import current_app

from facilitator import catalog_of, create_app
from facilitator.config import TestConfig
from facilitator.export import render
from facilitator.extensions import db
from facilitator.models import (
    Canvas,
    Cluster,
    Facilitator,
    Note,
    Participant,
    Vote,
    VotingRound,
    Workshop,
    utcnow,
)

TEXT = """atención ciudadana trámites ventanilla única información pública datos abiertos municipalidad
participación acceso transparencia señalética colas espera digitalización accesibilidad confianza coordinación
interinstitucional presupuesto capacitación ¿cómo? ¡sí! → ✓ € 25 °C niñez pingüino"""
WORDS = TEXT.split()
INSTITUTIONS = ["MEF", "PCM", "Ministerio de Educación", "Ministerio de Salud", "RENIEC", "SUNAT", "Municipalidad",
                "Defensoría del Pueblo", ""]
TEMPLATES = ["public-policy-lean-canvas", "lean-canvas", "business-model-canvas", "empathy-map",
             "culture-design-canvas", "public-value-proposition-canvas", "value-proposition-canvas", "ogp-commitment"]
COLORS = ["yellow", "pink", "blue", "green", "orange", "purple"]


def build(participants: int, canvases: int, notes: int, rng: random.Random) -> int:
    now = utcnow()
    facilitator = Facilitator(email="bench@example.org", name="Facilitadora de prueba", password_hash="x")
    workshop = Workshop(title="Taller de co-creación: Gobierno Abierto 2026", language="es", code="BENCH1",
                        status="live", date=now.date())
    workshop.facilitators.append(facilitator)
    db.session.add(workshop)
    people = [Participant(workshop=workshop, name=f"Participante {i} Núñez", token_hash=f"bench{i}",
                          institution=rng.choice(INSTITUTIONS) or None, joined_at=now - timedelta(hours=3))
              for i in range(participants)]
    db.session.add_all(people)
    catalog = catalog_of(current_app)
    made = []
    for i in range(canvases):
        template = catalog.get(TEMPLATES[i % len(TEMPLATES)])
        made.append(Canvas(workshop=workshop, name=f"Mesa {i + 1}", template_id=template.id,
                           template=template.model_dump(mode="json"), position=i + 1, anonymous=i % 7 == 3))
    db.session.add_all(made)
    db.session.flush()
    per_canvas = notes // canvases
    for canvas in made:
        blocks = [b["id"] for b in canvas.template["blocks"]]
        rows = []
        for k in range(per_canvas):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 28)))
            rows.append(Note(id=str(uuid.uuid4()), canvas_id=canvas.id, block=rng.choice(blocks),
                             text=text.capitalize(), color=rng.choice(COLORS), position=float(k),
                             author=rng.choice(people), created_at=now, updated_at=now, hidden=k % 97 == 0))
        db.session.add_all(rows)
        db.session.flush()
        round_ = VotingRound(canvas_id=canvas.id, budget=5, max_per_note=3, status="closed", opened_at=now,
                             closed_at=now)
        db.session.add(round_)
        db.session.flush()
        db.session.add_all(Vote(round_id=round_.id, note_id=rng.choice(rows).id, participant_id=rng.choice(people).id)
                           for _ in range(participants // 2))
        for g in range(4):
            block = blocks[g % len(blocks)]
            cluster = Cluster(canvas_id=canvas.id, block=block, title=f"Grupo {g + 1}: acceso y confianza")
            db.session.add(cluster)
            db.session.flush()
            for note in [n for n in rows if n.block == block][:5]:
                note.cluster_id = cluster.id
    db.session.commit()
    return workshop.id


CPU: dict[str, float] = {}


def timed(label: str, figures: dict, action):
    """Wall time in ``figures``; the CPU time this process spent is printed beside it (on a
    busy shared machine the wall time mostly measures the wait for a core)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    figures[label] = round(time.perf_counter() - start, 3)
    CPU[label] = round(time.process_time() - cpu, 3)
    print(f"{label:<24} {figures[label]:7.3f} s  (CPU {CPU[label]:6.3f} s)  {len(result.content):>10,} bytes")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=150)
    parser.add_argument("--canvases", type=int, default=15)
    parser.add_argument("--notes", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lienzo-bench-"))
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'bench.db'}")
    figures: dict[str, float] = {}
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        workshop_id = build(args.participants, args.canvases, args.notes, random.Random(args.seed))
        print(f"built {args.participants} participants, {args.canvases} canvases, {args.notes} notes "
              f"in {time.perf_counter() - start:.1f} s")
    with app.test_request_context():
        workshop = db.session.get(Workshop, workshop_id)
        canvases = list(workshop.canvases)
        pdf_times = []
        for canvas in canvases:
            timed(f"canvas pdf {canvas.name}", figures, lambda c=canvas: render(workshop, "pdf", canvas=c))
            pdf_times.append(figures.pop(f"canvas pdf {canvas.name}"))
            CPU[f"canvas_pdf_a3 {canvas.name}"] = CPU.pop(f"canvas pdf {canvas.name}")
        figures["canvas_pdf_a3_max"] = max(pdf_times)
        figures["canvas_pdf_a3_mean"] = round(sum(pdf_times) / len(pdf_times), 3)
        timed("canvas_pdf_a4", figures, lambda: render(workshop, "pdf", canvas=canvases[0], size="a4"))
        timed("every_canvas_pdf", figures, lambda: render(workshop, "pdf"))  # one file, every canvas
        timed("report_pdf", figures, lambda: render(workshop, "report-pdf"))
        timed("report_md", figures, lambda: render(workshop, "report-md"))
        timed("xlsx", figures, lambda: render(workshop, "xlsx"))
        timed("csv", figures, lambda: render(workshop, "csv"))
        timed("json", figures, lambda: render(workshop, "json"))
    aims = {"canvas_pdf_a3_max": 1.0, "report_pdf": 5.0, "xlsx": 5.0}
    verdict = {name: figures[name] < limit for name, limit in aims.items()}
    print(json.dumps({"participants": args.participants, "canvases": args.canvases, "notes": args.notes,
                      "seconds": figures, "cpu_seconds": CPU, "within_aims": verdict}))


if __name__ == "__main__":
    main()
