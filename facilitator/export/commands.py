"""``flask export`` and ``flask import``: the same files as the download links,
for scripts and for servers without a browser at hand."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..db import db
from ..models import Canvas, Facilitator, Workshop
from . import FORMATS, REPORTS, SIZES, render
from .fonts import FontMissing
from .importing import ImportFailed, import_workshop


@click.command("export")
@click.option("--workshop", "workshop_id", type=int, required=True, help="Id of the workshop.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), required=True,
              help="pdf (canvases), report-pdf, report-md, xlsx, csv, json, or decidim-csv / decidim-json "
                   "(proposals for Decidim's import).")
@click.option("--canvas", "canvas_id", type=int, help="Only this canvas (with --format pdf).")
@click.option("--size", type=click.Choice(SIZES), help="Paper for PDFs: a3 (canvas default) or a4 (report default).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write ('-' for standard output).")
@click.option("--include-hidden", is_flag=True,
              help="Reports only: include the notes not yet revealed (silent writing), marked as hidden.")
@with_appcontext
def export_command(workshop_id: int, fmt: str, canvas_id: int | None, size: str | None, output: Path,
                   include_hidden: bool) -> None:
    """Export a workshop's results as a facilitator sees them, anonymity kept. The report leaves
    out notes not yet revealed unless --include-hidden; the other files hold them, marked."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise click.ClickException(f"No workshop has the id {workshop_id}.")
    if include_hidden and fmt not in REPORTS:
        raise click.ClickException("--include-hidden goes with --format report-pdf or report-md only: "
                                   "the other files always hold the notes not yet revealed, marked.")
    canvas = None
    if canvas_id is not None:
        if fmt != "pdf":
            raise click.ClickException("--canvas goes with --format pdf only.")
        canvas = db.session.get(Canvas, canvas_id)
        if canvas is None or canvas.workshop_id != workshop.id:
            raise click.ClickException(f"Workshop {workshop_id} has no canvas with the id {canvas_id}.")
    try:
        result = render(workshop, fmt, canvas=canvas, size=size, unrevealed=include_hidden if fmt in REPORTS else None)
    except FontMissing as missing:
        raise click.ClickException(str(missing)) from None
    if str(output) == "-":
        sys.stdout.buffer.write(result.content)
        return
    try:
        output.write_bytes(result.content)
    except OSError as error:
        raise click.ClickException(f"Cannot write {output}: {error.strerror or error}.") from None
    click.echo(f"Wrote {output} ({len(result.content):,} bytes; suggested name {result.filename}).")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--facilitator", "email", required=True, help="Email of the facilitator who will run the copy.")
@with_appcontext
def import_command(file: Path, email: str) -> None:
    """Recreate a workshop from an exported JSON file, as a new draft with a new join code."""
    facilitator = db.session.scalar(select(Facilitator).filter_by(email=email.strip().lower()))
    if facilitator is None:
        raise click.ClickException(f"No facilitator has the email {email}.")
    try:
        workshop = import_workshop(file.read_bytes(), facilitator)
    except ImportFailed as failed:
        raise click.ClickException(f"Cannot import {file}: {failed}") from None
    except OSError as error:
        raise click.ClickException(f"Cannot read {file}: {error.strerror or error}.") from None
    click.echo(f"Imported “{workshop.title}” as draft workshop {workshop.id} with the join code {workshop.code}.")
