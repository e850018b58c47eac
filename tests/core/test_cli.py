"""The ``erp`` command line: services behind clear, machine-readable commands."""

import json
import types

import click
import pytest
from sqlalchemy import func, select

from core.auth.services import authenticate, token_owner
from core.cli import Result, build_cli
from core.extensions import db
from core.hookspecs import hookimpl
from core.models import Company, Membership, PluginState, Project, Role, User
from core.models.auth import membership_role
from core.permissions import DEFAULT_ROLES
from core.plugins import Manifest
from core.plugins import state as plugin_state


@pytest.fixture(scope="module")
def cli():
    return build_cli()


def run(app, cli, *args):
    return app.test_cli_runner().invoke(cli, list(args))


def ok_json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def counts():
    models = (Company, Project, User, Membership, Role, PluginState)
    rows = {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}
    rows["membership_role"] = db.session.scalar(select(func.count()).select_from(membership_role))
    return rows


def test_demo_is_idempotent_and_complete(ctx, cli):
    first = ok_json(run(ctx, cli, "demo", "--json"))
    after_first = counts()
    second = ok_json(run(ctx, cli, "demo", "--json"))
    assert counts() == after_first
    assert second["logins"] == first["logins"]

    ly = db.session.scalar(select(Company).where(Company.code == "LY"))
    assert ly.default_locale == "zh_Hans_CN"
    assert db.session.scalar(select(Company).where(Company.code == "ZZ")) is not None
    assert {"sales", "customer_service"} <= plugin_state.enabled_plugins(ly)
    types_ = set(db.session.scalars(select(Project.type).where(Project.company_id == ly.id)))
    assert {t.value for t in types_} == {"villa", "apartment", "residential"}
    # One login per default role in the first company, plus a group admin.
    ly_roles = {r for login in first["logins"] if login["company"] == "LY" for r in login["roles"]}
    assert ly_roles == set(DEFAULT_ROLES)
    admin = authenticate("admin@example.com", first["password"])
    assert admin.is_group_admin
    rep = authenticate("sales-rep@ly.example.com", first["password"])
    assert [r.code for m in rep.memberships for r in m.roles] == ["sales_rep"]
    assert first["url"] in run(ctx, cli, "demo").stdout


def test_plugin_enable_refused_names_missing_dependency(ctx, world, cli):
    result = run(ctx, cli, "plugins", "enable", "mortgage", "--company", "ZZ")
    assert result.exit_code == 1
    assert "customer_service" in result.stderr
    assert not plugin_state.is_enabled(world.b, "mortgage")


def test_plugins_enable_list_disable_with_json(ctx, world, cli):
    done = ok_json(run(ctx, cli, "plugins", "enable", "sales", "--company", "ZZ", "--json"))
    assert done == {"plugin": "sales", "company": "ZZ", "enabled": True}
    assert plugin_state.is_enabled(world.b, "sales")
    rows = ok_json(run(ctx, cli, "plugins", "list", "--company", "ZZ", "--json"))
    sales = next(r for r in rows if r["name"] == "sales")
    assert sales["enabled"] is True
    assert sales["settings"]["cooling_off_days"] == 3
    assert next(r for r in rows if r["name"] == "mortgage")["depends"] == ["customer_service"]
    assert not plugin_state.is_enabled(world.a, "sales")  # the other company is untouched
    ok_json(run(ctx, cli, "plugins", "disable", "sales", "--company", "ZZ", "--json"))
    assert not plugin_state.is_enabled(world.b, "sales")


def test_unknown_company_and_plugin_are_named(ctx, world, cli):
    bad_company = run(ctx, cli, "plugins", "list", "--company", "XX", "--json")
    assert bad_company.exit_code == 1
    assert json.loads(bad_company.stdout)["error"]["fields"] == {
        "--company": "no company with code XX"
    }
    bad_plugin = run(ctx, cli, "plugins", "enable", "nope", "--company", "LY")
    assert bad_plugin.exit_code == 1
    assert "nope" in bad_plugin.stderr


