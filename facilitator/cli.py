"""``flask`` commands for the people who run a Lienzo server (export and import: export/commands.py)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from .extensions import db
from .models import Facilitator
from .text import MAX_NAME, TextError, single_line

MIN_PASSWORD = 10
MAX_EMAIL = 254


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"The password must have at least {MIN_PASSWORD} characters.")


@click.command("create-facilitator")
@click.option("--email", required=True, help="Login email of the facilitator.")
@click.option("--name", required=True, help="Name shown to participants.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_facilitator(email: str, name: str, password_stdin: bool) -> None:
    """Create a facilitator account (the password is asked for, and stored hashed)."""
    try:
        email = single_line(email, MAX_EMAIL).lower()
    except TextError:
        raise click.ClickException("Give a valid email address.") from None
    if "@" not in email or " " in email:
        raise click.ClickException("Give a valid email address.")
    try:
        name = single_line(name, MAX_NAME)  # the same rule as every name people type
    except TextError as error:
        raise click.ClickException(f"The name {error}.") from None
    if db.session.scalar(select(Facilitator).filter_by(email=email)) is not None:
        raise click.ClickException(f"A facilitator with the email {email} already exists.")
    password = _read_password(password_stdin)
    _check_password(password)
    db.session.add(Facilitator(email=email, name=name, password_hash=generate_password_hash(password)))
    db.session.commit()
    click.echo(f"Facilitator {email} created. Log in at /f/login.")


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
    _check_password(password)
    facilitator.password_hash = generate_password_hash(password)
    db.session.commit()
    click.echo(f"Password of {facilitator.email} changed.")


def init_app(app: Flask) -> None:
    from .export.commands import export_command, import_command

    app.cli.add_command(create_facilitator)
    app.cli.add_command(reset_password)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
