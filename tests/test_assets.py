"""Light pages (issue 11, item 6): versioned static URLs cached for a year, the import map
and its CSP hash, module preloads, compressed answers that leave Socket.IO and downloads alone."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import re

from flask import send_file

from facilitator.assets import IMMUTABLE, assets_of

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def _import_map(html: str) -> tuple[str, dict]:
    text = re.search(r'<script type="importmap">(.*?)</script>', html, re.S).group(1)
    return text, json.loads(text)["imports"]


def test_static_urls_carry_the_files_hash_and_are_kept_for_a_year(app, client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/lienzo\.css\?v=(\w+))"', html)
    assert css, "the stylesheet's URL carries no version"
    content = (app.static_folder + "/css/lienzo.css")
    with open(content, "rb") as file:
        assert css.group(2) == hashlib.sha256(file.read()).hexdigest()[:12]
    answer = client.get(css.group(1))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == IMMUTABLE
    # An old or missing version is answered with today's file, which must not be kept for a year.
    for stale in ("/static/css/lienzo.css?v=000000000000", "/static/css/lienzo.css"):
        assert "immutable" not in client.get(stale).headers.get("Cache-Control", "")


def test_the_import_map_versions_every_module_and_the_csp_allows_only_it(app, client):
    answer = client.get("/")
    text, imports = _import_map(answer.get_data(as_text=True))
    assert "/static/js/dom.js" in imports and "/static/vendor/sortable.esm.js" in imports
    for plain, versioned in imports.items():
        name = plain.removeprefix("/static/")
        assert versioned == f"{plain}?v={assets_of(app).version(name)}"
        fetched = client.get(versioned)
        assert fetched.status_code == 200 and fetched.headers["Cache-Control"] == IMMUTABLE
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    csp = answer.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1).split()
    assert script_src == ["'self'", f"'sha256-{digest}'"]


def test_the_canvas_module_graph_is_whole():
    from pathlib import Path

    from facilitator.assets import Assets

    assets = Assets(Path(__file__).resolve().parent.parent / "static")
    graph = assets.module_graph("js/canvas.js")
    assert graph[0] == "js/canvas.js"
    assert {"js/connection.js", "js/dom.js", "vendor/socket.io.esm.min.js", "vendor/sortable.esm.js"} <= set(graph)
    # The page's one state (and what it builds on) is preloaded and versioned like every module.
    assert {"js/page-state.js", "js/state.js", "js/view.js", "js/outbox.js"} <= set(graph)
    assert len(graph) == len(set(graph))
    assert assets.module_graph("js/no-such-module.js") == []


def test_pages_scripts_and_styles_are_compressed(client):
    page = client.get("/", headers=BROWSER)
    assert page.headers["Content-Encoding"] in ("zstd", "br")
    assert "Accept-Encoding" in page.headers["Vary"]
    gzipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert "<html" in gzip.decompress(gzipped.get_data()).decode()
    script = client.get("/static/js/canvas.js", headers=BROWSER)
    assert script.status_code == 200 and script.headers.get("Content-Encoding") in ("zstd", "br")
    assert client.get("/", headers={"Accept-Encoding": "identity"}).headers.get("Content-Encoding") is None


def test_downloads_and_the_socket_path_are_left_alone(app, client):
    @app.get("/test-download")
    def _download():
        return send_file(io.BytesIO(b'{"notes": []}' * 200), mimetype="application/json",
                         as_attachment=True, download_name="taller.json")

    download = client.get("/test-download", headers=BROWSER)
    assert download.status_code == 200 and "Content-Encoding" not in download.headers
    assert download.get_data() == b'{"notes": []}' * 200
    handshake = client.get("/socket.io/?EIO=4&transport=polling", headers=BROWSER)
    assert handshake.status_code == 200
    assert "Accept-Encoding" not in handshake.headers.get("Vary", "")


def test_with_debug_on_static_files_are_not_kept_for_a_year(app, client):
    """A developer edits a module while the server runs: the reload must show the edit."""
    versioned = re.search(r'href="(/static/css/lienzo\.css\?v=\w+)"', client.get("/").get_data(as_text=True)).group(1)
    app.debug = True
    try:
        assert "immutable" not in client.get(versioned).headers.get("Cache-Control", "")
    finally:
        app.debug = False


def _static_with_copy(tmp_path, copy_of: bytes):
    """A static folder with one module, and a minified copy recorded against ``copy_of``."""
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    source = b"// a long comment that the minified copy does not carry\nexport const answer = 42;\n"
    (static / "js" / "a.js").write_bytes(source)
    (tmp_path / "build" / "min" / "js").mkdir(parents=True)
    (tmp_path / "build" / "min" / "js" / "a.js").write_bytes(b"export const answer=42;")
    manifest = {"js/a.js": hashlib.sha256(copy_of).hexdigest()}
    (tmp_path / "build" / "min" / "manifest.json").write_text(json.dumps(manifest))
    return static, source


def _serve(static):
    from flask import Flask

    from facilitator import assets

    app = Flask("minified", static_folder=str(static))
    assets.init_app(app)
    return app.test_client()


def test_a_module_is_sent_minified_while_its_copy_matches_the_source(tmp_path):
    static, _source = _static_with_copy(tmp_path, copy_of=b"// a long comment that the minified copy "
                                       b"does not carry\nexport const answer = 42;\n")
    answer = _serve(static).get("/static/js/a.js")
    assert answer.status_code == 200 and answer.mimetype == "text/javascript"
    assert answer.data == b"export const answer=42;"


def test_a_module_edited_since_it_was_minified_is_sent_as_it_is(tmp_path):
    static, source = _static_with_copy(tmp_path, copy_of=b"export const answer = 41;\n")
    answer = _serve(static).get("/static/js/a.js")
    assert answer.status_code == 200 and answer.data == source


def test_without_minified_copies_the_sources_are_sent(tmp_path):
    static, source = _static_with_copy(tmp_path, copy_of=b"")
    (tmp_path / "build" / "min" / "manifest.json").unlink()
    assert _serve(static).get("/static/js/a.js").data == source
