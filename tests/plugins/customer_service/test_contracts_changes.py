"""CS-05 (with CS-03): general term changes are the rep's decision, applied at once and
recorded; major ones (payment method, breach terms, usable-area ratio, fit-out and equipment,
property fee, title-deed deadline) go CS manager → VP and are applied on approval, with the
terms before and after kept."""

from datetime import timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from core import approvals
from core.duties import today
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.contracts import changes
from plugins.customer_service.contracts.models import ChangeStatus, ContractChange
from plugins.customer_service.contracts.services import ContractRefused
from plugins.customer_service.dunning import ladder
from plugins.customer_service.dunning.models import DunningTask, Step
from plugins.customer_service.models import Contract, Instalment, InstalmentKind
from plugins.customer_service.payments.ledger import receivables_query, sales_ledger
from plugins.sales.models import Unit
from plugins.sales.orders.models import PaymentMethod
from plugins.sales.orders.plans import add_months
from tests.plugins.customer_service.test_contracts_prepare import (
    cs_fixture,
    pay,
    place,
    prepare,
    reload,
    signed,
)
from tests.plugins.customer_service.test_payments_notices import notice

__all__ = ["cs_fixture"]
D = Decimal
PRICE = D("1000000.00")


def ask(w, contract, user=None, reason="customer asked", **terms) -> ContractChange:
    return changes.request_change(contract, user or w.cs_rep, {"terms": terms, "reason": reason})


def request_of(change) -> approvals.ApprovalRequest:
    db.session.expire_all()
    return db.session.get(approvals.ApprovalRequest, change.approval_request_id)


def test_cs05_general_change_applied_at_once_by_the_rep_with_before_and_after(cs):
    contract = signed(cs, 1)
    change = ask(cs, contract, other_terms="Keys handed to the buyer's mother")
    assert not change.major and change.approval_request_id is None
    with company_scope(cs.a.id):
        change = reload(ContractChange, change.id)
        assert change.status == ChangeStatus.applied and change.applied_at is not None
        assert change.before == {"other_terms": None}
        assert change.after == {"other_terms": "Keys handed to the buyer's mother"}
        assert change.requester_id == cs.cs_rep.id
        assert reload(Contract, contract.id).terms["other_terms"].startswith("Keys")


MAJOR = {
    "payment_method": "full",
    "breach_terms": "0.05% a day after 15 days",
    "usable_area_ratio": "78.50",
    "fitout_equipment": "no kitchen appliances",
    "property_fee": "2.80",
    "title_deed_deadline": "2028-06-30",
}


def test_cs05_each_major_change_goes_cs_manager_then_vp_and_is_applied_on_approval(cs):
    contract = signed(cs, 1)
    for term, value in MAJOR.items():
        change = ask(cs, contract, **{term: value})
        assert change.major and change.status == ChangeStatus.pending, term
        with company_scope(cs.a.id):
            assert changes.current_terms(reload(Contract, contract.id))[term] != value
        request = request_of(change)
        with pytest.raises(approvals.ApprovalRefused):
            approvals.approve(request, cs.vp)  # the CS manager's step first
        approvals.approve(request, cs.cs_manager)
        with company_scope(cs.a.id):
            assert reload(ContractChange, change.id).status == ChangeStatus.pending
        approvals.approve(request_of(change), cs.vp)
        with company_scope(cs.a.id):
            change = reload(ContractChange, change.id)
            assert change.status == ChangeStatus.applied
            # A new payment method also records the schedule it rewrote (CS-09).
            assert {k: v for k, v in change.after.items() if k != "schedule"} == {term: value}
            assert change.before[term] != value
            assert changes.current_terms(reload(Contract, contract.id))[term] == value


def test_cs05_payment_method_change_changes_the_contract_column(cs):
    contract = signed(cs, 1, method="mortgage")
    change = ask(cs, contract, payment_method="full", other_terms="with the method")
    assert change.major  # one major term makes the whole change major
    approvals.approve(request_of(change), cs.cs_manager)
    approvals.approve(request_of(change), cs.vp)
    with company_scope(cs.a.id):
        contract = reload(Contract, contract.id)
        assert contract.payment_method == PaymentMethod.full
        assert contract.terms["other_terms"] == "with the method"
        before = reload(ContractChange, change.id).before
        assert before["payment_method"] == "mortgage" and before["other_terms"] is None


