"""SQLITE_SYNCHRONOUS: the commit's durability level is the one configured and
documented (database.py); a level that could corrupt the file is refused.
Process-death durability at the default level is tests/test_faults.py's
SIGKILL test, which runs on the default."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from facilitator import create_app
from facilitator.config import TestConfig
from facilitator.extensions import db

LEVELS = {"NORMAL": 1, "FULL": 2, "EXTRA": 3}


def _level(tmp_path, **config) -> tuple[int, str]:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'sync.db'}", **config)
    with app.app_context():
        try:
            level = db.session.execute(text("PRAGMA synchronous")).scalar()
            journal = db.session.execute(text("PRAGMA journal_mode")).scalar()
        finally:
            db.session.remove()
            db.engine.dispose()
    return level, journal


def test_default_is_normal_in_wal(tmp_path):
    """NORMAL is only crash-safe with WAL: both must hold together."""
    assert _level(tmp_path) == (LEVELS["NORMAL"], "wal")


@pytest.mark.parametrize("value", ["full", "FULL", " Extra "])
def test_full_and_extra_can_be_chosen(tmp_path, value):
    assert _level(tmp_path, SQLITE_SYNCHRONOUS=value)[0] == LEVELS[value.strip().upper()]


@pytest.mark.parametrize("value", ["OFF", "0", "fast"])
def test_off_and_unknown_levels_are_refused_at_start(tmp_path, value):
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        _level(tmp_path, SQLITE_SYNCHRONOUS=value)
