"""The sales month and its reconciliation (CS-12).

The sales month closes on the cut-off day (default the 25th): it runs from the day after the
last cut-off to this one. Three views of it are compared line by line:

- **sales'**: the valid (active) orders placed in the month, as the sales department reports
  them (the sales plugin's deal report, SAL-26);
- **customer service's**: the contracts (signed in the month, or made from those orders) and
  the money CS recorded as received: payment notices issued in the month (not cancelled or
  reversed), and the deposits sales received in the month with the orders CS made contracts
  of (SAL-17: carried into the journal when the contract is prepared);
- **finance's**: the cash journal (销售流水帐) booked in the month, the carried deposits too.

Each disagreement is a :class:`Difference`; reconciling a month again recomputes them and
keeps CS's notes on the lines still there.
"""

from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.admin.labels import label
from core.extensions import db
from core.jobs.runner import now
from core.models import Company, Project
from core.plugins.state import get_settings
from plugins.customer_service.models import Contract, ContractStatus
from plugins.customer_service.payments.ledger import journal_query
from plugins.customer_service.payments.models import NoticeStatus, PaymentNotice
from plugins.customer_service.statistics.models import (
    Difference,
    DifferenceKind,
    ReportKind,
    SalesReport,
)
from plugins.sales.models import Building, Unit
from plugins.sales.orders.models import Deposit, DepositStatus, Order, OrderStatus
from plugins.sales.reports.services import Filters, deal_report

ZERO = Decimal("0.00")
DAY = timedelta(days=1)
K = DifferenceKind
DEAD = (ContractStatus.cancelled, ContractStatus.terminated)
SIGNED = (ContractStatus.signed, ContractStatus.registered)
# CS counts the money of a notice unless it was withdrawn or its receipt reversed.
COUNTED_NOTICES = (NoticeStatus.issued, NoticeStatus.received)


