"""The Decidim hand-off file (export/decidim.py): its columns are the ones
docs/export-format.md documents, and the file reads back, the way Decidim's
importer reads it, into the proposals the workshop's votes chose."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from pathlib import Path

import pytest

from facilitator import board, export
from facilitator.export import decidim
from facilitator.extensions import db
from facilitator.models import Workshop

from .conftest import PASSWORD, World

DOC = Path(__file__).resolve().parents[1] / "docs" / "export-format.md"
LONG = "Crear una ventanilla única digital " * 8  # 280 characters: a title is cut
SECRET = "Propuesta escrita en silencio que no debe salir"


def _op(**fields):
    return {"op_id": uuid.uuid4().hex, **fields}


def documented_columns() -> list[str]:
    """The column names of the table under "### Columns" in the Decidim section of the doc."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Hand-off to Decidim", 1)[1].split("\n## ", 1)[0]
    table = section.split("### Columns", 1)[1].split("\n### ", 1)[0]
    return [m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|", table, re.MULTILINE)]


def decidim_read(records: list[list[str]], default_locale: str, locales: tuple[str, ...]) -> list[dict]:
    """What Decidim 0.30's importer does with the rows (headers first): refuse a file missing
    ``title``/``body`` of the default locale or with a header twice, then build each proposal's
    title and body by locale, refusing an empty one (verifier.rb, proposal_creator.rb)."""
    headers, rows = records[0], records[1:]
    required = [f"title/{default_locale}", f"body/{default_locale}"]
    missing = [h for h in required if h not in headers]
    assert not missing, f"Decidim would refuse the file: missing headers {missing}"
    assert len(set(headers)) == len(headers), "Decidim would refuse the file: a header twice"
    proposals = []
    for row in rows:
        data = dict(zip(headers, row, strict=True))
        title = {loc: data[f"title/{loc}"] for loc in locales if f"title/{loc}" in data}
        body = {loc: data[f"body/{loc}"] for loc in locales if f"body/{loc}" in data}
        assert title[default_locale].strip() and body[default_locale].strip(), f"Decidim refuses an empty row: {data}"
        proposals.append({"title": title, "body": body})
    return proposals


def read_csv(content: bytes) -> list[list[str]]:
    assert not content.startswith(b"\xef\xbb\xbf"), "a byte-order mark would become part of the first header"
    return list(csv.reader(io.StringIO(content.decode("utf-8")), delimiter=";"))


def read_json(content: bytes) -> list[list[str]]:
    """Decidim's JSON reader: the first object's keys are the headers, each object's values in order."""
    objects = json.loads(content.decode("utf-8"))
    assert isinstance(objects, list)
    if not objects:
        return [[]]
    headers = list(objects[0])
    for item in objects:
        assert list(item) == headers, "every object needs the same keys in the same order"
    return [headers] + [list(item.values()) for item in objects]


@pytest.fixture
def voted(app):
    """A Spanish workshop: on one canvas, eight notes and a group get dots (a tie at the fifth
    place), a note stays hidden by silent writing, one note is long; a second canvas has no
    closed round. Returns (world, {text: dots}) of what should be sent."""
    world = World(app)
    with app.app_context():
        fac = board.resolve_token(world.seat())
        people = [board.resolve_token(world.join(name, "MEF")) for name in ("Ana Núñez", "Beto Ruiz", "Carla Paz")]
        canvas = world.canvas_id

        def add(text, block="problem"):
            change = board.apply(fac, canvas, "note:add", _op(block=block, text=text, color="yellow"))
            return change.envelope["data"]["id"]

        texts = [f"Idea {i}: simplificar el trámite número {i}" for i in range(6)]
        ids = [add(t) for t in texts]
        grouped = [add("Colas largas en la sede"), add("Esperas de más de dos horas")]
        long_id = add(LONG, "solution")
        quiet = add("Nota sin votos")
        board.apply(fac, None, "cluster:create", _op(canvas_id=canvas, block="problem", title="Colas y esperas",
                                                      note_ids=grouped))
        board.apply(fac, None, "vote:open", _op(canvas_id=canvas, budget=20, max_per_note=5))
        dots = {ids[0]: 5, ids[1]: 4, grouped[0]: 2, grouped[1]: 2, long_id: 3, ids[2]: 2, ids[3]: 2, ids[4]: 1}
        for note_id, count in dots.items():
            for i in range(count):
                board.apply(people[i % 3], canvas, "vote:add", _op(note_id=note_id))
        board.apply(fac, None, "vote:close", _op(canvas_id=canvas))
        board.apply(fac, None, "canvas:hidden", _op(canvas_id=canvas, value=True))
        board.apply(people[0], canvas, "note:add", _op(block="problem", text=SECRET, color="pink"))
        db.session.commit()
    # Ranked: Idea 0 (5), Idea 1 and the group tied (4, board order: Idea 1 is first on the
    # sheet), the long one (3), then Idea 2 and Idea 3 tied at the fifth place (2): six
    # proposals; Idea 4 (1) and the quiet note stay out.
    expected = [texts[0], texts[1], "Colas y esperas", LONG, texts[2], texts[3]]
    return world, expected, quiet


def test_the_columns_are_the_documented_ones():
    documented = documented_columns()
    assert documented == ["title/<language>", "body/<language>"]
    assert decidim.columns("es") == [c.replace("<language>", "es") for c in documented]
    assert decidim.columns("en") == [c.replace("<language>", "en") for c in documented]
    assert f"Decidim {decidim.DECIDIM_VERSION}" in DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["decidim-csv", "decidim-json"])