def test_settings_validation_names_the_field_and_stores_nothing(ctx, world, cli):
    args = ("plugins", "settings", "sales", "--company", "LY")
    result = run(ctx, cli, *args, "--set", "call_follow_up_days=10", "--set", "cooling_off_days=99")
    assert result.exit_code == 1
    assert "cooling_off_days" in result.stderr
    assert plugin_state.get_settings(world.a, "sales")["call_follow_up_days"] == 7
    assert db.session.scalar(select(func.count()).select_from(PluginState)) == 0

    # Values parse as JSON when they can (numbers, booleans), else stay text.
    changed = ok_json(
        run(
            ctx,
            cli,
            *args,
            "--set",
            "cooling_off_enabled=false",
            "--set",
            "walk_in_follow_up=cutoff",
            "--json",
        )
    )
    assert changed["settings"]["cooling_off_enabled"] is False
    assert changed["settings"]["walk_in_follow_up"] == "cutoff"
    assert plugin_state.get_settings(world.a, "sales")["walk_in_follow_up"] == "cutoff"
    assert run(ctx, cli, *args, "--set", "novalue").exit_code == 2


def test_users_create_with_roles(ctx, world, cli):
    created = ok_json(
        run(
            ctx,
            cli,
            "users",
            "create",
            "--email",
            "New@Example.com",
            "--password",
            "long-enough-1",
            "--company",
            "LY",
            "--role",
            "finance",
            "--role",
            "cs_rep",
            "--json",
        )
    )
    assert created["roles"] == ["cs_rep", "finance"]
    user = authenticate("new@example.com", "long-enough-1")
    assert [m.company.code for m in user.memberships] == ["LY"]

    before = counts()
    refused = run(
        ctx,
        cli,
        "users",
        "create",
        "--email",
        "x@example.com",
        "--password",
        "long-enough-1",
        "--company",
        "LY",
        "--role",
        "wizard",
    )
    assert refused.exit_code == 1
    assert "--role" in refused.stderr and "wizard" in refused.stderr
    assert counts() == before  # the user row was rolled back with the refused membership


def test_tokens_create_shows_a_working_token_once(ctx, world, cli):
    data = ok_json(
        run(
            ctx,
            cli,
            "tokens",
            "create",
            "--email",
            "admin-a@example.com",
            "--company",
            "LY",
            "--name",
            "sync",
            "--json",
        )
    )
    owner = token_owner(data["token"])
    assert owner.user.email == "admin-a@example.com" and owner.company_id == world.a.id
    refused = run(
        ctx,
        cli,
        "tokens",
        "create",
        "--email",
        "admin-a@example.com",
        "--company",
        "ZZ",
        "--name",
        "sync",
    )
    assert refused.exit_code == 1 and "--company" in refused.stderr


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


def test_every_core_cli_command_takes_json(cli):
    # Commands that other core packages add with click.command() are theirs to give --json.
    found = {p: c for p, c in _commands(cli) if c.callback.__module__.startswith("core.cli")}
    assert {("init",), ("demo",), ("run",), ("plugins", "settings"), ("users", "create")} <= set(
        found
    )
    for path, command in found.items():
        assert any("--json" in p.opts for p in command.params), path


def test_hook_erp_cli_commands_adds_plugin_commands(ctx):
    @hookimpl
    def erp_cli_commands(cli):
        @cli.command("hello")
        def hello():
            return Result({"hello": "world"}, "hello world")

    plugin = types.ModuleType("fake_cli_plugin")
    plugin.manifest = Manifest(name="fake_cli", version="1.0", label="Fake")
    plugin.erp_cli_commands = erp_cli_commands
    cli = build_cli(plugin_modules=[plugin])
    assert ok_json(run(ctx, cli, "hello", "--json")) == {"hello": "world"}
    assert run(ctx, cli, "hello").stdout == "hello world\n"
