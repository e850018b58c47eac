"""The receivables schedule (CS-09): made from the order's schedule, shown on the customer card
per contract, and the receivables ledger with its filters (the source of truth for dunning)."""

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.services.companies import create_project
from core.tenancy import company_scope
from plugins.customer_service.contracts import services as contracts
from plugins.customer_service.models import Contract, Instalment, InstalmentKind
from plugins.customer_service.payments import services
from plugins.customer_service.payments.ledger import (
    customer_card,
    journal_query,
    receivables_query,
    sales_ledger,
)
from plugins.customer_service.payments.models import JournalKind, JournalLine
from plugins.sales.models import Building
from plugins.sales.orders.models import PaymentMethod
from plugins.sales.orders.plans import PlanLine
from tests.plugins.customer_service import test_payments_notices as base
from tests.plugins.customer_service.cs_setup import TODAY, D, make_sale
from tests.plugins.customer_service.test_contracts_prepare import place, prepare
from tests.plugins.customer_service.test_payments_notices import ON, notice, receive

pay = base.pay  # the shared fixture


def test_cs09_schedule_from_order_lines_in_due_order_exact(cs):
    contract = make_sale(cs, 1, schedule=())
    lines = [
        PlanLine("Instalment 1", date(2027, 3, 1), D("233333.34")).as_dict(),
        PlanLine("Deposit", date(2026, 11, 24), D("50000")).as_dict(),
        PlanLine("Deed tax", date(2026, 12, 1), D("29700.00"), "fee").as_dict(),
        PlanLine("Due at signing", date(2026, 12, 1), D("250000.00")).as_dict(),
    ]
    with company_scope(cs.a.id):
        made = services.create_schedule(contract, lines)
        db.session.commit()
        rows = db.session.scalars(
            select(Instalment).where(Instalment.contract_id == contract.id).order_by(Instalment.seq)
        ).all()
        assert [(i.seq, i.what, i.due_on, i.amount, i.kind) for i in rows] == [
            (1, "Deposit", date(2026, 11, 24), D("50000.00"), InstalmentKind.payment),
            (2, "Deed tax", date(2026, 12, 1), D("29700.00"), InstalmentKind.fee),
            (3, "Due at signing", date(2026, 12, 1), D("250000.00"), InstalmentKind.payment),
            (4, "Instalment 1", date(2027, 3, 1), D("233333.34"), InstalmentKind.payment),
        ]
        assert len(made) == 4 and all(i.paid == 0 and not i.settled for i in rows)
        assert sum(i.amount for i in rows) == D("563033.34")


def test_cs09_apply_payment_settles_and_tells_dunning_once(cs, monkeypatch):
    from plugins.customer_service.dunning import services as dunning

    told = []
    monkeypatch.setattr(dunning, "instalment_settled", lambda i: told.append(i.id))
    contract = make_sale(cs, 1)
    with company_scope(cs.a.id):
        first = contract.instalments[0]
        services.apply_payment(first, D("299999.99"), ON)
        assert (first.settled, first.settled_on, told) == (False, None, [])
        services.apply_payment(first, D("0.01"), date(2026, 12, 2))
        assert (first.paid, first.settled, first.settled_on) == (
            D("300000.00"),
            True,
            date(2026, 12, 2),
        )
        assert told == [first.id]
        services.apply_payment(first, D("-0.01"), date(2026, 12, 3))  # reopened exactly
        assert (first.paid, first.settled, first.settled_on) == (D("299999.99"), False, None)
        db.session.rollback()


def _second_project(cs):
    project = create_project(
        cs.a, {"name": "Lotus Court", "type": "residential", "region_code": "LY"}
    )
    with company_scope(cs.a.id):
        building = Building(company_id=cs.a.id, project=project, name="9#")
        db.session.add(building)
        db.session.commit()
    return project, building


