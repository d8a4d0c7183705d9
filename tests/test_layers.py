"""The layers of DESIGN.md hold by themselves: the domain core loads without
Flask-SocketIO (db has a module of its own), and the import contracts of
setup.cfg (``make lint``) are kept."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def loaded_after(statement: str) -> set[str]:
    """The modules a fresh interpreter has loaded after ``statement``."""
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=True)
    return set(done.stdout.split())


def test_the_domain_core_loads_without_flask_socketio_or_the_web_layers():
    modules = loaded_after("import facilitator.board, facilitator.board.workshops, facilitator.models")
    assert "facilitator.board.workshops" in modules  # it did load
    assert not {m for m in modules if m.split(".")[0] in ("flask_socketio", "socketio", "engineio")}
    assert not {m for m in modules if m.startswith(("facilitator.live", "facilitator.views", "facilitator.extensions"))}


def test_exports_have_a_blueprint_of_their_own(app):
    assert "exports" in app.blueprints
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "/export" in rule.rule}
    assert endpoints and all(e.startswith("exports.") for e in endpoints)


@pytest.mark.skipif(shutil.which("lint-imports", path=str(Path(sys.executable).parent)) is None,
                    reason="import-linter is in the dev extra")
def test_the_import_contracts_are_kept():
    done = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
