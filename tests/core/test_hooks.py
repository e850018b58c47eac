"""One ``test_hook_<name>`` per hook specification, proving the core calls it as documented.

A probe plugin implements the hooks and records what it hears. This module's app installs it
next to the discovered plugins (the example ``visitor_log`` among them); the per-company tests
enable it for company A only, so they also prove that B's events and declarations skip it.
"""

import io
import json
import types
from datetime import date

import pytest
from alembic import command as alembic_command
from click.testing import CliRunner
from flask import Blueprint, current_app, g
from flask.cli import ScriptInfo
from flask_admin import expose
from marshmallow import Schema, fields
from sqlalchemy import func, select

from core import hookspecs
from core.admin.views import ErpView
from core.api import require_permission
from core.app import create_app
from core.approvals import approve, current_flow, install_default_flows, submit
from core.auth.services import create_token
from core.cli import Result, build_cli
from core.duties import Daily, Duty, run_due
from core.extensions import db, init_migrations
from core.hookspecs import hookimpl
from core.letters.kinds import LetterKind, letter_kinds
from core.models import Project, Role
from core.permissions import Permission, declared
from core.plugins import Manifest, state
from core.plugins.registry import discover
from core.services.companies import add_member, create_project, create_user
from core.tenancy import company_scope
from erp_visitor_log.models import VisitorNote
from tests.conftest import PASSWORD, login

PROBE = types.ModuleType("erp_probe")
CALLS: list[tuple] = []


class ProbeSettings(Schema):
    level = fields.Integer(load_default=1)


PROBE.manifest = Manifest(name="probe", version="1.0", label="Probe", settings=ProbeSettings)


def probe(fn=None, **opts):
    """Install ``fn`` on the probe plugin as the hook ``erp_<fn name>``."""

    def install(fn):
        setattr(PROBE, f"erp_{fn.__name__}", hookimpl(**opts)(fn))
        return fn

    return install(fn) if fn else install


class ProbePage(ErpView):
    permission = "probe.use"

    @expose("/")
    def index(self):
        return f"probe page for {g.erp_company.code}"


PROBE_API = Blueprint("probe", __name__, url_prefix="/probe")


@PROBE_API.get("/ping")
@require_permission("probe.use")
def ping():
    return {"company": g.erp_company.code}


@probe
def permissions():
    return [Permission("probe.use", "Use the probe", ("finance",))]


@probe
def admin_views():
    return [ProbePage(name="Probe", endpoint="probe_page")]


@probe
def api_blueprints():
    return [PROBE_API]


@probe
def api_schemas(spec):
    spec.path(path="/probe/ping", operations={"get": {"responses": {"200": {"description": "OK"}}}})


@probe
def cli_commands(cli):
    @cli.command("probe-plugins")
    def probe_plugins():
        """List the installed plugins."""
        return Result(sorted(current_app.extensions["erp_plugins"].manifests))


@probe
def approval_flows(company):
    return [
        {
            "doc_type": "probe.request",
            "name": "Probe",
            "steps": [{"name": "Finance", "roles": ["finance"]}],
        }
    ]


@probe
def approval_decided(request):
    CALLS.append(("approval_decided", request.company.code, request.doc_type, str(request.status)))


def probe_duty(company, period):
    CALLS.append(("duty", company.code, period.key))


@probe
def duties(company):
    return [Duty("probe.daily", Daily(), probe_duty)]


@probe
def letter_templates(company):
    return [LetterKind("probe.hello", "Hello", build=lambda subject, **ctx: None)]


@probe
def settings_changed(company, plugin, old, new):
    CALLS.append(("settings_changed", company.code, plugin, old, new))


@probe
def plugin_enabled(company, plugin):
    CALLS.append(("plugin_enabled", company.code, plugin))


@probe
def plugin_disabled(company, plugin):
    CALLS.append(("plugin_disabled", company.code, plugin))


@probe(trylast=True)  # after visitor_log's note, so a failure here must roll that back too
def project_created(project):
    if project.name == "Doomed":
        raise RuntimeError("probe refuses the project")
    CALLS.append(("project_created", project.company.code, project.name))


@probe
def user_joined(membership):
    codes = sorted(r.code for r in membership.roles)
    CALLS.append(("user_joined", membership.company.code, membership.user.email, codes))


