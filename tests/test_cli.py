"""``flask`` commands: facilitator accounts and the schema migrations."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from werkzeug.security import check_password_hash

from facilitator import create_app
from facilitator.config import TestConfig
from facilitator.extensions import db
from facilitator.models import Facilitator

pytestmark = pytest.mark.backends


def test_create_facilitator_hashes_the_password(app, runner):
    result = runner.invoke(args=["create-facilitator", "--email", "Ana@Example.org", "--name", " Ana  Pérez ",
                                 "--password-stdin"], input="una clave larga\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        facilitator = db.session.scalars(db.select(Facilitator)).one()
        assert facilitator.email == "ana@example.org" and facilitator.name == "Ana Pérez"
        assert facilitator.password_hash != "una clave larga"
        assert facilitator.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert check_password_hash(facilitator.password_hash, "una clave larga")


def test_create_facilitator_refusals_are_plain_messages(app, runner):
    args = ["create-facilitator", "--email", "ana@example.org", "--name", "Ana", "--password-stdin"]
    short = runner.invoke(args=args, input="corta\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    bad_email = runner.invoke(args=["create-facilitator", "--email", "nope", "--name", "Ana", "--password-stdin"],
                              input="una clave larga\n")
    assert bad_email.exit_code != 0 and "valid email" in bad_email.output
    assert runner.invoke(args=args, input="una clave larga\n").exit_code == 0
    twice = runner.invoke(args=args, input="una clave larga\n")
    assert twice.exit_code != 0 and "already exists" in twice.output
    assert "Traceback" not in short.output + bad_email.output + twice.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Facilitator.id))) == 1


def test_reset_password(app, runner):
    runner.invoke(args=["create-facilitator", "--email", "ana@example.org", "--name", "Ana", "--password-stdin"],
                  input="una clave larga\n")
    result = runner.invoke(args=["reset-password", "--email", "ana@example.org", "--password-stdin"],
                           input="otra clave larga\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert check_password_hash(db.session.scalars(db.select(Facilitator)).one().password_hash, "otra clave larga")
    missing = runner.invoke(args=["reset-password", "--email", "nadie@example.org", "--password-stdin"],
                            input="otra clave larga\n")
    assert missing.exit_code != 0 and "No facilitator" in missing.output


def test_migrations_build_exactly_the_models_schema(tmp_path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migrated.db'}")
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
