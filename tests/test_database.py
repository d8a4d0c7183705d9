"""How a failed database call is logged (facilitator/database.py)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import TimeoutError as PoolTimeout

from facilitator.database import database_failed


def test_a_pool_timeout_is_an_operational_event_logged_in_one_line(app, caplog):
    """Every connection busy for the pool's timeout (a loaded server) answers ``unavailable``:
    a warning, not a traceback as for a bug."""
    timeout = PoolTimeout("QueuePool limit of size 10 overflow 10 reached, connection timed out, timeout 10.00")
    with app.app_context(), caplog.at_level(logging.WARNING, logger="facilitator.database"):
        database_failed(timeout, "note_add")
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage() == ("database unavailable in note_add: QueuePool limit of size 10 overflow 10 "
                                   "reached, connection timed out, timeout 10.00")
