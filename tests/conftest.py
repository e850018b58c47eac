"""Test fixtures: every test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``ERP_TEST_POSTGRES_URL`` (default: the local server, database
``erp_test``, created if missing). When it is unreachable its tests are skipped with the
reason, unless ``ERP_REQUIRE_SERVICES=1`` (CI), which turns that skip into a failure.
"""

import os
import types

import pytest
import sqlalchemy as sa
from flask import current_app
from flask.testing import FlaskClient

PG_URL = os.environ.get(
    "ERP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/erp_test"
)
REDIS_URL = os.environ.get("ERP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE = os.environ.get("ERP_REQUIRE_SERVICES") == "1"
PASSWORD = "secret-pass-1"


class IsolatedClient(FlaskClient):
    """Each request in its own app context, as in production. The ``ctx`` fixture keeps one
    app context open for the whole test, and Flask's test client would reuse it: ``g``
    (Flask-Login's user, the locale, permissions) and the database session would carry over
    from one request to the next, even between two clients."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def service_missing(what: str, why: str):
    """Skip (laptop) or fail (CI) a test whose server is not there."""
    message = f"{what} is not reachable ({why})"
    if REQUIRE:
        pytest.fail(message + " and ERP_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


def ensure_postgres_database(url) -> str | None:
    """Create database ``url`` if missing; the problem (one line) when there is no server."""
    url = sa.make_url(url)
    try:
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
    except Exception as exc:  # any connection problem means: no server here
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("instance")
    os.environ["ERP_INSTANCE_PATH"] = str(path)
    return path


@pytest.fixture(scope="session")
def database_url(backend, instance_dir):
    if backend == "postgresql":
        problem = ensure_postgres_database(PG_URL)
        if problem:
            service_missing("PostgreSQL", problem)
        return PG_URL
    return f"sqlite:///{instance_dir / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(database_url):
    from core.app import create_app
    from core.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _wipe(db):
    """Empty every table the test wrote to and restart every id sequence. On PostgreSQL one
    query finds the tables holding rows and one script deletes from them (children first):
    truncating all ~100 tables took about a second per test."""
    from core import permissions

    db.session.remove()
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            probe = " UNION ALL ".join(
                f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables
            )
            filled = set(conn.execute(sa.text(probe)).scalars())
            script = "".join(f'DELETE FROM "{t.name}";' for t in tables if t.name in filled)
            if script:
                conn.exec_driver_sql(script)
            conn.exec_driver_sql(
                "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
            )
        else:
            for t in tables:
                conn.execute(t.delete())
    # Ids restart after a wipe, so a cached (company id, rev) could describe a former company.
    current_app.extensions["erp_plugins"].company_cache.clear()
    permissions._cache.clear()


@pytest.fixture
def ctx(app):
    """An app context on a clean database."""
    from core.extensions import db

    with app.app_context():
        yield app
        _wipe(db)


@pytest.fixture
def client(ctx):
    return ctx.test_client()


@pytest.fixture
def world(ctx):
    """Two companies A (LY) and B (ZZ) of one group, users for each, a project in each."""
    from core.extensions import db
    from core.services import companies as svc

    group = svc.get_or_create_group("Demo Group")
    a = svc.create_company(group, "LY", "Luoyang Co", "LY")
    b = svc.create_company(group, "ZZ", "Zhengzhou Co", "ZZ")
    w = types.SimpleNamespace(group=group, a=a, b=b)
    w.group_admin = svc.create_user("root@example.com", PASSWORD, is_group_admin=True)
    w.admin_a = svc.create_user("admin-a@example.com", PASSWORD)
    w.rep_a = svc.create_user("rep-a@example.com", PASSWORD)
    w.admin_b = svc.create_user("admin-b@example.com", PASSWORD)
    svc.add_member(w.admin_a, a, ["company_admin", "site_manager"])
    svc.add_member(w.rep_a, a, ["sales_rep"])
    svc.add_member(w.admin_b, b, ["company_admin", "site_manager"])
    w.project_a = svc.create_project(
        a, {"name": "Peony Garden", "type": "residential", "region_code": "LY"}
    )
    w.project_b = svc.create_project(
        b, {"name": "Zheng Towers", "type": "apartment", "region_code": "ZZ"}
    )
    db.session.commit()
    return w


def login(client, email, password=PASSWORD, locale="en"):
    """Sign in; pages then render in ``locale`` (English by default, so tests can read UI
    text; ``locale=None`` keeps the company's default, Simplified Chinese in ``world``)."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.text
    if locale:
        client.post("/language", data={"locale": locale})
    return response
