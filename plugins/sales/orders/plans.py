"""The purchase plan (置业计划表, SAL-16): price, discount, down payment, loan, monthly
repayment (MTG-01), taxes and fees, and the dates each falls due; printable as a letter."""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from core.duties import today
from core.letters import LetterData, LetterKind, LetterTable
from core.models import Company
from plugins.sales import mortgage_calc as mc
from plugins.sales.models import Unit
from plugins.sales.orders.models import PaymentMethod

D = Decimal


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class PlanLine:
    what: str
    due: date
    amount: Decimal
    kind: str = "payment"  # "payment" (of the price) or "fee" (taxes and fees)

    def as_dict(self) -> dict:
        return {
            "what": self.what,
            "due": self.due.isoformat(),
            "amount": str(self.amount),
            "kind": self.kind,
        }


@dataclass
class PurchasePlan:
    unit: Unit
    method: PaymentMethod
    list_price: Decimal
    discount_pct: Decimal
    price: Decimal
    down_payment: Decimal
    loan: mc.Loan | None
    ordered_on: date
    signing_date: date
    payments: list[PlanLine] = field(default_factory=list)  # the price, by due date
    fees: list[PlanLine] = field(default_factory=list)  # taxes and fees

    @property
    def discount(self) -> Decimal:
        return self.list_price - self.price

    @property
    def loan_amount(self) -> Decimal:
        return self.loan.amount if self.loan else D("0.00")

    @property
    def total_fees(self) -> Decimal:
        return sum((f.amount for f in self.fees), D("0.00"))


def price_after(list_price: Decimal, discount_pct: Decimal) -> Decimal:
    return mc.fen(D(list_price) * (100 - D(discount_pct)) / 100)


def _settings_decimal(settings: dict, name: str) -> Decimal:
    return D(str(settings[name]))


def purchase_plan(
    settings: dict,
    unit: Unit,
    method: PaymentMethod,
    discount_pct: Decimal = D("0"),
    ordered_on: date | None = None,
    deposit: Decimal = D("0"),
    down_pct: Decimal | None = None,
    loan_kind: mc.LoanKind = mc.LoanKind.commercial,
    loan_method: mc.Method = mc.Method.equal_instalments,
    years: int | None = None,
) -> PurchasePlan:
    """The plan for ``unit`` paid by ``method`` under the company's sales ``settings``.

    The deposit counts towards the first payment; the rest of the down payment (or the whole
    balance when paid in full) falls due at signing; instalments follow every
    ``instalment_interval_months``; a loan's first repayment one month after signing."""
    s = lambda name: _settings_decimal(settings, name)  # noqa: E731
    method = PaymentMethod(method)
    ordered_on = ordered_on or today()
    signing = ordered_on + timedelta(days=settings["signing_days"])
    list_price = D(unit.list_total)
    price = price_after(list_price, discount_pct)
    loan = None
    if method == PaymentMethod.full:
        down = price
    elif method == PaymentMethod.instalments:
        pct = D(down_pct) if down_pct is not None else s("instalment_down_pct")
        down = mc.fen(price * pct / 100)
    else:
        loan = mc.house_loan(
            price,
            D(down_pct) if down_pct is not None else s("min_down_payment_pct"),
            years or settings["loan_years"],
            loan_kind,
            loan_method,
            commercial_rate_pct=mc.commercial_rate(s("lpr_5y_pct"), s("commercial_spread_pct")),
            provident_rate_pct=s("provident_rate_pct"),
            min_down_pct=s("min_down_payment_pct"),
            provident_cap=s("provident_loan_cap"),
        )
        down = loan.down_payment
    plan = PurchasePlan(
        unit, method, list_price, D(discount_pct), price, down, loan, ordered_on, signing
    )
    deposit = D(deposit)
    if deposit:
        plan.payments.append(PlanLine(str(_l("Deposit")), ordered_on, deposit))
    plan.payments.append(PlanLine(str(_l("Due at signing")), signing, down - deposit))
    if method == PaymentMethod.instalments:
        count, every = settings["instalment_count"], settings["instalment_interval_months"]
        part, rest = mc.fen((price - down) / count), price - down
        for i in range(1, count + 1):
            amount = part if i < count else rest  # the last absorbs the rounding
            rest -= amount
            due = add_months(signing, i * every)
            plan.payments.append(PlanLine(str(_l("Instalment %(n)d", n=i)), due, amount))
    elif loan is not None:
        plan.payments.append(PlanLine(str(_l("Loan (paid by the bank)")), signing, loan.amount))
    plan.fees = [
        PlanLine(str(_l("Deed tax")), signing, mc.fen(price * s("deed_tax_pct") / 100), "fee"),
        PlanLine(
            str(_l("Maintenance fund")),
            signing,
            mc.fen(D(unit.built_area) * s("maintenance_fund_per_m2")),
            "fee",
        ),
        PlanLine(str(_l("Notarial fee")), signing, s("notarial_fee"), "fee"),
    ]
    return plan


