"""Configuration: defaults, then the instance folder's config.py, then the environment."""

import os
import stat

import pytest
import sqlalchemy as sa
from flask import Flask

from core import config

ENV = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ERP_INSTANCE_PATH")


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """An empty instance folder named by ERP_INSTANCE_PATH, with no other config variable set."""
    for key in ENV:
        monkeypatch.delenv(key, raising=False)
    folder = tmp_path / "instance"
    monkeypatch.setenv("ERP_INSTANCE_PATH", str(folder))
    return folder


def load(overrides=None) -> Flask:
    app = Flask("t", instance_path=str(config.instance_path()), instance_relative_config=True)
    config.load(app, overrides)
    return app


def write_instance_config(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.py").write_text(
        'DATABASE_URL = "sqlite:////from/file.sqlite"\n'
        'REDIS_URL = "redis://file:6379/0"\n'
        'SECRET_KEY = "from-file"\n'
    )


def test_instance_config_file_applies(instance):
    write_instance_config(instance)
    app = load()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////from/file.sqlite"
    assert app.config["REDIS_URL"] == "redis://file:6379/0"
    assert app.config["SECRET_KEY"] == "from-file"


def test_environment_overrides_the_instance_config(instance, monkeypatch):
    write_instance_config(instance)
    monkeypatch.setenv("DATABASE_URL", "sqlite:////from/env.sqlite")
    monkeypatch.setenv("REDIS_URL", "redis://env:6379/1")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = load()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////from/env.sqlite"
    assert app.config["REDIS_URL"] == "redis://env:6379/1"
    assert app.config["SECRET_KEY"] == "from-env"
    assert not (instance / "secret_key").exists()


def test_erp_instance_path_chooses_the_instance_folder_and_default_database(instance):
    from core.app import create_app

    app = create_app()
    assert os.path.realpath(app.instance_path) == os.path.realpath(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance.resolve()}/erp.sqlite"


def test_embedded_sqlite_enforces_foreign_keys_in_wal_mode(instance):
    """The default database refuses a row pointing at nothing, as PostgreSQL does, and runs
    in write-ahead-log mode (readers do not wait for the writer)."""
    from core.app import create_app
    from core.extensions import db

    with create_app().app_context(), db.engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))")
        with pytest.raises(sa.exc.IntegrityError):
            conn.exec_driver_sql("INSERT INTO child (parent_id) VALUES (7)")


def test_secret_key_is_generated_once_private_and_reused(instance, tmp_path, monkeypatch):
    first = load().config["SECRET_KEY"]
    path = instance / "secret_key"
    assert len(first) >= 32 and path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load().config["SECRET_KEY"] == first
    monkeypatch.setenv("ERP_INSTANCE_PATH", str(tmp_path / "other"))
    assert load().config["SECRET_KEY"] != first  # each deployment has its own


@pytest.mark.parametrize(
    "url", ["postgresql://erp:pw@db:5432/erp", "postgres://erp:pw@db:5432/erp"]
)
def test_postgresql_urls_use_psycopg(instance, monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    uri = load().config["SQLALCHEMY_DATABASE_URI"]
    assert uri == "postgresql+psycopg://erp:pw@db:5432/erp"
    assert sa.create_engine(uri).dialect.driver == "psycopg"
