"""Hook specifications: the whole contract between the core and the plugins.

A plugin module implements any of these with ``@hookimpl``. Hooks marked *per company* are
called only for the plugins enabled in the company concerned (see
:meth:`core.plugins.PluginRegistry.hooks_for`); the others are called once at start-up for every
installed plugin. Each hook has a test ``test_hook_<name>`` and a section in ``docs/plugins.md``.
"""

import pluggy

hookspec = pluggy.HookspecMarker("erp")
hookimpl = pluggy.HookimplMarker("erp")


# --- Start-up: what a plugin brings -------------------------------------------------------


@hookspec
def erp_permissions():
    """Return the :class:`core.permissions.Permission` objects this plugin declares.

    Called at start-up. Each permission names the default roles (SPEC actors) that hold it
    when a company is created or the plugin's roles are synchronised.
    """


@hookspec
def erp_migration_dirs():
    """Return the path of this plugin's Alembic ``versions`` folder.

    Called by ``erp init`` / ``flask db upgrade``. The plugin's first revision carries a
    ``branch_labels`` entry with the plugin's name and ``depends_on`` the core's base revision,
    so installing the plugin and running the upgrade adds its tables.
    """


@hookspec
def erp_admin_views():
    """Return Flask-Admin views (instances of :class:`core.admin.views.ErpModelView` or
    :class:`core.admin.views.ErpView`), each with a ``permission`` attribute.

    Called once at start-up. The core tags each view with the plugin that returned it: for a
    company where the plugin is disabled, the view is absent from the menu and answers 404.
    """


@hookspec
def erp_api_blueprints():
    """Return Flask blueprints mounted under ``/api/v1``.

    Called once at start-up. Requests to them answer 404 for a company where the plugin is
    disabled. Use :func:`core.api.require_permission` and the marshmallow helpers of
    :mod:`core.api` for validation, errors and pagination.
    """


@hookspec
def erp_api_schemas(spec):
    """Add this plugin's marshmallow schemas and paths to the OpenAPI ``spec``
    (an ``apispec.APISpec``) served at ``/api/v1/openapi.json``."""


@hookspec
def erp_cli_commands(cli):
    """Add click commands or groups to the ``erp`` command group ``cli``."""


# --- Per company: declarations the core services read -------------------------------------


@hookspec
def erp_approval_flows(company):
    """Return the default approval flows this plugin ships (SPEC routes), per company.

    A list of dicts in the shape of :class:`core.approvals.schemas.FlowSchema`, e.g.
    ``{"doc_type": "sales.discount", "name": "...", "steps": [{"name": "VP", "roles": ["vp"],
    "condition": {"field": "discount_pct", "op": ">", "value": "1"}}]}``.
    :func:`core.approvals.install_default_flows` creates those a company lacks; admins then
    edit them per company.
    """


@hookspec
def erp_duties(company):
    """Return the periodic duties this plugin runs for ``company``: a list of
    :class:`core.duties.Duty` (key, schedule such as ``Daily()`` or ``Weekly(4)``, function,
    label). The function is called as ``function(company, period)`` with a
    :class:`core.duties.Period` (``key``, ``date``) once per period per company, inside the
    transaction that marks the period done; it must not commit."""


@hookspec
def erp_letter_templates(company):
    """Return the letter kinds this plugin renders: a list of :class:`core.letters.LetterKind`
    (``key``, ``title``, ``build(subject, **context) -> LetterData``)."""


@hookspec
def erp_settings_changed(company, plugin, old, new):
    """A plugin's settings changed for ``company``; ``old`` and ``new`` are validated dicts.

    Per company: called for the plugins enabled there (the changed plugin included).
    """


# --- Per company: domain events ----------------------------------------------------------


@hookspec
def erp_plugin_enabled(company, plugin):
    """``plugin`` (a name) was enabled for ``company``; called on the plugins then enabled."""


@hookspec
def erp_plugin_disabled(company, plugin):
    """``plugin`` was disabled for ``company``; called on the plugins still enabled."""


@hookspec
def erp_project_created(project):
    """A project (楼盘) was created in ``project.company``. Runs inside the creating transaction:
    rows a plugin adds are committed (or rolled back) with the project."""


@hookspec
def erp_approval_decided(request):
    """An approval request (:class:`core.approvals.ApprovalRequest`) ended: ``request.status``
    is approved, rejected or withdrawn. Per company (``request.company``); check
    ``request.doc_type`` and ``owner_type``/``owner_id`` to find your record. Runs inside the
    deciding transaction: rows a plugin changes are committed (or rolled back) with it.
    """


@hookspec
def erp_user_joined(membership):
    """A user became a member of a company (``membership.company``) with ``membership.roles``."""


@hookspec
def erp_demo_data(company):
    """Load the plugin's demo data into the demo ``company`` (``erp demo``). Called once per
    plugin enabled for it, in dependency order (a plugin finds its dependencies' demo data),
    after the core's demo users and projects exist. Must be idempotent: a second ``erp demo``
    changes nothing. Commit what you add."""
