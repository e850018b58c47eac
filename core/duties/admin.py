"""Admin screen of the duty runs: what ran for which period, what failed and why."""

import json

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.admin.views import ErpModelView
from core.models.duties import DutyRun


def _outcome(view, context, model, name):
    if not model.outcome:
        return ""
    shown = {k: v for k, v in model.outcome.items() if k != "traceback"}
    text = json.dumps(shown, ensure_ascii=False, sort_keys=True)
    return Markup("<code>%s</code>") % escape(text)


class DutyRunView(ErpModelView):
    permission = "core.duties.view"
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True  # the details page shows the whole outcome, traceback included
    column_list = (
        "duty_key",
        "period_key",
        "due_date",
        "status",
        "attempts",
        "started_at",
        "finished_at",
        "outcome",
    )
    column_labels = {
        "duty_key": _l("Duty"),
        "period_key": _l("Period"),
        "due_date": _l("Due date"),
        "status": _l("Status"),
        "attempts": _l("Attempts"),
        "started_at": _l("Started"),
        "finished_at": _l("Finished"),
        "outcome": _l("Outcome"),
    }
    column_filters = ("duty_key", "status", "period_key", "due_date")
    column_searchable_list = ("duty_key", "period_key")
    column_default_sort = [("due_date", True), ("id", True)]
    column_formatters = {"outcome": _outcome}


def duty_views():
    return [DutyRunView(DutyRun, name=_l("Duty runs"), category=_l("System"), endpoint="duty_runs")]
