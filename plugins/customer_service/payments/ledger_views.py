"""Ledger screens (CS-08, CS-09): the receivables ledger, the sales ledger (销售台帐), the cash
journal (销售流水帐), the customer card, and the advanced mortgage instalments (CS-20)."""

from flask import flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import or_, select

from core import approvals
from core.admin.views import ErpView
from core.duties import today
from core.extensions import db
from core.models import Project, User
from core.permissions import has_permission
from plugins.customer_service.models import Contract
from plugins.customer_service.payments import ADVANCE, FINANCE, NOTICE, VIEW, advances, receipts
from plugins.customer_service.payments.admin import (
    CATEGORY,
    T,
    act,
    flash_errors,
    form_values,
    open_contracts,
    require,
    row_or_404,
)
from plugins.customer_service.payments.ledger import (
    customer_card,
    journal_query,
    receivables_query,
    sales_ledger,
    total,
)
from plugins.customer_service.payments.models import Advance, AdvanceKind
from plugins.customer_service.payments.schemas import AdvanceInput, RefundInput
from plugins.sales.models import Customer

ROWS = 500


def _filters() -> dict:
    return {
        "projects": db.session.scalars(select(Project).order_by(Project.name)).all(),
        "reps": db.session.scalars(
            select(User).join(Contract, Contract.rep_id == User.id).distinct().order_by(User.email)
        ).all(),
        "args": request.args,
    }


def _safely(build, empty):
    """A bad filter is a message, not an error page."""
    try:
        return build()
    except ValidationError as exc:
        flash_errors(exc)
        return empty


class ReceivablesView(ErpView):
    """The receivables ledger (CS-09): every instalment, filtered by overdue, due-by date,
    project and rep."""

    permission = VIEW

    @expose("/")
    def index(self):
        rows = _safely(
            lambda: db.session.scalars(receivables_query(request.args).limit(ROWS)).all(), []
        )
        return self.render(
            T + "receivables.html",
            rows=rows,
            today=today(),
            outstanding=sum((i.outstanding for i in rows), 0),
            **_filters(),
        )


class SalesLedgerView(ErpView):
    """The sales ledger (销售台帐): per contract price, received, outstanding."""

    permission = VIEW

    @expose("/")
    def index(self):
        rows = _safely(lambda: sales_ledger(request.args), [])
        sums = {
            name: total(rows, name)
            for name in ("price", "billed", "paid", "received", "credit", "outstanding", "overdue")
        }
        return self.render(T + "ledger.html", rows=rows, sums=sums, **_filters())


class CashJournalView(ErpView):
    """The cash journal (销售流水帐): one line per money movement, by date and project."""

    permission = VIEW

    @expose("/")
    def index(self):
        lines = _safely(lambda: db.session.scalars(journal_query(request.args)).all(), [])
        return self.render(T + "journal.html", lines=lines, sum=total(lines), **_filters())


class CustomerCardsView(ErpView):
    """The customer card: each contract's schedule (payment method, dates, amounts, paid,
    outstanding), the notices, receipts and money movements."""

    permission = VIEW

    @expose("/")
    def index(self):
        text = request.args.get("q", "").strip()
        # A subquery, not DISTINCT: PostgreSQL cannot compare the customer's JSON columns.
        contracts = select(Contract.customer_id)
        query = select(Customer).order_by(Customer.code).limit(200)
        if text:
            like = f"%{text}%"
            numbered = contracts.where(Contract.number.like(like))
            query = query.where(
                or_(Customer.name.like(like), Customer.code.like(like), Customer.id.in_(numbered))
            )
        query = query.where(Customer.id.in_(contracts))
        customers = db.session.scalars(query).all()
        return self.render(T + "cards.html", customers=customers, q=text)

    @expose("/<int:customer_id>")
    def card(self, customer_id):
        return self.render(
            T + "card.html",
            card=customer_card(row_or_404(Customer, customer_id)),
            may_issue=has_permission(NOTICE),
            may_refund=has_permission(FINANCE),
            may_advance=has_permission(ADVANCE),
        )

    @expose("/contract/<int:contract_id>/credit", methods=("POST",))
    def credit(self, contract_id):
        contract = row_or_404(Contract, contract_id)
        back = url_for(".card", customer_id=contract.customer_id)
        if request.form.get("action") == "refund":

            def refund():
                values = RefundInput().load(form_values("action"))
                receipts.refund_credit(
                    contract, g.erp_user, values["amount"], values["reason"], values["on"]
                )

            return act(refund, back)
        return act(lambda: receipts.use_credit(contract, g.erp_user), back)


class AdvancesView(ErpView):
    """Advanced mortgage instalments (CS-20): ask, and follow each one's approval."""

    permission = VIEW

    @expose("/")
    def index(self):
        rows = db.session.scalars(select(Advance).order_by(Advance.id.desc()).limit(300)).all()
        return self.render(T + "advances.html", advances=rows, may_ask=has_permission(ADVANCE))

    @expose("/new", methods=("GET", "POST"))
    def new(self):
        require(ADVANCE)
        if request.method == "POST":
            try:
                advance = advances.request_advance(
                    g.erp_company, g.erp_user, AdvanceInput().load(form_values())
                )
            except ValidationError as exc:
                db.session.rollback()
                flash_errors(exc)
            else:
                flash(_("Advance #%(id)d sent for approval.", id=advance.id), "success")
                return redirect(url_for(".advance", advance_id=advance.id))
        return self.render(
            T + "advance_form.html",
            contracts=[c for c in open_contracts() if c.payment_method == "mortgage"],
            kinds=list(AdvanceKind),
            form=request.form,
            selected=request.values.get("contract_id", type=int),
        )

    @expose("/<int:advance_id>")
    def advance(self, advance_id):
        advance = row_or_404(Advance, advance_id)
        return self.render(
            T + "advance.html",
            advance=advance,
            requests=approvals.history(advances.OWNER, advance.id),
        )


def ledger_views():
    return [
        ReceivablesView(name=_l("Receivables"), category=CATEGORY, endpoint="cs_receivables"),
        SalesLedgerView(name=_l("Sales ledger"), category=CATEGORY, endpoint="cs_sales_ledger"),
        CashJournalView(name=_l("Cash journal"), category=CATEGORY, endpoint="cs_cash_journal"),
        CustomerCardsView(name=_l("Customer cards"), category=CATEGORY, endpoint="cs_cards"),
        AdvancesView(name=_l("Mortgage advances"), category=CATEGORY, endpoint="cs_advances"),
    ]
