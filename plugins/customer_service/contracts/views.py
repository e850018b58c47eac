"""Contract screens: the list (filters by status, project, rep), preparing a contract from an
order, one contract (annex checklist, booking, signing, stamp, registration, term changes,
cancellation), the contract ledger and the contracts at risk of the statutory filing clock."""

from datetime import date

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields
from sqlalchemy import select

from core import approvals
from core.admin.views import ErpView, forbidden
from core.duties import today
from core.extensions import db
from core.models import Project, User
from core.permissions import has_permission
from core.plugins.state import get_settings
from plugins.customer_service.contracts import (
    EDIT,
    REGISTER,
    VIEW,
    changes,
    registration,
    services,
    signing,
)
from plugins.customer_service.contracts import cancellation as cancellations
from plugins.customer_service.contracts.ledger import contract_query
from plugins.customer_service.contracts.models import (
    CancelReason,
    ContractCancellation,
    ContractChange,
)
from plugins.customer_service.models import Contract, ContractStatus
from plugins.customer_service.models.contracts import ANNEXES, LIVE_STATUSES
from plugins.sales.models import UnitState
from plugins.sales.orders.models import Order, OrderStatus, PaymentMethod

T = "customer_service/contracts/"
CATEGORY = _l("Customer service")
# The change history also shows the schedule a new payment method rewrote (CS-09); it is no
# term of the change form, so it is not in ``changes.TERM_LABELS``.
CHANGE_LABELS = {**changes.TERM_LABELS, "schedule": _l("Receivables schedule")}


def _require(permission: str):
    if not has_permission(permission):
        forbidden(permission)


def _day(name: str, required: bool = True) -> date | None:
    value = (request.form.get(name) or "").strip()
    if not value:
        if required:
            raise ValidationError({name: [_("A date is required.")]})
        return None
    try:
        return fields.Date().deserialize(value)
    except ValidationError:
        raise ValidationError({name: [_("Not a date (YYYY-MM-DD).")]}) from None


def _recorded(terms: dict) -> list[tuple]:
    """A change's terms before or after as (key, label, value) rows; the schedule's value
    is its list of instalments ("#seq what due amount")."""
    return [(key, CHANGE_LABELS.get(key, key), value) for key, value in terms.items()]


def _filters(args) -> dict:
    return {
        "projects": db.session.scalars(select(Project).order_by(Project.name)).all(),
        "reps": db.session.scalars(
            select(User).where(User.id.in_(select(Contract.rep_id))).order_by(User.email)
        ).all(),
        "statuses": list(ContractStatus),
        "args": args,
    }


def _contracts(args):
    try:
        query = contract_query(args)
    except ValidationError as exc:
        flash(str(exc.messages), "error")
        query = contract_query({})
    return db.session.scalars(query.limit(500)).all()


