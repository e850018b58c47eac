"""Satisfaction surveys and segment tags (CS-21): lists, recording through the services."""

from flask import g
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from core.admin.access_views import ServiceCreateMixin
from core.admin.labels import label
from core.admin.views import ErpModelView
from plugins.customer_service.staffing import SURVEY, VIEW, segments
from plugins.customer_service.staffing.models import Segment, SegmentTag, Survey

CATEGORY = _l("Customer service")


def _name(user) -> str:
    return (user.name or user.email) if user is not None else ""


def _customer_id(form):
    return form.customer.data.id if form.customer.data is not None else None


CUSTOMER = {"fields": ("name", "code", "phone"), "page_size": 20}


class SurveyView(ServiceCreateMixin, ErpModelView):
    permission, edit_permission = VIEW, SURVEY
    can_edit = can_delete = False  # a survey is a record of what the customer said
    column_list = ("surveyed_on", "customer", "project", "score", "comments", "surveyed_by")
    column_filters = ("project.name", "score", "surveyed_on", "customer.name")
    column_default_sort = [("surveyed_on", True), ("id", True)]
    column_formatters = {"surveyed_by": lambda v, c, m, n: _name(m.surveyed_by)}
    column_formatters_export = column_formatters
    form_columns = ("customer", "surveyed_on", "score", "comments")
    form_ajax_refs = {"customer": CUSTOMER}
    form_overrides = {"score": SelectField}
    scores = [SelectChoice(n, str(n)) for n in segments.SCORES]
    form_args = {"score": {"choices": scores, "coerce": int}}
    column_labels = {
        "surveyed_on": _l("Surveyed on"),
        "customer": _l("Customer"),
        "customer.name": _l("Customer"),
        "project": _l("Project"),
        "project.name": _l("Project"),
        "score": _l("Score (1–5)"),
        "comments": _l("Comments"),
        "surveyed_by": _l("By"),
    }

    def create_record(self, form):
        data = {
            "customer_id": _customer_id(form),
            "surveyed_on": form.surveyed_on.data,
            "score": form.score.data,
            "comments": form.comments.data,
        }
        return segments.record_survey(g.erp_company, g.erp_user, data)


class SegmentTagView(ServiceCreateMixin, ErpModelView):
    permission, edit_permission = VIEW, SURVEY
    can_edit = False  # retag by creating a new tag: it replaces the customer's old one
    column_list = ("customer", "segment", "tagged_by", "tagged_at")
    column_filters = (
        FilterEqual(
            SegmentTag.segment,
            _l("Segment"),
            options=lambda: [(s.value, label(s)) for s in Segment],
        ),
        "customer.name",
    )
    column_formatters = {
        "segment": lambda v, c, m, n: label(m.segment),
        "tagged_by": lambda v, c, m, n: _name(m.tagged_by),
        "tagged_at": lambda v, c, m, n: m.tagged_at.strftime("%Y-%m-%d %H:%M"),
    }
    column_formatters_export = column_formatters
    form_columns = ("customer", "segment")
    form_ajax_refs = {"customer": CUSTOMER}
    form_overrides = {"segment": SelectField}
    column_labels = {
        "customer": _l("Customer"),
        "customer.name": _l("Customer"),
        "segment": _l("Segment"),
        "tagged_by": _l("Tagged by"),
        "tagged_at": _l("Tagged at (UTC)"),
    }

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.segment.choices = [SelectChoice(s.value, label(s)) for s in Segment]
        return form

    def create_record(self, form):
        return segments.tag_customer(
            g.erp_company, g.erp_user, _customer_id(form), form.segment.data
        )

    def delete_model(self, model):
        segments.untag_customer(g.erp_company, model.customer_id)
        return True


def views() -> list:
    return [
        SurveyView(
            Survey, name=_l("Satisfaction surveys"), category=CATEGORY, endpoint="cs_surveys"
        ),
        SegmentTagView(SegmentTag, name=_l("Segments"), category=CATEGORY, endpoint="cs_segments"),
    ]
