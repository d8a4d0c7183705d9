"""Privacy in the exports (issue 10, item 4).

The workshop report, written for people outside the workshop, leaves out the
notes silent writing still hides unless a facilitator asks for them, and says
so; the data files (XLSX, CSV, JSON) keep them, marked. On anonymous canvases
that show institutions, an institution only one participant came from names
that person: the board finds those institutions once, and the control room and
the export dialogs say so, with the remedy (institutions off).
"""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from openpyxl import load_workbook

from facilitator import board
from facilitator.board import visibility
from facilitator.export import render
from facilitator.export.importing import import_workshop
from facilitator.extensions import db, socketio
from facilitator.models import Facilitator, Note, Workshop

from .conftest import World
from .export_world import HIDDEN, build, make_app, pdf_lines, squash
from .test_cockpit_pages import boot_of, login

LEFT_OUT = "1 nota aún no revelada queda fuera de este informe."
HELD = "1 nota aún no revelada está incluida, marcada como oculta."


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("privacy"))
    return app, build(app)


def export(app, results, fmt, **options):
    with app.app_context(), app.test_request_context():
        return render(db.session.get(Workshop, results.workshop_id), fmt, **options).content


def pdf_text(content: bytes) -> str:
    return squash("".join(run[3] for run in pdf_lines(content)))


# ---- the report: notes not yet revealed left out by default --------------------------------------


def test_the_report_leaves_out_notes_not_yet_revealed_and_says_how_many(done):
    app, results = done
    markdown = export(app, results, "report-md").decode("utf-8")
    assert HIDDEN not in markdown and f"**{LEFT_OUT}**" in markdown
    assert "Oculta (escritura en silencio)" not in markdown
    report = pdf_text(export(app, results, "report-pdf"))
    assert squash(HIDDEN) not in report and squash(LEFT_OUT) in report
    assert squash("Trámites largos") in report  # the revealed notes are all there


def test_a_facilitator_may_include_them_in_the_report_marked(done):
    app, results = done
    markdown = export(app, results, "report-md", unrevealed=True).decode("utf-8")
    (line,) = [line for line in markdown.splitlines() if HIDDEN in line]
    assert "Oculta (escritura en silencio)" in line and f"**{HELD}**" in markdown and LEFT_OUT not in markdown
    report = pdf_text(export(app, results, "report-pdf", unrevealed=True))
    assert squash(HIDDEN) in report and squash(HELD) in report


def test_the_data_files_keep_notes_not_yet_revealed_marked(done):
    app, results = done
    rows = list(csv.DictReader(io.StringIO(export(app, results, "csv").decode("utf-8-sig"))))
    assert {row["Texto"]: row["Nota oculta"] for row in rows}[HIDDEN] == "Sí"
    assert sum(row["Nota oculta"] == "Sí" for row in rows) == 1
    book = load_workbook(io.BytesIO(export(app, results, "xlsx")))
    header = [cell.value for cell in book["Mesa"][1]]
    marks = {row[header.index("Texto")].value: row[header.index("Nota oculta")].value
             for row in book["Mesa"].iter_rows(min_row=2)}
    assert marks[HIDDEN] == "Sí"
    content = export(app, results, "json")
    notes = [n for c in json.loads(content)["canvases"] for n in c["notes"]]
    assert [n["hidden"] for n in notes if n["text"] == HIDDEN] == [True]
    assert sum(n["hidden"] for n in notes) == 1
    with app.app_context():  # the mark survives an import: the copy's note is still hidden
        copy = import_workshop(content, db.session.scalar(db.select(Facilitator)))
        kept = db.session.scalars(db.select(Note).where(Note.text == HIDDEN, Note.canvas_id.in_(
            [c.id for c in copy.canvases]))).all()
        assert [n.hidden for n in kept] == [True]


def test_only_a_report_takes_the_option(done):
    app, results = done
    for fmt in ("xlsx", "csv", "json", "pdf"):
        with pytest.raises(ValueError, match="only the report"):
            export(app, results, fmt, unrevealed=True)


