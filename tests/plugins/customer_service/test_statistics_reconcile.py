"""CS-12: the sales month (cut-off default the 25th) reconciled line by line between sales'
orders, customer service's contracts and notices, and finance's cash journal."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import delete, select

from core.duties import today
from core.extensions import db
from core.plugins import state
from core.tenancy import company_scope
from plugins.customer_service.models import ContractStatus
from plugins.customer_service.payments.models import JournalLine
from plugins.customer_service.payments.notices import issue_notice
from plugins.customer_service.payments.receipts import issue_receipt
from plugins.customer_service.statistics import reconcile
from plugins.customer_service.statistics.models import DifferenceKind, SalesReport
from plugins.sales.orders.models import (
    DepositKind,
    Order,
    OrderStatus,
    OrderVersion,
    PaymentMethod,
)
from tests.plugins.customer_service.cs_setup import make_sale
from tests.plugins.customer_service.test_contracts_prepare import place, prepare

D = Decimal
NOV_25 = date(2026, 11, 25)


def sale(cs, n, ordered_on, price="1000000.00", signed_on=None, contract_price=None, **kw):
    """A sale as sales reports it (an order with its version, ordered on ``ordered_on``) and
    its contract (signed on ``signed_on``, else a draft) at ``contract_price``."""
    contract = make_sale(cs, n, price=contract_price or price, signed_on=signed_on)
    with company_scope(cs.a.id):
        order = db.session.get(Order, contract.order_id)
        order.ordered_on = ordered_on
        order.status = kw.get("status", OrderStatus.active)
        db.session.add(
            OrderVersion(
                company_id=cs.a.id,
                order_id=order.id,
                number=1,
                list_price=D(price),
                discount_pct=D("0"),
                price=D(price),
                payment_method=PaymentMethod.instalments,
                schedule=[],
                deposit_kind=DepositKind.large,
                deposit=D("50000.00"),
                signing_date=ordered_on,
                created_by_id=cs.rep.id,
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        if kw.get("contract_status"):
            db.session.get(type(contract), contract.id).status = kw["contract_status"]
        db.session.commit()
    return contract


def paid(cs, contract, amount, issued_on, received_on=None):
    """CS's payment notice of ``amount`` and, given ``received_on``, finance's receipt."""
    with company_scope(cs.a.id):
        data = {"contract_id": contract.id, "amount": amount, "issued_on": issued_on}
        notice = issue_notice(cs.a, cs.cs_rep, data)
        if received_on:
            issue_receipt(notice, cs.finance, {"received_on": received_on})
    return notice


def month(cs, cash=True):
    """The November sales month's sales: one of each difference, one sale in order; with
    ``cash``, the money (one notice still ``waiting`` for finance's receipt, one receipt
    across the cut-off): six differences, four without."""
    m = {
        "ok": sale(cs, 1, date(2026, 11, 10), signed_on=date(2026, 11, 12)),
        "draft": sale(cs, 2, date(2026, 11, 20)),
        "price": sale(cs, 3, date(2026, 11, 5), signed_on=date(2026, 11, 6),
                      contract_price="980000.00"),
        "before": sale(cs, 4, date(2026, 10, 25), signed_on=date(2026, 10, 30)),
        "voided": sale(cs, 5, date(2026, 11, 1), signed_on=date(2026, 11, 15),
                       status=OrderStatus.voided),
        "after": sale(cs, 6, date(2026, 11, 26)),
        "cancelled": sale(cs, 7, date(2026, 11, 3), signed_on=date(2026, 11, 4),
                          contract_status=ContractStatus.cancelled),
    }  # fmt: skip
    if cash:
        paid(cs, m["ok"], "300000.00", date(2026, 11, 13), date(2026, 11, 13))
        m["waiting"] = paid(cs, m["price"], "100000.00", date(2026, 11, 24))  # no receipt yet
        paid(cs, m["before"], "200000.00", date(2026, 10, 20), date(2026, 10, 27))  # across
    return m


def lines_of(report) -> dict:
    return {(str(d.kind), d.unit): d for d in report.differences}


def test_cs12_default_cutoff_25_reconciles_26_october_to_25_november(cs):
    m = month(cs)
    with company_scope(cs.a.id):
        report = reconcile.reconcile(cs.a, NOV_25)
        db.session.commit()
        assert (report.period_key, report.first, report.last) == (
            "2026-11",
            date(2026, 10, 26),
            NOV_25,
        )
        s = report.summary
        # Orders 1, 2, 3, 7 (not 4: before; 5: voided; 6: after the cut-off).
        assert (s["orders"], s["orders_value"]) == (4, "4000000.00")
        # Contracts signed 26 Oct–25 Nov and alive: 1, 3, 4, 5.
        assert (s["contracts"], s["contracts_value"]) == (4, "3980000.00")
        assert (s["cs_cash"], s["finance_cash"]) == ("400000.00", "500000.00")
        unit = {k: c.unit.label for k, c in m.items() if k != "waiting"}
        lines = lines_of(report)
    assert set(lines) == {
        ("order_without_contract", unit["draft"]),
        ("order_without_contract", unit["cancelled"]),
        ("price_mismatch", unit["price"]),
        ("contract_without_order", unit["voided"]),
        ("cash_mismatch", unit["price"]),
        ("cash_mismatch", unit["before"]),
    }
    mismatch = lines[("price_mismatch", unit["price"])]
    assert (mismatch.sales_amount, mismatch.cs_amount) == (D("1000000.00"), D("980000.00"))
    waiting = lines[("cash_mismatch", unit["price"])]
    assert (waiting.cs_amount, waiting.finance_amount) == (D("100000.00"), D("0.00"))
    assert m["waiting"].number in waiting.detail
    across = lines[("cash_mismatch", unit["before"])]
    assert (across.cs_amount, across.finance_amount) == (D("0.00"), D("200000.00"))
    assert report.summary["differences"] == 6


def test_cs12_reconciling_again_keeps_the_explanations(cs):
    m = month(cs, cash=False)
    with company_scope(cs.a.id):
        report = reconcile.reconcile(cs.a, NOV_25)
        line = lines_of(report)[("price_mismatch", m["price"].unit.label)]
        reconcile.annotate(line, "特价审批已通过，合同待补充协议")
        db.session.commit()
        contract = db.session.get(type(m["draft"]), m["draft"].id)
        contract.status, contract.signed_on = ContractStatus.signed, date(2026, 11, 24)
        db.session.commit()
        again = reconcile.reconcile(cs.a, NOV_25)
        db.session.commit()
        lines = lines_of(again)
        assert again.id == report.id
        assert ("order_without_contract", m["draft"].unit.label) not in lines
        assert (
            lines[("price_mismatch", m["price"].unit.label)].note
            == "特价审批已通过，合同待补充协议"
        )
        assert db.session.scalar(select(db.func.count(SalesReport.id))) == 1


def test_cs12_changed_cutoff_20_moves_the_sales_month_without_gap(cs):
    m = month(cs, cash=False)
    with company_scope(cs.a.id):
        october = reconcile.reconcile(cs.a, date(2026, 10, 25))
        db.session.commit()
        assert (october.first, october.last) == (date(2026, 9, 26), date(2026, 10, 25))
    state.update_settings(cs.a, "customer_service", {"sales_month_cutoff_day": 20})
    with company_scope(cs.a.id):
        cutoff = reconcile.cutoff_of(cs.a, 2026, 11)
        november = reconcile.reconcile(cs.a, cutoff)
        db.session.commit()
        # From the day after October's cut-off (the 25th, as it was then) to the new 20th.
        assert (november.first, november.last) == (date(2026, 10, 26), date(2026, 11, 20))
        assert november.summary["orders"] == 4  # 1, 2 (ordered on the 20th), 3, 7
        december = reconcile.sales_month(cs.a, reconcile.cutoff_of(cs.a, 2026, 12))
        assert december == (date(2026, 11, 21), date(2026, 12, 20))
        # Without a previous reconciliation: the previous month's cut-off by the setting.
        assert reconcile.sales_month(cs.a, date(2027, 3, 20))[0] == date(2027, 2, 21)
        assert m["draft"].unit.label in {d.unit for d in november.differences}


def test_cs12_cutoff_past_the_months_end_is_its_last_day(cs):
    state.update_settings(cs.a, "customer_service", {"sales_month_cutoff_day": 31})
    with company_scope(cs.a.id):
        assert reconcile.cutoff_of(cs.a, 2027, 2) == date(2027, 2, 28)
        assert reconcile.sales_month(cs.a, date(2027, 2, 28)) == (
            date(2027, 2, 1),
            date(2027, 2, 28),
        )


def cutoff_after(cs, day: date) -> date:
    """The cut-off of the sales month ``day`` falls in."""
    cutoff = reconcile.cutoff_of(cs.a, day.year, day.month)
    if day <= cutoff:
        return cutoff
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return reconcile.cutoff_of(cs.a, year, month)


def test_cs12_order_deposit_is_money_received_on_both_sides(cs):
    """The deposit sales received with the order counts as money CS received and, carried
    into the journal when the contract is prepared, as finance's: no difference. A deposit
    the journal misses (a contract prepared before deposits were carried) is one."""
    carried = prepare(cs, place(cs, 1))
    missed = prepare(cs, place(cs, 2))
    with company_scope(cs.a.id):
        db.session.execute(delete(JournalLine).where(JournalLine.contract_id == missed.id))
        db.session.commit()
        report = reconcile.reconcile(cs.a, cutoff_after(cs, today()))  # the orders' month
        db.session.commit()
        assert (report.summary["cs_cash"], report.summary["finance_cash"]) == (
            "100000.00",
            "50000.00",
        )
        cash = [d for d in report.differences if d.kind == DifferenceKind.cash_mismatch]
        assert [(d.contract_id, d.cs_amount, d.finance_amount) for d in cash] == [
            (missed.id, D("50000.00"), D("0.00"))
        ]
        assert carried.id not in {d.contract_id for d in cash}
