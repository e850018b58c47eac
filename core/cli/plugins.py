"""``erp plugins``: list the installed plugins, enable/disable them and change their settings
for a company (the services of :mod:`core.plugins.state`)."""

import json

import click
from flask import current_app

from core.cli import Result
from core.plugins import state
from core.services.companies import company_by_code


def _parse_assignments(_ctx, _param, values: tuple[str, ...]) -> dict:
    """``key=value`` pairs; a value is taken as JSON when it parses (5, true, [1]), else text."""
    data = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE")
        try:
            data[key] = json.loads(raw)
        except ValueError:
            data[key] = raw
    return data


@click.option("--company", help="Company code: also show enablement and settings there.")
def list_plugins(company):
    """List the installed plugins (name, version, label, dependencies)."""
    target = company_by_code(company) if company else None
    rows = []
    for m in current_app.extensions["erp_plugins"].manifests.values():
        row = {"name": m.name, "version": m.version, "label": str(m.label), "depends": m.depends}
        if target is not None:
            row["enabled"] = state.is_enabled(target, m.name)
            row["settings"] = state.get_settings(target, m.name)
        rows.append(row)
    lines = []
    for row in rows:
        flag = ("on  " if row["enabled"] else "off ") if target is not None else ""
        depends = f"  (needs {', '.join(row['depends'])})" if row["depends"] else ""
        lines.append(f"{flag}{row['name']:<18} {row['version']:<8} {row['label']}{depends}")
    return Result(rows, "\n".join(lines))


@click.argument("name")
@click.option("--company", required=True, help="Company code, e.g. LY.")
def enable(name, company):
    """Enable plugin NAME for a company (refused while a dependency is not enabled)."""
    target = company_by_code(company)
    state.enable(target, name)
    return Result(
        {"plugin": name, "company": target.code, "enabled": True},
        f"{name} enabled for {target.code}",
    )


@click.argument("name")
@click.option("--company", required=True, help="Company code, e.g. LY.")
def disable(name, company):
    """Disable plugin NAME for a company; its data stays (refused while a dependent is on)."""
    target = company_by_code(company)
    state.disable(target, name)
    return Result(
        {"plugin": name, "company": target.code, "enabled": False},
        f"{name} disabled for {target.code}",
    )


@click.argument("name")
@click.option("--company", required=True, help="Company code, e.g. LY.")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_parse_assignments,
    help="Change a setting; repeat for several. Nothing is stored unless all are valid.",
)
def settings(name, company, assignments):
    """Show, or change with --set, the settings of plugin NAME for a company."""
    target = company_by_code(company)
    if assignments:
        values = state.update_settings(target, name, assignments)
    else:
        values = state.get_settings(target, name)
    text = "\n".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values.items())
    return Result({"plugin": name, "company": target.code, "settings": values}, text)


def register(cli) -> None:
    group = cli.group("plugins", help="Installed plugins and their per-company state.")(
        lambda: None
    )
    group.command("list")(list_plugins)
    group.command("enable")(enable)
    group.command("disable")(disable)
    group.command("settings")(settings)
