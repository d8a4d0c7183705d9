"""Render every page of a real-size workshop at the four sizes of issue 11 (``make screenshots``).

A real server on a temporary SQLite database holds the demo workshop
(facilitator/demo.py: 60 people at 10 tables, 150 notes on the first canvas),
all 60 people are online through real sockets, and Debian's Chromium renders
each page into docs/screenshots/<page>-<width>x<height>.png (what fits on one
screen, as a person first sees it). The PNGs are reduced to a 256-colour
palette to keep the repository light. Also writes docs/screenshots/sizes.md:
each page's scroll width and height at each size.

    .venv/bin/python -m tests.screenshots [--out docs/screenshots] [--notes 150] [--people 60]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .browser_support import CHROMIUM_ARGS, chromium_path
from .real_size import LAPTOP, PHONE, SIZES, PeopleOnline, Visit, real_size_server

ROOT = Path(__file__).resolve().parent.parent
# Page name -> the sizes it is rendered at (the phone's block view only on the phone).
PAGES = {
    "home": list(SIZES), "join": list(SIZES), "tables": [LAPTOP, PHONE], "canvas": list(SIZES), "canvas-block": [PHONE],
    "control-room": list(SIZES), "projector": list(SIZES), "dashboard": list(SIZES), "workshop": list(SIZES),
    "recipe-start": list(SIZES), "commitments": list(SIZES), "people": list(SIZES), "canvas-editor": list(SIZES),
    "canvas-editor-edit": list(SIZES),
}


def shrink(path: Path) -> None:
    """Rewrite a screenshot as a 256-colour PNG (a third of the size, text still sharp)."""
    from PIL import Image

    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    reduced.save(path, optimize=True)


def render(out: Path, notes: int, people: int) -> list[str]:
    """Start the server, bring the people online, shoot every page; returns the rows of sizes.md."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    rows = ["| page | size | scroll width | scroll height |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="lienzo-screenshots-") as work, \
            real_size_server(Path(work), notes_count=notes, people_count=people) as (server, demo), \
            PeopleOnline(server.url, demo.seats), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            visit = Visit(browser, server, demo)
            for name, sizes in PAGES.items():
                for size in sizes:
                    context, page = visit.open(name, size)
                    try:
                        page.evaluate("document.fonts.ready")
                        path = out / f"{name}-{size}.png"
                        page.screenshot(path=str(path), animations="disabled", caret="hide")
                        shrink(path)
                        width, height = page.evaluate(
                            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
                        rows.append(f"| {name} | {size} | {width} | {height} |")
                        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
                              f"page {width}×{height}", flush=True)
                    finally:
                        context.close()
        finally:
            browser.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--notes", type=int, default=150)
    parser.add_argument("--people", type=int, default=60)
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows = render(args.out, args.notes, args.people)
    (args.out / "sizes.md").write_text(
        "# Page sizes at real size\n\n"
        f"Written by `make screenshots` ({args.people} people online, {args.notes} notes on the first canvas): "
        "the size of each page's document in CSS pixels. A scroll width larger than the screen's "
        "width means the page scrolls sideways.\n\n" + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(rows) - 2} screenshots in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
