"""CS-06: pre-sale registration (备案) only when the price is paid in full (or, for a mortgage,
the full down payment) and the contract is complete and stamped; refused with the reason
otherwise. Registration updates the contract and the unit (contracted → registered). The
statutory 30-day online-filing clock runs from signing and lists the contracts at risk."""

from datetime import timedelta

import pytest

from core.duties import today
from core.extensions import db
from core.plugins import state
from core.tenancy import company_scope
from plugins.customer_service.contracts import registration, signing
from plugins.customer_service.contracts.services import ContractRefused
from plugins.customer_service.models import Contract, ContractStatus, Instalment, InstalmentKind
from plugins.sales.models import Unit, UnitState
from plugins.sales.orders.models import PaymentMethod
from tests.plugins.customer_service.test_contracts_changes import approve, ask
from tests.plugins.customer_service.test_contracts_prepare import (
    ANNEXES,
    D,
    cs_fixture,
    pay,
    reload,
    signed,
)

__all__ = ["cs_fixture"]


def register(w, contract):
    return registration.register_contract(contract, w.cs_rep)


def problems(w, contract) -> dict:
    with company_scope(w.a.id):
        return registration.registration_problems(reload(Contract, contract.id))


def test_cs06_full_payment_registered_only_when_the_price_is_paid_in_full(cs):
    contract = signed(cs, 1, method="full")
    pay(cs, contract, None, "949999.99")  # deposit 50,000 + 949,999.99: one fen short
    with pytest.raises(ContractRefused) as refused:
        register(cs, contract)
    assert set(refused.value.fields) == {"paid"}
    assert "999999.99 of 1000000.00" in str(refused.value)
    pay(cs, contract, None, None)
    register(cs, contract)
    with company_scope(cs.a.id):
        contract = reload(Contract, contract.id)
        assert contract.status == ContractStatus.registered
        assert contract.registered_on == today()
        assert reload(Unit, contract.unit_id).state == UnitState.registered


def test_cs06_instalments_need_the_whole_price_not_only_what_is_due(cs):
    contract = signed(cs, 1, method="instalments")
    pay(cs, contract, None, None)  # the down payment (30 %) only
    assert "paid" in problems(cs, contract)
    pay(cs, contract, None, None, None, None, None)  # and the three instalments
    assert problems(cs, contract) == {}


def test_cs06_mortgage_needs_the_full_down_payment_not_the_loan(cs):
    contract = signed(cs, 1, method="mortgage")  # 15 % down: deposit 50,000 + 100,000
    with company_scope(cs.a.id):
        position = registration.payment_position(reload(Contract, contract.id))
    # The deposit received with the order counts.
    assert (position.part, position.due, position.paid) == (
        "down_payment",
        D("150000.00"),
        D("50000.00"),
    )
    pay(cs, contract, None, "99999.99")
    assert "down payment" in " ".join(problems(cs, contract)["paid"])
    pay(cs, contract, None, None)  # the loan (paid by the bank later) and fees stay unpaid
    assert problems(cs, contract) == {}
    register(cs, contract)
    with company_scope(cs.a.id):
        assert reload(Contract, contract.id).status == ContractStatus.registered


def test_cs06_down_payment_lines_are_the_price_lines_before_the_loan(cs):
    def line(seq, what, amount, kind=InstalmentKind.payment, superseded_on=None):
        return Instalment(
            seq=seq, what=what, amount=D(amount), kind=kind, superseded_on=superseded_on
        )

    schedule = [
        line(1, "Deposit", "50000.00"),
        line(2, "Due at signing", "0.00", superseded_on=today()),  # replaced by a new method
        line(3, "Deed tax", "30000.00", InstalmentKind.fee),
        line(4, "Layout change fee", "5000.00", InstalmentKind.change),
        line(6, "Loan (paid by the bank)", "850000.00"),
        line(5, "Due at signing", "100000.00"),
    ]
    lines = registration.down_payment_lines(schedule, D("1000000.00"))
    assert [(i.seq, i.what) for i in lines] == [(1, "Deposit"), (5, "Due at signing")]


