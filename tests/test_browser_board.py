"""The canvas page's board view at laptop sizes, with the real-size workshop
(150 notes on one Public Policy Lean Canvas): the whole sheet on the screen,
every note on the board or counted, read in one interaction, zoom, pan, fit,
a block opened in full where writing works live, the keyboard and the
accessibility tree; and the Value Proposition Canvas drawn as a square and a circle."""

from __future__ import annotations

import pytest

from .browser_support import PageErrors, assert_no_axe_violations, assert_no_page_scroll, join_by_code, wait_saved
from .real_size import LAPTOP, Visit

pytestmark = pytest.mark.browser

SHEET_WIDTH = "() => document.querySelector('.board-viewport > .sheet').getBoundingClientRect().width"


@pytest.fixture(scope="module")
def visit(browser, real_size_server):
    server, demo = real_size_server
    return Visit(browser, server, demo)


@pytest.fixture
def show(visit):
    """The participant's canvas of the real-size workshop; fails on any script error."""
    contexts, watchers = [], []

    def show_(size: str = LAPTOP, name: str = "canvas"):
        context, page = visit.open(name, size, watch=lambda page: watchers.append(PageErrors(page)))
        contexts.append(context)
        page.wait_for_function("() => document.querySelector('.sheet .block[data-density]') !== null")
        return page

    yield show_
    for context in contexts:
        context.close()
    errors = [error for watcher in watchers for error in watcher.errors]
    assert not errors, errors


def densest_block(page) -> str:
    return page.evaluate("""() => [...document.querySelectorAll('.sheet .block')]
        .map(b => [b.dataset.block, b.querySelectorAll(':scope > ul.notes > li.note').length])
        .sort((a, b) => b[1] - a[1])[0][0]""")


@pytest.mark.parametrize("size", ["1920x1080", "1280x800", "1280x720"])
def test_every_note_is_on_the_screen_or_counted(show, real_size_server, size):
    _server, demo = real_size_server
    page = show(size)
    assert_no_page_scroll(page)
    seen = page.evaluate("""() => {
        const view = {w: innerWidth, h: innerHeight};
        let shown = 0, outside = [], counted = 0;
        for (const li of document.querySelectorAll('.sheet li.note')) {
            if (li.classList.contains('is-beyond') && getComputedStyle(li).display === 'none') continue;
            const r = li.getBoundingClientRect();
            if (r.width === 0 || r.left < 0 || r.top < 0 || r.right > view.w + 0.5 || r.bottom > view.h + 0.5) {
                outside.push(li.dataset.noteId);
            } else {
                shown += 1;
            }
        }
        for (const more of document.querySelectorAll('.sheet .block-more:not([hidden])')) {
            counted += parseInt(more.textContent.replace(/\\D+/g, ''), 10);
        }
        const hidden = document.querySelectorAll('.sheet li.note.is-beyond').length;
        return {shown, outside, counted, hidden, total: document.querySelectorAll('.sheet li.note').length};
    }""")
    assert seen["total"] == len(demo.note_ids)
    assert not seen["outside"], f"{len(seen['outside'])} notes drawn off the screen"
    assert seen["counted"] == seen["hidden"]
    assert seen["shown"] + seen["counted"] == seen["total"]


NOTE_BOXES = """() => Object.fromEntries([...document.querySelectorAll('.sheet li.note')].map(li => {
    const r = li.getBoundingClientRect();
    return [li.dataset.noteId, [r.x, r.y, r.width, r.height].map(n => Math.round(n * 10) / 10).join(',')];
}))"""
FITS = "() => Number(document.querySelector('.board-viewport').dataset.fits || 0)"
CUT_NOTES = """() => [...document.querySelectorAll('.block[data-density] > ul.notes > li.note:not(.is-beyond)')]
    .filter(li => { const t = li.querySelector('.note-text'); return t.scrollHeight > t.clientHeight + 2; })
    .map(li => li.dataset.noteId)"""
