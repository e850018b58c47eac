"""Admin screen of the job records: failures visible and re-queueable."""

from flask import flash
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.admin.views import ErpModelView
from core.extensions import db
from core.jobs import retry
from core.models.jobs import JobRecord, JobStatus
from core.permissions import has_permission


class JobView(ErpModelView):
    permission = "core.jobs.view"
    edit_permission = "core.jobs.manage"
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_list = (
        "id",
        "kind",
        "subject",
        "queue",
        "status",
        "attempts",
        "enqueued_at",
        "finished_at",
        "error",
    )
    column_filters = ("status", "kind", "queue", "enqueued_at")
    column_default_sort = ("id", True)
    column_formatters = {"error": lambda v, c, m, n: (m.error or "").splitlines()[-1:]}

    @action("retry", _l("Re-queue"), _l("Re-queue the selected failed jobs?"))
    def action_retry(self, ids):
        if not has_permission(self.edit_permission):
            flash(_("You may not re-queue jobs."), "error")
            return
        rows = db.session.scalars(
            select(JobRecord).where(
                JobRecord.id.in_([int(i) for i in ids]), JobRecord.status == JobStatus.failed
            )
        )
        count = 0
        for record in rows:
            retry(record)
            count += 1
        flash(_("%(count)s job(s) re-queued.", count=count))


def job_views():
    return [JobView(JobRecord, name=_l("Jobs"), category=_l("System"), endpoint="jobs")]
