"""Advancing mortgage instalments (CS-20): one overdue instalment goes finance manager → VP →
GM, all remaining instalments CFO → GM; once approved the advanced amount is a receivable of
kind ``advance``, open like any other instalment for the dunning scan (CS-10)."""

from datetime import date

import pytest
from marshmallow import ValidationError

from core import approvals
from core.extensions import db
from core.permissions import PermissionDenied
from core.tenancy import company_scope
from plugins.customer_service.models import InstalmentKind
from plugins.customer_service.payments import advances
from plugins.customer_service.payments.ledger import receivables_query
from plugins.customer_service.payments.models import AdvanceStatus
from plugins.sales.orders.models import PaymentMethod
from tests.plugins.customer_service import test_payments_notices as base
from tests.plugins.customer_service.cs_setup import D, make_sale
from tests.plugins.customer_service.test_payments_notices import ON, notice, paid, receive

pay = base.pay  # the shared fixture
ADVANCED_ON = date(2026, 12, 15)


def ask(w, contract, kind="instalment", user=None, **data):
    values = {
        "contract_id": contract.id,
        "kind": kind,
        "amount": D("4490.45"),
        "advance_on": ADVANCED_ON,
        "what": "2026年11月月供",
        "bank": "中国建设银行洛阳分行",
        "reason": "客户逾期，避免影响公司担保",
    } | data
    return advances.request_advance(w.a, user or w.cs_rep, values)


def request_of(advance):
    return db.session.get(approvals.ApprovalRequest, advance.approval_request_id)


def route(advance) -> list[str]:
    return [step["roles"][0] for step in request_of(advance).steps]


def mortgage(w, n=1):
    return make_sale(w, n, method=PaymentMethod.mortgage)


def test_cs20_one_instalment_finance_manager_vp_gm_then_receivable_dunned(pay):
    contract = mortgage(pay)
    advance = ask(pay, contract)
    with company_scope(pay.a.id):
        assert route(advance) == ["finance_manager", "vp", "gm"]
        for user in (pay.finance_manager, pay.vp):
            approvals.approve(request_of(advance), user)
            assert advance.status == AdvanceStatus.pending and advance.instalment_id is None
        approvals.approve(request_of(advance), pay.gm)
        db.session.refresh(advance)
        assert advance.status == AdvanceStatus.approved
        instalment = advance.instalment
        assert (instalment.kind, instalment.due_on, instalment.amount, instalment.seq) == (
            InstalmentKind.advance,
            ADVANCED_ON,
            D("4490.45"),
            3,
        )
        # The dunning scan reads every open instalment alike: overdue the day after.
        overdue = receivables_query({"overdue": "1"}, date(2026, 12, 16))
        assert instalment in db.session.scalars(overdue).all()
    # Paid like any instalment, with a notice and a receipt.
    receive(
        pay,
        notice(
            pay, contract, "4490.45", lines=[{"instalment_id": instalment.id, "amount": "4490.45"}]
        ),
    )
    assert paid(pay, contract)[2] == (D("4490.45"), True, ON)


def test_cs20_all_remaining_instalments_cfo_then_gm(pay):
    contract = mortgage(pay)
    advance = ask(pay, contract, "remaining", amount=D("612345.67"), what="剩余全部贷款")
    with company_scope(pay.a.id):
        assert route(advance) == ["cfo", "gm"]
        with pytest.raises(approvals.ApprovalRefused):
            approvals.approve(request_of(advance), pay.finance_manager)
        approvals.approve(request_of(advance), pay.cfo)
        approvals.approve(request_of(advance), pay.gm)
        db.session.refresh(advance)
        assert advance.instalment.amount == D("612345.67")
        assert advance.instalment.kind == InstalmentKind.advance


def test_cs20_rejected_advance_owes_nothing(pay):
    contract = mortgage(pay)
    advance = ask(pay, contract)
    with company_scope(pay.a.id):
        approvals.approve(request_of(advance), pay.finance_manager)
        approvals.reject(request_of(advance), pay.vp, "先催客户")
        db.session.refresh(advance)
        assert advance.status == AdvanceStatus.rejected and advance.instalment_id is None
        assert len(contract.instalments) == 2


def test_cs20_only_mortgage_contracts_and_complete_requests(pay):
    with pytest.raises(ValidationError) as refused:
        ask(pay, make_sale(pay, 1))  # paid in instalments, no bank loan
    assert "contract_id" in refused.value.messages
    with pytest.raises(ValidationError) as missing:
        ask(pay, mortgage(pay, 2), amount=D("0"), reason=" ")
    assert set(missing.value.messages) == {"amount", "reason"}
    with pytest.raises(PermissionDenied):
        ask(pay, mortgage(pay, 3), user=pay.vp)


def test_cs20_advance_paid_at_once_from_the_contracts_credit(pay):
    contract = mortgage(pay)
    receive(pay, notice(pay, contract, "1000100.00"))  # 100.00 left as credit
    advance = ask(pay, contract, amount=D("4490.45"))
    with company_scope(pay.a.id):
        for user in (pay.finance_manager, pay.vp, pay.gm):
            approvals.approve(request_of(advance), user)
    assert paid(pay, contract)[2] == (D("100.00"), False, None)


def test_cs20_edited_flow_is_followed(pay):
    contract = mortgage(pay)
    approvals.save_flow(
        pay.a,
        {
            "doc_type": advances.DOC_TYPES["instalment"],
            "name": "Advance (GM only)",
            "steps": [{"name": "GM", "roles": ["gm"]}],
        },
    )
    advance = ask(pay, contract)
    with company_scope(pay.a.id):
        assert route(advance) == ["gm"]
        approvals.approve(request_of(advance), pay.gm)
        db.session.refresh(advance)
        assert advance.status == AdvanceStatus.approved
