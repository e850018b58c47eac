"""Migrations: ``erp init`` builds exactly the models' schema on SQLite and PostgreSQL, from the
core's branch plus each installed plugin's, and a second run changes nothing."""

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.cli import build_cli
from tests.conftest import PG_URL, ensure_postgres_database, service_missing

CORE_VERSIONS = Path(__file__).parents[2] / "core" / "migrations" / "versions"


def _fresh_postgres() -> str:
    """A migration database of its own (the shared test database keeps create_all tables):
    the test database's name plus ``_mig``, created if missing, emptied."""
    url = sa.make_url(PG_URL)
    url = url.set(database=f"{url.database}_mig")
    problem = ensure_postgres_database(url)
    if problem:
        service_missing("PostgreSQL", problem)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_app(request, tmp_path, monkeypatch):
    """An app on an empty database of each backend (nothing created by create_all)."""
    from core.app import create_app
    from core.extensions import db

    monkeypatch.setenv("ERP_INSTANCE_PATH", str(tmp_path))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    else:
        url = _fresh_postgres()
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _diff(db) -> list:
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), db.metadata)


def test_init_builds_the_models_schema_and_a_second_init_is_a_no_op(migrated_app):
    from core.extensions import db
    from core.models import CompanyGroup

    runner = migrated_app.test_cli_runner()
    cli = build_cli()
    first = runner.invoke(cli, ["init", "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data["previous"] == [] and data["changed"] is True
    assert _diff(db) == []

    db.session.add(CompanyGroup(name="kept"))
    db.session.commit()
    second = runner.invoke(cli, ["init", "--json"])
    assert second.exit_code == 0, second.output
    again = json.loads(second.stdout)
    assert again["changed"] is False and again["current"] == data["current"]
    assert db.session.scalar(sa.select(CompanyGroup.name)) == "kept"


def test_each_plugin_is_an_alembic_branch_depending_on_core_or_its_dependencies(migrated_app):
    """A plugin's branch starts from nothing and depends on the core's base revision, or on a
    revision of a plugin it declares in ``depends`` (customer_service on sales' tables)."""
    registry = migrated_app.extensions["erp_plugins"]
    dirs = {}
    for plugin, result in registry.per_plugin("erp_migration_dirs"):
        dirs[plugin] = result if isinstance(result, list | tuple) else [result]
    script = ScriptDirectory(
        str(CORE_VERSIONS.parent),
        version_locations=[str(CORE_VERSIONS), *(d for ds in dirs.values() for d in ds)],
    )
    core = script.get_revision("core_0001")
    assert core.down_revision is None and core.branch_labels == {"core"}

    def branch_of(revision: str) -> set:
        found = script.get_revision(revision)
        while found.down_revision is not None:
            found = script.get_revision(found.down_revision)
        return found.branch_labels

    for plugin in dirs:
        base = script.get_revision(plugin)  # the revision carrying the branch label
        assert base.down_revision is None, plugin
        assert base.branch_labels == {plugin}, plugin
        allowed = {"core", *registry.manifests[plugin].depends}
        assert base.dependencies, plugin
        for dependency in (
            [base.dependencies] if isinstance(base.dependencies, str) else base.dependencies
        ):
            assert branch_of(dependency) <= allowed, (plugin, dependency)
