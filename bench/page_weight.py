"""How heavy is the participant canvas on a cold load, and how soon can one use it?

Starts a real server (python wsgi.py) holding the real-size demo workshop (60 people at
10 tables, 150 notes on the first canvas, tests/real_size.py), joins as a participant in
Debian's Chromium (Playwright), then opens the canvas ``--runs`` times, each in a new
browser context (empty cache), and prints for each load:

- bytes transferred: the sum of CDP ``Network.loadingFinished.encodedDataLength`` (what
  came over the wire: headers and compressed bodies), page and every subresource, not
  counting the Socket.IO connection (its WebSocket frames are not responses);
- requests: responses received over HTTP (the WebSocket upgrade included);
- usable: milliseconds from the start of navigation until the page says it is connected
  and drawn: ``.canvas-page[data-ready=true]`` (set once the canvas:join answer is
  rendered), ``#connection[data-state=connected]`` and all 150 notes in the sheet.

    .venv/bin/python bench/page_weight.py            # 5 cold loads
    .venv/bin/python bench/page_weight.py --runs 10

Needs `make install-dev` (Playwright) and Chromium at /usr/bin/chromium (or $CHROMIUM).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import CHROMIUM_ARGS, chromium_path
from tests.real_size import Visit, real_size_server

# Records, in the page, when it first became usable (no polling delay from outside).
USABLE_JS = """(notes) => {
  const check = () => {
    if (window.__usable) return;
    if (document.querySelector(".canvas-page[data-ready='true']")
        && document.querySelector("#connection[data-state='connected']")
        && document.querySelectorAll(".sheet li.note").length >= notes) {
      window.__usable = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true});
}"""


def load_once(browser, visit: Visit, notes: int) -> tuple[int, int, float]:
    """One cold load of the canvas: (bytes transferred, requests, ms to usable)."""
    context = browser.new_context(locale="es-ES", storage_state=visit.participant_state,
                                  viewport={"width": 1280, "height": 800})
    try:
        context.add_init_script(f"({USABLE_JS})({notes})")
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        sizes: dict[str, float] = {}
        responses: set[str] = set()
        cdp.on("Network.responseReceived", lambda event: responses.add(event["requestId"]))
        cdp.on("Network.loadingFinished",
               lambda event: sizes.__setitem__(event["requestId"], event["encodedDataLength"]))
        page.goto(f"{visit.url}/c/{visit.demo.canvas_id}")
        page.wait_for_function("() => window.__usable", timeout=30_000)
        usable = page.evaluate("() => window.__usable")
        page.wait_for_load_state("networkidle")
        return int(sum(sizes.values())), len(responses), usable
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold loads to measure (default 5)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lienzo-weight-") as workdir, \
            real_size_server(Path(workdir)) as (server, demo), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            visit = Visit(browser, server, demo)
            load_once(browser, visit, len(demo.note_ids))  # the server's first answers warm it up
            rows = [load_once(browser, visit, len(demo.note_ids)) for _ in range(args.runs)]
        finally:
            browser.close()
    print(f"participant canvas, {len(demo.note_ids)} notes, cold loads at 1280x800 on {server.url}")
    print(f"{'run':>4} {'KB transferred':>15} {'requests':>9} {'usable ms':>10}")
    for number, (size, requests, usable) in enumerate(rows, 1):
        print(f"{number:>4} {size / 1024:>15.1f} {requests:>9} {usable:>10.0f}")
    usable = [row[2] for row in rows]
    print(f"median: {statistics.median(row[0] for row in rows) / 1024:.1f} KB, "
          f"{statistics.median(row[1] for row in rows):.0f} requests, usable after "
          f"{statistics.median(usable):.0f} ms (min {min(usable):.0f}, max {max(usable):.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
