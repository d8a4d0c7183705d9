"""Reusing workshops (issue 13, "Reuse"): a duplicate copies the set-up and nothing people
wrote; a workshop's set-up saved as one's own recipe starts new workshops, for its owner
only; bad names are refused with the field named; the JSON file keeps the recipe."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from facilitator.export import render
from facilitator.export.importing import ImportFailed, import_workshop
from facilitator.extensions import db
from facilitator.models import Canvas, Event, Facilitator, Note, Participant, SavedRecipe, Vote, Workshop

from .conftest import PASSWORD, World, make_facilitator

RECIPE = "public-policy-lean-canvas-90"


def op(**fields):
    return {"op_id": uuid.uuid4().hex, **fields}


def ok(client, name, payload):
    ack = client.emit(name, payload, callback=True)
    assert ack["ok"], (name, ack)
    return ack


def login(client, email="ana@example.org"):
    answer = client.post("/f/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 302


@pytest.fixture
def running(app):
    """Two tables of the Public Policy Lean Canvas in the recipe's first phase (silent,
    anonymous, timed), with a note, a participant, settings changed by hand and a closed vote."""
    world = World(app, canvases=2)
    fac = world.socket(world.seat())
    ana = world.socket(world.join("Ana", "MEF"), world.canvas_ids[0])
    ok(fac, "recipe:choose", op(recipe_id=RECIPE))
    ok(fac, "phase:next", op(from_phase=-1))
    ok(ana, "note:add", op(block="problem", text="Colas largas"))
    ok(fac, "vote:open", op(canvas_id=world.canvas_ids[0], budget=3, max_per_note=2))
    ok(fac, "vote:close", op(canvas_id=world.canvas_ids[0]))
    with app.app_context():
        canvas = db.session.get(Canvas, world.canvas_ids[0])
        canvas.name, canvas.notes_editable_by_all = "Mesa del MEF", True
        db.session.commit()
    world.disconnect()
    return world


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_duplicate_copies_the_set_up_and_nothing_people_wrote(app, client, running):
    login(client)
    answer = client.post(f"/f/workshops/{running.workshop_id}/duplicate")
    assert answer.status_code == 302
    with app.app_context():
        original = db.session.get(Workshop, running.workshop_id)
        copy = db.session.scalars(select(Workshop).where(Workshop.id != original.id)).one()
        assert answer.headers["Location"].endswith(f"/f/workshops/{copy.id}")
        assert copy.title == "Comunidad de práctica (copia)" and copy.language == "es"
        assert copy.status == "draft" and copy.code != original.code
        assert [f.id for f in copy.facilitators] == [running.facilitator_id]
        assert [(c.name, c.template_id, c.position, c.anonymous, c.notes_editable_by_all, c.template)
                for c in copy.canvases] == \
               [(c.name, c.template_id, c.position, c.anonymous, c.notes_editable_by_all, c.template)
                for c in original.canvases]
        assert [c.name for c in copy.canvases] == ["Mesa del MEF", "Mesa 2"]
        assert all(c.anonymous for c in copy.canvases)  # as the first phase left them
        # The live state of the first phase (silent writing, its timer) stays with the original.
        assert original.canvases[0].hidden and original.canvases[0].timer
        assert not any(c.hidden or c.locked or c.locked_blocks or c.timer for c in copy.canvases)
        ids = [c.id for c in copy.canvases]
        assert count(Note, Note.canvas_id.in_(ids)) == 0 and count(Participant, Participant.workshop_id == copy.id) == 0
        assert count(Event, Event.workshop_id == copy.id) == 0 and count(Event, Event.canvas_id.in_(ids)) == 0
        assert count(Vote) == 0 or count(Vote, Vote.note_id.in_(select(Note.id).where(Note.canvas_id.in_(ids)))) == 0
        assert original.recipe["phase"] == 0 and original.recipe["tables"]
        assert copy.recipe["id"] == RECIPE and copy.recipe["phases"] == original.recipe["phases"]
        assert (copy.recipe["phase"], copy.recipe["tables"], copy.recipe["started_at"]) == (None, {}, None)
        assert count(Note) == 1  # the original's note is untouched


def test_a_duplicate_title_stays_within_its_limit_and_speaks_the_workshop_language(app, client):
    world = World(app)
    with app.app_context():
        workshop = db.session.get(Workshop, world.workshop_id)
        workshop.title, workshop.language = "x" * 200, "en"
        db.session.commit()
    login(client)
    client.post(f"/f/workshops/{world.workshop_id}/duplicate")
    with app.app_context():
        copy = db.session.scalars(select(Workshop).order_by(Workshop.id.desc())).first()
        assert len(copy.title) == 200 and copy.title.endswith("x (copy)") and copy.recipe is None


def test_only_a_facilitator_of_the_workshop_may_duplicate_it(app, client, running):
    with app.app_context():
        make_facilitator(email="eve@example.org", name="Eve")
    login(client, "eve@example.org")
    assert client.post(f"/f/workshops/{running.workshop_id}/duplicate").status_code == 404
    with app.app_context():
        assert count(Workshop) == 1


def test_save_as_recipe_then_start_a_workshop_from_it(app, client, running):
    login(client)
    page = client.get(f"/f/workshops/{running.workshop_id}")
    assert "Guardar como receta" in page.text and "Duplicar" in page.text
    answer = client.post(f"/f/workshops/{running.workshop_id}/save-recipe", data={"name": "  Mi  política  "})
    assert answer.status_code == 302
    with app.app_context():
        row = db.session.scalars(select(SavedRecipe)).one()
        assert row.facilitator_id == running.facilitator_id and row.name == "Mi política"
        assert row.data["id"] == f"own-{row.id}" and row.data["name"] == {"es": "Mi política", "en": "Mi política"}
        original = db.session.get(Workshop, running.workshop_id).recipe
        assert row.data["phases"] == original["phases"] and row.data["template"] == original["template"]
        assert row.data["description"]["es"]  # the shipped recipe's, kept
        recipe_id = row.id
    dashboard = client.get("/f/")
    assert f'data-recipe="own:{recipe_id}"' in dashboard.text and "Mi política" in dashboard.text
    assert 'data-recipe="public-value-proposition"' in dashboard.text and "90 min" in dashboard.text
    form = client.get("/f/recipes/start", query_string={"recipe": f"own:{recipe_id}"})
    assert form.status_code == 200 and f'value="own:{recipe_id}" selected' in form.text
    made = client.post("/f/recipes/start", data={"title": "Segunda edición", "language": "es", "tables": "3",
                                                 "recipe": f"own:{recipe_id}"})
    assert made.status_code == 302
    with app.app_context():
        workshop = db.session.scalars(select(Workshop).filter_by(title="Segunda edición")).one()
        assert workshop.recipe["id"] == f"own-{recipe_id}" and workshop.recipe["phase"] is None
        assert workshop.recipe["phases"] == original["phases"]
        assert [c.name for c in workshop.canvases] == ["Mesa 1", "Mesa 2", "Mesa 3"]
        assert {c.template_id for c in workshop.canvases} == {"public-policy-lean-canvas"}
        new_id, new_code = workshop.id, workshop.code
    # The new workshop runs by it: its first phase reaches all three tables.
    with app.app_context():
        from facilitator.board.workshops import facilitator_seat

        _actor, token = facilitator_seat(db.session.get(Facilitator, running.facilitator_id),
                                         db.session.get(Workshop, new_id))
    from facilitator.extensions import socketio

    fac = socketio.test_client(app, auth={"token": token})
    ack = ok(fac, "phase:next", op(from_phase=-1))
    assert len(ack["event"]["data"]["phase_tables"]) == 3 and new_code
    fac.disconnect()
    # Deleting it leaves the workshop that follows it with its copy.
    assert client.post(f"/f/recipes/{recipe_id}/delete").status_code == 302
    with app.app_context():
        assert count(SavedRecipe) == 0 and db.session.get(Workshop, new_id).recipe["id"] == f"own-{recipe_id}"


def test_a_shipped_recipe_starts_a_workshop(app, client):
    with app.app_context():
        make_facilitator()
    login(client)
    made = client.post("/f/recipes/start", data={"title": "Taller", "language": "en", "tables": "",
                                                 "recipe": "public-value-proposition"})
    assert made.status_code == 302
    with app.app_context():
        workshop = db.session.scalars(select(Workshop)).one()
        assert workshop.recipe["id"] == "public-value-proposition" and workshop.language == "en"
        assert [(c.name, c.template_id) for c in workshop.canvases] == [("Table", "public-value-proposition-canvas")]


def test_a_workshop_without_a_recipe_saves_its_canvas_as_a_one_phase_recipe(app, client):
    world = World(app)
    login(client)
    assert client.post(f"/f/workshops/{world.workshop_id}/save-recipe", data={"name": "Lienzo libre"}).status_code \
        == 302
    with app.app_context():
        data = db.session.scalars(select(SavedRecipe)).one().data
        assert data["template"] == "public-policy-lean-canvas" and len(data["phases"]) == 1
        assert data["phases"][0]["allow"] == ["add", "edit", "move", "group"]


@pytest.mark.parametrize(("name", "field"), [
    ("", "name.es"), ("   ", "name.es"), ("x" * 81, "name.es"), ("dos\nlíneas", "name.es"), ("bell\x07", "name.es"),
])
def test_bad_names_are_refused_with_the_field_named_and_change_nothing(app, client, running, name, field):
    login(client)
    answer = client.post(f"/f/workshops/{running.workshop_id}/save-recipe", data={"name": name})
    assert answer.status_code == 400 and field in answer.text and 'id="recipe-name"' in answer.text
    with app.app_context():
        assert count(SavedRecipe) == 0


def test_a_name_used_twice_is_refused(app, client, running):
    login(client)
    client.post(f"/f/workshops/{running.workshop_id}/save-recipe", data={"name": "Mía"})
    again = client.post(f"/f/workshops/{running.workshop_id}/save-recipe", data={"name": "Mía"})
    assert again.status_code == 400 and "Mía" in again.text
    with app.app_context():
        assert count(SavedRecipe) == 1


def test_an_empty_workshop_has_no_set_up_to_save(app, client):
    with app.app_context():
        from facilitator.board.schemas import NewWorkshop
        from facilitator.board.workshops import create_workshop

        workshop_id = create_workshop(make_facilitator(), NewWorkshop(title="Vacío")).id
    login(client)
    answer = client.post(f"/f/workshops/{workshop_id}/save-recipe", data={"name": "Nada"})
    assert answer.status_code == 400
    with app.app_context():
        assert count(SavedRecipe) == 0


def test_a_saved_recipe_is_checked_by_the_validator_of_recipe_files(app, running):
    """Bad data (a phase naming a block the canvas lacks) is refused with its field, as in a file."""
    from facilitator import catalog_of
    from facilitator.board import BoardError
    from facilitator.board.reuse import save_recipe
    from facilitator.recipes import recipes_of

    with app.app_context(), app.test_request_context():
        workshop = db.session.get(Workshop, running.workshop_id)
        broken = json.loads(json.dumps(workshop.recipe))
        broken["phases"][0]["focus"] = "nowhere"
        workshop.recipe = broken
        with pytest.raises(BoardError) as refused:
            save_recipe(db.session.get(Facilitator, running.facilitator_id), workshop, "Rota",
                        catalog_of(app), recipes_of(app))
        assert "phases.problem_silent.focus: 'nowhere' is not a block" in str(refused.value)
        db.session.rollback()
        assert count(SavedRecipe) == 0


def test_another_facilitator_can_neither_see_nor_use_nor_delete_your_recipe(app, client, running):
    login(client)
    client.post(f"/f/workshops/{running.workshop_id}/save-recipe", data={"name": "Secreta"},
                follow_redirects=True)
    with app.app_context():
        recipe_id = db.session.scalars(select(SavedRecipe)).one().id
        make_facilitator(email="eve@example.org", name="Eve")
    client.post("/f/logout")
    login(client, "eve@example.org")
    assert "Secreta" not in client.get("/f/").text
    assert client.get("/f/recipes/start", query_string={"recipe": f"own:{recipe_id}"}).status_code == 404
    used = client.post("/f/recipes/start", data={"title": "Robo", "language": "es", "recipe": f"own:{recipe_id}"})
    assert used.status_code == 404
    assert client.post(f"/f/recipes/{recipe_id}/delete").status_code == 404
    assert client.get("/f/recipes/start", query_string={"recipe": "own:abc"}).status_code == 404
    assert client.get("/f/recipes/start", query_string={"recipe": "no-such-recipe"}).status_code == 404
    with app.app_context():
        assert count(SavedRecipe) == 1 and count(Workshop, Workshop.title == "Robo") == 0


def test_bad_input_when_starting_from_a_recipe_changes_nothing(app, client):
    with app.app_context():
        make_facilitator()
    login(client)
    for data in ({"title": "", "tables": "2"}, {"title": "T", "tables": "31"}, {"title": "T", "tables": "dos"}):
        answer = client.post("/f/recipes/start", data={"language": "es", "recipe": RECIPE, **data})
        assert answer.status_code == 400 and 'name="recipe"' in answer.text
    with app.app_context():
        assert count(Workshop) == 0 and count(Canvas) == 0


def export_json(app, workshop_id: int) -> dict:
    with app.app_context(), app.test_request_context():
        return json.loads(render(db.session.get(Workshop, workshop_id), "json").content)


def test_the_json_file_keeps_the_recipe_and_the_room_s_phase(app, running):
    first = export_json(app, running.workshop_id)
    recipe = first["recipe"]
    assert recipe["id"] == RECIPE and recipe["phase"] == 0 and len(recipe["phases"]) == 7
    assert recipe["tables"] == [{"canvas": 0, "phase": 0}, {"canvas": 1, "phase": 0}]
    assert recipe["started_at"].endswith("Z") and recipe["description"]["es"]
    with app.app_context(), app.test_request_context():
        imported = import_workshop(json.dumps(first).encode(), db.session.get(Facilitator, running.facilitator_id))
        copy = imported.recipe
        ids = [c.id for c in imported.canvases]
        new_id = imported.id
        original = db.session.get(Workshop, running.workshop_id).recipe
    assert copy["tables"] == {str(ids[0]): 0, str(ids[1]): 0}
    assert {k: v for k, v in copy.items() if k != "tables"} == {k: v for k, v in original.items() if k != "tables"}
    again = export_json(app, new_id)
    assert again["recipe"] == first["recipe"]


@pytest.mark.parametrize(("change", "where"), [
    (lambda r: r["phases"][0].update(focus="nowhere"), "recipe: phases.problem_silent.focus"),
    (lambda r: r.update(phase=9), "recipe.phase"),
    (lambda r: r.update(tables=[{"canvas": 5, "phase": 0}]), "recipe.tables[0].canvas"),
    (lambda r: r.update(tables=[{"canvas": 0, "phase": -1}]), "recipe.tables[0].phase"),
    (lambda r: r.update(shout=True), "recipe: shout"),
    (lambda r: r["name"].update(es=""), "recipe: name.es"),
])
def test_an_import_with_a_bad_recipe_is_refused_naming_the_place(app, running, change, where):
    doc = export_json(app, running.workshop_id)
    change(doc["recipe"])
    with app.app_context(), app.test_request_context():
        before = count(Workshop)
        with pytest.raises(ImportFailed) as refused:
            import_workshop(json.dumps(doc).encode(), db.session.get(Facilitator, running.facilitator_id))
        assert where in str(refused.value)
        assert count(Workshop) == before


def test_a_file_without_a_recipe_imports_as_before(app):
    world = World(app)
    doc = export_json(app, world.workshop_id)
    assert doc["recipe"] is None
    del doc["recipe"]
    with app.app_context(), app.test_request_context():
        workshop = import_workshop(json.dumps(doc).encode(), db.session.get(Facilitator, world.facilitator_id))
        assert workshop.recipe is None


def test_the_control_room_offers_and_follows_ones_own_recipe_only(app, client, running):
    login(client)
    client.post(f"/f/workshops/{running.workshop_id}/save-recipe", data={"name": "Propia"}, follow_redirects=True)
    with app.app_context():
        recipe_id = f"own-{db.session.scalars(select(SavedRecipe)).one().id}"
    room = client.get(f"/f/workshops/{running.workshop_id}/room")
    assert f'"id": "{recipe_id}"' in room.text or f'"id":"{recipe_id}"' in room.text
    fac = running.socket(running.seat())
    ack = ok(fac, "recipe:choose", op(recipe_id=recipe_id))
    assert ack["event"]["data"]["recipe"]["id"] == recipe_id
    assert ack["event"]["data"]["recipe"]["phase"] is None
    # Eve, facilitating a workshop of her own, cannot follow Ana's recipe by its id.
    other = World(app, email="eve@example.org")
    eve = other.socket(other.seat())
    refused = eve.emit("recipe:choose", op(recipe_id=recipe_id), callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "invalid"
    with app.app_context():
        assert db.session.get(Workshop, other.workshop_id).recipe is None
    running.disconnect()
    other.disconnect()