READER = """(id) => {
    const card = document.querySelector('.board-reader');
    if (!card || card.hidden || card.dataset.noteId !== id) return null;
    const li = document.querySelector(`li.note[data-note-id="${id}"]`);
    const t = li.querySelector('.note-text');
    const r = card.getBoundingClientRect(), n = li.getBoundingClientRect();
    const text = card.querySelector('.board-reader-text');
    return {same: text.textContent === (t.value ?? t.textContent), whole: text.scrollHeight <= text.clientHeight + 1,
            over: !(r.bottom <= n.top + 0.5 || r.top >= n.bottom - 0.5
                    || r.right <= n.left + 0.5 || r.left >= n.right - 0.5),
            box: [r.left, r.top, r.right, r.bottom], hidden: card.getAttribute('aria-hidden'),
            pointer: getComputedStyle(card).pointerEvents};
}"""


def test_a_compacted_note_shows_its_full_text_on_focus_and_nothing_moves(show):
    page = show()
    cut = page.evaluate(CUT_NOTES)
    assert cut, "no note is compacted at 1280×800 with 150 notes"
    note_id = cut[len(cut) // 2]
    boxes, fits = page.evaluate(NOTE_BOXES), page.evaluate(FITS)
    page.locator(f"li.note[data-note-id='{note_id}'] .note-text").focus()
    page.wait_for_function(READER, arg=note_id)
    card = page.evaluate(READER, note_id)
    # The whole text, in a card next to the note (not over it), on the screen, out of the
    # accessibility tree (the note's own text is there whole) and letting the pointer through.
    assert card["same"] and card["whole"], card
    assert not card["over"], card
    left, top, right, bottom = card["box"]
    assert left >= 0 and top >= 0 and right <= 1280 and bottom <= 800, card
    assert card["hidden"] == "true" and card["pointer"] == "none"
    # Reading moved no note and did not fit the board again.
    assert page.evaluate(NOTE_BOXES) == boxes
    assert page.evaluate(FITS) == fits
    # Leaving the note hides the card.
    page.locator(".board-tools [data-zoom='fit']").focus()
    page.wait_for_function("() => document.querySelector('.board-reader').hidden")
    assert_no_page_scroll(page)


def test_pointing_at_compacted_notes_reads_them_and_moves_nothing(show):
    """Hovering a note, its text or its buttons, never changes the board: the cause of
    buttons that would not stand still under the mouse (votes could not be clicked)."""
    page = show()
    cut = page.evaluate(CUT_NOTES)
    assert len(cut) >= 5
    boxes, fits = page.evaluate(NOTE_BOXES), page.evaluate(FITS)
    for note_id in cut[:: max(1, len(cut) // 8)]:
        li = page.locator(f"li.note[data-note-id='{note_id}']")
        box = li.bounding_box()
        for fx, fy in ((0.3, 0.5), (0.95, 0.15), (0.5, 0.9)):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, steps=2)
            page.wait_for_function(READER, arg=note_id)
        assert page.evaluate(READER, note_id)["same"]
        assert page.evaluate(NOTE_BOXES) == boxes
        # What lies under the pointer is still the note: the card lets it through.
        assert page.evaluate("([x, y, id]) => document.elementFromPoint(x, y).closest('li.note')?.dataset.noteId",
                             [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, note_id]) == note_id
    assert page.evaluate(FITS) == fits
    head = page.locator(".board-tools").bounding_box()
    page.mouse.move(head["x"] + 2, head["y"] + 2)
    page.wait_for_function("() => document.querySelector('.board-reader').hidden")
    assert page.evaluate(NOTE_BOXES) == boxes


def test_zoom_in_and_out_changes_the_scale_and_fit_restores_it(show):
    page = show()
    fit = page.evaluate(SHEET_WIDTH)
    page.get_by_role("button", name="Acercar").click()
    page.wait_for_function(f"() => ({SHEET_WIDTH})() > {fit} * 1.2")
    page.get_by_role("button", name="Acercar").click()
    zoomed = page.evaluate(SHEET_WIDTH)
    assert page.text_content("#board-zoom-level") == "150%"
    # Zoomed in, the board scrolls inside its viewport, never the page.
    assert page.evaluate("() => document.querySelector('.board-viewport').scrollWidth") > 1280
    assert_no_page_scroll(page)
    # Dragging the background pans.
    viewport = page.locator(".board-viewport")
    page.evaluate("() => document.querySelector('.board-viewport').scrollTo(0, 0)")
    before = page.evaluate("() => document.querySelector('.board-viewport').scrollLeft")
    head = page.locator(".block[data-block='solution'] > .block-head .block-question").bounding_box()
    page.mouse.move(head["x"] + 5, head["y"] + 3)
    page.mouse.down()
    page.mouse.move(head["x"] - 195, head["y"] + 3, steps=5)
    page.mouse.up()
    assert page.evaluate("() => document.querySelector('.board-viewport').scrollLeft") > before + 100
    # The keyboard zooms out (−), Ctrl + wheel too; "Fit to screen" restores the whole sheet.
    page.locator("body").focus()
    page.keyboard.press("-")
    page.wait_for_function(f"() => ({SHEET_WIDTH})() < {zoomed} - 10")
    box = viewport.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.down("Control")
    page.mouse.wheel(0, 200)
    page.keyboard.up("Control")
    page.wait_for_function(f"() => ({SHEET_WIDTH})() < {zoomed} * 0.8")
    page.get_by_role("button", name="Ajustar a la pantalla").click()
    page.wait_for_function(f"() => Math.abs(({SHEET_WIDTH})() - {fit}) < 1")
    assert page.evaluate("() => document.querySelector('.board-viewport').scrollLeft") == 0
    assert_no_page_scroll(page)


def test_an_open_block_shows_its_notes_in_full_and_adding_there_works_live(show):
    page = show()
    other = show()
    block = densest_block(page)
    count = page.locator(f".block[data-block='{block}'] > ul.notes > li.note").count()
    page.click(f".block[data-block='{block}'] > .block-head .block-open")
    panel = page.locator(f".block.is-open[data-block='{block}']")
    panel.wait_for()
    assert panel.get_attribute("role") == "dialog"
    # The add field comes first and has the focus.
    assert page.evaluate("() => document.activeElement.matches('.block.is-open > .add-form textarea')")
    shown = page.evaluate("""(block) => [...document.querySelectorAll(
            `.block[data-block="${block}"] > ul.notes > li.note`)]
        .filter(li => getComputedStyle(li).display !== 'none'
                && li.querySelector('.note-text').scrollHeight
                   <= li.querySelector('.note-text').clientHeight + 1).length""",
                          block)
    assert shown == count
    # Writing there: the note appears in the panel and on the other screen, live.
    page.keyboard.type("Una idea escrita en el bloque abierto")
    page.keyboard.press("Control+Enter")
    note = page.locator(f".block[data-block='{block}'] > ul.notes > li.note")
    page.wait_for_function("""(block) => [...document.querySelectorAll(
            `.block[data-block="${block}"] li.note textarea`)]
        .some(t => t.value === 'Una idea escrita en el bloque abierto')""", arg=block)
    assert note.count() == count + 1
    new_id = page.evaluate("""(block) => [...document.querySelectorAll(`.block[data-block="${block}"] li.note`)]
        .find(li => li.querySelector('textarea')?.value === 'Una idea escrita en el bloque abierto').dataset.noteId""",
                           block)
    wait_saved(page, new_id)
    other.wait_for_selector(f"li.note[data-note-id='{new_id}']", state="attached")
    # The focus stays inside: Shift+Tab from the first control goes to the last one.
    page.focus(".block.is-open > .add-form textarea")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.closest('.block.is-open') !== null")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('.block.is-open > .add-form textarea')")
    # Escape closes it and gives the focus back to the button that opened it.
    page.keyboard.press("Escape")
    panel.wait_for(state="detached")
    assert page.evaluate("() => document.activeElement.matches('.block-open')")
    assert page.get_attribute(f".block[data-block='{block}'] > .block-head .block-open", "aria-expanded") == "false"
    assert_no_page_scroll(page)


def test_the_keyboard_goes_from_block_to_block_and_note_to_note(show):
    page = show()
    page.focus(".block[data-block='problem'] > .block-head .block-open")
    visited = []
    for _ in range(400):
        page.keyboard.press("Tab")
        where = page.evaluate("""() => {
            const a = document.activeElement;
            const block = a.closest('.sheet .block');
            return block ? [block.dataset.block, a.closest('li.note') ? 'note' : a.className] : [null, a.tagName];
        }""")
        if where[0] is None:
            break
        visited.append(where)
    blocks = list(dict.fromkeys(block for block, _ in visited))
    # Every block is reached in the sheet's order, with its notes on the way.
    assert len(blocks) == page.locator(".sheet .block").count()
    assert sum(1 for _, kind in visited if kind == "note") >= 20
    # Enter on a block's open button opens it.
    page.focus(".block[data-block='solution'] > .block-head .block-open")
    page.keyboard.press("Enter")
    page.wait_for_selector(".block.is-open[data-block='solution']")


def test_the_board_keeps_its_blocks_in_the_accessibility_tree(show):
    page = show()
    tree = page.locator(".sheet").aria_snapshot()
    for title in ("Problema público", "Solución / intervención", "Intervenciones existentes", "Costos y recursos"):
        assert f'region "{title}"' in tree
        assert f'heading "{title}" [level=2]' in tree
    assert_no_axe_violations(page)
    page.click(".block[data-block='value'] > .block-head .block-open")
    page.wait_for_selector(".block.is-open[data-block='value']")
    assert_no_axe_violations(page)


def test_the_value_proposition_canvas_draws_its_square_and_circle(browser, real_size_server):
    server, _demo = real_size_server
    seeded = server.seed(template_id="value-proposition-canvas", title="Propuesta de valor")
    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        join_by_code(page, server.url, seeded["code"], "Rosa Díaz", "Ministerio")
        shapes = page.evaluate("""() => {
            const sheet = document.querySelector('.board-viewport > .sheet.shape-vpc');
            const square = getComputedStyle(sheet, '::before');
            const circle = getComputedStyle(sheet, '::after');
            return {square: square.borderTopLeftRadius, circle: circle.borderTopLeftRadius,
                    width: parseFloat(circle.width), height: parseFloat(circle.height),
                    gap: getComputedStyle(sheet).backgroundColor};
        }""")
        assert shapes["circle"] == "50%"
        assert abs(shapes["width"] - shapes["height"]) < 2, shapes  # a circle, not an ellipse
        assert shapes["square"] != "50%"
        assert shapes["gap"] == "rgba(0, 0, 0, 0)"  # no dark column between them
        # The profile's blocks, their titles and buttons are inside the circle: the jobs'
        # dashed edge is its vertical diameter.
        outside = page.evaluate("""() => {
            const sheet = document.querySelector('.sheet.shape-vpc');
            const jobs = sheet.querySelector(':scope > .block[data-block="customer_jobs"]').getBoundingClientRect();
            const radius = parseFloat(getComputedStyle(sheet).getPropertyValue('--vpc-circle')) / 2;
            const cx = jobs.left, cy = (jobs.top + jobs.bottom) / 2;
            const out = [];
            for (const id of ['gains', 'pains', 'customer_jobs']) {
                for (const sel of ['.block-title', '.block-open', '.add-note']) {
                    const r = sheet.querySelector(`.block[data-block="${id}"] ${sel}`).getBoundingClientRect();
                    for (const [x, y] of [[r.left, r.top], [r.right, r.top], [r.left, r.bottom], [r.right, r.bottom]]) {
                        if (Math.hypot(x - cx, y - cy) > radius) out.push(`${id} ${sel}`);
                    }
                }
            }
            return [radius, Math.abs(jobs.height - 2 * radius), out];
        }""")
        assert outside[0] > 200 and outside[1] < 3 and not outside[2], outside
        assert_no_page_scroll(page)
        assert_no_axe_violations(page)
    finally:
        context.close()


TRACKS = """() => { const s = document.querySelector('.board-viewport > .sheet').style;
    return [s.gridTemplateColumns, s.gridTemplateRows]; }"""
SHOWN_BY_BLOCK = """() => Object.fromEntries([...document.querySelectorAll('.sheet .block')].map(block => {
    const list = block.querySelector(':scope > ul.notes').getBoundingClientRect();
    const notes = [...block.querySelectorAll(':scope > ul.notes > li.note')];
    const shown = notes.filter(li => {
        if (getComputedStyle(li).display === 'none') return false;
        const r = li.getBoundingClientRect();
        return r.height > 0 && r.top >= list.top - 0.5 && r.bottom <= list.bottom + 0.5;
    });
    return [block.dataset.block, [shown.length, notes.length, block.dataset.density || '0']];
}))"""


@pytest.mark.parametrize(("size", "least"), [("1280x720", 50), ("1280x800", 70)])
def test_every_block_with_notes_shows_some_at_laptop_sizes(show, size, least):
    """The rows and columns are sized by what the blocks hold (projector-fit.js: sizeTracks):
    a crowded block takes room from blocks with room to spare, so none with notes shows only
    its "N more" button (with the template's proportions "Solución", 37 notes, showed none at
    1280×720), and more notes are on the board, in full or in their first line (with the
    template's proportions: 42 at 1280×720, 59 at 1280×800; sized by content: 55 and 79)."""
    page = show(size)
    seen = page.evaluate(SHOWN_BY_BLOCK)
    empty = [block for block, (shown, total, _level) in seen.items() if total and not shown]
    assert not empty, seen
    assert sum(shown for shown, _total, _level in seen.values()) >= least, seen
    assert_no_page_scroll(page)
    # The tracks are the template's no more, and the same input gives the same tracks: another
    # size and back again fits to exactly the same grid.
    tracks = page.evaluate(TRACKS)
    assert tracks[0] and tracks[1], tracks
    width, height = (int(n) for n in size.split("x"))
    for w, h in ((width - 90, height), (width, height)):
        fits = page.evaluate(FITS)
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_function(f"() => ({FITS})() > {fits}")
    assert page.evaluate(TRACKS) == tracks
    assert page.evaluate(SHOWN_BY_BLOCK) == seen


def settle(page) -> None:
    """Let the page draw what it has received and fit after it (a render, then a fit, each in a frame)."""
    page.evaluate("() => new Promise(done => { let n = 4; "
                  "const next = () => (--n ? requestAnimationFrame(next) : done()); requestAnimationFrame(next); })")


def test_typing_in_a_note_never_refits_the_board_until_the_note_is_left(show):
    """A refit measures 150 notes (a few hundred ms): it must not stall the typing each time the
    text is saved. The note keeps its place while it has the focus; leaving it fits it."""
    page = show("1280x800")
    block = page.evaluate("""() => [...document.querySelectorAll('.sheet > .block')]
        .map(b => [b.dataset.block, b.querySelectorAll(':scope > ul.notes > li.note').length])
        .sort((a, b) => a[1] - b[1])[0][0]""")
    page.click(f".block[data-block='{block}'] > .add-note")
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('li.note textarea')")
    note_id = page.evaluate("() => document.activeElement.closest('li.note').dataset.noteId")
    page.keyboard.type("Una primera línea")
    wait_saved(page, note_id)
    settle(page)
    fits = page.get_attribute("#board-viewport", "data-fits")
    text = " que sigue creciendo letra por letra, con más ideas para el tablero de la mesa"
    page.keyboard.type(text, delay=20)
    wait_saved(page, note_id)
    settle(page)
    assert page.get_attribute("#board-viewport", "data-fits") == fits
    assert page.evaluate("() => document.activeElement.value").endswith(text)
    # Leaving the note fits the board with its new text.
    page.keyboard.press("Tab")
    page.wait_for_function("(fits) => document.querySelector('#board-viewport').dataset.fits !== fits", arg=fits)
