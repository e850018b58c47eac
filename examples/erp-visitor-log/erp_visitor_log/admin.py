"""The admin screen: gated by the plugin's enablement and by its permissions."""

from flask_babel import lazy_gettext as _l

from core.admin.views import ErpModelView


class VisitorNoteView(ErpModelView):
    permission = "visitor_log.view"
    edit_permission = "visitor_log.edit"
    column_list = ("project", "text", "created_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("text",)
    form_columns = ("project", "text")
    column_labels = {"project": _l("Project"), "text": _l("Note"), "created_at": _l("Written")}
