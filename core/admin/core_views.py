"""The core's own admin screens."""

from flask_babel import lazy_gettext as _l

from core.admin.views import ErpModelView
from core.models import Project


class ProjectView(ErpModelView):
    permission = "core.projects.view"
    edit_permission = "core.projects.edit"
    column_list = ("name", "type", "region_code")
    column_filters = ("type", "region_code")
    column_searchable_list = ("name",)
    form_columns = ("name", "type", "region_code")
    column_labels = {"name": _l("Name"), "type": _l("Type"), "region_code": _l("Region code")}


def core_views():
    return [ProjectView(Project, name=_l("Projects"), category=_l("Company"), endpoint="projects")]
