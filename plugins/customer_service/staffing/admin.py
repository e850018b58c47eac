"""Customer-service screens: the households and their reps (CS-01), staffing per project
(CS-02); surveys and segments (CS-21) are in ``segments_admin``."""

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core.admin.views import ErpView, forbidden
from core.extensions import db
from core.models import Project, User
from core.permissions import has_permission
from plugins.customer_service.models import Household
from plugins.customer_service.staffing import ASSIGN, VIEW, segments, services
from plugins.customer_service.staffing.api import household_query
from plugins.customer_service.staffing.report import staffing

CATEGORY = _l("Customer service")
T = "customer_service/staffing/"
PER_PAGE = 100


def _require(permission: str) -> None:
    if not has_permission(permission):
        forbidden(permission)


def _projects():
    return db.session.scalars(select(Project).order_by(Project.name)).all()


def _project(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None or project.company_id != g.erp_company.id:
        abort(404)
    return project


def _users(ids) -> dict[int, User]:
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(set(ids))))}


def _flash_errors(exc: ValidationError) -> None:
    for messages in exc.normalized_messages().values():
        for message in messages if isinstance(messages, list) else [messages]:
            flash(message, "error")


class HouseholdsView(ErpView):
    """Every household with its customer and rep; a manager gives one to another rep."""

    permission = VIEW

    @expose("/")
    def index(self):
        project_id = request.args.get("project", type=int)
        rep_id = request.args.get("rep", type=int)
        page = max(1, request.args.get("page", 1, type=int))
        query = household_query(project_id, rep_id)
        rows = db.session.scalars(query.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
        may_assign = has_permission(ASSIGN)
        pools = {}
        if may_assign:
            for project in {h.project_id for h in rows}:
                pools[project] = services.pool_ids(g.erp_company.id, project)
        reps = db.session.scalars(
            select(User)
            .where(User.id.in_(select(Household.rep_id).distinct()))
            .order_by(User.name, User.email)
        ).all()
        return self.render(
            T + "households.html",
            rows=rows[:PER_PAGE],
            more=len(rows) > PER_PAGE,
            page=page,
            projects=_projects(),
            reps=reps,
            project_id=project_id,
            rep_id=rep_id,
            pools=pools,
            users=_users(i for pool in pools.values() for i in pool),
            may_assign=may_assign,
        )

    @expose("/<int:household_id>/reassign", methods=("POST",))
    def reassign(self, household_id):
        _require(ASSIGN)
        household = db.session.get(Household, household_id)
        if household is None or household.company_id != g.erp_company.id:
            abort(404)
        rep = db.session.get(User, request.form.get("rep_id", type=int) or 0)
        try:
            if rep is None:
                raise ValidationError({"rep_id": [_("Choose a rep.")]})
            services.reassign(g.erp_company, household, rep)
        except ValidationError as exc:
            _flash_errors(exc)
        else:
            flash(
                _("%(unit)s now goes to %(rep)s.", unit=household.unit.label, rep=rep.name),
                "success",
            )
        return redirect(request.form.get("next") or url_for(".index"))


class StaffingView(ErpView):
    """Per project: sold households, required and actual reps, loads, the reps serving it."""

    permission = VIEW

    @expose("/")
    def index(self):
        averages = {row["project"].id: row for row in segments.satisfaction()}
        reports = [staffing(g.erp_company, p) for p in _projects()]
        return self.render(T + "staffing.html", reports=reports, averages=averages)

    @expose("/<int:project_id>")
    def project(self, project_id):
        project = _project(project_id)
        report = staffing(g.erp_company, project)
        named = set(services.named_pool(project.id))
        ids = set(services.cs_rep_ids(g.erp_company.id)) | named | {r.user.id for r in report.reps}
        users = _users(ids)
        return self.render(
            T + "project.html",
            report=report,
            named=named,
            candidates=[users[i] for i in sorted(users)],
            may_assign=has_permission(ASSIGN),
        )

    def _done(self, project_id: int, moved: int):
        flash(_("%(n)s households moved.", n=moved), "success")
        return redirect(url_for(".project", project_id=project_id))

    @expose("/<int:project_id>/pool", methods=("POST",))
    def pool(self, project_id):
        _require(ASSIGN)
        project = _project(project_id)
        ids = [int(i) for i in request.form.getlist("user_ids") if i.isdigit()]
        try:
            moved = services.set_pool(g.erp_company, project, ids)
        except ValidationError as exc:
            _flash_errors(exc)
            return redirect(url_for(".project", project_id=project_id))
        return self._done(project_id, moved)

    @expose("/<int:project_id>/rebalance", methods=("POST",))
    def rebalance(self, project_id):
        _require(ASSIGN)
        return self._done(project_id, services.rebalance(g.erp_company, _project(project_id)))

    @expose("/<int:project_id>/leave/<int:user_id>", methods=("POST",))
    def leave(self, project_id, user_id):
        _require(ASSIGN)
        rep = db.session.get(User, user_id) or abort(404)
        return self._done(project_id, services.rep_leaves(g.erp_company, rep))


def views() -> list:
    from plugins.customer_service.staffing.segments_admin import views as segment_views

    return [
        HouseholdsView(name=_l("Households"), category=CATEGORY, endpoint="cs_households"),
        StaffingView(name=_l("Staffing"), category=CATEGORY, endpoint="cs_staffing"),
        *segment_views(),
    ]
