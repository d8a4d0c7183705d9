"""Alembic environment for Lienzo: migrate the app's own engine and metadata.

Run through Flask-Migrate (``flask --app facilitator db upgrade``), so the
app, its configuration and its database URL are already set up.
"""

from alembic import context
from flask import current_app

db = current_app.extensions["migrate"].db


def run_migrations_offline() -> None:
    """Emit SQL for the configured URL without connecting (``db upgrade --sql``)."""
    context.configure(url=db.engine.url.render_as_string(hide_password=False), target_metadata=db.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_foreign_keys(connection, on: bool) -> None:
    """SQLite: foreign keys on or off for this connection. It works only outside a transaction,
    so it goes to the driver's connection before SQLAlchemy begins one."""
    cursor = connection.connection.dbapi_connection.cursor()
    cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    cursor.close()


def run_migrations_online() -> None:
    """Apply migrations over a connection of the app's engine.

    On SQLite, foreign keys are off while the migrations run, as SQLite asks for table
    changes: a batch migration copies a table into a new one and drops the old, and with
    them on, that drop would fire every ON DELETE of the rows that point to it (seats
    and co-facilitators were lost that way). What the migrations leave is checked before
    it is committed: a dangling reference stops the upgrade and changes nothing.
    """
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, False)
        try:
            context.configure(connection=connection, target_metadata=db.metadata, render_as_batch=True,
                              compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration would leave rows pointing nowhere: {broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()
                _sqlite_foreign_keys(connection, True)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
