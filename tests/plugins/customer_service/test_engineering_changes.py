"""Engineering changes (CS-19): recorded, routed engineering → cost/budget → CS manager (an
editable flow), confirmed by the buyer's signature (date and signed document), tracked until
done, and their cost added to or deducted from what the customer owes."""

from datetime import date, timedelta

import pytest
from marshmallow import ValidationError

from core import approvals
from core.documents import get_document
from core.extensions import db
from core.permissions import PermissionDenied
from core.plugins import state
from core.tenancy import company_scope
from plugins.customer_service.engineering import services
from plugins.customer_service.engineering.models import ChangeStatus
from plugins.customer_service.models import InstalmentKind
from plugins.customer_service.payments.ledger import sales_ledger
from tests.plugins.customer_service.cs_setup import D, make_sale, person
from tests.plugins.customer_service.test_payments_notices import ON, paid

SIGNED = date(2026, 12, 3)
SCAN = b"%PDF-1.4 signed change form"


@pytest.fixture
def eng(cs):
    cs.engineer = person(cs, "eng-a@example.com", "engineering")
    cs.cost = person(cs, "cost-a@example.com", "cost_budget")
    return cs


def ask(w, contract, user=None, **data):
    values = {"contract_id": contract.id, "description": "厨房墙体移位，增加一处插座"} | data
    return services.request_change(w.a, user or w.cs_rep, values)


def request_of(change):
    return db.session.get(approvals.ApprovalRequest, change.approval_request_id)


def through_route(w, change, cost="12345.67"):
    with company_scope(w.a.id):
        approvals.approve(request_of(change), w.engineer)
    services.set_cost(change, w.cost, D(cost), "按预算部核价")
    with company_scope(w.a.id):
        approvals.approve(request_of(change), w.cost)
        approvals.approve(request_of(change), w.cs_manager)
        db.session.refresh(change)


def sign(w, change, on=SIGNED):
    return services.record_signature(change, w.cs_rep, on, "signed.pdf", SCAN)


def test_cs19_route_engineering_cost_cs_manager_priced_by_cost(eng):
    change = ask(eng, make_sale(eng, 1))
    with company_scope(eng.a.id):
        assert [s["roles"] for s in request_of(change).steps] == [
            ["engineering"],
            ["cost_budget"],
            ["cs_manager"],
        ]
        with pytest.raises(approvals.ApprovalRefused):
            approvals.approve(request_of(change), eng.cs_manager)  # not yet their step
    with pytest.raises(PermissionDenied):
        services.set_cost(change, eng.engineer, D("100"))
    through_route(eng, change)
    assert change.status == ChangeStatus.approved and change.cost == D("12345.67")


def test_cs19_approval_without_a_cost_is_refused(eng):
    change = ask(eng, make_sale(eng, 1))
    with company_scope(eng.a.id):
        approvals.approve(request_of(change), eng.engineer)
        approvals.approve(request_of(change), eng.cost)
        with pytest.raises(ValidationError) as refused:
            approvals.approve(request_of(change), eng.cs_manager)
        assert "cost" in refused.value.messages
        db.session.expire_all()
        assert request_of(change).status == approvals.RequestStatus.pending
        assert change.status == ChangeStatus.pending


def test_cs19_signature_books_positive_cost_as_change_instalment(eng):
    contract = make_sale(eng, 1)
    change = ask(eng, contract)
    through_route(eng, change)
    with pytest.raises(ValidationError):
        services.record_signature(change, eng.cs_rep, None, "signed.pdf", SCAN)
    sign(eng, change)
    with company_scope(eng.a.id):
        assert change.status == ChangeStatus.signed and change.signed_on == SIGNED
        document = get_document(change.signature_document_id)
        assert (document.owner_type, document.owner_id) == ("sales_customer", contract.customer_id)
        instalment = change.instalment
        assert (instalment.kind, instalment.amount, instalment.due_on) == (
            InstalmentKind.change,
            D("12345.67"),
            SIGNED + timedelta(days=7),
        )
        (row,) = sales_ledger({"contract_id": str(contract.id)}, ON)
        assert row.outstanding == D("1012345.67")
    with pytest.raises(services.ChangeRefused):
        sign(eng, change)  # signed once


def test_cs19_changed_setting_moves_the_due_date(eng):
    state.update_settings(eng.a, "customer_service", {"change_payment_days": 30})
    change = ask(eng, make_sale(eng, 1))
    through_route(eng, change, "800.00")
    sign(eng, change)
    with company_scope(eng.a.id):
        assert change.instalment.due_on == SIGNED + timedelta(days=30)


def test_cs19_negative_cost_is_a_credit_applied_like_an_overpayment(eng):
    contract = make_sale(eng, 1)
    change = ask(eng, contract, description="取消原设计的吊顶")
    through_route(eng, change, "-3210.55")
    sign(eng, change)
    assert paid(eng, contract) == [(D("3210.55"), False, None), (D("0.00"), False, None)]
    with company_scope(eng.a.id):
        assert change.instalment_id is None
        (row,) = sales_ledger({"contract_id": str(contract.id)}, ON)
        assert (row.received, row.credit, row.outstanding) == (0, 0, D("996789.45"))


def test_cs19_tracked_until_done_by_engineering(eng):
    change = ask(eng, make_sale(eng, 1))
    through_route(eng, change)
    with pytest.raises(services.ChangeRefused):
        services.set_progress(change, eng.engineer, "in_progress")  # not signed yet
    sign(eng, change)
    with pytest.raises(PermissionDenied):
        services.set_progress(change, eng.cs_rep, "done")
    services.set_progress(change, eng.engineer, "in_progress", date(2026, 12, 5))
    services.set_progress(change, eng.engineer, "done", date(2026, 12, 20))
    assert (change.status, change.started_on, change.done_on) == (
        ChangeStatus.done,
        date(2026, 12, 5),
        date(2026, 12, 20),
    )


def test_cs19_rejected_or_unsigned_change_books_nothing(eng):
    contract = make_sale(eng, 1)
    rejected = ask(eng, contract)
    with company_scope(eng.a.id):
        approvals.reject(request_of(rejected), eng.engineer, "承重墙不可拆")
        db.session.refresh(rejected)
    assert rejected.status == ChangeStatus.rejected
    unsigned = ask(eng, contract)
    through_route(eng, unsigned)
    services.cancel_change(unsigned, eng.cs_rep, "客户放弃")
    assert unsigned.status == ChangeStatus.cancelled
    with company_scope(eng.a.id):
        db.session.refresh(contract)
        assert len(contract.instalments) == 2


def test_cs19_edited_flow_is_followed(eng):
    approvals.save_flow(
        eng.a,
        {
            "doc_type": services.DOC_TYPE,
            "name": "Engineering change (cost only)",
            "steps": [{"name": "Cost", "roles": ["cost_budget"]}],
        },
    )
    change = ask(eng, make_sale(eng, 1), cost=D("500"))
    with company_scope(eng.a.id):
        approvals.approve(request_of(change), eng.cost)
        db.session.refresh(change)
    assert change.status == ChangeStatus.approved
