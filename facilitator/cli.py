"""``flask`` commands for the people who run a Lienzo server (export and import: export/commands.py)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from .accounts import AccountError, check_password, clean_email, clean_name, email_taken, new_facilitator, set_password
from .db import db
from .models import Facilitator


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _refusal(error: AccountError) -> click.ClickException:
    """The rule's own message (accounts.py), in English as every message of the CLI."""
    with force_locale("en"):
        return click.ClickException(str(error.message))


@click.command("create-facilitator")
@click.option("--email", required=True, help="Login email of the facilitator.")
@click.option("--name", required=True, help="Name shown to participants.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--admin", is_flag=True,
              help="Make the account an administrator (who invites people from the People page). "
                   "The first account ever made always is one.")
@with_appcontext
def create_facilitator(email: str, name: str, password_stdin: bool, admin: bool) -> None:
    """Create a facilitator account (the password is asked for, and stored hashed)."""
    try:
        email, name = clean_email(email), clean_name(name)
        if email_taken(email):
            raise click.ClickException(f"A facilitator with the email {email} already exists.")
        password = _read_password(password_stdin)
        facilitator = new_facilitator(email, name, password, admin=admin)
    except AccountError as error:
        raise _refusal(error) from None
    db.session.commit()
    role = " (administrator)" if facilitator.is_admin else ""
    click.echo(f"Facilitator {email}{role} created. Log in at /f/login.")


@click.command("reset-password")
@click.option("--email", required=True, help="Login email of the facilitator.")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@with_appcontext
def reset_password(email: str, password_stdin: bool) -> None:
    """Set a new password for a facilitator account."""
    facilitator = db.session.scalar(select(Facilitator).filter_by(email=email.strip().lower()))
    if facilitator is None:
        raise click.ClickException(f"No facilitator has the email {email}.")
    password = _read_password(password_stdin)
    try:
        check_password(password)
        set_password(facilitator, password)
    except AccountError as error:
        raise _refusal(error) from None
    db.session.commit()
    click.echo(f"Password of {facilitator.email} changed.")


@click.command("demo-workshop")
@click.option("--email", required=True, help="Login email of the facilitator who will run it (must exist).")
@click.option("--notes", "notes_count", type=int, default=150, show_default=True,
              help="Notes on the first canvas (the one the room fills together).")
@click.option("--people", "people_count", type=int, default=60, show_default=True, help="Participants.")
@click.option("--tables", type=int, default=10, show_default=True, help="Tables, one canvas each.")
@click.option("--template", "template_id", default="public-policy-lean-canvas", show_default=True,
              help="Template of the canvases.")
@click.option("--seed", type=int, default=2026, show_default=True, help="Same seed, same workshop.")
@with_appcontext
def demo_workshop(email: str, notes_count: int, people_count: int, tables: int, template_id: str,
                  seed: int) -> None:
    """Build a workshop at the size of a real one (60 people, 10 tables, 150 notes) to try Lienzo on."""
    from flask import current_app, url_for

    from .catalog import catalog_of
    from .demo import DemoError, build_demo_workshop, check_request, find_facilitator

    catalog = catalog_of(current_app)
    try:
        facilitator = find_facilitator(email)
        check_request(catalog, notes_count=notes_count, people_count=people_count, tables=tables,
                      template_id=template_id)
        demo = build_demo_workshop(facilitator, catalog, notes_count=notes_count, people_count=people_count,
                                   tables=tables, template_id=template_id, seed=seed)
    except DemoError as refused:
        raise click.ClickException(str(refused)) from None
    with current_app.test_request_context():
        room = url_for("facilitator.control_room", workshop_id=demo.workshop_id)
        page = url_for("facilitator.workshop", workshop_id=demo.workshop_id)
    click.echo(f"Workshop {demo.workshop_id} built: {people_count} people at {tables} tables, "
               f"{len(demo.note_ids)} notes on the first canvas. Join code: {demo.code}.")
    click.echo(f"Log in as {facilitator.email}, then open {page} (the workshop) or {room} (the control room).")


def init_app(app: Flask) -> None:
    from .export.commands import export_command, import_command

    app.cli.add_command(create_facilitator)
    app.cli.add_command(reset_password)
    app.cli.add_command(demo_workshop)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
