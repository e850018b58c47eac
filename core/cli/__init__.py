"""The ``erp`` command line: a Flask CLI group whose commands call the core's services.

Every command takes ``--json``: it then prints one JSON document on stdout and nothing else
(logs go to stderr). A command returns a :class:`Result` and the group prints it. A refused
action or a bad value exits non-zero with a message naming the option or field at fault (and,
with ``--json``, an ``{"error": {"message", "fields"}}`` document on stdout).

Plugins add commands through the ``erp_cli_commands(cli)`` hook, called for every installed
plugin when the group is built; commands made with ``cli.command()`` get ``--json`` and the
error handling too.
"""

import gc
import json
from dataclasses import dataclass

import click
from flask.cli import AppGroup, FlaskGroup
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError

from core.plugins import PluginError

EXIT_REFUSED = 1


@dataclass
class Result:
    """What a command prints: ``data`` as JSON with ``--json``, else ``text`` (or ``data``)."""

    data: dict | list
    text: str = ""

    def human(self) -> str:
        if self.text:
            return self.text
        if isinstance(self.data, dict):
            return "\n".join(f"{k}: {v}" for k, v in self.data.items())
        return "\n".join(str(item) for item in self.data)


class CommandFailed(click.ClickException):
    """A refused action or an invalid value; ``fields`` maps option/field names to messages."""

    exit_code = EXIT_REFUSED

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.fields = fields or {}
        self.as_json = False  # set by ErpCommand from the command's --json

    def show(self, file=None):
        super().show(file)
        if self.as_json:
            error = {"message": self.message, "fields": self.fields}
            click.echo(json.dumps({"error": error}, ensure_ascii=False))


def _option_name(command: click.Command, key: str) -> str:
    """``company`` -> ``--company`` when the command has that option, else the field name."""
    for param in command.params:
        if param.name == key and param.opts:
            return max(param.opts, key=len)
    return key


def _flatten(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in messages.items())
    if isinstance(messages, list | tuple):
        return "; ".join(_flatten(m) for m in messages)
    return str(messages)


def _failure(command: click.Command, exc: Exception) -> CommandFailed:
    if isinstance(exc, ValidationError):
        fields = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        named = {_option_name(command, k): _flatten(v) for k, v in fields.items()}
        message = "; ".join(f"Invalid value for '{k}': {v}" for k, v in named.items())
        return CommandFailed(message, named)
    if isinstance(exc, OperationalError):
        # Unreachable server, missing file or table: say where to look, not a traceback.
        reason = str(exc.orig).strip()
        return CommandFailed(f"database error: {reason} (check DATABASE_URL, run 'erp init')")
    return CommandFailed(str(exc))


def emit(result: Result) -> None:
    """Print ``result`` now, as JSON when the command was given ``--json``."""
    if click.get_current_context().meta.get("erp_json"):
        click.echo(json.dumps(result.data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(result.human())


def _set_json(ctx, _param, value):
    ctx.meta["erp_json"] = value


class ErpCommand(click.Command):
    """A command with ``--json`` that prints its :class:`Result` and turns the services'
    ``ValidationError`` / ``PluginError`` into a clear failure (rolling the session back)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(
            click.Option(
                ["--json"],
                is_flag=True,
                expose_value=False,
                is_eager=True,
                callback=_set_json,
                help="Print one JSON document on stdout instead of text.",
            )
        )

    def invoke(self, ctx):
        try:
            result = super().invoke(ctx)
        except (ValidationError, PluginError, OperationalError) as exc:
            from core.extensions import db

            db.session.rollback()
            failure = _failure(self, exc)
        except CommandFailed as exc:
            failure = exc
        except click.ClickException as exc:
            failure = CommandFailed(exc.format_message())
            failure.exit_code = exc.exit_code
        else:
            if isinstance(result, Result):
                emit(result)
            return result
        failure.as_json = ctx.meta.get("erp_json", False)
        raise failure


class _ErpGroupMixin:
    """Commands made on the group are :class:`ErpCommand`, sub-groups are :class:`ErpAppGroup`
    (Flask's ``AppGroup.group`` would otherwise impose a plain ``AppGroup``)."""

    command_class = ErpCommand

    def group(self, *args, **kwargs):
        kwargs.setdefault("cls", ErpAppGroup)
        return super().group(*args, **kwargs)


class ErpAppGroup(_ErpGroupMixin, AppGroup):
    pass


class ErpGroup(_ErpGroupMixin, FlaskGroup):
    pass


# Commands that serve no HTTP: their app skips the screens and the API (start-up).
HEADLESS = {"duties", "jobs", "scheduler", "worker"}


def _create_app():
    from core.app import create_app
    from core.extensions import init_migrations

    ctx = click.get_current_context(silent=True)
    command = ctx.command_path.split()[1:2] if ctx is not None else []
    app = create_app(web=not HEADLESS.intersection(command))
    init_migrations(app)  # for `erp db ...`
    return app


def build_cli(plugin_modules: list | None = None) -> FlaskGroup:
    """The ``erp`` group: core commands plus those the installed plugins add.

    ``plugin_modules`` replaces entry-point discovery (tests only), as in ``create_app``.
    """
    from core import builtin
    from core.cli import commands, plugins
    from core.plugins.registry import PluginRegistry, discover

    cli = ErpGroup(
        name="erp",
        help="Run and administer the ERP.",
        create_app=_create_app,
        add_default_commands=False,
        load_dotenv=False,
    )
    commands.register(cli)
    plugins.register(cli)
    registry = PluginRegistry(discover() if plugin_modules is None else plugin_modules, builtin)
    registry.hook.erp_cli_commands(cli=cli)
    return cli


def main():
    # Building the group imports every plugin (before core.app, which turns the cyclic
    # collector off for the same reason): ~0.3 s of traversals of long-lived objects.
    # create_app() turns it back on once they exist, frozen.
    gc.disable()
    build_cli().main(prog_name="erp")
