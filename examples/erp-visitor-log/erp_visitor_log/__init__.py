"""Visitor log: an example third-party ERP plugin (see ``docs/plugins.md`` of the ERP).

It shows every part a plugin may have: a manifest with a settings schema, a model owned by a
company, an Alembic branch, permissions, an admin view, an API blueprint with its OpenAPI
description, and a reaction to a core event (a project was created).
"""

from pathlib import Path

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.admin.views import PluginHomeView
from core.extensions import db
from core.hookspecs import hookimpl
from core.permissions import Permission
from core.plugins import Manifest
from core.plugins import state as plugin_state
from erp_visitor_log.models import VisitorNote

NAME = "visitor_log"
VIEW = "visitor_log.view"
EDIT = "visitor_log.edit"
# Default roles (SPEC actors) holding each permission in a new company.
READERS = ("sales_rep", "site_manager", "company_admin")
WRITERS = ("site_manager", "company_admin")


class VisitorLogSettings(Schema):
    # The first note of every new project; ``{project}`` is replaced by the project's name.
    greeting = fields.String(
        load_default="Visitor log opened for {project}.",
        validate=validate.Length(min=1, max=200),
    )


manifest = Manifest(
    name=NAME,
    version="0.1.0",
    label=_l("Visitor log"),
    settings=VisitorLogSettings,
    description=_l("Notes about the visitors of each project (an example plugin)."),
)


@hookimpl
def erp_permissions():
    return [
        Permission(VIEW, _l("Read the visitor log"), READERS),
        Permission(EDIT, _l("Write the visitor log"), WRITERS),
    ]


@hookimpl
def erp_migration_dirs():
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def erp_admin_views():
    from erp_visitor_log.admin import VisitorNoteView

    return [
        PluginHomeView(manifest, VIEW),
        VisitorNoteView(
            VisitorNote, name=_l("Notes"), category=manifest.label, endpoint="visitor_log_notes"
        ),
    ]


@hookimpl
def erp_api_blueprints():
    from erp_visitor_log.api import bp

    return [bp]


@hookimpl
def erp_api_schemas(spec):
    from erp_visitor_log.api import register_openapi

    register_openapi(spec)


@hookimpl
def erp_project_created(project):
    """Open the new project's log; called only where this plugin is enabled."""
    greeting = plugin_state.get_settings(project.company, NAME)["greeting"]
    db.session.add(
        VisitorNote(
            company_id=project.company_id,
            project=project,
            text=greeting.replace("{project}", project.name),
        )
    )
