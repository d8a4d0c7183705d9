"""The projector screen at the size of a real workshop, in a real headless
Chromium against the real server: 60 participants and 150 notes on one Public
Policy Lean Canvas, with groups, a closed vote and a focused block. At
1920x1080, 1280x800 and 1280x720 every note is on the screen (whole, in its
first lines, or counted in its block), nothing is cut off, no text is smaller
than the stated minimum (static/css/projector.css), the focused block is
marked and the groups are drawn."""

from __future__ import annotations

import os
import random
import re
import threading
import uuid
from pathlib import Path

import pytest
import socketio

from facilitator import board, catalog_of, create_app
from facilitator.board.actors import projector_token, resolve_token
from facilitator.board.schemas import JoinWorkshop, NewCanvases, NewWorkshop
from facilitator.board.workshops import add_canvases, create_workshop, facilitator_seat, join_workshop
from facilitator.config import TestConfig
from facilitator.extensions import db
from facilitator.models import Workshop

from .browser_support import log_in
from .conftest import make_facilitator
from .servers import PASSWORD, ServerProcess, running_server

pytestmark = pytest.mark.browser

COUNT_LEVEL = 4  # static/js/projector-fit.js: a block drawn as the count of its notes
SIZES = [(1920, 1080), (1280, 800), (1280, 720)]
PARTICIPANTS = 60
NOTES = 150
# How a real canvas fills: some blocks crowded, some nearly empty (150 in all).
PER_BLOCK = {"problem": 26, "alternatives": 9, "population": 22, "early": 7, "value": 20, "solution": 16,
             "indicators": 12, "channels": 11, "legitimacy": 10, "costs": 9, "funding": 8}
FOCUS = "value"
WORDS = ("trámites largos", "falta de datos abiertos", "la población rural", "ventanilla única", "mesas de diálogo",
         "presupuesto participativo", "indicadores de confianza", "municipios pequeños", "jóvenes sin empleo",
         "acceso a internet", "seguimiento ciudadano", "convenios con universidades", "radio comunitaria",
         "personas mayores", "reglamento pendiente")


def min_type(height: int) -> float:
    """The smallest type the projector may use (static/css/projector.css): max(16px, 2.2vh)."""
    return max(16.0, 0.022 * height)


