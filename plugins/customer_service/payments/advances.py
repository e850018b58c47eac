"""Advancing mortgage instalments to the bank (CS-20): one overdue instalment needs finance
manager → VP → GM, all remaining instalments CFO → GM. Once approved, the amount is an
instalment of kind ``advance`` the customer owes, due on the advance date, which the dunning
scan treats like any other open instalment (CS-10)."""

from flask_babel import gettext as _
from marshmallow import ValidationError

from core import approvals
from core.extensions import db
from core.models import Company, User
from core.services.transaction import company_transaction
from plugins.customer_service.models import InstalmentKind
from plugins.customer_service.payments import ADVANCE
from plugins.customer_service.payments.models import Advance, AdvanceKind, AdvanceStatus
from plugins.customer_service.payments.notices import get_contract, require
from plugins.customer_service.payments.services import add_instalment, money, now
from plugins.sales.orders.models import PaymentMethod

OWNER = "cs.advance"
DOC_TYPES = {
    AdvanceKind.instalment: "customer_service.advance_instalment",
    AdvanceKind.remaining: "customer_service.advance_remaining",
}


def advance_flows() -> list[dict]:
    """The SPEC routes; a company edits them in the approval-flow editor."""
    return [
        {
            "doc_type": DOC_TYPES[AdvanceKind.instalment],
            "name": "Advance an overdue mortgage instalment (垫付按揭月供)",
            "steps": [
                {"name": "Finance manager", "roles": ["finance_manager"]},
                {"name": "Vice-president", "roles": ["vp"]},
                {"name": "General manager", "roles": ["gm"]},
            ],
        },
        {
            "doc_type": DOC_TYPES[AdvanceKind.remaining],
            "name": "Pay all remaining mortgage instalments (提前还清按揭)",
            "steps": [
                {"name": "CFO", "roles": ["cfo"]},
                {"name": "General manager", "roles": ["gm"]},
            ],
        },
    ]


def request_advance(company: Company, user: User, data: dict) -> Advance:
    """Ask to advance ``data``: contract_id (a mortgage contract), kind (instalment or
    remaining), amount, advance_on, what (which repayment), bank, reason. Committed, on its
    approval route."""
    require(user, company, ADVANCE)
    kind = AdvanceKind(data.get("kind") or AdvanceKind.instalment)
    amount = money(data.get("amount") or 0)
    errors = {}
    if amount <= 0:
        errors["amount"] = [_("The amount must be more than zero.")]
    for name in ("what", "reason"):
        if not (data.get(name) or "").strip():
            errors[name] = [_("Required.")]
    if not data.get("advance_on"):
        errors["advance_on"] = [_("Required.")]
    if errors:
        raise ValidationError(errors)
    with company_transaction(company):
        contract = get_contract(company, data.get("contract_id"))
        if contract.payment_method != PaymentMethod.mortgage:
            raise ValidationError({"contract_id": [_("The contract is not paid by mortgage.")]})
        advance = Advance(
            company_id=company.id,
            contract_id=contract.id,
            kind=kind,
            status=AdvanceStatus.pending,
            amount=amount,
            advance_on=data["advance_on"],
            bank=(data.get("bank") or "").strip()[:100],
            what=data["what"].strip()[:100],
            reason=data["reason"].strip(),
            requester_id=user.id,
            created_at=now(),
        )
        db.session.add(advance)
        db.session.flush()
        snapshot = {
            "contract": contract.number,
            "unit": contract.unit.label,
            "kind": str(kind),
            "amount": amount,
            "advance_on": advance.advance_on.isoformat(),
            "what": advance.what,
        }
        request = approvals.submit(company, DOC_TYPES[kind], OWNER, advance.id, snapshot, user)
        advance.approval_request_id = request.id
    return advance


def approval_decided(request) -> None:
    """The route ended (inside the deciding transaction): approved makes the advanced amount
    an instalment the customer owes (paid at once from any credit the contract holds)."""
    if request.owner_type != OWNER or request.doc_type not in DOC_TYPES.values():
        return
    advance = db.session.get(Advance, request.owner_id)
    if advance is None or advance.status != AdvanceStatus.pending:
        return
    advance.decided_at = now()
    if request.status != approvals.RequestStatus.approved:
        advance.status = AdvanceStatus(str(request.status))
        return
    what = _("Advanced to the bank: %(what)s", what=advance.what)
    instalment = add_instalment(
        advance.contract, InstalmentKind.advance, what, advance.advance_on, advance.amount
    )
    advance.instalment_id = instalment.id
    advance.status = AdvanceStatus.approved
