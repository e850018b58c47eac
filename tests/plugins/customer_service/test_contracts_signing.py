"""CS-04: the signing is booked with the customer and the lawyer told (recorded dates); it is
refused, listing what is missing or different, unless the four annexes are present and price,
payment method and dates match the order; signing moves the unit subscribed → contracted."""

from datetime import timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core.duties import today
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.contracts import signing
from plugins.customer_service.contracts.services import ContractRefused
from plugins.customer_service.models import Contract, ContractStatus
from plugins.sales.models import Unit, UnitState, UnitStateChange
from plugins.sales.orders import services as orders
from tests.plugins.customer_service.test_contracts_prepare import (
    D,
    cs_fixture,
    place,
    prepare,
    ready,
    reload,
)

__all__ = ["cs_fixture"]


def unit_state(w, contract) -> UnitState:
    with company_scope(w.a.id):
        return reload(Unit, contract.unit_id).state


def test_cs04_booking_and_lawyer_dates_recorded_within_the_orders_validity(cs):
    contract = prepare(cs, place(cs, 1))
    signing.book_signing(contract, cs.cs_rep, today())
    signing.tell_lawyer(contract, cs.cs_rep, today())
    with company_scope(cs.a.id):
        contract = reload(Contract, contract.id)
        assert (contract.signing_booked_on, contract.lawyer_told_on) == (today(), today())
    with pytest.raises(ValidationError) as invalid:
        signing.book_signing(contract, cs.cs_rep, contract.order.signing_date + timedelta(1))
    assert "signing_booked_on" in invalid.value.messages


def test_cs04_signing_refused_listing_every_missing_annex_booking_and_lawyer(cs):
    contract = prepare(cs, place(cs, 1))
    with pytest.raises(ValidationError) as invalid:
        signing.set_annexes(contract, cs.cs_rep, {"parking_plan": True})
    assert "annexes" in invalid.value.messages
    signing.set_annexes(contract, cs.cs_rep, {"floor_plan": True, "payment_terms": True})
    with pytest.raises(ContractRefused) as refused:
        signing.sign_contract(contract, cs.cs_rep)
    problems = refused.value.fields
    assert set(problems) == {"signing_booked_on", "lawyer_told_on", "annexes"}
    assert len(problems["annexes"]) == 2
    assert any("Fit-out" in m for m in problems["annexes"])
    assert any("Supplementary" in m for m in problems["annexes"])
    assert unit_state(cs, contract) == UnitState.subscribed
    with company_scope(cs.a.id):
        assert reload(Contract, contract.id).status == ContractStatus.draft


def test_cs04_signing_refused_when_price_method_or_dates_differ_from_the_order(cs):
    order = place(cs, 1, method="instalments")
    contract = ready(cs, prepare(cs, order))
    # The order changes after the contract was prepared: a new version, another price and
    # method (hence another schedule).
    orders.revise_order(
        order, cs.rep, {"payment_method": "full", "discount_pct": D("1")}, "better terms"
    )
    with pytest.raises(ContractRefused) as refused:
        signing.sign_contract(contract, cs.cs_rep)
    assert {"price", "payment_method", "instalments"} <= set(refused.value.fields)
    assert "990000.00" in " ".join(refused.value.fields["price"])
    assert unit_state(cs, contract) == UnitState.subscribed


def test_cs04_signing_refused_after_the_orders_signing_date(cs):
    contract = ready(cs, prepare(cs, place(cs, 1)))
    late = contract.order.signing_date + timedelta(days=1)
    with pytest.raises(ContractRefused) as refused:
        signing.sign_contract(contract, cs.cs_rep, on=late)
    assert "signing_date" in refused.value.fields


def test_cs04_signing_moves_the_unit_to_contracted_through_sales_control(cs):
    contract = ready(cs, prepare(cs, place(cs, 1)))
    signing.sign_contract(contract, cs.cs_rep)
    with company_scope(cs.a.id):
        contract = reload(Contract, contract.id)
        assert (contract.status, contract.signed_on) == (ContractStatus.signed, today())
        assert contract.unit.state == UnitState.contracted
        log = db.session.scalars(
            select(UnitStateChange).where(UnitStateChange.unit_id == contract.unit_id)
        ).all()
        assert (log[-1].from_state, log[-1].to_state) == (
            UnitState.subscribed,
            UnitState.contracted,
        )
        assert log[-1].user_id == cs.cs_rep.id and contract.number in log[-1].reason
    with pytest.raises(ContractRefused):
        signing.sign_contract(contract, cs.cs_rep)  # once only


def test_cs04_stamp_only_a_signed_contract(cs):
    contract = ready(cs, prepare(cs, place(cs, 1)))
    with pytest.raises(ContractRefused):
        signing.stamp_contract(contract, cs.cs_rep)
    signing.sign_contract(contract, cs.cs_rep)
    signing.stamp_contract(contract, cs.cs_rep)
    with company_scope(cs.a.id):
        contract = reload(Contract, contract.id)
        assert contract.stamped and contract.stamped_on == today()