def note_text(rng: random.Random) -> str:
    """Notes as people write them: mostly a line or two, now and then a paragraph."""
    size = rng.choice([2, 3, 3, 4, 5, 6, 8, 14, 22])
    words = " ".join(rng.choice(WORDS) for _ in range(max(1, size // 2)))
    return f"{words[0].upper()}{words[1:]}"[:400]


def build_room(database_url: str, secret_key: str) -> dict:
    """A workshop of 60 participants and 150 notes on one Public Policy Lean Canvas, built through the
    board: groups in two blocks, a closed vote, the focus on one block and the canvas on the projector."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=secret_key)  # the server's key signs
    # the projector's link
    rng = random.Random(11)
    with app.app_context():
        email = f"{uuid.uuid4().hex[:8]}@example.org"
        facilitator = make_facilitator(email=email, name="Lucía Facilitadora")
        workshop = create_workshop(facilitator, NewWorkshop(title="Comunidad de gobierno abierto"))
        (canvas,) = add_canvases(catalog_of(app), workshop, NewCanvases(template_id="public-policy-lean-canvas",
                                                                        name="Mesa 1"))
        canvas_id, code, workshop_id = canvas.id, workshop.code, workshop.id
        host, seat = facilitator_seat(facilitator, workshop)

        people = []
        for i in range(PARTICIPANTS):
            _p, token = join_workshop(JoinWorkshop(code=code, name=f"Persona {i + 1}",
                                                   institution=f"Institución {i % 12 + 1}"))
            people.append(resolve_token(token))
        blocks = [block for block, count in PER_BLOCK.items() for _ in range(count)]
        rng.shuffle(blocks)
        by_block: dict[str, list[str]] = {block: [] for block in PER_BLOCK}
        for i, block in enumerate(blocks):
            note_id = str(uuid.uuid4())
            board.apply(people[i % PARTICIPANTS], canvas_id, "note:add",
                        {"op_id": uuid.uuid4().hex, "note_id": note_id, "block": block, "text": note_text(rng)})
            by_block[block].append(note_id)
        groups = {"Trámites": ("problem", by_block["problem"][:4]), "Datos": ("problem", by_block["problem"][4:7]),
                  "Confianza": (FOCUS, by_block[FOCUS][:5])}
        for title, (block, ids) in groups.items():
            board.apply(host, None, "cluster:create", {"op_id": uuid.uuid4().hex, "canvas_id": canvas_id,
                                                       "block": block, "title": title, "note_ids": ids})
        board.apply(host, None, "vote:open", {"op_id": uuid.uuid4().hex, "canvas_id": canvas_id, "budget": 3,
                                              "max_per_note": 3, "allow_own": True})
        every = [note for ids in by_block.values() for note in ids]
        for person in people:
            for note_id in rng.sample(every, 3):
                board.apply(person, canvas_id, "vote:add", {"op_id": uuid.uuid4().hex, "note_id": note_id})
        board.apply(host, None, "vote:close", {"op_id": uuid.uuid4().hex, "canvas_id": canvas_id})
        board.apply(host, None, "timer:start", {"op_id": uuid.uuid4().hex, "seconds": 15 * 60})
        board.apply(host, None, "focus:set", {"op_id": uuid.uuid4().hex, "canvas_id": canvas_id, "block": FOCUS})
        board.apply(host, None, "projector:show", {"op_id": uuid.uuid4().hex, "mode": "canvas",
                                                   "canvas_id": canvas_id})
        projector = projector_token(db.session.get(Workshop, workshop.id))
        db.session.remove()
        db.engine.dispose()
    return {"canvas_id": canvas_id, "code": code, "seat": seat, "projector": projector, "email": email,
            "workshop_id": workshop_id,
            "per_block": {block: len(ids) for block, ids in by_block.items()}, "people": len(people),
            "groups": {title: (block, len(ids)) for title, (block, ids) in groups.items()}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("projector")) as process:
        yield process


@pytest.fixture(scope="module")
def room(server):
    return build_room(f"sqlite:///{server.workdir / 'instance' / 'lienzo.db'}", server.env["SECRET_KEY"])


class Seat:
    """A real socket.io client on the server (a facilitator's or participant's seat)."""

    def __init__(self, server: ServerProcess, token: str):
        self.sio = socketio.Client(reconnection=False)
        self.sio.connect(server.url, auth={"token": token}, transports=["websocket"], wait_timeout=10)

    def call(self, event: str, **payload) -> dict:
        ack = self.sio.call(event, payload, timeout=10)
        assert ack["ok"], ack
        return ack

    def op(self, event: str, **payload) -> dict:
        return self.call(event, op_id=uuid.uuid4().hex, **payload)

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture
def seats(server):
    made: list[Seat] = []

    def make(token: str) -> Seat:
        seat = Seat(server, token)
        made.append(seat)
        return seat

    yield make
    for seat in made:
        seat.close()


# Everything the tests check on the screen, measured by the browser itself.
MEASURE = """() => {
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const shown = (node) => node.getClientRects().length > 0 && getComputedStyle(node).visibility !== 'hidden';
  const inside = (r, o) => r.left >= o.left - 1 && r.top >= o.top - 1
    && r.right <= o.right + 1 && r.bottom <= o.bottom + 1;
  const screen = {left: 0, top: 0, right: vw, bottom: vh};
  const out = {blocks: {}, offScreen: [], clipped: [], overflowing: [], minFont: Infinity, smallest: '',
               scroll: [document.documentElement.scrollWidth - vw, document.documentElement.scrollHeight - vh]};
  for (const box of document.querySelectorAll('#projector-sheet .notes-box')) {
    const block = box.dataset.block;
    if (!shown(box)) { out.blocks[block] = {level: null, count: null, hidden: true}; continue; }
    const level = Number(box.dataset.level);
    const r = box.getBoundingClientRect();
    const notes = [...box.querySelectorAll('li.note')].filter(shown);
    const counted = box.querySelector('.block-count');
    out.blocks[block] = {level, count: level === 4 ? Number(counted.dataset.count) : notes.length,
                         total: Number(box.dataset.total), width: r.width, height: r.height,
                         groups: [...box.querySelectorAll('.note-group')].filter(shown).map(g => ({
                           title: g.querySelector('.group-name').textContent,
                           notes: g.querySelectorAll('li.note').length}))};
    if (box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1) out.overflowing.push(block);
    const items = level === 4 ? [counted, ...counted.querySelectorAll('li')] : notes;
    for (const item of items) {
      const ir = item.getBoundingClientRect();
      if (!inside(ir, screen)) out.offScreen.push(block + ': ' + item.textContent.slice(0, 30));
      if (!inside(ir, r)) out.clipped.push(block + ': ' + item.textContent.slice(0, 30));
    }
  }
  const texts = '#projector-canvas:not([hidden]) :is(.note-text, .note-author, .note-votes, .group-title, .count-line,'
    + ' .top-note, .block-title, .hidden-count, h1, .timer-time), #projector-results:not([hidden]) :is(.result-votes,'
    + ' .result-place, .result-text, .result-block, .projector-results-status, h1)';
  for (const node of document.querySelectorAll(texts)) {
    if (!shown(node) || !node.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(node).fontSize);
    if (size < out.minFont) { out.minFont = size; out.smallest = node.className; }
    // (a note's own texts may run on past its end, clipped by it and shortened with an ellipsis: its box counts)
    if (!node.closest('li') && !inside(node.getBoundingClientRect(), screen)) {
      out.offScreen.push('text: ' + node.textContent.slice(0, 30));
    }
  }
  for (const title of document.querySelectorAll('#projector-sheet .block-title')) {
    if (shown(title) && !inside(title.getBoundingClientRect(), title.parentElement.getBoundingClientRect())) {
      out.clipped.push('title: ' + title.textContent);
    }
  }
  const focus = document.querySelector('#projector-sheet .block.is-focus');
  const fr = focus && focus.getBoundingClientRect();
  out.focus = focus ? {block: focus.dataset.block, ring: getComputedStyle(focus).boxShadow,
                       label: getComputedStyle(focus.querySelector('.block-title'), '::after').content,
                       area: fr.width * fr.height / (vw * vh)} : null;
  return out;
}"""


def shown_total(page) -> int:
    return page.evaluate("""() => [...document.querySelectorAll('#projector-sheet .notes-box')]
        .reduce((sum, box) => sum + Number(box.dataset.total || 0), 0)""")


def open_projector(open_page, server, room, size):
    page = open_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{server.url}/p/{room['projector']}")
    page.wait_for_selector("#projector-canvas:not([hidden]) #projector-sheet .notes-box", state="attached")
    page.wait_for_function("(n) => [...document.querySelectorAll('#projector-sheet .notes-box')]"
                           ".reduce((sum, box) => sum + Number(box.dataset.total || 0), 0) >= n",
                           arg=sum(room["per_block"].values()))  # (or more, once a test has added some)
    return page


def check_whole_canvas(page, room, size, per_block=None) -> dict:
    """Every note on the screen: shown or counted in its block, inside its block and the screen, type large enough."""
    seen = page.evaluate(MEASURE)
    expected = per_block or room["per_block"]
    assert seen["scroll"] == [0, 0], seen["scroll"]
    assert {block: info["count"] for block, info in seen["blocks"].items()} == expected
    assert not seen["overflowing"], seen["overflowing"]
    assert not seen["offScreen"], seen["offScreen"][:5]
    assert not seen["clipped"], seen["clipped"][:5]
    assert seen["minFont"] >= min_type(size[1]) - 0.01, (seen["minFont"], seen["smallest"])
    return seen


def screenshot(page, name: str) -> None:
    """Kept for people to look at when LIENZO_SCREENSHOTS names a folder."""
    folder = os.environ.get("LIENZO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_whole_canvas_of_a_real_workshop_fits_the_screen(server, room, open_page, size):
    assert room["people"] == PARTICIPANTS and sum(room["per_block"].values()) == NOTES
    page = open_projector(open_page, server, room, size)
    seen = check_whole_canvas(page, room, size)
    screenshot(page, f"projector-{size[0]}x{size[1]}")

    # The workshop's timer runs in the corner.
    assert page.is_visible("#corner-timer") and re.fullmatch(r"1[45]:\d\d", page.text_content("#corner-timer-time"))
    # The facilitator's focused block is marked: a ring and a named band on its title.
    assert seen["focus"]["block"] == FOCUS
    assert seen["focus"]["ring"] != "none" and "en foco" in seen["focus"]["label"]
    # Groups are drawn as labelled frames holding their notes, wherever a block shows its notes.
    drawn = {g["title"]: g["notes"] for info in seen["blocks"].values() for g in info.get("groups") or []}
    for title, (block, count) in room["groups"].items():
        if seen["blocks"][block]["level"] < COUNT_LEVEL:
            assert drawn.get(title) == count, (title, drawn)
    assert drawn, "no group drawn at all"
    # The big screen shows the notes themselves, not counts (counts are the last resort).
    if size == (1920, 1080):
        assert all(info["level"] < COUNT_LEVEL for info in seen["blocks"].values()), seen["blocks"]


def test_the_projector_refits_on_live_changes_zoom_and_resize(server, room, open_page, seats):
    size = (1280, 720)
    page = open_projector(open_page, server, room, size)
    before = check_whole_canvas(page, room, size)

    # Twelve people write in the focused block at once: the screen takes them all, still fitting.
    writers = []
    for i in range(12):
        token = server.join(room["code"], f"Recién llegada {i}", "Municipalidad")
        writer = seats(token)
        writer.call("canvas:join", canvas_id=room["canvas_id"], last_seq=None)
        writers.append(writer)
    threads = [threading.Thread(target=w.op, args=("note:add",), kwargs={"block": FOCUS, "text": f"Idea en vivo {i}"})
               for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    grown = {**room["per_block"], FOCUS: room["per_block"][FOCUS] + 12}
    page.wait_for_function("(n) => [...document.querySelectorAll('#projector-sheet .notes-box')]"
                           ".reduce((sum, box) => sum + Number(box.dataset.total || 0), 0) === n",
                           arg=sum(grown.values()))
    check_whole_canvas(page, room, size, grown)

    # The facilitator zooms the focused block: it alone fills the screen, its notes less dense than before.
    host = seats(room["seat"])
    host.op("projector:show", mode="canvas", canvas_id=room["canvas_id"], zoom=True)
    page.wait_for_selector("#projector-sheet .projector-sheet.is-zoomed")
    page.wait_for_function("() => document.querySelectorAll('#projector-sheet .notes-box[data-level]').length"
                           " && [...document.querySelectorAll('#projector-sheet .notes-box')]"
                           ".filter(b => b.getClientRects().length).length === 1")
    zoomed = page.evaluate(MEASURE)
    assert [b for b, info in zoomed["blocks"].items() if not info.get("hidden")] == [FOCUS]
    assert zoomed["blocks"][FOCUS]["count"] == grown[FOCUS]
    assert zoomed["focus"]["area"] > 0.8
    assert zoomed["blocks"][FOCUS]["level"] <= before["blocks"][FOCUS]["level"]
    assert not zoomed["overflowing"] and not zoomed["offScreen"] and not zoomed["clipped"]
    assert zoomed["minFont"] >= min_type(size[1]) - 0.01
    screenshot(page, "projector-1280x720-zoom")

    # Back to the whole canvas, and the window grows to full HD: the screen fits itself again.
    host.op("projector:show", mode="canvas", canvas_id=room["canvas_id"])
    page.wait_for_selector("#projector-sheet .projector-sheet:not(.is-zoomed)")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function("() => parseFloat(getComputedStyle(document.querySelector('.note-text')).fontSize) >= 23.7")
    check_whole_canvas(page, room, (1920, 1080), grown)


def test_the_control_room_zooms_the_projector_on_the_focused_block(server, room, open_page):
    projector = open_projector(open_page, server, room, (1280, 720))
    desk = open_page(viewport={"width": 1280, "height": 800})
    log_in(desk, server.url, room["email"], PASSWORD)
    desk.goto(f"{server.url}/f/workshops/{room['workshop_id']}/room")
    # A control sent before the room's socket has joined is refused ("no connection"), as it should be.
    desk.wait_for_selector("#control-room[data-ready='true']")
    desk.wait_for_selector("#connection[data-state='connected']", state="attached")
    desk.select_option("#projector-choice", f"canvas:{room['canvas_id']}")
    zoom = desk.get_by_label("Ampliar el bloque en foco")
    zoom.check()
    desk.click("[data-action='projector-show']")
    projector.wait_for_selector(f"#projector-sheet .is-zoomed > .block.is-zoom-target[data-block='{FOCUS}']")
    assert projector.evaluate(MEASURE)["focus"]["area"] > 0.8
    zoom.uncheck()
    desk.click("[data-action='projector-show']")
    projector.wait_for_selector("#projector-sheet .projector-sheet:not(.is-zoomed)")
    check_whole_canvas(projector, room, (1280, 720), {**room["per_block"], FOCUS: projector.evaluate(
        "(b) => Number(document.querySelector(`.notes-box[data-block='${b}']`).dataset.total)", FOCUS)})


def test_vote_results_are_ranked_on_one_screen(server, room, open_page, seats):
    host = seats(room["seat"])
    host.op("projector:show", mode="results", canvas_id=room["canvas_id"])
    try:
        for size in ((1280, 720), (1920, 1080)):
            page = open_page(viewport={"width": size[0], "height": size[1]})
            page.goto(f"{server.url}/p/{room['projector']}")
            page.wait_for_selector("#projector-results:not([hidden]) .result >> nth=11")
            votes = page.eval_on_selector_all("#projector-ranking .result",
                                              "rows => rows.map(r => Number(r.dataset.votes))")
            assert len(votes) == 12 and votes == sorted(votes, reverse=True) and votes[0] > 0
            places = page.eval_on_selector_all("#projector-ranking .result-place", "ps => ps.map(p => p.textContent)")
            assert places == [f"{1 + votes.index(v)}." for v in votes]  # ties share a place
            seen = page.evaluate(MEASURE)
            assert not seen["offScreen"], seen["offScreen"]
            assert seen["minFont"] >= min_type(size[1]) - 0.01, (seen["minFont"], seen["smallest"])
            rows = page.eval_on_selector_all("#projector-ranking .result", """rows => rows.map(r => {
                const b = r.getBoundingClientRect();
                return b.bottom <= innerHeight && b.right <= innerWidth; })""")
            assert all(rows)
            screenshot(page, f"projector-results-{size[0]}x{size[1]}")
    finally:
        host.op("projector:show", mode="canvas", canvas_id=room["canvas_id"])


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def test_the_join_and_timer_screens_fit(server, room, open_page, seats, size):
    host = seats(room["seat"])
    page = open_page(viewport={"width": size[0], "height": size[1]})
    inside = """(selector) => [...document.querySelectorAll(selector)].every(n => {
        const r = n.getBoundingClientRect();
        return r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight; })"""
    try:
        host.op("projector:show", mode="join")
        page.goto(f"{server.url}/p/{room['projector']}")
        page.wait_for_selector("#projector-join:not([hidden])")
        page.wait_for_function("() => document.querySelector('.projector-qr').complete")
        assert page.evaluate(inside, "#projector-join > *")
        assert page.text_content(".projector-code") == room["code"]
        screenshot(page, f"projector-join-{size[0]}x{size[1]}")
        host.op("projector:show", mode="timer")
        page.wait_for_selector("#projector-timer:not([hidden]) #big-timer:not([hidden])")
        assert re.fullmatch(r"\d+:\d\d", page.text_content("#big-timer-time"))
        assert page.evaluate(inside, "#big-timer, #big-timer-time")
        screenshot(page, f"projector-timer-{size[0]}x{size[1]}")
    finally:
        host.op("projector:show", mode="canvas", canvas_id=room["canvas_id"])


# ---- a canvas of its own on the same server: the count as the last resort, the VPC's figures ----


def build_canvas(server: ServerProcess, template_id: str, per_block: dict[str, int], focus: str,
                 seed: int) -> dict:
    """A workshop with one canvas of ``template_id`` holding ``per_block`` notes (by 20 people),
    ``focus`` in focus and the canvas on the projector; returns its projector token and counts."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{server.workdir / 'instance' / 'lienzo.db'}",
                     SECRET_KEY=server.env["SECRET_KEY"])
    rng = random.Random(seed)
    with app.app_context():
        facilitator = make_facilitator(email=f"{uuid.uuid4().hex[:8]}@example.org", name="Lucía Facilitadora")
        workshop = create_workshop(facilitator, NewWorkshop(title="Taller"))
        (canvas,) = add_canvases(catalog_of(app), workshop, NewCanvases(template_id=template_id, name="Mesa 1"))
        host, _seat = facilitator_seat(facilitator, workshop)
        people = [resolve_token(join_workshop(JoinWorkshop(code=workshop.code, name=f"Persona {i + 1}",
                                                           institution=f"Institución {i % 7 + 1}"))[1])
                  for i in range(20)]
        for block, count in per_block.items():
            for i in range(count):
                board.apply(people[i % len(people)], canvas.id, "note:add",
                            {"op_id": uuid.uuid4().hex, "note_id": str(uuid.uuid4()), "block": block,
                             "text": note_text(rng)})
        board.apply(host, None, "focus:set", {"op_id": uuid.uuid4().hex, "canvas_id": canvas.id, "block": focus})
        board.apply(host, None, "projector:show", {"op_id": uuid.uuid4().hex, "mode": "canvas",
                                                   "canvas_id": canvas.id})
        projector = projector_token(db.session.get(Workshop, workshop.id))
        db.session.remove()
        db.engine.dispose()
    return {"projector": projector, "per_block": per_block}


def test_a_block_with_more_notes_than_can_be_read_is_the_only_one_counted(server, open_page):
    """The count is the last resort: 420 notes in one block cannot be read on a 1280x720 screen, so that
    block shows its count (and its top-voted few), while every other block, even a crowded one, shows
    its notes, and the screen still takes every note into account."""
    per_block = {"problem": 420, "solution": 30, "population": 12, "value": 6, "costs": 2}
    made = build_canvas(server, "public-policy-lean-canvas", per_block, focus="solution", seed=3)
    page = open_projector(open_page, server, made, (1280, 720))
    seen = check_whole_canvas(page, made, (1280, 720), {**{b: 0 for b in (
        "alternatives", "early", "indicators", "legitimacy", "channels", "funding")}, **per_block})
    assert seen["blocks"]["problem"]["level"] == COUNT_LEVEL
    assert page.text_content(".notes-box[data-block='problem'] .count-line") == "420 notas"
    assert [b for b, info in seen["blocks"].items() if info["level"] == COUNT_LEVEL] == ["problem"]


FIGURES = """() => {
  const sheet = document.querySelector('#projector-sheet .projector-sheet');
  const rect = (node) => {
    const r = node.getBoundingClientRect();
    return {l: r.left, t: r.top, r: r.right, b: r.bottom};
  };
  const union = (ids) => ids.map((id) => rect(sheet.querySelector(`:scope > .block[data-block='${id}']`)))
    .reduce((u, r) => ({l: Math.min(u.l, r.l), t: Math.min(u.t, r.t), r: Math.max(u.r, r.r), b: Math.max(u.b, r.b)}));
  const square = sheet.querySelector('svg.figure-square');
  const circle = sheet.querySelector('svg.figure-circle');
  const c = rect(circle);
  const [cx, cy, a, b] = [(c.l + c.r) / 2, (c.t + c.b) / 2, (c.r - c.l) / 2, (c.b - c.t) / 2];
  const inEllipse = (x, y) => ((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 <= 1.001;
  const outside = [];
  for (const id of ['gains', 'pains', 'customer_jobs']) {
    for (const node of sheet.querySelectorAll(`.block[data-block='${id}'] :is(li.note, .block-title)`)) {
      const r = rect(node);
      if (![[r.l, r.t], [r.r, r.t], [r.l, r.b], [r.r, r.b]].every(([x, y]) => inEllipse(x, y))) {
        outside.push(id + ': ' + node.textContent.slice(0, 20));
      }
    }
  }
  // The middle of the empty column between the two figures: the white sheet, nothing dark.
  const gapX = (union(['gain_creators', 'pain_relievers']).r + union(['gains', 'pains']).l) / 2;
  const there = document.elementFromPoint(gapX, (c.t + c.b) / 2);
  return {square: rect(square), valueMap: union(['products_services', 'gain_creators', 'pain_relievers']),
          circle: c, profile: union(['gains', 'pains', 'customer_jobs']),
          ellipse: circle.querySelectorAll('ellipse.figure-outline').length,
          squareLines: square.querySelectorAll('line').length,
          circleLines: circle.querySelectorAll('line').length, outside,
          gap: {node: there === sheet ? 'sheet' : there.className.baseVal ?? there.className,
                background: getComputedStyle(there).backgroundColor}};
}"""


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=["1920x1080", "1280x720"])
def test_the_value_proposition_canvas_is_a_square_and_a_circle(server, open_page, size):
    """The value map is drawn as a square and the customer profile as a circle, with the lines between
    their blocks, the white sheet between them (no dark gap column), every note of the profile inside
    its circle, every note shown, nothing under the stated minimum type size."""
    per_block = {"products_services": 18, "gain_creators": 9, "pain_relievers": 6, "customer_jobs": 14,
                 "gains": 8, "pains": 5}
    made = build_canvas(server, "value-proposition-canvas", per_block, focus="customer_jobs", seed=5)
    page = open_projector(open_page, server, made, size)
    seen = check_whole_canvas(page, made, size)
    assert all(info["level"] < COUNT_LEVEL for info in seen["blocks"].values()), seen["blocks"]
    figures = page.evaluate(FIGURES)
    for drawn, blocks in ((figures["square"], figures["valueMap"]), (figures["circle"], figures["profile"])):
        assert all(abs(drawn[k] - blocks[k]) <= 2 for k in "ltrb"), (drawn, blocks)
    assert figures["ellipse"] == 1 and figures["squareLines"] == 3 and figures["circleLines"] == 2
    assert figures["outside"] == [], figures["outside"]
    assert figures["gap"] == {"node": "sheet", "background": "rgb(255, 255, 255)"}, figures["gap"]
    # The focused block, in the circle, is named on its title and tinted in the figure.
    assert seen["focus"]["block"] == "customer_jobs" and "en foco" in seen["focus"]["label"]
    assert page.locator("svg.figure-circle rect.figure-focus").count() == 1
    screenshot(page, f"projector-vpc-{size[0]}x{size[1]}")


def test_a_form_like_canvas_fills_the_screen_and_shows_its_notes(server, open_page):
    """The Open Government commitment sheet (one column of fields) is sized like the other canvases:
    its crowded fields get the room the empty ones do not need, so 60 notes are all drawn at 1280x720."""
    per_block = {"name": 2, "problem": 20, "commitment": 16, "milestones": 12, "contacts": 6, "completion": 4}
    made = build_canvas(server, "ogp-commitment", per_block, focus="commitment", seed=9)
    page = open_projector(open_page, server, made, (1280, 720))
    empty = {b: 0 for b in ("dates", "lead_agency", "contribution", "ogp_values", "additional_info")}
    seen = check_whole_canvas(page, made, (1280, 720), {**empty, **per_block})
    assert all(info["level"] < COUNT_LEVEL for info in seen["blocks"].values()), seen["blocks"]
