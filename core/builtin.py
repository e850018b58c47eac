"""The core's own hook implementations: it is registered as the always-enabled plugin 'core'."""

from flask_babel import lazy_gettext as _l

import core.audit  # noqa: F401 (registers the audit log's session listeners)
from core.hookspecs import hookimpl
from core.permissions import Permission

ADMIN = ("company_admin",)
MANAGERS = ("company_admin", "site_manager", "cs_manager", "vp", "gm")
LETTER_SENDERS = ("company_admin", "cs_rep", "cs_manager", "archive_clerk", "lawyer")


@hookimpl
def erp_permissions():
    return [
        Permission("core.companies.manage", _l("Manage project companies (group admin)")),
        Permission("core.plugins.manage", _l("Enable plugins and change their settings"), ADMIN),
        Permission("core.users.manage", _l("Manage users and memberships"), ADMIN),
        Permission("core.roles.manage", _l("Manage roles and their permissions"), ADMIN),
        Permission("core.projects.view", _l("View projects"), tuple(_all_staff())),
        Permission("core.projects.edit", _l("Create and change projects"), MANAGERS),
        Permission("core.api.tokens", _l("Create API tokens"), ADMIN),
        Permission(
            "core.approvals.view", _l("See approval requests and decide them"), tuple(_all_staff())
        ),
        Permission("core.approvals.manage", _l("Edit approval flows"), ADMIN),
        Permission("core.jobs.view", _l("See background jobs"), ADMIN),
        Permission("core.jobs.manage", _l("Re-queue failed background jobs"), ADMIN),
        Permission("core.duties.view", _l("See periodic duty runs"), ADMIN),
        Permission("core.audit.view", _l("See the audit log"), ADMIN),
        Permission("core.documents.view", _l("See and download documents"), tuple(_all_staff())),
        Permission("core.documents.upload", _l("Upload documents"), tuple(_all_staff())),
        Permission("core.letters.view", _l("See letters and download them"), tuple(_all_staff())),
        Permission("core.letters.send", _l("Record mailings of letters"), LETTER_SENDERS),
        # National data shared by every company: group admins only unless granted.
        Permission("core.calendar.manage", _l("Load official holiday schedules (group admin)")),
    ]


def _all_staff():
    from core.permissions import DEFAULT_ROLES

    return [r for r in DEFAULT_ROLES if r not in ("owner", "contractor")]


@hookimpl
def erp_admin_views():
    from core.admin.core_views import core_views
    from core.approvals.admin import approval_views
    from core.audit.admin import audit_views
    from core.calendar.admin import calendar_views
    from core.documents.admin import document_views
    from core.duties.admin import duty_views
    from core.jobs.admin import job_views
    from core.letters.admin import letter_views

    views = core_views() + calendar_views() + job_views() + duty_views() + approval_views()
    return views + audit_views() + document_views() + letter_views()


@hookimpl
def erp_api_blueprints():
    from core.api.core_endpoints import bp
    from core.approvals.api import bp as approvals_bp
    from core.documents.api import bp as documents_bp
    from core.letters.api import bp as letters_bp

    return [bp, approvals_bp, documents_bp, letters_bp]


@hookimpl
def erp_api_schemas(spec):
    from core.api.core_endpoints import register_openapi
    from core.approvals.api import register_openapi as approvals_openapi
    from core.documents.api import register_openapi as documents_openapi
    from core.letters.api import register_openapi as letters_openapi

    register_openapi(spec)
    approvals_openapi(spec)
    documents_openapi(spec)
    letters_openapi(spec)


@hookimpl
def erp_cli_commands(cli):
    from core.calendar.cli import calendar
    from core.duties.cli import register as register_duties
    from core.jobs.cli import jobs, worker

    cli.add_command(worker)
    cli.add_command(jobs)
    cli.add_command(calendar)
    register_duties(cli)


@hookimpl
def erp_approval_flows(company):
    # SPEC CS-18: nothing in a customer's archive is destroyed without VP approval.
    return [
        {
            "doc_type": "core.document_deletion",
            "name": "Destroying an archived document",
            "steps": [{"name": "VP approval", "roles": ["vp"]}],
        }
    ]


@hookimpl
def erp_letter_templates(company):
    from core.letters.production import core_letter_kinds

    return core_letter_kinds()


@hookimpl
def erp_approval_decided(request):
    from core.documents.service import approval_decided

    approval_decided(request)


@hookimpl
def erp_plugin_enabled(company, plugin):
    # A plugin's default approval flows (its SPEC routes) arrive with it; edited flows stay.
    from core.approvals import install_default_flows

    install_default_flows(company)