def test_round_trip_through_decidims_reading(app, voted, fmt):
    world, expected, _quiet = voted
    with app.app_context():
        workshop = db.session.get(Workshop, world.workshop_id)
        made = export.render(workshop, fmt)
    assert made.filename.endswith("-decidim." + fmt.split("-")[1])
    records = read_csv(made.content) if fmt == "decidim-csv" else read_json(made.content)
    assert records[0] == ["title/es", "body/es"]  # the documented columns, nothing else
    proposals = decidim_read(records, "es", ("es", "en", "ca"))
    titles = [p["title"]["es"] for p in proposals]
    assert len(titles) == len(expected) == 6
    for title, text in zip(titles, expected, strict=True):
        assert title == decidim.title_of(text)
    assert len(titles[3]) <= decidim.TITLE_LIMIT and titles[3].endswith("…") and LONG.startswith(titles[3][:-1])
    bodies = [p["body"]["es"] for p in proposals]
    assert bodies[3].startswith(LONG.strip())  # the whole text stays in the body
    assert bodies[2].startswith("Un grupo de 2 notas:\n\n- Colas largas en la sede\n- Esperas de más de dos horas")
    assert bodies[0] == expected[0] + "\n\nMesa · Problema público · 5 votos"
    assert bodies[2].endswith("Mesa · Problema público · 4 votos")
    everything = made.content.decode("utf-8")
    for absent in (SECRET, "Nota sin votos", "Idea 4", "Ana Núñez", "MEF", "Ana Facilitadora"):
        assert absent not in everything


def test_commitments_become_proposals_after_the_notes(app, voted):
    """The commitments the facilitator made (board operations) follow the notes in the file."""
    world, expected, quiet = voted
    with app.app_context():
        fac = board.resolve_token(world.seat())
        board.apply(fac, None, "commitment:add", _op(
            canvas_id=world.canvas_id, note_id=quiet, title="Publicar el mapa de trámites", responsible="MEF",
            co_responsible=["PCM", "Defensoría"], due="2027-03-31", indicator="Mapa publicado con 20 trámites"))
        board.apply(fac, None, "commitment:add", _op(canvas_id=world.canvas_id, note_id=quiet,
                                                    title="Revisar los requisitos"))
        db.session.commit()
        content = export.render(db.session.get(Workshop, world.workshop_id), "decidim-csv").content
    proposals = decidim_read(read_csv(content), "es", ("es",))
    assert len(proposals) == len(expected) + 2
    first, second = proposals[-2:]
    assert first["title"]["es"] == "Publicar el mapa de trámites"
    assert first["body"]["es"] == ("Publicar el mapa de trámites\n\nCompromiso · Responsable: MEF · "
                                   "Corresponsables: PCM, Defensoría · Para: 2027-03-31\n\n"
                                   "Indicador: Mapa publicado con 20 trámites")
    assert second["title"]["es"] == "Revisar los requisitos"
    assert second["body"]["es"] == "Revisar los requisitos\n\nCompromiso"


def test_an_english_workshop_writes_english_keys(app, voted):
    world, _expected, _quiet = voted
    with app.app_context():
        workshop = db.session.get(Workshop, world.workshop_id)
        workshop.language = "en"
        db.session.commit()
        made = export.render(workshop, "decidim-json")
    records = read_json(made.content)
    assert records[0] == ["title/en", "body/en"]
    proposals = decidim_read(records, "en", ("en", "es"))
    assert proposals[0]["body"]["en"].endswith("5 votes")
    with pytest.raises(AssertionError, match="missing headers"):  # an organization whose default is Spanish
        decidim_read(records, "es", ("en", "es"))


def test_nothing_voted_gives_a_header_only_csv(app):
    world = World(app)
    with app.app_context():
        fac = board.resolve_token(world.seat())
        board.apply(fac, world.canvas_id, "note:add", _op(block="problem", text="Sin votación", color="yellow"))
        workshop = db.session.get(Workshop, world.workshop_id)
        csv_file = export.render(workshop, "decidim-csv").content
        json_file = export.render(workshop, "decidim-json").content
    assert csv_file == b"title/es;body/es\n"
    assert json.loads(json_file) == []


def test_title_cut_at_a_word():
    assert decidim.title_of("  \n Primera línea\nsegunda") == "Primera línea"
    cut = decidim.title_of("palabra " * 40)
    assert len(cut) <= decidim.TITLE_LIMIT and cut.endswith("palabra…")
    assert decidim.title_of("x" * 400) == "x" * (decidim.TITLE_LIMIT - 1) + "…"


def test_the_workshop_page_offers_both_files(app, voted):
    world, _expected, _quiet = voted
    client = app.test_client()
    assert client.post("/f/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 302
    page = client.get(f"/f/workshops/{world.workshop_id}").text
    for fmt in ("decidim-csv", "decidim-json"):
        assert f"/f/workshops/{world.workshop_id}/export/{fmt}" in page
        response = client.get(f"/f/workshops/{world.workshop_id}/export/{fmt}")
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/f/workshops/{world.workshop_id}/export/decidim-xml").status_code == 404