def test_cs05_rejected_major_change_leaves_the_terms(cs):
    contract = signed(cs, 1)
    change = ask(cs, contract, property_fee="3.00")
    approvals.approve(request_of(change), cs.cs_manager)
    approvals.reject(request_of(change), cs.vp, "too expensive for the buyers")
    with company_scope(cs.a.id):
        assert reload(ContractChange, change.id).status == ChangeStatus.rejected
        assert changes.current_terms(reload(Contract, contract.id))["property_fee"] is None


def test_cs05_one_pending_major_change_per_contract_and_no_empty_change(cs):
    contract = signed(cs, 1)
    ask(cs, contract, property_fee="3.00")
    with pytest.raises(ContractRefused):
        ask(cs, contract, breach_terms="stricter")
    with pytest.raises(ValidationError) as invalid:
        ask(cs, contract, payment_method="mortgage")  # what it already is
    assert "terms" in invalid.value.messages
    with pytest.raises(ValidationError) as invalid:
        ask(cs, contract, usable_area_ratio="120")
    assert "usable_area_ratio" in invalid.value.messages["terms"]


def test_cs05_terms_change_only_on_a_signed_contract(cs):
    draft = prepare(cs, place(cs, 1))
    with pytest.raises(ContractRefused):
        ask(cs, draft, other_terms="anything")


def test_cs05_a_changed_flow_is_followed(cs):
    """The route is data: a company that drops the VP step decides at the CS manager."""
    approvals.save_flow(
        cs.a,
        {
            "doc_type": changes.DOC_TYPE,
            "name": "CS manager only",
            "steps": [{"name": "CS manager", "roles": ["cs_manager"]}],
        },
    )
    contract = signed(cs, 1)
    change = ask(cs, contract, title_deed_deadline="2029-01-31")
    approvals.approve(request_of(change), cs.cs_manager)
    with company_scope(cs.a.id):
        assert reload(ContractChange, change.id).status == ChangeStatus.applied


# --- CS-05 + CS-09: a new payment method rewrites the receivables schedule -----------------
# ``signed`` makes a real mortgage contract from a real order (sales purchase plan, default
# settings): deposit 50,000 (paid with the order), due at signing 100,000 and the bank's loan
# 850,000, the signing 7 days after the order; deed tax, maintenance fund and notarial fee.


def schedule(contract) -> list[Instalment]:
    db.session.expire_all()
    return db.session.scalars(
        select(Instalment).where(Instalment.contract_id == contract.id).order_by(Instalment.seq)
    ).all()


def snapshot(contract) -> list[tuple]:
    return [
        (i.id, i.kind, i.what, i.due_on, i.amount, i.paid, i.settled, i.superseded_on)
        for i in schedule(contract)
    ]


def price_lines(rows) -> list[Instalment]:
    """The price instalments on the schedule (the superseded ones are not)."""
    return [i for i in rows if i.kind == InstalmentKind.payment and i.superseded_on is None]


def approve(w, change) -> None:
    approvals.approve(request_of(change), w.cs_manager)
    approvals.approve(request_of(change), w.vp)


def open_tasks(instalment_ids) -> set[int]:
    return set(
        db.session.scalars(
            select(DunningTask.instalment_id).where(
                DunningTask.instalment_id.in_(instalment_ids), DunningTask.done_on.is_(None)
            )
        )
    )