def settings_of(company: Company) -> dict:
    return get_settings(company, "customer_service")


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, monthrange(year, month)[1]))


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def month_key(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def cutoff_of(company: Company, year: int, month: int) -> date:
    """The cut-off date of a sales month (past the month's end: its last day)."""
    return _clamped(year, month, settings_of(company)["sales_month_cutoff_day"])


def sales_month(company: Company, cutoff: date) -> tuple[date, date]:
    """(first, last) of the sales month closing on ``cutoff``: from the day after the previous
    month's cut-off, which is the previous reconciliation's last day when there is one (so a
    changed cut-off day leaves no gap and no overlap)."""
    year, month = previous_month(cutoff.year, cutoff.month)
    previous = db.session.scalar(
        select(SalesReport.last).where(
            SalesReport.kind == ReportKind.monthly,
            SalesReport.period_key == f"{year}-{month:02d}",
        )
    )
    if previous is None or previous >= cutoff:
        previous = cutoff_of(company, year, month)
    return previous + DAY, cutoff


# --- the three views -------------------------------------------------------------------------


def _contracts(first: date, last: date) -> list[tuple[Contract, str, str, OrderStatus]]:
    """The live contracts signed in the month or made from the month's valid orders, with
    their project, unit label and order status."""
    months_orders = select(Order.id).where(
        Order.status == OrderStatus.active, Order.ordered_on >= first, Order.ordered_on <= last
    )
    signed = Contract.signed_on.between(first, last) & Contract.status.in_(SIGNED)
    query = (
        select(Contract, Unit, Project.name, Order.status)
        .join(Unit, Unit.id == Contract.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Project, Project.id == Building.project_id)
        .join(Order, Order.id == Contract.order_id)
        .where(Contract.status.not_in(DEAD), signed | Contract.order_id.in_(months_orders))
        .order_by(Contract.id)
    )
    return [
        (c, project, unit.label, status) for c, unit, project, status in db.session.execute(query)
    ]


def _deposits(first: date, last: date) -> list[tuple[int, Decimal]]:
    """(contract, amount) of each deposit received in the month on an order with a contract:
    the contract that carried it into the journal, an order's first."""
    first_contract = (
        select(Contract.order_id, func.min(Contract.id).label("contract_id"))
        .group_by(Contract.order_id)
        .subquery()
    )
    return db.session.execute(
        select(first_contract.c.contract_id, Deposit.amount)
        .join(first_contract, first_contract.c.order_id == Deposit.order_id)
        .where(
            Deposit.status == DepositStatus.received,
            Deposit.received_on >= first,
            Deposit.received_on <= last,
        )
    ).all()


def _cash(first: date, last: date) -> tuple[dict, dict, dict]:
    """Per contract: CS's recorded money (notices and the order's deposits), finance's
    journal total, and the numbers of the notices still waiting for a receipt."""
    notices = db.session.execute(
        select(
            PaymentNotice.contract_id,
            PaymentNotice.amount,
            PaymentNotice.number,
            PaymentNotice.status,
        ).where(
            PaymentNotice.issued_on >= first,
            PaymentNotice.issued_on <= last,
            PaymentNotice.status.in_(COUNTED_NOTICES),
        )
    ).all()
    cs, waiting = {}, {}
    for contract_id, amount, number, status in notices:
        cs[contract_id] = cs.get(contract_id, ZERO) + amount
        if status == NoticeStatus.issued:
            waiting.setdefault(contract_id, []).append(number)
    for contract_id, amount in _deposits(first, last):
        cs[contract_id] = cs.get(contract_id, ZERO) + amount
    journal = journal_query({"from": first.isoformat(), "to": last.isoformat()})
    lines = journal.order_by(None).subquery()
    finance = dict(
        db.session.execute(
            select(lines.c.contract_id, func.sum(lines.c.amount)).group_by(lines.c.contract_id)
        ).all()
    )
    return cs, finance, waiting


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _order_lines(deals: list[dict], contracts: list) -> list[dict]:
    """Sales against CS: each valid order has a signed contract at the order's price."""
    by_unit = {(project, unit): c for c, project, unit, _status in contracts}
    lines = []
    for deal in deals:
        contract = by_unit.get((deal["project"], deal["unit"]))
        line = {
            "project": deal["project"],
            "unit": deal["unit"],
            "customer": deal["customer"],
            "sales_amount": deal["price"],
            "contract_id": getattr(contract, "id", None),
        }
        if contract is None:
            lines.append({**line, "kind": K.order_without_contract, "detail": _("No contract.")})
        elif contract.status not in SIGNED:
            detail = _("Contract %(n)s not signed yet.", n=contract.number)
            lines.append({**line, "kind": K.order_without_contract, "detail": detail})
        elif contract.price != deal["price"]:
            lines.append(
                {
                    **line,
                    "kind": K.price_mismatch,
                    "cs_amount": contract.price,
                    "detail": contract.number,
                }
            )
    return lines


def _contract_lines(signed: list) -> list[dict]:
    """CS against sales: a contract signed in the month rests on a valid order."""
    return [
        {
            "kind": K.contract_without_order,
            "contract_id": contract.id,
            "project": project,
            "unit": unit,
            "customer": contract.buyer_name,
            "cs_amount": contract.price,
            "detail": _(
                "%(contract)s: the order is %(status)s.",
                contract=contract.number,
                status=label(status),
            ),
        }
        for contract, project, unit, status in signed
        if status != OrderStatus.active
    ]


def _cash_lines(cs: dict, finance: dict, waiting: dict) -> list[dict]:
    """CS against finance: per contract, the money of CS's notices is what the journal booked."""
    mismatched = [c for c in set(cs) | set(finance) if cs.get(c, ZERO) != finance.get(c, ZERO)]
    lines = []
    query = select(Contract).where(Contract.id.in_(mismatched)).order_by(Contract.id)
    for contract in db.session.scalars(query):
        detail = contract.number
        if waiting.get(contract.id):
            detail += " · " + _("Waiting for a receipt: %(n)s", n=", ".join(waiting[contract.id]))
        lines.append(
            {
                "kind": K.cash_mismatch,
                "contract_id": contract.id,
                "project": contract.unit.building.project.name,
                "unit": contract.unit.label,
                "customer": contract.buyer_name,
                "cs_amount": cs.get(contract.id, ZERO),
                "finance_amount": finance.get(contract.id, ZERO),
                "detail": detail,
            }
        )
    return lines


def compare(first: date, last: date) -> tuple[dict, list[dict], list[dict]]:
    """(summary, differences, the deal report's rows) of ``first``–``last`` (inclusive)."""
    deals = deal_report(Filters(first=first, last=last))
    contracts = _contracts(first, last)
    signed = [
        (c, p, u, s)
        for c, p, u, s in contracts
        if c.status in SIGNED and c.signed_on and first <= c.signed_on <= last
    ]
    cs, finance, waiting = _cash(first, last)
    lines = _order_lines(deals, contracts) + _contract_lines(signed)
    lines += _cash_lines(cs, finance, waiting)
    summary = {
        "orders": len(deals),
        "orders_value": str(_money(sum((d["price"] for d in deals), ZERO))),
        "contracts": len(signed),
        "contracts_value": str(_money(sum((c.price for c, *_ in signed), ZERO))),
        "cs_cash": str(_money(sum(cs.values(), ZERO))),
        "finance_cash": str(_money(sum(finance.values(), ZERO))),
        "differences": len(lines),
    }
    return summary, lines, deals


# --- the record ------------------------------------------------------------------------------


def record(
    company: Company, kind: ReportKind, key: str, first: date, last: date, summary: dict
) -> SalesReport:
    """The report of (kind, period), created or brought up to date with its figures."""
    report = db.session.scalar(
        select(SalesReport).where(SalesReport.kind == kind, SalesReport.period_key == key)
    )
    if report is None:
        report = SalesReport(company_id=company.id, kind=kind, period_key=key)
        db.session.add(report)
    report.first, report.last, report.summary, report.computed_at = first, last, summary, now()
    return report


def reconcile(company: Company, cutoff: date) -> SalesReport:
    """Reconcile the sales month closing on ``cutoff`` (again, if it was): its figures and
    differences, CS's notes kept. Flushes; the caller (the duty, a screen) commits."""
    first, last = sales_month(company, cutoff)
    summary, lines, _deals = compare(first, last)
    report = record(company, ReportKind.monthly, month_key(cutoff), first, last, summary)
    notes = {d.key: d.note for d in report.differences if d.note}
    report.differences = [Difference(company_id=company.id, **line) for line in lines]
    for difference in report.differences:
        difference.note = notes.get(difference.key, "")
    db.session.flush()
    return report


def annotate(difference: Difference, note: str) -> Difference:
    """CS's explanation of a difference (e.g. "signed 27 November", "receipt dated 26th")."""
    difference.note = note.strip()[:2000]
    db.session.flush()
    return difference


def weekly_figures(company: Company, last: date) -> tuple[dict, list[dict]]:
    """The week ending ``last`` (seven days): its deals (the deal report's rows), contracts
    signed and money, plus the sales month to date."""
    summary, _lines, deals = compare(last - 6 * DAY, last)
    cutoff = cutoff_of(company, last.year, last.month)
    # Past this month's cut-off, the next sales month has begun.
    month_start = cutoff + DAY if last > cutoff else sales_month(company, cutoff)[0]
    to_date = deal_report(Filters(first=month_start, last=last))
    summary.pop("differences")
    summary |= {
        "month_start": month_start.isoformat(),
        "month_orders": len(to_date),
        "month_orders_value": str(_money(sum((d["price"] for d in to_date), ZERO))),
    }
    return summary, deals
