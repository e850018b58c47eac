"""Order screens: the list with filters, the order form, one order (versions, approval status,
void, cooling-off refund), the review checklist (SAL-21), the purchase plan (SAL-16) and the
changes to orders (SAL-22–25); the menu also lists special offers and flagged orders."""

from decimal import Decimal, InvalidOperation

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core import approvals
from core.admin.views import forbidden
from core.documents import add_document
from core.duties import today
from core.extensions import db
from core.letters import render_letter
from core.models import User
from core.permissions import PermissionDenied, has_permission
from core.plugins.state import get_settings
from plugins.sales import mortgage_calc as mc
from plugins.sales.display import CHANGE_KINDS, SalesView
from plugins.sales.models import Building, Customer, Unit, UnitState
from plugins.sales.orders import CREATE, REVIEW, VIEW, VOID, changes, review, services
from plugins.sales.orders.api import OrderInput, PlanInput, order_query
from plugins.sales.orders.change_api import ChangeInput, change_query
from plugins.sales.orders.flagged import FlaggedOrdersView
from plugins.sales.orders.models import (
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    DepositKind,
    Order,
    OrderStatus,
    PaymentMethod,
)
from plugins.sales.orders.plans import plan_letter, purchase_plan
from plugins.sales.orders.special_offers import SpecialOffersView

T = "sales/orders/"
CATEGORY = _l("Sales")


def _form(schema) -> dict:
    """The submitted form through the API's schema (blank fields dropped)."""
    data = {
        k: v for k, v in request.form.items() if k not in ("csrf_token", "pdf") and v.strip() != ""
    }
    if "co_buyers" in data:
        data["co_buyers"] = [n.strip() for n in data["co_buyers"].split(",") if n.strip()]
    return schema.load(data)


def _require(permission: str):
    if not has_permission(permission):
        forbidden(permission)


def _buildings() -> list[Building]:
    return db.session.scalars(select(Building).order_by(Building.name)).all()


def _reps() -> list[User]:
    """Whoever holds orders in the company: the filter offers the reps of its orders (users
    are not company rows, so they are found through the orders)."""
    ids = select(Order.rep_id).distinct().scalar_subquery()
    return db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.name)).all()