def test_the_download_links_and_their_option(app, client, done):
    _app, results = done
    shared = done[0].test_client()
    login(shared)
    url = f"/f/workshops/{results.workshop_id}/export/report-md"
    assert HIDDEN not in shared.get(url).text and LEFT_OUT in shared.get(url).text
    assert HIDDEN not in shared.get(url + "?hidden=omit").text
    assert HIDDEN in shared.get(url + "?hidden=include").text
    refused = shared.get(url + "?hidden=yes")
    assert refused.status_code == 400 and "hidden=include" in refused.text
    for other in (f"/f/workshops/{results.workshop_id}/export/csv?hidden=omit",
                  f"/f/workshops/{results.workshop_id}/canvases/{results.lean}/export.pdf?hidden=include"):
        refused = shared.get(other)
        assert refused.status_code == 400 and "Solo el informe del taller" in refused.text
    page = shared.get(f"/f/workshops/{results.workshop_id}").text
    assert 'name="hidden" value="include"' in page and "Incluir en el informe las notas aún no reveladas" in page
    boot = boot_of(shared.get(f"/f/workshops/{results.workshop_id}/room").text)
    assert boot["exports"]["report-md"] == url
    assert boot["exports_with_hidden"] == {"report-pdf": url.replace("-md", "-pdf") + "?hidden=include",
                                           "report-md": url + "?hidden=include"}
    assert "La exportación del informe" not in boot["strings"]["exports_help"]
    assert "deja fuera las notas aún no reveladas" in boot["strings"]["exports_help"]


def test_the_export_command_includes_them_only_when_asked(done, tmp_path):
    app, results = done
    runner = app.test_cli_runner()
    out = tmp_path / "informe.md"
    args = ["export", "--workshop", str(results.workshop_id), "--format", "report-md", "--output", str(out)]
    assert runner.invoke(args=args).exit_code == 0
    assert HIDDEN not in out.read_text(encoding="utf-8")
    done_ = runner.invoke(args=[*args, "--include-hidden"])
    assert done_.exit_code == 0, done_.output
    assert HIDDEN in out.read_text(encoding="utf-8")
    refused = runner.invoke(args=["export", "--workshop", str(results.workshop_id), "--format", "csv",
                                  "--include-hidden", "--output", str(tmp_path / "x.csv")])
    assert refused.exit_code != 0 and "--include-hidden goes with --format report-pdf or report-md" in refused.output


# ---- institutions that name their only participant ---------------------------------------------


def _op(**fields) -> dict:
    return {"op_id": uuid.uuid4().hex, **fields}


def lone(world: World) -> dict:
    """The board's answer, read in the current app context."""
    return visibility.lone_institutions(db.session.get(Workshop, world.workshop_id))


def _lone(app, world: World) -> dict:
    with app.app_context():
        return lone(world)


def _facilitator(world: World) -> board.Actor:
    return board.resolve_token(world.seat())


def test_institutions_with_one_participant_are_found_on_anonymous_canvases_only(app):
    world = World(app, canvases=2)
    first, second = world.canvas_ids
    people = {name: world.join(name, institution) for name, institution in
              [("Ana", "MEF"), ("Ben", "PCM"), ("Carla", "PCM"), ("Dani", ""), ("Eva", "mef")]}
    nothing = {"institutions": [], "canvases": []}
    assert _lone(app, world) == nothing  # no anonymous canvas: no institution is shown alone
    with app.app_context():
        facilitator = _facilitator(world)
        board.apply(facilitator, None, "canvas:anonymous", _op(canvas_id=second, value=True))
    assert _lone(app, world) == {"institutions": ["MEF", "mef"], "canvases": [{"id": second, "name": "Mesa 2"}]}
    world.join("Fabio", "MEF")  # MEF now has two: its notes name no one
    assert _lone(app, world)["institutions"] == ["mef"]
    with app.app_context():
        facilitator = _facilitator(world)
        ben = board.resolve_token(people["Ben"])
        board.apply(facilitator, None, "participant:remove", _op(participant_id=ben.participant_id))
        assert lone(world)["institutions"] == ["mef"]  # Ben counts still: his notes stay
        board.apply(facilitator, None, "canvas:anonymous", _op(canvas_id=first, value=True))
        assert [c["id"] for c in lone(world)["canvases"]] == [
            first, second]
        board.apply(facilitator, None, "workshop:institutions", _op(value=False))
    assert _lone(app, world) == nothing  # the remedy: no institution is shown, none names anyone