def test_cs09_receivables_ledger_filters_overdue_due_by_project_rep(pay):
    late = make_sale(
        pay, 1, schedule=((date(2026, 11, 1), "300000.00"), (date(2027, 3, 1), "700000.00"))
    )
    soon = make_sale(pay, 2, schedule=((date(2026, 12, 10), "1000000.00"),), rep=pay.cs_rep2)
    paid_late = make_sale(pay, 3, schedule=((date(2026, 10, 1), "1000000.00"),))
    receive(pay, notice(pay, paid_late, "1000000.00"))
    project, building = _second_project(pay)
    other = make_sale(pay, 4, schedule=((date(2026, 11, 20), "500000.00"),))
    with company_scope(pay.a.id):
        db.session.get(type(other.unit), other.unit_id).building_id = building.id
        db.session.commit()

    def found(**args):
        with company_scope(pay.a.id):
            query = receivables_query({k: str(v) for k, v in args.items()}, TODAY)
            return [(i.contract_id, i.seq) for i in db.session.scalars(query)]

    assert found(overdue=1) == [(late.id, 1), (other.id, 1)]
    assert found(due_by="2026-12-31") == [(late.id, 1), (other.id, 1), (soon.id, 1)]
    assert found(overdue=1, project_id=project.id) == [(other.id, 1)]
    assert found(overdue=1, project_id=pay.project_a.id) == [(late.id, 1)]
    assert found(open=1, rep_id=pay.cs_rep2.id) == [(soon.id, 1)]
    assert (paid_late.id, 1) in found()  # settled rows stay on the schedule


def test_cs09_customer_card_per_contract_method_dates_amounts_paid_outstanding(pay):
    contract = make_sale(pay, 1, method=PaymentMethod.mortgage)
    receive(pay, notice(pay, contract, "350000.00"))
    with company_scope(pay.a.id):
        card = customer_card(contract.customer, ON)
        (one,) = card.contracts
        assert one.contract.payment_method == PaymentMethod.mortgage
        assert [(i.due_on, i.amount, i.paid, i.outstanding) for i in one.instalments] == [
            (date(2026, 12, 1), D("300000.00"), D("300000.00"), D("0.00")),
            (date(2027, 3, 1), D("700000.00"), D("50000.00"), D("650000.00")),
        ]
        assert (one.ledger.received, one.ledger.outstanding) == (D("350000.00"), D("650000.00"))
        assert len(card.notices) == len(card.receipts) == len(card.journal) == 1


def test_cs08_sales_ledger_and_cash_journal_filters(pay):
    one = make_sale(pay, 1)
    two = make_sale(pay, 2)
    receive(pay, notice(pay, one, "100000.00"))
    receive(pay, notice(pay, two, "200000.00"), received_on=date(2026, 12, 5))
    with company_scope(pay.a.id):
        rows = {r.contract.id: r for r in sales_ledger({}, ON)}
        assert (rows[one.id].received, rows[two.id].received) == (D("100000.00"), D("200000.00"))
        assert rows[one.id].overdue == 0
        later = sales_ledger({}, date(2026, 12, 2))
        assert {r.contract.id: r.overdue for r in later} == {
            one.id: D("200000.00"),
            two.id: D("100000.00"),
        }
        lines = db.session.scalars(journal_query({"from": "2026-12-02"})).all()
        assert [(x.contract_id, x.amount) for x in lines] == [(two.id, D("200000.00"))]
        everything = db.session.scalars(journal_query({"project_id": str(pay.project_a.id)})).all()
        assert sum(x.amount for x in everything) == D("300000.00")


def test_cs08_order_deposit_is_in_the_cash_journal_and_received(pay):
    order = place(pay, 1)  # sales received the 50,000 deposit with the order (SAL-17)
    contract = prepare(pay, order)
    with company_scope(pay.a.id):
        (deposit,) = db.session.get(type(order), order.id).deposits
        (line,) = db.session.scalars(journal_query({"contract_id": str(contract.id)})).all()
        assert (line.kind, line.booked_on, line.amount, line.receipt_id) == (
            JournalKind.order_deposit,
            deposit.received_on,
            D("50000.00"),
            None,
        )
        assert f"Deposit #{deposit.id} of order #{order.id}" in line.text
        (row,) = sales_ledger({"contract_id": str(contract.id)})
        assert row.received == row.paid == D("50000.00")
        assert customer_card(contract.customer).journal == [line]
        # Carried again (a contract re-prepared, the demo loaded twice): nothing doubles.
        again = db.session.get(Contract, contract.id)
        contracts.credit_deposits(again, list(again.instalments), pay.cs_rep)
        db.session.commit()
        (row,) = sales_ledger({"contract_id": str(contract.id)})
        assert row.received == row.paid == D("50000.00")
        assert db.session.scalar(select(db.func.count(JournalLine.id))) == 1