class OrdersView(SalesView):
    permission = VIEW

    def _order(self, order_id: int) -> Order:
        order = db.session.get(Order, order_id)
        if order is None or order.company_id != g.erp_company.id:
            abort(404)
        return order

    @expose("/")
    def index_view(self):  # the name the board's unit page links to
        args = request.args.to_dict()
        try:
            query = order_query(args)
        except ValidationError as exc:
            flash(str(exc.messages), "error")
            query = order_query({})
        label = args.get("flt_unit") or args.get("unit")
        orders = [
            o for o in db.session.scalars(query.limit(200)) if not label or label in o.unit.label
        ]
        return self.render(
            T + "list.html",
            orders=orders,
            args=args,
            buildings=_buildings(),
            reps=_reps(),
            statuses=list(OrderStatus),
            may_create=has_permission(CREATE),
        )

    @expose("/new", methods=("GET", "POST"))
    def new(self):
        _require(CREATE)
        errors, status = {}, 200
        if request.method == "POST":
            try:
                order = services.place_order(g.erp_company, g.erp_user, _form(OrderInput()))
            except ValidationError as exc:
                db.session.rollback()
                errors, status = exc.messages, 400
            except services.OrderRefused as exc:
                errors, status = {"unit_id": [str(exc)]}, 409
            else:
                flash(_("Order #%(id)d written.", id=order.id), "success")
                return redirect(url_for(".order", order_id=order.id))
        units = db.session.scalars(
            select(Unit)
            .where(Unit.state.in_((UnitState.available, UnitState.held)))
            .order_by(Unit.building_id, Unit.floor, Unit.room)
            .limit(500)
        ).all()
        customers = db.session.scalars(select(Customer).order_by(Customer.code).limit(500)).all()
        return self.render(
            T + "form.html",
            units=units,
            customers=customers,
            methods=list(PaymentMethod),
            kinds=list(DepositKind),
            form=request.form,
            errors=errors,
            selected=request.args.get("unit", type=int),
        ), status

    @expose("/<int:order_id>")
    def order(self, order_id):
        order = self._order(order_id)
        settings = get_settings(g.erp_company, "sales")
        return self.render(
            T + "order.html",
            order=order,
            requests=approvals.history(services.OWNER, order.id),
            cooling_off_ends=services.cooling_off_ends(settings, order),
            may_void=has_permission(VOID),
            may_refund=has_permission(CREATE),
            may_review=has_permission(REVIEW),
            holding=order.status in (OrderStatus.active, OrderStatus.pending_approval),
        )

    def _act(self, order_id, action):
        order = self._order(order_id)
        try:
            action(order)
        except PermissionDenied as exc:
            forbidden(exc.permission)
        except (ValidationError, services.OrderRefused) as exc:
            db.session.rollback()
            flash(str(getattr(exc, "messages", exc)), "error")
        return redirect(url_for(".order", order_id=order_id))

    @expose("/<int:order_id>/void", methods=("POST",))
    def void(self, order_id):
        reason = request.form.get("reason", "")
        return self._act(order_id, lambda o: services.void_order(o, g.erp_user, reason))

    @expose("/<int:order_id>/refund", methods=("POST",))
    def refund(self, order_id):
        _require(CREATE)
        return self._act(order_id, lambda o: services.cooling_off_refund(o, g.erp_user))

    @expose("/<int:order_id>/review", methods=("GET", "POST"))
    def review(self, order_id):
        _require(REVIEW)
        order = self._order(order_id)
        if request.method == "POST":
            overrides = {
                key: {
                    "passed": request.form.get(f"{key}_passed") == "1",
                    "note": request.form.get(f"{key}_note", ""),
                }
                for key in review.CHECKS
            }
            recorded = review.record_review(order, g.erp_user, overrides)
            verdict = _("passed") if recorded.passed else _("failed")
            flash(_("Review recorded: %(v)s.", v=verdict), "success")
            return redirect(url_for(".order", order_id=order_id))
        return self.render(T + "review.html", order=order, checks=review.proposed_checks(order))

    @expose("/plan", methods=("GET", "POST"))
    def plan(self):
        plan, errors = None, {}
        if request.method == "POST":
            try:
                values = _form(PlanInput())
                unit = db.session.get(Unit, values.pop("unit_id"))
                if unit is None or unit.company_id != g.erp_company.id:
                    raise ValidationError({"unit_id": [_("No such unit.")]})
                name = values.pop("customer_name")
                args = {k: v for k, v in values.items() if v is not None}
                plan = purchase_plan(get_settings(g.erp_company, "sales"), unit, **args)
            except mc.LoanError as exc:
                errors = {"down_pct": [str(exc)]}
            except ValidationError as exc:
                errors = exc.messages
            if plan is not None and request.form.get("pdf"):
                pdf = render_letter(plan_letter(plan, g.erp_company, name))
                response = make_response(pdf)
                response.headers["Content-Type"] = "application/pdf"
                response.headers["Content-Disposition"] = f"inline; filename=plan-{unit.id}.pdf"
                return response
        units = db.session.scalars(
            select(Unit).order_by(Unit.building_id, Unit.floor, Unit.room).limit(1000)
        ).all()
        return self.render(
            T + "plan.html",
            plan=plan,
            errors=errors,
            units=units,
            form=request.form,
            methods=list(PaymentMethod),
            loan_kinds=list(mc.LoanKind),
            loan_methods=list(mc.Method),
            today=today(),
        )


