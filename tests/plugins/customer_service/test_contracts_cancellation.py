"""CS-07: cancelling a contract for customer breach or an ID change needs the CS manager only;
claimed as the company's fault or a resale (company money or staff) CS manager → VP. On
approval, in one transaction: the contract is cancelled, its order closed, the unit back on
sale through sales control, and its instalments no longer dunned."""

import pytest
from sqlalchemy import select

from core import approvals
from core.admin.labels import label
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.archive.card import ORDER_STATES
from plugins.customer_service.archive.index import archived_customers
from plugins.customer_service.contracts import cancellation as cancellations
from plugins.customer_service.contracts.models import ChangeStatus, ContractCancellation
from plugins.customer_service.contracts.services import ContractRefused
from plugins.customer_service.models import Contract, ContractStatus, Instalment
from plugins.customer_service.models.contracts import DUNNED
from plugins.sales.models import Unit, UnitState, UnitStateChange
from plugins.sales.orders.models import Order, OrderStatus
from tests.plugins.customer_service.test_contracts_prepare import (
    cs_fixture,
    place,
    prepare,
    reload,
    signed,
)

__all__ = ["cs_fixture"]


def cancel(w, contract, kind, reason="customer stopped paying"):
    return cancellations.request_cancellation(
        contract, w.cs_rep, {"reason_kind": kind, "reason": reason}
    )


def request_of(cancellation) -> approvals.ApprovalRequest:
    db.session.expire_all()
    return db.session.get(approvals.ApprovalRequest, cancellation.approval_request_id)


def dunned_instalments(w) -> list[Instalment]:
    """What a dunning scan sees: open instalments of contracts in a dunned status."""
    with company_scope(w.a.id):
        return db.session.scalars(
            select(Instalment)
            .join(Contract, Contract.id == Instalment.contract_id)
            .where(Instalment.settled.is_(False), Contract.status.in_(DUNNED))
        ).all()


def assert_cancelled(w, contract, reason_words: str):
    with company_scope(w.a.id):
        contract = reload(Contract, contract.id)
        assert contract.status == ContractStatus.cancelled and contract.closed_on is not None
        assert reason_words in contract.close_reason
        order = db.session.get(Order, contract.order_id)
        assert order.status == OrderStatus.cancelled and order.closed_at is not None
        assert contract.number in order.close_reason
        unit = db.session.get(Unit, contract.unit_id)
        assert unit.state == UnitState.available
        last = db.session.scalars(
            select(UnitStateChange)
            .where(UnitStateChange.unit_id == unit.id)
            .order_by(UnitStateChange.id.desc())
        ).first()
        assert (last.from_state, last.to_state) == (UnitState.contracted, UnitState.available)


@pytest.mark.parametrize("kind", ["customer_breach", "id_change"])
def test_cs07_breach_or_id_change_needs_only_the_cs_manager(cs, kind):
    contract = signed(cs, 1)
    assert len(dunned_instalments(cs)) > 0
    cancellation = cancel(cs, contract, kind)
    request = request_of(cancellation)
    assert [s["applies"] for s in request.steps] == [True, False]
    approvals.approve(request, cs.cs_manager)
    assert_cancelled(cs, contract, "customer stopped paying")
    with company_scope(cs.a.id):
        assert reload(ContractCancellation, cancellation.id).status == ChangeStatus.applied
    assert dunned_instalments(cs) == []  # the contract's instalments leave the dunning scan


@pytest.mark.parametrize("kind", ["company_fault", "resale"])
def test_cs07_company_fault_or_resale_needs_cs_manager_then_vp(cs, kind):
    contract = signed(cs, 1)
    cancellation = cancel(cs, contract, kind, reason="delivery delayed by the company")
    approvals.approve(request_of(cancellation), cs.cs_manager)
    with company_scope(cs.a.id):
        assert reload(Contract, contract.id).status == ContractStatus.signed
        assert reload(ContractCancellation, cancellation.id).status == ChangeStatus.pending
    approvals.approve(request_of(cancellation), cs.vp)
    assert_cancelled(cs, contract, "delivery delayed")


def test_cs07_cancellation_ends_the_order_as_cancelled(cs):
    contract = signed(cs, 1)
    approvals.approve(request_of(cancel(cs, contract, "customer_breach")), cs.cs_manager)
    with company_scope(cs.a.id):
        order = reload(Order, contract.order_id)
        # Ended with its contract: not "voided", the site manager's act (SAL-17).
        assert order.status == OrderStatus.cancelled
        assert label(order.status) == "Cancelled" != label(OrderStatus.voided)
        # The customer card tells it apart, and the customer stays in the archive.
        assert ORDER_STATES[order.status] == "合同解除" != ORDER_STATES[OrderStatus.voided]
        assert order.customer_id in {c.id for c, _units in archived_customers()}


def test_cs07_rejected_cancellation_changes_nothing(cs):
    contract = signed(cs, 1)
    cancellation = cancel(cs, contract, "customer_breach")
    approvals.reject(request_of(cancellation), cs.cs_manager, "the customer paid meanwhile")
    with company_scope(cs.a.id):
        assert reload(ContractCancellation, cancellation.id).status == ChangeStatus.rejected
        contract = reload(Contract, contract.id)
        assert contract.status == ContractStatus.signed
        assert reload(Unit, contract.unit_id).state == UnitState.contracted


def test_cs07_one_pending_cancellation_and_only_live_contracts(cs):
    contract = signed(cs, 1)
    cancel(cs, contract, "customer_breach")
    with pytest.raises(ContractRefused):
        cancel(cs, contract, "id_change")


def test_cs07_a_draft_contract_cancelled_releases_the_subscribed_unit(cs):
    draft = prepare(cs, place(cs, 1))
    approvals.approve(request_of(cancel(cs, draft, "id_change")), cs.cs_manager)
    with company_scope(cs.a.id):
        assert reload(Contract, draft.id).status == ContractStatus.cancelled
        assert reload(Unit, draft.unit_id).state == UnitState.available
        assert db.session.get(Order, draft.order_id).status == OrderStatus.cancelled


def test_cs07_refused_cancellation_leaves_nothing_half_written(cs):
    contract = signed(cs, 1)
    cancellation = cancel(cs, contract, "customer_breach")
    with company_scope(cs.a.id):
        unit = reload(Unit, contract.unit_id)
        unit.state = UnitState.delivered  # handed over meanwhile: it cannot go back on sale
        db.session.commit()
    with pytest.raises(ContractRefused):
        approvals.approve(request_of(cancellation), cs.cs_manager)
    with company_scope(cs.a.id):
        assert request_of(cancellation).status == approvals.RequestStatus.pending
        assert reload(ContractCancellation, cancellation.id).status == ChangeStatus.pending
        contract = reload(Contract, contract.id)
        assert (contract.status, contract.closed_on) == (ContractStatus.signed, None)
        assert db.session.get(Order, contract.order_id).status == OrderStatus.active
        assert db.session.get(Unit, contract.unit_id).state == UnitState.delivered