class ContractsView(ErpView):
    permission = VIEW

    def _contract(self, contract_id: int) -> Contract:
        contract = db.session.get(Contract, contract_id)
        if contract is None or contract.company_id != g.erp_company.id:
            abort(404)
        return contract

    @expose("/")
    def index_view(self):
        args = request.args.to_dict()
        return self.render(
            T + "list.html",
            contracts=_contracts(args),
            may_edit=has_permission(EDIT),
            **_filters(args),
        )

    @expose("/new", methods=("GET", "POST"))
    def new(self):
        _require(EDIT)
        errors, status = {}, 200
        if request.method == "POST":
            order = db.session.get(Order, request.form.get("order_id", type=int) or 0)
            data = {
                k: v.strip()
                for k, v in request.form.items()
                if k in ("address", "termination_days") and v.strip()
            }
            try:
                if order is None or order.company_id != g.erp_company.id:
                    raise ValidationError({"order_id": [_("Choose an order.")]})
                contract = services.prepare_contract(g.erp_company, g.erp_user, order, data)
            except ValidationError as exc:
                db.session.rollback()
                errors, status = exc.messages, 400
            except services.ContractRefused as exc:
                errors, status = exc.fields | {"_": [str(exc)]}, 409
            else:
                flash(_("Contract %(number)s prepared.", number=contract.number), "success")
                return redirect(url_for(".contract", contract_id=contract.id))
        taken = select(Contract.order_id).where(Contract.status.in_(LIVE_STATUSES))
        orders = db.session.scalars(
            select(Order)
            .where(
                Order.status == OrderStatus.active,
                Order.signing_date >= today(),
                Order.id.not_in(taken),
            )
            .order_by(Order.signing_date, Order.id)
            .limit(500)
        ).all()
        orders = [o for o in orders if o.unit.state == UnitState.subscribed]
        return self.render(
            T + "new.html",
            orders=orders,
            form=request.form,
            errors=errors,
            selected=request.values.get("order", type=int),
        ), status

    @expose("/<int:contract_id>")
    def contract(self, contract_id):
        contract = self._contract(contract_id)
        settings = get_settings(g.erp_company, "customer_service")
        on = today()
        change_rows = db.session.scalars(
            select(ContractChange)
            .where(ContractChange.contract_id == contract.id)
            .order_by(ContractChange.id.desc())
        ).all()
        cancellation_rows = db.session.scalars(
            select(ContractCancellation)
            .where(ContractCancellation.contract_id == contract.id)
            .order_by(ContractCancellation.id.desc())
        ).all()
        requests = [
            *(r for c in change_rows for r in approvals.history(changes.OWNER, c.id)),
            *(r for c in cancellation_rows for r in approvals.history(cancellations.OWNER, c.id)),
        ]
        draft = contract.status == ContractStatus.draft
        return self.render(
            T + "contract.html",
            contract=contract,
            annexes=[(key, signing.ANNEX_LABELS[key]) for key in ANNEXES],
            signing_problems=signing.signing_problems(contract, on) if draft else {},
            position=registration.payment_position(contract),
            registration_problems=registration.registration_problems(contract),
            clock=registration.filing_clock(contract, settings, on),
            deadline=registration.filing_deadline(contract, settings),
            terms=changes.current_terms(contract),
            term_labels=changes.TERM_LABELS,
            major=changes.MAJOR,
            methods=list(PaymentMethod),
            changes=[(c, _recorded(c.before), _recorded(c.after)) for c in change_rows],
            cancellations=cancellation_rows,
            reasons=list(CancelReason),
            requests=requests,
            may_edit=has_permission(EDIT),
            may_register=has_permission(REGISTER),
            live=contract.status in LIVE_STATUSES,
        )

    def _act(self, contract_id, action, permission=EDIT, done=""):
        _require(permission)
        contract = self._contract(contract_id)
        try:
            action(contract)
        except ValidationError as exc:
            db.session.rollback()
            flash(_("Not done: %(why)s", why=exc.messages), "error")
        except services.ContractRefused as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            if done:
                flash(done, "success")
        return redirect(url_for(".contract", contract_id=contract_id))

    @expose("/<int:contract_id>/booking", methods=("POST",))
    def booking(self, contract_id):
        def book(contract):
            signing.book_signing(
                contract,
                g.erp_user,
                _day("signing_booked_on"),
                _day("lawyer_told_on", required=False),
            )

        return self._act(contract_id, book, done=_("Signing booked."))

    @expose("/<int:contract_id>/lawyer", methods=("POST",))
    def lawyer(self, contract_id):
        return self._act(
            contract_id,
            lambda c: signing.tell_lawyer(c, g.erp_user, _day("lawyer_told_on", required=False)),
            done=_("The lawyer was told."),
        )

    @expose("/<int:contract_id>/annexes", methods=("POST",))
    def annexes(self, contract_id):
        present = {key: request.form.get(key) == "1" for key in ANNEXES}
        return self._act(
            contract_id,
            lambda c: signing.set_annexes(c, g.erp_user, present),
            done=_("Annex checklist saved."),
        )

    @expose("/<int:contract_id>/sign", methods=("POST",))
    def sign(self, contract_id):
        return self._act(
            contract_id,
            lambda c: signing.sign_contract(c, g.erp_user),
            done=_("Contract signed."),
        )

    @expose("/<int:contract_id>/stamp", methods=("POST",))
    def stamp(self, contract_id):
        return self._act(
            contract_id,
            lambda c: signing.stamp_contract(c, g.erp_user),
            done=_("Stamp recorded."),
        )

    @expose("/<int:contract_id>/register", methods=("POST",))
    def register(self, contract_id):
        return self._act(
            contract_id,
            lambda c: registration.register_contract(c, g.erp_user),
            permission=REGISTER,
            done=_("Contract registered."),
        )

    @expose("/<int:contract_id>/change", methods=("POST",))
    def change(self, contract_id):
        terms = {
            key: value.strip()
            for key, value in request.form.items()
            if key in changes.TERM_LABELS and value.strip()
        }
        values = {"terms": terms, "reason": request.form.get("reason", "")}

        def ask(contract):
            change = changes.request_change(contract, g.erp_user, values)
            if change.major:
                flash(_("Major change sent for approval (CS manager → VP)."), "success")
            else:
                flash(_("Change applied."), "success")

        return self._act(contract_id, ask)

    @expose("/<int:contract_id>/cancel", methods=("POST",))
    def cancel(self, contract_id):
        values = {k: request.form.get(k, "") for k in ("reason_kind", "reason")}
        return self._act(
            contract_id,
            lambda c: cancellations.request_cancellation(c, g.erp_user, values),
            done=_("Cancellation sent for approval."),
        )


class ContractLedgerView(ErpView):
    """The contract ledger (合同台帐) with each contract's dates, and the statutory filing
    clock's contracts at risk (CS-06)."""

    permission = VIEW

    @expose("/")
    def index(self):
        args = request.args.to_dict()
        settings = get_settings(g.erp_company, "customer_service")
        on = today()
        rows = [
            (
                c,
                registration.filing_deadline(c, settings),
                registration.filing_clock(c, settings, on),
            )
            for c in _contracts(args)
        ]
        return self.render(T + "ledger.html", rows=rows, **_filters(args))

    @expose("/at-risk")
    def at_risk(self):
        settings = get_settings(g.erp_company, "customer_service")
        return self.render(
            T + "at_risk.html",
            clocks=registration.at_risk(g.erp_company, today()),
            settings=settings,
        )


def views():
    return [
        ContractsView(
            name=_l("Contracts"),
            category=CATEGORY,
            endpoint="cs_contracts",
            url="/admin/cs_contracts/",
        ),
        ContractLedgerView(
            name=_l("Contract ledger"),
            category=CATEGORY,
            endpoint="cs_contract_ledger",
            url="/admin/cs_contract_ledger/",
        ),
    ]
