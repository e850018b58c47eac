"""Alembic environment of the ERP: the core's revisions plus those of every installed plugin.

Conventions (see also ``docs/operations.md``, section "Migrations"):

- The core's base revision has the id ``core_0001`` and ``branch_labels = ("core",)``; later
  core revisions continue that branch (``down_revision`` the previous core revision).
- A plugin keeps its revisions in its own ``versions`` folder and returns that folder's path
  from the ``erp_migration_dirs`` hook. Its first revision has ``down_revision = None``,
  ``branch_labels = ("<plugin name>",)`` and ``depends_on = "core_0001"`` (add the revision of
  any other plugin whose tables it references). Each plugin is thus its own branch, and
  ``erp init`` (``upgrade heads``) applies every branch of the installed plugins.
- ``-x only=NAME`` (``core`` or a plugin name) restricts autogenerate to the tables defined by
  that package's modules, so other plugins' tables never leak into its revision. With
  ``only=core`` only the core's versions folder is read, so ``core_0001`` can be regenerated
  while plugin revisions depend on it.

Logging is configured from ``alembic.ini`` only when the process has none (the CLI), never
under a test runner or an application that set up its own.
"""

import logging
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from alembic.script.revision import RevisionMap
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
registry = current_app.extensions["erp_plugins"]
only = context.get_x_argument(as_dictionary=True).get("only")
CORE_VERSIONS = Path(__file__).parent / "versions"


def plugin_version_dirs() -> list[str]:
    dirs = []
    for _plugin, result in registry.per_plugin("erp_migration_dirs"):
        items = result if isinstance(result, list | tuple) else [result]
        dirs.extend(str(Path(item).resolve()) for item in items)
    return dirs


def use_version_locations(script) -> None:
    """Point the script directory at the core's and the plugins' versions folders.

    The ScriptDirectory was built before this file ran; its revision map is loaded lazily, so
    replacing the locations (and the memoised paths and map) here takes effect for this run.
    """
    locations = [str(CORE_VERSIONS.resolve())]
    if only != "core":
        locations += plugin_version_dirs()
    script.version_locations = locations
    script.__dict__.pop("_version_locations", None)
    script.revision_map = RevisionMap(script._load_revisions)


def table_owners() -> dict[str, str]:
    """Table name -> ``core`` or the plugin whose package defines the model (or the model
    that uses it as a relationship's secondary table)."""
    packages = {
        registry.pm.get_plugin(name).__name__: name
        for name in registry.order
        if registry.pm.get_plugin(name) is not None
    }
    packages["core"] = "core"

    def owner(module: str) -> str | None:
        for package, name in packages.items():
            if module == package or module.startswith(package + "."):
                return name
        return None

    owners = {}
    for mapper in db.Model.registry.mappers:
        name = owner(mapper.class_.__module__)
        for table in mapper.tables:
            owners.setdefault(table.name, name)
        for rel in mapper.relationships:
            if rel.secondary is not None:
                owners.setdefault(rel.secondary.name, name)
    return owners


def include_object_for(target: str):
    owners = table_owners()

    def include_object(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is None or owners.get(table.name) == target

    return include_object


def process_revision_directives(ctx, revision, directives):
    # No empty revision file when autogenerate finds nothing to do.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    # Batch mode ("move and copy") is how SQLite alters tables; harmless on PostgreSQL.
    conf_args.setdefault("render_as_batch", True)
    if only:
        conf_args["include_object"] = include_object_for(only)
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


use_version_locations(context.script)
if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
