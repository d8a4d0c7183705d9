"""The canvas page's one state module, tested under Node (tests/js/page_state.test.mjs).

Node is a set-up requirement (the Makefile builds the browser libraries with npm), so a
missing ``node`` is a failure, not a skip. The module is the page's own file, unbundled:
the same ES module the browser loads through the import map.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_page_state_module_under_node():
    node = shutil.which("node")
    assert node, "Node.js is needed (see the Makefile)"
    result = subprocess.run(
        [node, "--no-warnings", "--test", "--test-reporter=tap", str(ROOT / "tests" / "js" / "page_state.test.mjs")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.M)
    assert "# fail 0" in result.stdout and passed and int(passed.group(1)) >= 8, result.stdout[-2000:]

