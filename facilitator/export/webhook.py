"""The webhook: when a workshop is closed, its JSON file (the same as the JSON
download) is posted, signed, to the URL the installation set (``WEBHOOK_URL``,
``WEBHOOK_SECRET``; off when either is unset). docs/export-format.md, "Webhook",
says how a receiver checks the signature.

Nothing here runs on the request's path: closing answers at once and the
delivery goes on in a background thread (a green thread under eventlet). The
file is rendered like any export, by the export worker pool, so the event loop
never spends the CPU; the post itself only waits on the network, which eventlet
makes cooperative. Network errors, 408, 429 and 5xx answers are tried again
after a growing delay, up to ``WEBHOOK_ATTEMPTS`` attempts; any other answer
ends the delivery. Each attempt is a row of the delivery log (WebhookDelivery)
that the facilitator sees on the workshop page, with a "Send again" button.

A retry still waiting when the server stops is not resumed: its row keeps the
time it was due, and "Send again" sends the file anew.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..db import db
from ..models import WebhookDelivery, Workshop, utcnow
from .pool import Rendered

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Lienzo-Signature"
DELIVERY_HEADER = "X-Lienzo-Delivery"
EVENT_HEADER = "X-Lienzo-Event"
EVENT = "workshop.closed"
RETRY_STATUSES = {408, 429}


def signature(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the body under the secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return header is not None and hmac.compare_digest(signature(secret, body), header)


def check_settings(config: dict) -> str | None:
    """Why the webhook settings cannot work (a start-up refusal), or None."""
    url, secret = config.get("WEBHOOK_URL"), config.get("WEBHOOK_SECRET")
    if not url and not secret:
        return None
    if not url or not secret:
        return "WEBHOOK_URL and WEBHOOK_SECRET go together: set both, or neither to turn the webhook off."
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        return f"WEBHOOK_URL={url!r} is not an http:// or https:// address."
    if int(config.get("WEBHOOK_ATTEMPTS", 1)) < 1:
        return "WEBHOOK_ATTEMPTS must be 1 or more."
    return None


def retryable(status: int | None) -> bool:
    """A network error (no status), a server error, a timeout or a rate limit: worth another try."""
    return status is None or status >= 500 or status in RETRY_STATUSES


def delay_before(attempt: int, base: float) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1, 2, …): base, 2×base, 4×base…"""
    return base * 2 ** (attempt - 1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a place to post the workshop to."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str | None]:
    """One POST: (status code, None) when an answer came, (None, what went wrong) otherwise."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **headers})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, None
    except urllib.error.HTTPError as answer:
        return answer.code, None
    except urllib.error.URLError as error:
        return None, str(error.reason)[:200]
    except (OSError, ValueError) as error:  # a timeout, a reset, a malformed address
        return None, (str(error) or type(error).__name__)[:200]


@dataclass(frozen=True)
class Delivery:
    """A delivery as the workshop page shows it: its attempts, most recent first, and where it stands."""

    delivery_id: str
    reason: str
    attempts: list[WebhookDelivery]

    @property
    def state(self) -> str:
        last = self.attempts[0]
        if last.status_code is not None and 200 <= last.status_code < 300:
            return "delivered"
        return "retrying" if last.next_retry_at is not None else "failed"


def log_of(workshop_id: int) -> list[Delivery]:
    """The workshop's deliveries, the latest first."""
    rows = db.session.scalars(select(WebhookDelivery).filter_by(workshop_id=workshop_id)
                              .order_by(WebhookDelivery.id.desc())).all()
    deliveries: dict[str, Delivery] = {}
    for row in rows:
        deliveries.setdefault(row.delivery_id, Delivery(row.delivery_id, row.reason, [])).attempts.append(row)
    return list(deliveries.values())


class Webhook:
    """This process's deliveries. ``render(job)`` makes an export's file (the export worker
    pool, or inline in tests); the settings are read at each delivery."""

    def __init__(self, app: Flask, render: Callable[[dict], Rendered]):
        self.app = app
        self.render = render
        self.threads: list[threading.Thread] = []

    @property
    def enabled(self) -> bool:
        return bool(self.app.config.get("WEBHOOK_URL") and self.app.config.get("WEBHOOK_SECRET"))

    def workshop_closed(self, workshop_id: int) -> str | None:
        """Start delivering a workshop that was just closed (nothing when the webhook is off)."""
        return self.send(workshop_id, "closed") if self.enabled else None

    def send(self, workshop_id: int, reason: str = "again") -> str:
        """Start a new delivery in the background; returns its id. The workshop must be closed,
        which the delivery checks again before it sends anything."""
        delivery_id = uuid.uuid4().hex
        thread = threading.Thread(target=self._deliver, args=(workshop_id, delivery_id, reason), daemon=True,
                                  name=f"webhook-{delivery_id}")
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return delivery_id

    def _still_closed(self, workshop_id: int) -> bool:
        with self.app.app_context():
            try:
                workshop = db.session.get(Workshop, workshop_id)
                return workshop is not None and workshop.is_closed
            finally:
                db.session.remove()

    def _record(self, row: WebhookDelivery) -> None:
        with self.app.app_context():
            try:
                db.session.add(row)
                db.session.commit()
            except SQLAlchemyError as error:  # the log is lost, never the delivery
                db.session.rollback()
                log.warning("could not record webhook attempt %s of %s: %s", row.attempt, row.delivery_id, error)
            finally:
                db.session.remove()

    def _row(self, workshop_id: int, delivery_id: str, reason: str, attempt: int, status: int | None,
             error: str | None, retry_at: datetime | None) -> WebhookDelivery:
        return WebhookDelivery(workshop_id=workshop_id, delivery_id=delivery_id, reason=reason, attempt=attempt,
                               attempted_at=utcnow(), status_code=status, error=error, next_retry_at=retry_at)

    def _deliver(self, workshop_id: int, delivery_id: str, reason: str) -> None:
        config = self.app.config
        if not self.enabled or not self._still_closed(workshop_id):
            log.info("webhook: workshop %s is not closed (or the webhook is off): nothing sent", workshop_id)
            return
        try:
            body = self.render({"workshop_id": workshop_id, "fmt": "json", "canvas_id": None, "size": None,
                                "unrevealed": None}).content
        except Exception as error:  # the file could not be made: logged for the facilitator, no retry
            log.warning("webhook: the file of workshop %s could not be made: %s", workshop_id, error)
            self._record(self._row(workshop_id, delivery_id, reason, 1, None,
                                   f"the file could not be made ({type(error).__name__})", None))
            return
        url, attempts = config["WEBHOOK_URL"], int(config.get("WEBHOOK_ATTEMPTS", 5))
        headers = {SIGNATURE_HEADER: signature(config["WEBHOOK_SECRET"], body), DELIVERY_HEADER: delivery_id,
                   EVENT_HEADER: EVENT, "User-Agent": "Lienzo webhook"}
        for attempt in range(1, attempts + 1):
            status, error = post(url, body, headers, float(config.get("WEBHOOK_TIMEOUT", 10)))
            again = retryable(status) and attempt < attempts
            wait = delay_before(attempt, float(config.get("WEBHOOK_RETRY_DELAY", 30))) if again else 0.0
            self._record(self._row(workshop_id, delivery_id, reason, attempt, status, error,
                                   utcnow() + timedelta(seconds=wait) if again else None))
            log.info("webhook %s of workshop %s, attempt %s: %s", delivery_id, workshop_id, attempt, status or error)
            if not again:
                return
            time.sleep(wait)  # a green sleep under eventlet


def webhook_of(app: Flask) -> Webhook:
    return app.extensions["lienzo.webhook"]
