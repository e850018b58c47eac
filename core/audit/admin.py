"""The audit log screen: read-only, filtered, scoped to the company by the ORM."""

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.admin.views import ErpModelView
from core.models.audit import AuditEntry

PERMISSION = "core.audit.view"


def _changes(view, context, model, name):
    lines = (
        f"{escape(field)}: {escape(_shown(old))} → {escape(_shown(new))}"
        for field, (old, new) in sorted((model.changes or {}).items())
    )
    return Markup("<br>".join(lines))


def _shown(value) -> str:
    return "∅" if value is None else str(value)


class AuditView(ErpModelView):
    """Nothing here edits: the log is append-only (CS-18: nothing destroyed unapproved)."""

    permission = PERMISSION
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_list = ("at", "user.email", "action", "model", "record_id", "changes")
    column_filters = ("model", "action", "user.email", "at", "record_id")
    column_default_sort = ("at", True)
    column_formatters = {"changes": _changes}
    column_formatters_detail = {"changes": _changes}
    column_labels = {
        "at": _l("At (UTC)"),
        "user.email": _l("User"),
        "action": _l("Action"),
        "model": _l("Table"),
        "record_id": _l("Record"),
        "changes": _l("Changes"),
    }


def audit_views():
    return [AuditView(AuditEntry, name=_l("Audit log"), category=_l("Company"), endpoint="audit")]
