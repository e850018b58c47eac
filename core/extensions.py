"""Flask extension singletons, bound to the app in :func:`core.app.create_app`."""

import time
from pathlib import Path

from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event, exc
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so that Alembic migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()


def ping_idle_connections(engine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only when it sat idle ``idle_seconds`` or more
    (after a database restart, say), and hand the pool a fresh one when the ping fails.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip for each
    transaction, which a worker pays twice per job (its attempt mark, then its effect) for a
    connection it returned a millisecond earlier."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info["erp_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, proxy):
        since = record.info.get("erp_idle_since")
        if since is not None and time.monotonic() - since < idle_seconds:
            return
        if not engine.dialect.do_ping(dbapi_connection):
            raise exc.DisconnectionError("the pooled connection did not answer")


def tune_sqlite(engine) -> None:
    """The embedded SQLite database in write-ahead-log mode: readers no longer wait for the
    writer (the web process and in-process jobs share the file), and with ``synchronous``
    NORMAL a commit no longer waits for the disk twice. A crash of the process loses
    nothing; a power loss may lose the last commits, never the file's consistency. Foreign
    keys are enforced, as PostgreSQL enforces them (SQLite does not by default)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def init_migrations(app):
    """Alembic through Flask-Migrate, set up by the CLI and whatever migrates: importing it
    costs a web worker's start-up ~0.13 s for nothing."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(Path(__file__).parent / "migrations"))
    return app.extensions["migrate"]