def plan_dict(plan: PurchasePlan) -> dict:
    """The plan as JSON-ready data (the API answer and the order's schedule)."""
    loan = None
    if plan.loan is not None:
        loan = {
            "kind": str(plan.loan.kind),
            "amount": str(plan.loan.amount),
            "loan_to_value": str(plan.loan.loan_to_value),
            "first_monthly_repayment": str(plan.loan.first_payment),
            "total_interest": str(plan.loan.total_interest),
            "first_repayment_due": add_months(plan.signing_date, 1).isoformat(),
            "parts": {
                name: {
                    "amount": str(p.principal),
                    "annual_rate_pct": str(p.annual_rate),
                    "months": p.months,
                    "method": str(p.method),
                    "monthly_repayment": str(p.first_payment),
                    "monthly_decrease": str(p.monthly_decrease),
                    "total_interest": str(p.total_interest),
                }
                for name, p in plan.loan.parts.items()
            },
        }
    return {
        "unit_id": plan.unit.id,
        "unit": plan.unit.label,
        "method": str(plan.method),
        "list_price": str(plan.list_price),
        "discount_pct": str(plan.discount_pct),
        "discount": str(plan.discount),
        "price": str(plan.price),
        "down_payment": str(plan.down_payment),
        "loan_amount": str(plan.loan_amount),
        "loan": loan,
        "ordered_on": plan.ordered_on.isoformat(),
        "signing_date": plan.signing_date.isoformat(),
        "payments": [p.as_dict() for p in plan.payments],
        "fees": [f.as_dict() for f in plan.fees],
        "total_fees": str(plan.total_fees),
    }


def plan_letter(plan: PurchasePlan, company: Company, customer_name: str = "") -> LetterData:
    """The plan as a printable letter with its tables (rendered by ``core.letters``)."""
    money = [
        [str(_l("Item")), str(_l("Amount (CNY)"))],
        [str(_l("List price")), str(plan.list_price)],
        [str(_l("Discount")), f"{plan.discount} ({plan.discount_pct} %)"],
        [str(_l("Price after discount")), str(plan.price)],
        [str(_l("Down payment")), str(plan.down_payment)],
        [str(_l("Loan")), str(plan.loan_amount)],
    ]
    if plan.loan is not None:
        money.append([str(_l("Monthly repayment (first month)")), str(plan.loan.first_payment)])
        money.append([str(_l("Total interest")), str(plan.loan.total_interest)])
    due = [[str(_l("What")), str(_l("Due")), str(_l("Amount (CNY)"))]] + [
        [line.what, line.due.isoformat(), str(line.amount)] for line in plan.payments + plan.fees
    ]
    return LetterData(
        company_name=company.name,
        title=str(_l("Purchase plan")),
        addressee=customer_name or str(_l("Customer")),
        address="",
        body=[
            str(
                _l(
                    "Unit %(unit)s, %(area)s m², paid by %(method)s.",
                    unit=plan.unit.label,
                    area=plan.unit.built_area,
                    method=plan.method,
                )
            ),
            LetterTable(money, col_widths=[0.6, 0.4]),
            LetterTable(due, col_widths=[0.45, 0.25, 0.3]),
            str(_l("Figures are indicative; the contract and the bank's approval prevail.")),
        ],
        date=plan.ordered_on,
    )


def letter_kind() -> LetterKind:
    return LetterKind("sales.purchase_plan", _l("Purchase plan"), plan_letter)