@probe
def demo_data(company):
    CALLS.append(("demo_data", company.code))


@pytest.fixture(scope="module")
def app(database_url):
    """Overrides the session app: the same database, with the probe installed."""
    probed_app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False},
        plugin_modules=[*discover(), PROBE],
    )
    with probed_app.app_context():
        db.drop_all()  # as the session app does: a schema left by an older run may differ
        db.create_all()
    yield probed_app
    with probed_app.app_context():
        db.engine.dispose()


@pytest.fixture
def probed(world):
    """The probe enabled for company A only; nothing heard yet."""
    state.enable(world.a, "probe")
    CALLS.clear()
    return world


def project(company, name):
    return create_project(company, {"name": name, "type": "villa", "region_code": "LY"})


def test_plugin_hooks_have_tests():
    hooks = {n for n, f in vars(hookspecs).items() if n.startswith("erp_") and callable(f)}
    assert "erp_project_created" in hooks
    missing = sorted(h for h in hooks if f"test_hook_{h}" not in globals())
    assert not missing, f"hook specifications without a test_hook_<name> here: {missing}"


def test_hook_erp_permissions(world):
    perm = declared()["probe.use"]
    assert (perm.plugin, perm.default_roles) == ("probe", ("finance",))
    with company_scope(world.a.id):
        roles = {r.code: r for r in db.session.scalars(select(Role))}
    assert "probe.use" in roles["finance"].permissions
    assert "probe.use" not in roles["sales_rep"].permissions
    assert "visitor_log.view" in roles["sales_rep"].permissions


def test_hook_erp_migration_dirs(app):
    """The upgrade that ``erp init`` runs finds the example's folder through the hook and
    applies its branch after the core's base revision (offline: the SQL is only printed)."""
    dirs = dict(app.extensions["erp_plugins"].per_plugin("erp_migration_dirs"))
    assert dirs["visitor_log"].endswith("erp_visitor_log/migrations/versions")
    with app.app_context():
        config = init_migrations(app).migrate.get_config()
        config.output_buffer = io.StringIO()
        alembic_command.upgrade(config, "heads", sql=True)
    sql = config.output_buffer.getvalue()
    assert sql.index("CREATE TABLE company") < sql.index("CREATE TABLE visitor_log_note")
    assert "'visitor_log_0001'" in sql


def test_hook_erp_admin_views(probed, app):
    add_member(probed.admin_a, probed.a, ["finance"])
    add_member(probed.admin_b, probed.b, ["finance"])
    rep, admin_a, admin_b = app.test_client(), app.test_client(), app.test_client()
    login(rep, "rep-a@example.com")
    refused = rep.get("/admin/probe_page/")
    assert refused.status_code == 403
    assert "probe.use" in refused.text
    login(admin_a, "admin-a@example.com")
    assert "/admin/probe_page/" in admin_a.get("/admin/").text
    assert admin_a.get("/admin/probe_page/").text == "probe page for LY"
    login(admin_b, "admin-b@example.com")
    assert "/admin/probe_page/" not in admin_b.get("/admin/").text
    assert admin_b.get("/admin/probe_page/").status_code == 404


def test_hook_erp_api_blueprints(probed, client, app):
    assert app.extensions["erp_api_plugins"]["api.probe"] == "probe"
    add_member(probed.admin_a, probed.a, ["finance"])
    add_member(probed.admin_b, probed.b, ["finance"])
    token_a = create_token(probed.admin_a, probed.a, "t")
    token_b = create_token(probed.admin_b, probed.b, "t")
    in_a = client.get("/api/v1/probe/ping", headers={"Authorization": f"Bearer {token_a}"})
    assert in_a.json == {"company": "LY"}
    in_b = client.get("/api/v1/probe/ping", headers={"Authorization": f"Bearer {token_b}"})
    assert in_b.status_code == 404


def test_hook_erp_api_schemas(client):
    doc = client.get("/api/v1/openapi.json").json
    assert "/probe/ping" in doc["paths"]
    assert "/visitor-log/notes" in doc["paths"]
    assert "VisitorNote" in doc["components"]["schemas"]


def test_hook_erp_cli_commands(app):
    cli = build_cli(plugin_modules=[*discover(), PROBE])
    result = CliRunner().invoke(
        cli, ["probe-plugins", "--json"], obj=ScriptInfo(create_app=lambda: app)
    )
    assert result.exit_code == 0, result.output
    assert {"probe", "visitor_log", "sales"} <= set(json.loads(result.stdout))


