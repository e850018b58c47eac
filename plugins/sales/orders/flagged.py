"""The "Flagged orders" screen of customer service (SAL-18): orders past their signing date
without a contract, each a task for the team until handled or settled by itself."""

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.duties import today
from core.extensions import db
from core.models import User
from plugins.sales.display import SalesView
from plugins.sales.models import Building, Unit
from plugins.sales.orders import REVIEW
from plugins.sales.orders.models import Order, ServiceTask
from plugins.sales.orders.past_signing import handle_task

SHOWN = ("open", "done", "all")


class FlaggedOrdersView(SalesView):
    permission = REVIEW

    @expose("/")
    def index(self):
        args = request.args.to_dict()
        shown = args.get("shown") if args.get("shown") in SHOWN else "open"
        query = (
            select(ServiceTask)
            .join(Order, Order.id == ServiceTask.order_id)
            .join(Unit, Unit.id == Order.unit_id)
            .order_by(ServiceTask.raised_on.desc(), ServiceTask.id.desc())
        )
        if shown == "open":
            query = query.where(ServiceTask.done_on.is_(None))
        elif shown == "done":
            query = query.where(ServiceTask.done_on.is_not(None))
        building_id = request.args.get("building_id", type=int)
        if building_id:
            query = query.where(Unit.building_id == building_id)
        rep_id = request.args.get("rep_id", type=int)
        if rep_id:
            query = query.where(Order.rep_id == rep_id)
        reps = select(Order.rep_id).join(ServiceTask, ServiceTask.order_id == Order.id)
        return self.render(
            "sales/orders/flagged.html",
            tasks=db.session.scalars(query.limit(500)).all(),
            shown=shown,
            building_id=building_id,
            rep_id=rep_id,
            buildings=db.session.scalars(select(Building).order_by(Building.name)).all(),
            reps=db.session.scalars(
                select(User).where(User.id.in_(reps.scalar_subquery())).order_by(User.name)
            ).all(),
            today=today(),
        )

    @expose("/<int:task_id>/done", methods=("POST",))
    def done(self, task_id):
        task = db.session.get(ServiceTask, task_id)
        if task is None or task.company_id != g.erp_company.id:
            abort(404)
        try:
            handle_task(task, g.erp_user, request.form.get("note", ""))
        except ValidationError as exc:
            db.session.rollback()
            flash(" ".join(exc.messages.get("note", [])), "error")
        else:
            flash(_("Order #%(id)d handled.", id=task.order_id), "success")
        return redirect(url_for(".index"))
