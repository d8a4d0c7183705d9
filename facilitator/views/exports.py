"""Downloads of a workshop's results and the import of a workshop file, for
the workshop's facilitators (anyone else gets 404), in the facilitator blueprint."""

from __future__ import annotations

import io
import uuid

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from .. import board, export
from ..board.workshops import facilitator_seat
from ..export.fonts import FontMissing
from ..export.importing import ImportFailed, import_workshop
from ..extensions import db, socketio
from ..live.handlers import apply_from_page
from ..models import Canvas
from .facilitator import _canvas_or_404, _workshop_or_404, bp
from .identity import current_facilitator, login_required


def _download(result: export.Export):
    response = send_file(io.BytesIO(result.content), mimetype=result.mimetype, as_attachment=True,
                         download_name=result.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _size() -> str | None:
    size = request.args.get("size")
    if size is not None and size not in export.SIZES:
        abort(400, description=_("The paper size must be A3 or A4."))
    return size


HIDDEN_CHOICES = {"include": True, "omit": False}


def _unrevealed(fmt: str) -> bool | None:
    """``?hidden=include`` puts the notes not yet revealed into a report (``omit``, the default, leaves them out)."""
    choice = request.args.get("hidden")
    if choice is None:
        return None
    if fmt not in export.REPORTS:
        abort(400, description=_("Only the workshop report can leave out notes not yet revealed; "
                                 "the other files always hold them, marked as hidden."))
    if choice not in HIDDEN_CHOICES:
        abort(400, description=_("Notes not yet revealed are either included or left out (hidden=include or "
                                 "hidden=omit)."))
    return HIDDEN_CHOICES[choice]


def _render(workshop, fmt: str, canvas: Canvas | None = None):
    try:
        # Zero sleeps between canvases let the server's other connections run meanwhile.
        return _download(export.render(workshop, fmt, canvas=canvas, size=_size(), unrevealed=_unrevealed(fmt),
                                       pause=lambda: socketio.sleep(0)))
    except FontMissing as missing:  # pragma: no cover - an installation problem, said plainly
        current_app.logger.error("%s", missing)
        abort(500, description=str(missing))


@bp.get("/workshops/<int:workshop_id>/export/<fmt>")
@login_required
def export_workshop(workshop_id: int, fmt: str):
    """The whole workshop: pdf (every canvas), report-pdf, report-md, xlsx, csv or json;
    a report with ``?hidden=include`` holds the notes not yet revealed."""
    workshop = _workshop_or_404(workshop_id)
    if fmt not in export.FORMATS:
        abort(404, description=_("There is no such export."))
    return _render(workshop, fmt)


@bp.get("/workshops/<int:workshop_id>/canvases/<int:canvas_id>/export.pdf")
@login_required
def export_canvas(workshop_id: int, canvas_id: int):
    """One canvas drawn like the real sheet; ``?size=a4`` for A4 (A3 by default)."""
    workshop, canvas = _canvas_or_404(workshop_id, canvas_id)
    return _render(workshop, "pdf", canvas)


@bp.post("/workshops/<int:workshop_id>/institutions/hide")
@login_required
def hide_institutions(workshop_id: int):
    """The export dialog's one-click remedy when an institution names its only participant:
    anonymous canvases stop showing institutions, live and in the exports (``workshop:institutions``)."""
    workshop = _workshop_or_404(workshop_id)
    actor, _token = facilitator_seat(current_facilitator(), workshop)
    try:
        apply_from_page(actor, "workshop:institutions", {"op_id": uuid.uuid4().hex, "value": False})
    except board.BoardError as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
    else:
        flash(_("Anonymous canvases no longer show institutions: not live, not in the exports."), "success")
    return redirect(url_for("facilitator.workshop", workshop_id=workshop.id) + "#export")


def _dashboard(status: int):
    workshops = sorted(current_facilitator().workshops, key=lambda w: w.created_at, reverse=True)
    return render_template("f_dashboard.html", workshops=workshops), status


def _too_big():
    limit_mb = max(1, current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024))
    flash(_("The file is too big to import (at most %(mb)s MB).", mb=limit_mb), "error")
    return _dashboard(400)


@bp.post("/workshops/import")
@login_required
def import_file():
    """Recreate a workshop from an exported JSON file, as a new draft with a new join code."""
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return _too_big()
    if upload is None or not upload.filename:
        flash(_("Choose a Lienzo workshop file (.json) to import."), "error")
        return _dashboard(400)
    limit = current_app.config["IMPORT_MAX_BYTES"]
    raw = upload.stream.read(limit + 1)
    if len(raw) > limit:
        return _too_big()
    try:
        workshop = import_workshop(raw, current_facilitator())
    except ImportFailed as failed:
        flash(_("The file could not be imported: %(reason)s", reason=str(failed)), "error")
        return _dashboard(400)
    flash(_("“%(title)s” was imported as a new draft workshop with the join code %(code)s.",
            title=workshop.title, code=workshop.code), "success")
    return redirect(url_for("facilitator.workshop", workshop_id=workshop.id))


@bp.errorhandler(RequestEntityTooLarge)
def _request_too_large(error: RequestEntityTooLarge):
    if request.endpoint == "facilitator.import_file" and current_facilitator() is not None:
        return _too_big()
    return render_template("error.html", error=error, message=_("What you sent is too big.")), error.code