def test_cs05_payment_method_change_rewrites_unpaid_schedule(cs):
    contract = signed(cs, 1)
    signing = today() + timedelta(days=7)
    with company_scope(cs.a.id):
        deposit, at_signing, loan = price_lines(schedule(contract))
        old = {at_signing.id, loan.id}
        fees = [(i.id, i.amount, i.paid) for i in schedule(contract) if i.kind == "fee"]
        ladder.scan(cs.a, signing - timedelta(days=3))  # the rep's pre-due reminders
        db.session.commit()
        assert open_tasks(old) == old
    change = ask(cs, contract, payment_method="instalments")
    approve(cs, change)
    with company_scope(cs.a.id):
        assert reload(Contract, contract.id).payment_method == PaymentMethod.instalments
        rows = schedule(contract)
        price = price_lines(rows)
        # The instalment plan (30 % down, 3 instalments every 3 months), the paid deposit
        # counting against its first line; exact to the fen.
        assert [(i.what, i.due_on, i.amount, i.paid) for i in price] == [
            ("Deposit", today(), D("50000.00"), D("50000.00")),
            ("Due at signing", signing, D("250000.00"), 0),
            ("Instalment 1", add_months(signing, 3), D("233333.33"), 0),
            ("Instalment 2", add_months(signing, 6), D("233333.33"), 0),
            ("Instalment 3", add_months(signing, 9), D("233333.34"), 0),
        ]
        assert sum(i.amount for i in price) == PRICE
        assert price[0].id == deposit.id  # the paid instalment is the same row
        assert [(i.id, i.amount, i.paid) for i in rows if i.kind == "fee"] == fees
        superseded = [i for i in rows if i.superseded_on is not None]
        assert {i.id for i in superseded} == old  # kept: dunning and notices refer to them
        assert all((i.amount, i.paid, i.settled) == (0, 0, True) for i in superseded)
        # Dunning, the receivables list and the sales ledger no longer see them.
        offs = ladder.company_offsets(cs.a)
        dunned = {r.id for r in db.session.execute(ladder.due_query(signing, offs))}
        assert not dunned & old and price[1].id in dunned
        assert open_tasks(old) == set()
        listed = {i.id for i in db.session.scalars(receivables_query({}))}
        assert listed == {i.id for i in rows} - old  # settled rows stay, superseded do not
        (row,) = sales_ledger({"contract_id": str(contract.id)})
        assert row.billed == PRICE + sum(amount for _id, amount, _paid in fees)
        assert row.outstanding == row.billed - D("50000.00")
        # The change records the schedule it rewrote.
        change = reload(ContractChange, change.id)
        assert change.before["schedule"] == [
            f"#2 Due at signing {signing} 100000.00",
            f"#3 Loan (paid by the bank) {signing} 850000.00",
        ]
        assert change.after["schedule"][0] == f"#7 Due at signing {signing} 250000.00"
        assert len(change.after["schedule"]) == 4


def test_cs05_partly_paid_instalment_keeps_what_was_paid_and_the_rest_is_replanned(cs):
    contract = signed(cs, 1)
    pay(cs, contract, None, "40000.00")  # 40,000 of the 100,000 due at signing
    approve(cs, ask(cs, contract, payment_method="instalments"))
    with company_scope(cs.a.id):
        rows = schedule(contract)
        price = price_lines(rows)
        assert [(i.seq, i.what, i.amount, i.paid, i.settled) for i in price] == [
            (1, "Deposit", D("50000.00"), D("50000.00"), True),
            (2, "Due at signing", D("40000.00"), D("40000.00"), True),  # closed at its 40,000
            # The plan's 50,000 + 250,000 less the 90,000 paid.
            (7, "Due at signing", D("210000.00"), 0, False),
            (8, "Instalment 1", D("233333.33"), 0, False),
            (9, "Instalment 2", D("233333.33"), 0, False),
            (10, "Instalment 3", D("233333.34"), 0, False),
        ]
        assert sum(i.amount for i in price) == PRICE
        assert [i.seq for i in rows if i.superseded_on] == [3]  # only the loan


def test_cs05_full_payment_partly_paid_to_mortgage_gets_its_loan_line(cs):
    """The balance of a full payment, partly paid, must not stand in for the bank's loan: the
    mortgage plan's loan line is on the schedule after the change (CS-06 reads it)."""
    contract = signed(cs, 1, method="full")
    with company_scope(cs.a.id):
        deposit, balance = price_lines(schedule(contract))
    pay(cs, contract, None, "100000.00")
    approve(cs, ask(cs, contract, payment_method="mortgage"))
    with company_scope(cs.a.id):
        price = price_lines(schedule(contract))
        assert [(i.id, i.amount, i.settled) for i in price[:2]] == [
            (deposit.id, D("50000.00"), True),
            (balance.id, D("100000.00"), True),
        ]
        assert [(i.what, i.amount) for i in price[2:]] == [
            ("Loan (paid by the bank)", D("850000.00"))
        ]
        assert sum(i.amount for i in price) == PRICE


