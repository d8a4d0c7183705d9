"""Downloads of a workshop's results and the import of a workshop file, for
the workshop's facilitators (anyone else gets 404).

An export is rendered by a worker process (export/pool.py), never on the
server's event loop: the request hands the job over and waits a little
(``EXPORT_WAIT``) for it. A quick export is then downloaded as before; a
longer one answers with its progress page (or, asked for JSON by the page's
script, its state), which becomes "ready, download" when the file is done.
"""

from __future__ import annotations

import io
import uuid

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from .. import board, export
from ..board.workshops import facilitator_seat
from ..db import db
from ..export.importing import ImportFailed, import_workshop
from ..export.pool import CRASHED, GONE, STOPPING, TIMEOUT, ExportJobs, ExportPool, Job, Rendered
from ..export.webhook import Webhook, webhook_of
from ..export.worker import render_job
from ..live.handlers import apply_from_page
from .facilitator import _canvas_or_404, _workshop_or_404
from .identity import current_facilitator, login_required

bp = Blueprint("exports", __name__, url_prefix="/f")


def init_app(app: Flask) -> None:
    """The export jobs of this process: a pool of ``EXPORT_WORKERS`` processes (started on first
    use, or by ``jobs_of(app).pool.start()``), or with 0, rendering in this process (tests)."""
    workers = int(app.config["EXPORT_WORKERS"])
    pool = ExportPool(app.config, workers, float(app.config["EXPORT_TIMEOUT"])) if workers > 0 else None

    def inline(job: dict) -> Rendered:
        with app.app_context():
            try:
                return Rendered(*render_job(job, lambda done, total: None))
            finally:
                db.session.remove()

    app.extensions["lienzo.exports"] = ExportJobs(pool, inline)
    # The webhook renders its file like any export: in a worker process, never on the event loop.
    app.extensions["lienzo.webhook"] = Webhook(app, pool.run if pool is not None else inline)


def jobs_of(app: Flask) -> ExportJobs:
    return app.extensions["lienzo.exports"]


def _download(result: Rendered):
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


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _failure(job: Job) -> str:
    code = job.error.code if job.error is not None else ""
    if code == GONE:
        return _("The export stopped: the workshop or the canvas was deleted meanwhile.")
    if code == STOPPING:
        return _("The export stopped because the server is restarting. Ask for it again in a minute.")
    if code in (CRASHED, TIMEOUT):
        return _("The export stopped before it was finished; no file was made. Ask for it again.")
    return _("The export could not be made; no file was made. Ask for it again, and if it fails again, "
             "tell the person who runs this server (the reason is in its log).")


def _progress(job: Job) -> str:
    if job.total:
        return _("Preparing the file: %(done)s of %(total)s canvases drawn.", done=job.done, total=job.total)
    return _("Preparing the file…")


def _state(job: Job) -> dict:
    """What the page's script shows: the state, words for it, and where to go next."""
    links = {"status_url": url_for("exports.job", workshop_id=job.workshop_id, job_id=job.id),
             "file_url": url_for("exports.job_file", workshop_id=job.workshop_id, job_id=job.id)}
    message = {"ready": _("Ready."), "failed": _failure(job)}.get(job.state) or _progress(job)
    return {"state": job.state, "done": job.done, "total": job.total, "message": message,
            "download": _("Download"), **links}


def _answer(job: Job):
    if _wants_json():
        return jsonify(_state(job)), 500 if job.state == "failed" else 200
    if job.state == "ready":
        return _download(job.result)
    if job.state == "failed":
        return render_template("f_export_job.html", job=job, state=_state(job)), 500
    return redirect(url_for("exports.job", workshop_id=job.workshop_id, job_id=job.id), 303)


def _start(workshop_id: int, fmt: str, canvas_id: int | None = None, unrevealed: bool | None = None):
    """Hand the export to a worker; answer with the file if it is done within ``EXPORT_WAIT``."""
    job = jobs_of(current_app).submit(current_facilitator().id, {
        "workshop_id": workshop_id, "fmt": fmt, "canvas_id": canvas_id, "size": _size(), "unrevealed": unrevealed})
    job.finished.wait(float(current_app.config["EXPORT_WAIT"]))
    if job.state != "working" and not _wants_json():
        jobs_of(current_app).forget(job)  # answered now, file or error: nothing to fetch later
    return _answer(job)


@bp.get("/workshops/<int:workshop_id>/export/<fmt>")
@login_required
def export_workshop(workshop_id: int, fmt: str):
    """The whole workshop: pdf (every canvas), report-pdf, report-md, xlsx, csv or json;
    a report with ``?hidden=include`` holds the notes not yet revealed."""
    workshop = _workshop_or_404(workshop_id)
    if fmt not in export.FORMATS:
        abort(404, description=_("There is no such export."))
    return _start(workshop.id, fmt, unrevealed=_unrevealed(fmt))


@bp.get("/workshops/<int:workshop_id>/canvases/<int:canvas_id>/export.pdf")
@login_required
def export_canvas(workshop_id: int, canvas_id: int):
    """One canvas drawn like the real sheet; ``?size=a4`` for A4 (A3 by default)."""
    workshop, canvas = _canvas_or_404(workshop_id, canvas_id)
    return _start(workshop.id, "pdf", canvas_id=canvas.id, unrevealed=_unrevealed("pdf"))


def _job_or_404(workshop_id: int, job_id: str) -> Job:
    _workshop_or_404(workshop_id)
    job = jobs_of(current_app).get(job_id, current_facilitator().id)
    if job is None or job.workshop_id != workshop_id:
        abort(404, description=_("This export is no longer here (files are kept for ten minutes). "
                                 "Ask for it again."))
    return job


@bp.get("/workshops/<int:workshop_id>/exports/<job_id>")
@login_required
def job(workshop_id: int, job_id: str):
    """A long export's progress (a page that refreshes itself, or JSON), then its download link."""
    job = _job_or_404(workshop_id, job_id)
    if _wants_json():
        return _answer(job)
    return render_template("f_export_job.html", job=job, state=_state(job)), 500 if job.state == "failed" else 200


@bp.get("/workshops/<int:workshop_id>/exports/<job_id>/file")
@login_required
def job_file(workshop_id: int, job_id: str):
    """The finished file; before that, back to the progress page."""
    job = _job_or_404(workshop_id, job_id)
    if job.state != "ready":
        return redirect(url_for("exports.job", workshop_id=workshop_id, job_id=job_id), 303)
    return _download(job.result)


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


@bp.post("/workshops/<int:workshop_id>/handoff/send")
@login_required
def send_again(workshop_id: int):
    """The delivery log's "Send again": post the closed workshop's file to the webhook anew."""
    workshop = _workshop_or_404(workshop_id)
    webhook = webhook_of(current_app)
    if not webhook.enabled:
        flash(_("This server sends workshops nowhere: its webhook is not set up."), "error")
    elif not workshop.is_closed:
        flash(_("Only a closed workshop is sent. Close it first, in the control room."), "error")
    else:
        webhook.send(workshop.id)
        flash(_("The workshop is being sent again. Reload this page to see how it went."), "success")
    return redirect(url_for("facilitator.workshop", workshop_id=workshop.id) + "#handoff")


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
    if request.endpoint == "exports.import_file" and current_facilitator() is not None:
        return _too_big()
    return render_template("error.html", error=error, message=_("What you sent is too big.")), error.code
