"""The core's own admin screens, registered by :func:`core_views`."""

from flask import g
from flask_babel import lazy_gettext as _l

from core.admin.access_views import LOCALES, ServiceCreateMixin, access_views
from core.admin.plugins_view import PluginsView
from core.admin.views import ErpModelView
from core.extensions import db
from core.models import Company, Project
from core.services.companies import create_company


class ProjectView(ErpModelView):
    permission = "core.projects.view"
    edit_permission = "core.projects.edit"
    can_view_details = True
    column_list = ("name", "type", "region_code")
    column_filters = ("type", "region_code")
    column_searchable_list = ("name",)
    form_columns = ("name", "type", "region_code")
    column_labels = {"name": _l("Name"), "type": _l("Type"), "region_code": _l("Region code")}


class CompanyView(ServiceCreateMixin, ErpModelView):
    """Project companies of the group: for group administrators only."""

    permission = "core.companies.manage"
    can_delete = False  # a company owns every business row; it is never deleted here
    column_list = ("code", "name", "region_code", "default_locale", "group")
    column_searchable_list = ("code", "name")
    form_columns = ("group", "code", "name", "region_code", "default_locale")
    form_choices = {"default_locale": LOCALES}
    column_labels = {
        "code": _l("Code"),
        "name": _l("Name"),
        "region_code": _l("Region code"),
        "default_locale": _l("Default language"),
        "group": _l("Group"),
    }

    def refusal(self):
        # The permission is never granted through a company role; check the flag as well.
        reason = super().refusal()
        if reason is None and not g.erp_user.is_group_admin:
            return self.permission
        return reason

    def get_edit_form(self):
        # The code and the group are fixed once the company exists.
        form = super().get_edit_form()
        del form.group, form.code
        return form

    def create_record(self, form):
        company = create_company(
            form.group.data, form.code.data.strip(), form.name.data, form.region_code.data
        )
        company.default_locale = form.default_locale.data
        db.session.commit()
        return company


def core_views():
    company = _l("Company")
    return [
        ProjectView(Project, name=_l("Projects"), category=company, endpoint="projects"),
        CompanyView(Company, name=_l("Companies"), category=_l("Group"), endpoint="companies"),
        *access_views(),
        PluginsView(name=_l("Plugins"), category=_l("Administration"), endpoint="plugins"),
    ]