def test_hook_erp_approval_flows(probed):
    install_default_flows(probed.a)
    install_default_flows(probed.b)
    flow = current_flow(probed.a, "probe.request")
    assert [s.roles for s in flow.steps] == [["finance"]]
    assert current_flow(probed.b, "probe.request") is None


def test_hook_erp_approval_decided(probed):
    install_default_flows(probed.a)
    add_member(probed.admin_a, probed.a, ["finance"])
    request = submit(probed.a, "probe.request", "project", probed.project_a.id, {}, probed.rep_a)
    assert CALLS == []  # pending: nothing decided yet
    approve(request, probed.admin_a)
    # No flow in B: approved at once, but the probe is not enabled there.
    submit(probed.b, "probe.request", "project", probed.project_b.id, {}, probed.admin_b)
    assert CALLS == [("approval_decided", "LY", "probe.request", "approved")]


def test_hook_erp_duties(probed):
    day = date(2026, 11, 24)
    run_due(probed.a, day)
    run_due(probed.b, day)
    assert CALLS == [("duty", "LY", "2026-11-24")]


def test_hook_erp_letter_templates(probed):
    assert "probe.hello" in letter_kinds(probed.a)
    assert "probe.hello" not in letter_kinds(probed.b)


def test_hook_erp_settings_changed(probed):
    state.enable(probed.a, "visitor_log")
    state.enable(probed.b, "visitor_log")
    CALLS.clear()
    state.update_settings(probed.a, "probe", {"level": 2})
    state.update_settings(probed.a, "visitor_log", {"greeting": "Hi {project}"})
    state.update_settings(probed.b, "visitor_log", {"greeting": "Yo {project}"})
    assert CALLS == [
        ("settings_changed", "LY", "probe", {"level": 1}, {"level": 2}),
        (
            "settings_changed",
            "LY",
            "visitor_log",
            {"greeting": "Visitor log opened for {project}."},
            {"greeting": "Hi {project}"},
        ),
    ]


def test_hook_erp_plugin_enabled(world):
    CALLS.clear()
    state.enable(world.a, "probe")  # the plugin being enabled hears it too
    state.enable(world.a, "visitor_log")
    state.enable(world.b, "visitor_log")
    assert CALLS == [("plugin_enabled", "LY", "probe"), ("plugin_enabled", "LY", "visitor_log")]


def test_hook_erp_plugin_disabled(probed):
    state.enable(probed.a, "visitor_log")
    state.enable(probed.b, "visitor_log")
    CALLS.clear()
    state.disable(probed.b, "visitor_log")
    state.disable(probed.a, "visitor_log")
    state.disable(probed.a, "probe")  # the plugin being disabled no longer hears anything
    assert CALLS == [("plugin_disabled", "LY", "visitor_log")]


def test_hook_erp_project_created(probed):
    project(probed.a, "Lotus Court")
    project(probed.b, "Plum Court")
    assert CALLS == [("project_created", "LY", "Lotus Court")]


def test_hook_erp_project_created_runs_in_the_creating_transaction(probed):
    state.enable(probed.a, "visitor_log")

    def counts():
        with company_scope(probed.a.id):
            return [
                db.session.scalar(select(func.count()).select_from(m))
                for m in (Project, VisitorNote)
            ]

    before = counts()
    with pytest.raises(RuntimeError, match="probe refuses"):
        project(probed.a, "Doomed")
    assert counts() == before
    project(probed.a, "Lotus Court")
    assert counts() == [before[0] + 1, before[1] + 1]


def test_hook_erp_user_joined(probed):
    newbie = create_user("newbie@example.com", PASSWORD)
    add_member(newbie, probed.a, ["finance"])
    add_member(newbie, probed.a, ["cs_rep"])  # already a member: no second event
    add_member(newbie, probed.b, ["finance"])
    assert CALLS == [("user_joined", "LY", "newbie@example.com", ["finance"])]


def test_hook_erp_demo_data(probed):
    from core.demo import plugin_demo_data

    plugin_demo_data(probed.a)
    plugin_demo_data(probed.b)  # the probe is not enabled there
    assert CALLS == [("demo_data", "LY")]
