"""The database handle, in a module of its own: the domain core and the models
import it without loading the web and socket extensions (extensions.py, where
the ``SocketIO`` object is built)."""

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so migrations can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base so models can use SQLAlchemy 2.0 typed mappings."""

    metadata = MetaData(naming_convention=NAMING)


# Sessions live for one request or one socket message; keeping loaded values
# after commit saves a reload of everything an operation just wrote.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
