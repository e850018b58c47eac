"""The plugin manager: start-up errors, dependency order, per-company hook callers, changes
seen by every process without a restart, and the hook-call trace."""

import logging
import types

import pytest

from core import builtin
from core.app import create_app
from core.extensions import db
from core.hookspecs import hookimpl
from core.models import Company
from core.plugins import Manifest, PluginError, PluginRegistry, state
from core.services.companies import create_project
from tests.conftest import login

NOTES_VIEW = "/admin/visitor_log_notes/"


def fake(name: str, *depends: str) -> types.ModuleType:
    """A plugin module with a manifest; it answers ``erp_duties`` with its own name."""
    module = types.ModuleType(f"fake_{name}")
    module.manifest = Manifest(name=name, version="1.0", label=name, depends=depends)

    def erp_duties(company):
        return name

    module.erp_duties = hookimpl(erp_duties)
    return module


def registry_of(*modules) -> PluginRegistry:
    return PluginRegistry(list(modules), builtin)


def test_dependency_cycle_is_a_startup_error_naming_the_plugins():
    with pytest.raises(PluginError, match="cycle") as refused:
        registry_of(fake("alpha", "gamma"), fake("beta", "alpha"), fake("gamma", "beta"))
    assert all(n in str(refused.value) for n in ("alpha", "beta", "gamma"))


def test_missing_dependency_is_a_startup_error_naming_both(instance_dir):
    modules = [fake("sales"), fake("title_deed", "handover")]
    with pytest.raises(PluginError, match="title_deed depends on handover"):
        registry_of(*modules)
    with pytest.raises(PluginError, match="handover"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, plugin_modules=modules)


def test_dependencies_come_first_whatever_the_installation_order(app):
    reg = registry_of(fake("deed", "handover"), fake("handover", "cs"), fake("cs"))
    assert reg.order == ["cs", "handover", "deed"]
    builtins = app.extensions["erp_plugins"]
    for name, manifest in builtins.manifests.items():
        for dep in manifest.depends:
            assert builtins.order.index(dep) < builtins.order.index(name)


def test_hooks_for_returns_one_cached_relay_per_enabled_set():
    reg = registry_of(fake("alpha"), fake("beta"))
    relay = reg.hooks_for(frozenset({"core", "alpha"}))
    assert reg.hooks_for(frozenset(["alpha", "core"])) is relay
    assert relay.erp_duties is relay.erp_duties
    assert reg.hooks_for(frozenset({"core", "beta"})) is not relay


def test_per_company_hooks_skip_disabled_plugins():
    reg = registry_of(fake("alpha"), fake("beta"), fake("gamma", "alpha"))
    assert sorted(reg.hooks_for(frozenset({"alpha"})).erp_duties(company=None)) == ["alpha"]
    assert sorted(reg.hooks_for(frozenset({"alpha", "gamma"})).erp_duties(company=None)) == [
        "alpha",
        "gamma",
    ]
    assert reg.hooks_for(frozenset()).erp_duties(company=None) == []
    assert sorted(reg.hook.erp_duties(company=None)) == ["alpha", "beta", "gamma"]


@pytest.fixture
def other_worker(ctx, database_url):
    """A second app on the same database: another gunicorn worker, with its own caches."""
    other = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False}
    )
    yield other
    with other.app_context():
        db.engine.dispose()


def test_enable_and_disable_reach_another_worker_on_its_next_request(world, other_worker):
    def seen_by_other():
        with other_worker.app_context():
            return state.is_enabled(db.session.get(Company, world.a.id), "visitor_log")

    browser = other_worker.test_client()
    login(browser, "admin-a@example.com")
    # The other worker looks first, so it holds a cached answer from before the change.
    assert browser.get(NOTES_VIEW).status_code == 404
    assert not seen_by_other()

    state.enable(world.a, "visitor_log")
    assert seen_by_other()
    assert browser.get(NOTES_VIEW).status_code == 200

    state.disable(world.a, "visitor_log")
    assert not seen_by_other()
    assert browser.get(NOTES_VIEW).status_code == 404


def _traced(caplog, company, name):
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="erp.hooks"):
        create_project(company, {"name": name, "type": "villa", "region_code": "LY"})
    return [r.getMessage() for r in caplog.records if r.name == "erp.hooks"]


def test_trace_switch_logs_hook_calls_with_the_plugins_called(
    world, database_url, caplog, monkeypatch
):
    state.enable(world.a, "visitor_log")
    assert _traced(caplog, world.a, "Quiet Court") == []  # off by default

    monkeypatch.setenv("ERP_TRACE_HOOKS", "1")
    traced = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert traced.config["ERP_TRACE_HOOKS"] is True
    with traced.app_context():
        a, b = db.session.get(Company, world.a.id), db.session.get(Company, world.b.id)
        in_a = _traced(caplog, a, "Traced Court")
        in_b = _traced(caplog, b, "Traced Towers")
        db.engine.dispose()
    assert any("erp_project_created" in m and "visitor_log" in m for m in in_a)
    assert any("erp_project_created" in m for m in in_b)
    assert not any("visitor_log" in m for m in in_b)


def test_per_company_hook_call_passes_what_each_implementation_declares():
    """The fast per-company caller gives each implementation the arguments it names (fewer
    than the spec, in any order) and returns what pluggy would, in pluggy's order."""
    import types

    from core import builtin
    from core.hookspecs import hookimpl
    from core.plugins import Manifest
    from core.plugins.registry import PluginRegistry

    def module(name, function):
        m = types.ModuleType(name)
        m.manifest = Manifest(name=name, version="1", label=name)
        m.erp_settings_changed = hookimpl(function)
        return m

    plugins = [
        module("all_args", lambda company, plugin, old, new: ("all", company, plugin, old, new)),
        module("reordered", lambda new, company: ("some", new, company)),
        module("silent", lambda plugin: None),
    ]
    registry = PluginRegistry(plugins, builtin)
    kwargs = {"company": "C", "plugin": "p", "old": 1, "new": 2}
    fast = registry.hooks_for(frozenset({"core", "all_args", "reordered", "silent"}))
    assert fast.erp_settings_changed(**kwargs) == registry.hook.erp_settings_changed(**kwargs)
    assert fast.erp_settings_changed(**kwargs) == [("some", 2, "C"), ("all", "C", "p", 1, 2)]