def test_cs06_registration_after_method_change_uses_the_contracts_schedule(cs):
    """Full payment → mortgage through the approved change (CS-05). The order's schedule
    still says full payment, where only the paid deposit comes before the balance that
    completes the price; the contract's schedule (CS-09) says mortgage, with 100,000 more
    due at signing before the loan. Registration follows the contract's: refused until that
    is paid."""
    contract = signed(cs, 1, method="full")
    approve(cs, ask(cs, contract, payment_method="mortgage"))
    with company_scope(cs.a.id):
        contract = reload(Contract, contract.id)
        assert contract.payment_method == PaymentMethod.mortgage
        down = [i for i in contract.instalments if i.kind == InstalmentKind.payment]
        # The full payment's unpaid balance is superseded, the mortgage plan's lines follow.
        assert [(i.what, i.amount, i.superseded_on is not None) for i in down] == [
            ("Deposit", D("50000.00"), False),
            ("Due at signing", D("0.00"), True),
            ("Due at signing", D("100000.00"), False),
            ("Loan (paid by the bank)", D("850000.00"), False),
        ]
        position = registration.payment_position(contract)
        assert (position.part, position.due, position.paid) == (
            "down_payment",
            D("150000.00"),
            D("50000.00"),
        )
        due_at_signing = down[2].id
    with pytest.raises(ContractRefused) as refused:
        register(cs, contract)
    assert set(refused.value.fields) == {"paid"}
    assert "50000.00 of 150000.00" in str(refused.value)
    with company_scope(cs.a.id):
        instalment = reload(Instalment, due_at_signing)
        instalment.paid, instalment.settled = instalment.amount, True
        db.session.commit()
    register(cs, contract)  # the loan and the fees stay unpaid
    with company_scope(cs.a.id):
        assert reload(Contract, contract.id).status == ContractStatus.registered


def test_cs06_not_stamped_or_incomplete_refused_with_the_reason(cs):
    contract = signed(cs, 1, method="full", stamp=False)
    pay(cs, contract, None, None)
    with pytest.raises(ContractRefused) as refused:
        register(cs, contract)
    assert set(refused.value.fields) == {"stamped"}
    assert "not stamped" in str(refused.value)
    signing.stamp_contract(contract, cs.cs_rep)
    signing.set_annexes(contract, cs.cs_rep, {"supplementary_agreement": False})
    assert set(problems(cs, contract)) == {"annexes"}
    signing.set_annexes(contract, cs.cs_rep, dict.fromkeys(ANNEXES, True))
    register(cs, contract)


def test_cs06_refused_registration_leaves_nothing_half_written(cs, monkeypatch):
    contract = signed(cs, 1, method="full")
    pay(cs, contract, None, None)

    def refuse(*args, **kwargs):
        return False  # sales control refuses the unit's move (e.g. it changed meanwhile)

    monkeypatch.setattr("plugins.sales.units.services.take_unit", refuse)
    with pytest.raises(ContractRefused):
        register(cs, contract)
    with company_scope(cs.a.id):
        contract = reload(Contract, contract.id)
        assert (contract.status, contract.registered_on) == (ContractStatus.signed, None)
        assert reload(Unit, contract.unit_id).state == UnitState.contracted


def _signed_days_ago(w, n, days) -> Contract:
    contract = signed(w, n, method="full")
    with company_scope(w.a.id):
        contract = reload(Contract, contract.id)
        contract.signed_on = today() - timedelta(days=days)
        db.session.commit()
    return contract


def test_cs06_statutory_filing_clock_lists_contracts_at_risk(cs):
    calm = _signed_days_ago(cs, 1, 20)  # 10 days left
    edge = _signed_days_ago(cs, 2, 25)  # 5 days left: at risk by default
    late = _signed_days_ago(cs, 3, 31)  # overdue by one day
    done = _signed_days_ago(cs, 4, 40)
    pay(cs, done, None, None)
    register(cs, done)  # registered: the clock stopped
    with company_scope(cs.a.id):
        clocks = registration.at_risk(cs.a)
        assert [(c.contract.id, c.days_left, c.overdue) for c in clocks] == [
            (late.id, -1, True),
            (edge.id, 5, False),
        ]
        assert clocks[0].deadline == late.signed_on + timedelta(days=30)
    state.update_settings(cs.a, "customer_service", {"filing_risk_days": 10})
    with company_scope(cs.a.id):
        assert [c.contract.id for c in registration.at_risk(cs.a)] == [late.id, edge.id, calm.id]
    state.update_settings(cs.a, "customer_service", {"statutory_filing_days": 15})
    with company_scope(cs.a.id):
        clocks = registration.at_risk(cs.a)
        assert [c.days_left for c in clocks] == [-16, -10, -5]