class OrderChangesView(SalesView):
    """Swaps, refunds, name and layout changes (SAL-22–25): ask, follow, price, inspect."""

    permission = VIEW

    def _change(self, change_id: int) -> ChangeRequest:
        change = db.session.get(ChangeRequest, change_id)
        if change is None or change.company_id != g.erp_company.id:
            abort(404)
        return change

    @expose("/")
    def index_view(self):
        args = request.args.to_dict()
        found = db.session.scalars(change_query(args).limit(200)).all()
        return self.render(
            T + "changes/list.html",
            changes=found,
            args=args,
            kinds=CHANGE_KINDS,
            statuses=list(ChangeStatus),
            buildings=_buildings(),
        )

    @expose("/new", methods=("GET", "POST"))
    def new(self):
        _require(CREATE)
        order = OrdersView._order(self, request.values.get("order", type=int) or 0)
        kind = request.values.get("kind", "swap")
        if kind not in [str(k) for k in ChangeKind]:
            abort(404)
        errors, status = {}, 200
        if request.method == "POST":
            try:
                values = change_form(order, _form(ChangeInput()))
                change = changes.request_change(order, g.erp_user, kind, values)
            except ValidationError as exc:
                db.session.rollback()
                errors, status = exc.messages, 400
            except services.OrderRefused as exc:
                db.session.rollback()
                errors, status = {"_": [str(exc)]}, exc.status
            else:
                flash(_("Change #%(id)d sent for approval.", id=change.id), "success")
                return redirect(url_for(".change", change_id=change.id))
        units = db.session.scalars(
            select(Unit)
            .where(Unit.state.in_((UnitState.available, UnitState.held)), Unit.id != order.unit_id)
            .order_by(Unit.building_id, Unit.floor, Unit.room)
            .limit(500)
        ).all()
        return self.render(
            T + "changes/form.html",
            order=order,
            kind=kind,
            units=units,
            form=request.form,
            errors=errors,
        ), status

    @expose("/<int:change_id>")
    def change(self, change_id):
        change = self._change(change_id)
        return self.render(
            T + "changes/change.html",
            change=change,
            kinds=CHANGE_KINDS,
            requests=approvals.history(changes.OWNER, change.id),
        )

    def _act(self, change_id, action):
        change = self._change(change_id)
        try:
            action(change)
        except (ValidationError, services.OrderRefused) as exc:
            db.session.rollback()
            flash(str(getattr(exc, "messages", exc)), "error")
        return redirect(url_for(".change", change_id=change_id))

    @expose("/<int:change_id>/fee", methods=("POST",))
    def fee(self, change_id):
        fee = request.form.get("fee", "")
        return self._act(change_id, lambda c: changes.set_fee(c, g.erp_user, _decimal(fee)))

    @expose("/<int:change_id>/inspection", methods=("POST",))
    def inspection(self, change_id):
        passed, note = request.form.get("passed") == "1", request.form.get("note", "")
        return self._act(change_id, lambda c: changes.inspect(c, g.erp_user, passed, note))


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ValidationError({"fee": [_("Not a number.")]}) from None


def change_form(order: Order, values: dict) -> dict:
    """The two identity scans of a name change are filed on the order first (SAL-24)."""
    for field in ("old_identity", "new_identity"):
        upload = request.files.get(field)
        if upload and upload.filename:
            document = add_document(
                "sales_order", order.id, "identity", upload.filename, upload.read(), g.erp_user
            )
            values[f"{field}_id"] = document.id
    return values


def views():
    return [
        OrdersView(
            name=_l("Orders"),
            category=CATEGORY,
            endpoint="sales_orders",
            url="/admin/sales_orders/",
        ),
        OrderChangesView(
            name=_l("Order changes"),
            category=CATEGORY,
            endpoint="sales_order_changes",
            url="/admin/sales_order_changes/",
        ),
        SpecialOffersView(
            name=_l("Special offers"),
            category=CATEGORY,
            endpoint="sales_special_offers",
            url="/admin/sales_special_offers/",
        ),
        FlaggedOrdersView(
            name=_l("Flagged orders"),
            category=CATEGORY,
            endpoint="sales_flagged_orders",
            url="/admin/sales_flagged_orders/",
        ),
    ]
