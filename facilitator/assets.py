"""Static files under URLs that change with their content, so browsers keep them for a year.

Every file under the static folder is hashed once at start-up. ``url_for('static', ...)``
then carries ``?v=<hash>`` (a URL default, so every template gets it without change), and
a request whose ``v`` is the file's current hash is answered with
``Cache-Control: public, max-age=31536000, immutable``: a new version has a new URL.

ES modules import each other by relative path ("./dom.js"), which the browser resolves to
the unversioned URL. An import map in the page's head maps each module's plain URL to its
versioned one (the no-bundler way to version a module graph), and ``modulepreload`` links
for the page's graph let the browser fetch every module at once instead of level by level.
The import map is an inline script: the Content-Security-Policy allows it by its hash.

Our own modules are sent minified when the set-up made minified copies (``make install``
runs tools/minify.mjs, terser, into build/min/): same URLs, a third of the bytes. A copy
is used only while the manifest's hash of its source matches the file on disk, so a module
edited since is sent as it is.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from flask import Flask, Response, request, url_for
from markupsafe import Markup

IMMUTABLE = "public, max-age=31536000, immutable"
VERSION_LENGTH = 12

# Static relative imports: `import x from "./a.js"`, `export { y } from "../b.js"`, `import "./c.js"`.
_RELATIVE_IMPORT = re.compile(r"""\b(?:from|import)\s*["'](\.{1,2}/[^"'\s]+)["']""")


class Assets:
    """The static folder's content hashes and the module graph of its scripts, read once."""

    def __init__(self, folder: str | Path, minified: str | Path | None = None) -> None:
        self.folder = Path(folder)
        self.versions: dict[str, str] = {}
        self.minified: dict[str, bytes] = {}  # static name -> the minified copy to send instead
        self.imports: dict[str, list[str]] = {}
        sources: dict[str, bytes] = {}
        for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
            name = path.relative_to(self.folder).as_posix()
            sources[name] = path.read_bytes()
            self.versions[name] = hashlib.sha256(sources[name]).hexdigest()[:VERSION_LENGTH]
        if minified is not None:
            self._read_minified(Path(minified), sources)
        for name, content in sources.items():
            if name.endswith(".js"):
                self.imports[name] = self._relative_imports(name, content.decode("utf-8", "replace"))
        self._maps: dict[str, tuple[str, str]] = {}

    def _read_minified(self, folder: Path, sources: dict[str, bytes]) -> None:
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # no minified copies (a checkout without `make install`): send the sources
        for name, digest in manifest.items():
            source = sources.get(name)
            copy = folder / name
            if source is not None and hashlib.sha256(source).hexdigest() == digest and copy.is_file():
                self.minified[name] = copy.read_bytes()

    def _relative_imports(self, name: str, source: str) -> list[str]:
        base = Path(name).parent
        found = []
        for spec in _RELATIVE_IMPORT.findall(source):
            target = _normalise(base / spec)
            if target in self.versions and target not in found:
                found.append(target)
        return found

    def version(self, filename: str | None) -> str | None:
        """The content hash of a static file, or None for a name that is not one."""
        return self.versions.get(filename) if filename else None

    def module_graph(self, entry: str) -> list[str]:
        """Every module ``entry`` loads, directly or not, the entry first: what to preload."""
        seen: list[str] = []
        pending = [entry]
        while pending:
            name = pending.pop(0)
            if name in seen or name not in self.versions:
                continue
            seen.append(name)
            pending.extend(self.imports.get(name, []))
        return seen

    def import_map(self) -> tuple[str, str]:
        """The import map's JSON for this request's URL root, and its CSP source expression."""
        root = request.script_root
        if root not in self._maps:
            mapping = {url_for("static", filename=name, v=None): url_for("static", filename=name)
                       for name in self.imports}
            text = json.dumps({"imports": mapping}, sort_keys=True).replace("</", "<\\/")
            digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
            self._maps[root] = (text, f"'sha256-{digest}'")
        return self._maps[root]


def _normalise(path: Path) -> str:
    """``js/../vendor/x.js`` -> ``vendor/x.js`` (without touching the file system)."""
    parts: list[str] = []
    for part in path.as_posix().split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def assets_of(app: Flask) -> Assets:
    return app.extensions["lienzo.assets"]


def script_sources(app: Flask) -> str:
    """What the CSP's script-src adds to 'self' on this request: the import map's hash."""
    return assets_of(app).import_map()[1]


def init_app(app: Flask) -> None:
    """Hash the static folder, version static URLs, cache versioned answers for a year."""
    static = Path(app.static_folder or "")
    assets = Assets(static, minified=static.parent / "build" / "min")
    app.extensions["lienzo.assets"] = assets
    send_static = app.view_functions["static"]

    def static_file(filename: str) -> Response:
        body = assets.minified.get(filename)
        if body is None:
            return send_static(filename=filename)
        return Response(body, mimetype="text/javascript")

    app.view_functions["static"] = static_file

    @app.url_defaults
    def _versioned(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values:
            version = assets.version(values.get("filename"))
            if version:
                values["v"] = version

    @app.after_request
    def _cache(response: Response) -> Response:
        # With debug on, files are edited while the server runs (the hashes are not read
        # again): no year-long caching then, so a reload shows the edited file.
        if app.debug:
            return response
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename")
            if request.args.get("v") and request.args.get("v") == assets.version(filename):
                response.headers["Cache-Control"] = IMMUTABLE
        return response

    def import_map() -> Markup:
        text, _source = assets.import_map()
        return Markup(f'<script type="importmap">{text}</script>')

    def module_preloads(entry: str | None) -> Markup:
        if not entry:
            return Markup("")
        links = (f'<link rel="modulepreload" href="{url_for("static", filename=name)}">'
                 for name in assets.module_graph(entry))
        return Markup("\n  ".join(links))

    app.jinja_env.globals.update(import_map=import_map, module_preloads=module_preloads)