def test_cs05_rejected_payment_method_change_leaves_the_schedule(cs):
    contract = signed(cs, 1)
    with company_scope(cs.a.id):
        before = snapshot(contract)
    change = ask(cs, contract, payment_method="full")
    approvals.approve(request_of(change), cs.cs_manager)
    approvals.reject(request_of(change), cs.vp, "the bank already approved the loan")
    with company_scope(cs.a.id):
        assert snapshot(contract) == before
        assert reload(Contract, contract.id).payment_method == PaymentMethod.mortgage
        assert "schedule" not in reload(ContractChange, change.id).after


def refused_by_the_vp(w, change) -> None:
    """The CS manager approves; the VP's approval is refused, naming the payment method."""
    approvals.approve(request_of(change), w.cs_manager)
    with pytest.raises(ValidationError) as refused:
        approvals.approve(request_of(change), w.vp)
    assert list(refused.value.messages) == ["payment_method"]


def test_cs05_payment_method_change_refused_while_money_for_a_replaced_instalment_is_due(cs):
    """A notice not yet received claims the down payment: the VP's approval is refused,
    naming the payment method, and nothing changes until the notice is received or
    cancelled."""
    contract = signed(cs, 1)
    notice(cs, contract, "100000.00")  # the oldest open instalment: due at signing
    with company_scope(cs.a.id):
        before = snapshot(contract)
    change = ask(cs, contract, payment_method="full")
    refused_by_the_vp(cs, change)
    with company_scope(cs.a.id):
        assert snapshot(contract) == before
        assert reload(ContractChange, change.id).status == ChangeStatus.pending
        assert reload(Contract, contract.id).payment_method == PaymentMethod.mortgage


def test_cs05_payment_method_change_refused_while_the_unit_is_pre_released(cs):
    contract = signed(cs, 1)
    with company_scope(cs.a.id):
        price_lines(schedule(contract))[1].dunning_step = Step.pre_release  # CS-10, 60 days
        db.session.commit()
        before = snapshot(contract)
    change = ask(cs, contract, payment_method="full")
    refused_by_the_vp(cs, change)
    with company_scope(cs.a.id):
        assert snapshot(contract) == before


def test_cs05_payment_method_change_never_reprices_the_contract(cs):
    """Sales prices every method alike; if the plan no longer gives the contract's price
    (here the unit's list price moved), the change is refused when asked, naming the
    payment method."""
    contract = signed(cs, 1)
    with company_scope(cs.a.id):
        reload(Unit, contract.unit_id).list_total = D("1100000.00")
        db.session.commit()
    with pytest.raises(ValidationError) as refused:
        ask(cs, contract, payment_method="full")
    assert list(refused.value.messages) == ["payment_method"]
    with company_scope(cs.a.id):
        assert db.session.scalar(select(func.count(ContractChange.id))) == 0


def test_cs05_new_lines_the_plan_dates_before_the_change_fall_due_on_its_day(cs):
    """Ordered 40 days ago, the plan's signing day is long past: the customer cannot be late
    on a schedule that did not exist, so no new line is due before the change."""
    ordered = today() - timedelta(days=40)
    contract = signed(cs, 1, ordered_on=ordered, signing_date=today())
    approve(cs, ask(cs, contract, payment_method="instalments"))
    plan_signing = ordered + timedelta(days=7)
    with company_scope(cs.a.id):
        price = price_lines(schedule(contract))
        assert [(i.what, i.due_on) for i in price] == [
            ("Deposit", ordered),  # paid: kept as it was
            ("Due at signing", today()),
            ("Instalment 1", add_months(plan_signing, 3)),
            ("Instalment 2", add_months(plan_signing, 6)),
            ("Instalment 3", add_months(plan_signing, 9)),
        ]
        assert sum(i.amount for i in price) == PRICE
