"""CS-05 (with CS-03): general term changes are the rep's decision, applied at once and
recorded; major ones (payment method, breach terms, usable-area ratio, fit-out and equipment,
property fee, title-deed deadline) go CS manager → VP and are applied on approval, with the
terms before and after kept."""

import pytest
from marshmallow import ValidationError

from core import approvals
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.contracts import changes
from plugins.customer_service.contracts.models import ChangeStatus, ContractChange
from plugins.customer_service.contracts.services import ContractRefused
from plugins.customer_service.models import Contract
from plugins.sales.orders.models import PaymentMethod
from tests.plugins.customer_service.test_contracts_prepare import (
    cs_fixture,
    place,
    prepare,
    reload,
    signed,
)

__all__ = ["cs_fixture"]


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
            assert change.after == {term: value}
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
        assert reload(ContractChange, change.id).before == {
            "payment_method": "mortgage",
            "other_terms": None,
        }


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