def test_the_control_room_learns_them_live_and_participants_never(app):
    world = World(app)
    world.join("Ana", "MEF")
    with app.app_context():
        board.apply(_facilitator(world), None, "canvas:anonymous", _op(canvas_id=world.canvas_id, value=True))
    room = socketio.test_client(app, auth={"token": world.seat()})
    watched = room.emit("workshop:watch", {}, callback=True)
    assert watched["workshop"]["lone_institutions"]["institutions"] == ["MEF"]
    bea = world.socket(world.join("Bea", "SUNAT"))
    assert "lone_institutions" not in bea.join_ack["workshop"]
    assert "lone_institutions" not in bea.emit("workshop:state", {}, callback=True)["workshop"]
    state = room.emit("workshop:state", {}, callback=True)  # what the control room asks when someone new arrives
    assert state["workshop"]["lone_institutions"] == {"institutions": ["MEF", "SUNAT"],
                                                      "canvases": [{"id": world.canvas_id, "name": "Mesa"}]}


def test_the_control_room_and_the_workshop_page_warn_and_offer_the_remedy(app, client):
    world = World(app)
    world.join("Ana", "MEF")
    world.join("Ben", "PCM")
    world.join("Carla", "PCM")
    with app.app_context():
        board.apply(_facilitator(world), None, "canvas:anonymous", _op(canvas_id=world.canvas_id, value=True))
    login(client)
    boot = boot_of(client.get(f"/f/workshops/{world.workshop_id}/room").text)
    assert boot["lone_institutions"] == {"institutions": ["MEF"], "canvases": [{"id": world.canvas_id, "name": "Mesa"}]}
    assert boot["strings"]["lone_institutions"].startswith("Instituciones con un solo participante: %(institutions)s.")
    assert boot["strings"]["hide_institutions"] == "Ocultar las instituciones en los lienzos anónimos"
    page = client.get(f"/f/workshops/{world.workshop_id}").text
    warning = ("Instituciones con un solo participante: MEF. En los lienzos anónimos (Mesa) y en las exportaciones, "
               "la institución que muestra una nota nombra a quien la escribió.")
    assert warning in page and f'action="/f/workshops/{world.workshop_id}/institutions/hide"' in page
    room = socketio.test_client(app, auth={"token": world.seat()})
    assert room.emit("workshop:watch", {}, callback=True)["ok"]
    room.get_received()
    answer = client.post(f"/f/workshops/{world.workshop_id}/institutions/hide")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#export")
    events = [m["args"][0] for m in room.get_received() if m["name"] == "workshop"]
    assert [(e["type"], e["data"]["anonymous_shows_institution"]) for e in events] == [("workshop.institutions", False)]
    with app.app_context():
        assert not db.session.get(Workshop, world.workshop_id).anonymous_shows_institution
    after = client.get(f"/f/workshops/{world.workshop_id}").text
    assert "Instituciones con un solo participante" not in after
    assert "Los lienzos anónimos ya no muestran instituciones" in after


def test_an_english_report_counts_them_in_english(app):
    world = World(app)
    with app.app_context():
        db.session.get(Workshop, world.workshop_id).language = "en"
        db.session.commit()
        facilitator = _facilitator(world)
        board.apply(facilitator, None, "canvas:hidden", _op(canvas_id=world.canvas_id, value=True))
        for text in ("First secret idea", "Second secret idea"):
            board.apply(board.resolve_token(world.join("Ana", "MEF")), world.canvas_id, "note:add",
                        _op(block="problem", text=text))
        with app.test_request_context():
            workshop = db.session.get(Workshop, world.workshop_id)
            left_out = render(workshop, "report-md").content.decode("utf-8")
            held = render(workshop, "report-md", unrevealed=True).content.decode("utf-8")
    assert "**2 notes not yet revealed are left out of this report.**" in left_out and "secret" not in left_out
    assert "**2 notes not yet revealed are included, marked as hidden.**" in held and "Second secret idea" in held
