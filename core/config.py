"""Configuration: defaults, then the instance folder's ``config.py``, then the environment."""

import os
import secrets
from pathlib import Path

ENV_KEYS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")


class Defaults:
    SQLALCHEMY_ENGINE_OPTIONS = {}
    # A pooled connection idle this long is pinged before use (see core.extensions).
    DB_PING_IDLE_SECONDS = 10
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
    # Login throttling: this many failures in a row lock the account for LOGIN_LOCK_MINUTES.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    # werkzeug's method; the tests use a cheap one (scrypt costs ~0.3 s per hash here).
    PASSWORD_HASH_METHOD = "scrypt"
    API_PER_PAGE = 50
    API_MAX_PER_PAGE = 500
    WTF_CSRF_TIME_LIMIT = None
    ERP_TRACE_HOOKS = False


def instance_path() -> Path:
    default = Path.cwd() / "instance"
    return Path(os.environ.get("ERP_INSTANCE_PATH", default)).resolve()


def _secret_key(folder: Path) -> str:
    """Read the instance's secret key, generating it on first run (never committed)."""
    path = folder / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load(app, overrides: dict | None = None) -> None:
    folder = Path(app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder / 'erp.sqlite'}"
    app.config.from_pyfile("config.py", silent=True)
    for key in ENV_KEYS:
        if os.environ.get(key):
            app.config[key] = os.environ[key]
    if os.environ.get("ERP_TRACE_HOOKS"):
        app.config["ERP_TRACE_HOOKS"] = True
    app.config.update(overrides or {})
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_db_url(app.config["DATABASE_URL"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(folder)


def normalise_db_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
