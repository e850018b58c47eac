"""The application factory."""

import gc

# Importing the plugins and building the app creates some million long-lived objects, which the
# cyclic collector would traverse again and again: ~0.3 s of every start. It stays off from
# here until create_app() has built the app and frozen them (importing this module is only
# ever done to create the app).
gc.disable()

from pathlib import Path

from flask import Flask, g, has_request_context, request, session

from core import builtin, config, permissions
from core.auth import context
from core.auth.views import bp as auth_bp
from core.extensions import babel, csrf, db, login_manager, ping_idle_connections, tune_sqlite
from core.plugins.registry import PluginRegistry, discover

HERE = Path(__file__).parent


def select_locale() -> str:
    """The user's pick, else the company's default (the demo company: Simplified Chinese).
    API clients get English unless their Accept-Language asks for Chinese."""
    if not has_request_context():
        return "en"
    languages = g.get("erp_languages") or {}
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(list(languages)) or "en"
    if session.get("locale") in languages:
        return session["locale"]
    user = g.get("erp_user")
    if user is not None and user.locale in languages:
        return user.locale
    company = g.get("erp_company")
    if company is not None:
        return company.default_locale
    return request.accept_languages.best_match(list(languages)) or "zh_Hans_CN"


def create_app(
    overrides: dict | None = None, plugin_modules: list | None = None, *, web: bool = True
) -> Flask:
    """Build the app. ``plugin_modules`` replaces entry-point discovery (tests only).

    ``web=False`` builds it without the screens and the API (their 500-odd URL rules cost
    ~0.4 s to compile): for the processes that serve no HTTP, workers and duty runs."""
    app = Flask(
        "core",
        instance_path=str(config.instance_path()),
        instance_relative_config=True,
        root_path=str(HERE),
    )
    config.load(app, overrides)

    db.init_app(app)
    with app.app_context():
        ping_idle_connections(db.engine, app.config["DB_PING_IDLE_SECONDS"])
        tune_sqlite(db.engine)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    babel.init_app(app, locale_selector=select_locale)

    registry = PluginRegistry(
        discover() if plugin_modules is None else plugin_modules,
        builtin,
        trace=app.config["ERP_TRACE_HOOKS"],
    )
    app.extensions["erp_plugins"] = registry
    app.extensions["erp_permissions"] = permissions.collect(registry)

    if web:
        _serve_http(app, registry)
    # The app's long-lived objects exist now: freeze them out of the cyclic collector's passes
    # (and keep them shared after a worker forks), then collect as usual.
    gc.freeze()
    gc.enable()
    return app


def _serve_http(app: Flask, registry: PluginRegistry) -> None:
    """Requests, screens and API: the login, the admin and ``/api/v1``."""

    @app.before_request
    def _bind():
        g.erp_languages = app.config["LANGUAGES"]
        context.resolve_web_request()

    @app.context_processor
    def _template_globals():
        from flask_babel import get_locale

        from core.services.companies import companies_of

        return {
            "erp_locale": str(get_locale()),
            "erp_company": g.get("erp_company"),
            "erp_companies": lambda: companies_of(g.erp_user),
        }

    app.teardown_request(context.teardown)
    app.register_blueprint(auth_bp)

    from core.admin import init_admin
    from core.api import init_api

    init_admin(app, registry)
    init_api(app, registry)
