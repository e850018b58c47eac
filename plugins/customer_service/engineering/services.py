"""Engineering changes (工程变更, CS-19): a buyer's request is recorded, routed to the
departments (engineering → cost/budget → CS manager by default; the company edits the flow),
confirmed by the customer's signature, tracked until done; its cost (增减费) is added to what
the customer owes (an instalment of kind ``change``) or, when negative, credited to the
contract and applied like an overpayment. Each entry point is one transaction."""

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from marshmallow import ValidationError

from core import approvals
from core.documents import add_document
from core.duties import today
from core.extensions import db
from core.models import Company, User
from core.plugins.state import get_settings
from core.services.transaction import company_transaction
from plugins.customer_service.engineering import COST, PROGRESS, REQUEST
from plugins.customer_service.engineering.models import ChangeStatus, EngineeringChange
from plugins.customer_service.models import InstalmentKind
from plugins.customer_service.payments.models import EntrySource
from plugins.customer_service.payments.notices import (
    ARCHIVE,
    PaymentRefused,
    company_of,
    get_contract,
    require,
)
from plugins.customer_service.payments.services import add_credit, add_instalment, money, now

OWNER = "cs.engineering_change"
DOC_TYPE = "customer_service.engineering_change"


class ChangeRefused(PaymentRefused):
    """A step the change's state refuses (409)."""


def engineering_flows() -> list[dict]:
    """The default route; a company edits it in the approval-flow editor."""
    return [
        {
            "doc_type": DOC_TYPE,
            "name": "Engineering change (工程变更)",
            "steps": [
                {"name": "Engineering", "roles": ["engineering"]},
                {"name": "Cost / budget", "roles": ["cost_budget"]},
                {"name": "Customer-service manager", "roles": ["cs_manager"]},
            ],
        }
    ]


def request_change(company: Company, user: User, data: dict) -> EngineeringChange:
    """Record a buyer's request (``data``: contract_id, description, requested_on, cost
    optional) and send it on its route; committed."""
    require(user, company, REQUEST)
    description = (data.get("description") or "").strip()
    if not description:
        raise ValidationError({"description": [_("Describe the change the buyer asks for.")]})
    with company_transaction(company):
        contract = get_contract(company, data.get("contract_id"))
        change = EngineeringChange(
            company_id=company.id,
            contract_id=contract.id,
            customer_id=contract.customer_id,
            description=description,
            requested_on=data.get("requested_on") or today(),
            requester_id=user.id,
            status=ChangeStatus.pending,
            cost=money(data["cost"], "cost") if data.get("cost") is not None else None,
            created_at=now(),
        )
        db.session.add(change)
        db.session.flush()
        snapshot = {
            "contract": contract.number,
            "unit": contract.unit.label,
            "description": description,
        }
        request = approvals.submit(company, DOC_TYPE, OWNER, change.id, snapshot, user)
        change.approval_request_id = request.id
    return change


def set_cost(change: EngineeringChange, user: User, cost, note: str = "") -> EngineeringChange:
    """The cost department prices a change on its route: positive adds to what the buyer
    owes, negative deducts."""
    company = company_of(change)
    require(user, company, COST)
    if change.status != ChangeStatus.pending:
        raise ChangeRefused(_("Only a change on its approval route is priced."))
    with company_transaction(company):
        change.cost = money(cost, "cost")
        change.cost_note = (note or "").strip()
    return change


def approval_decided(request) -> None:
    """The route ended (inside the deciding transaction): approved waits for the buyer's
    signature and needs a cost (an approval without one is refused, nothing changes)."""
    if request.owner_type != OWNER or request.doc_type != DOC_TYPE:
        return
    change = db.session.get(EngineeringChange, request.owner_id)
    if change is None or change.status != ChangeStatus.pending:
        return
    if request.status != approvals.RequestStatus.approved:
        change.status = ChangeStatus(str(request.status))
        return
    if change.cost is None:
        # A ValidationError: the approval screens and API show it (422) and refuse the decision.
        raise ValidationError({"cost": [_("The cost department has not priced the change yet.")]})
    change.status = ChangeStatus.approved


def record_signature(
    change: EngineeringChange, user: User, signed_on: date, name: str, data: bytes
) -> EngineeringChange:
    """The buyer signed the approved change: the signed form is filed in the customer's
    archive and the cost is booked (a ``change`` instalment due after the company's
    ``change_payment_days``, or a credit applied to the next instalments)."""
    company = company_of(change)
    require(user, company, REQUEST)
    if change.status != ChangeStatus.approved:
        raise ChangeRefused(_("Only an approved change is signed by the buyer."))
    if signed_on is None:
        raise ValidationError({"signed_on": [_("Give the date the buyer signed.")]})
    days = get_settings(company, "customer_service")["change_payment_days"]
    with company_transaction(company):
        document = add_document(
            ARCHIVE, change.customer_id, "other", f"工程变更确认单-{change.id}-{name}", data, user
        )
        change.signature_document_id, change.signed_on = document.id, signed_on
        change.status = ChangeStatus.signed
        _book_cost(change, signed_on, signed_on + timedelta(days=days))
    return change


def _book_cost(change: EngineeringChange, on: date, due_on: date) -> None:
    what = _("Engineering change #%(id)d", id=change.id)
    cost = Decimal(change.cost)
    if cost > 0:
        instalment = add_instalment(change.contract, InstalmentKind.change, what, due_on, cost)
        change.instalment_id = instalment.id
    elif cost < 0:
        add_credit(change.contract, -cost, on, EntrySource.change, what)


def set_progress(
    change: EngineeringChange, user: User, status, on: date | None = None
) -> EngineeringChange:
    """Engineering reports the work: signed → in progress → done (or straight to done)."""
    company = company_of(change)
    require(user, company, PROGRESS)
    status = ChangeStatus(status)
    allowed = {
        ChangeStatus.in_progress: (ChangeStatus.signed,),
        ChangeStatus.done: (ChangeStatus.signed, ChangeStatus.in_progress),
    }
    if change.status not in allowed.get(status, ()):
        raise ChangeRefused(
            _("A %(from)s change cannot become %(to)s.", **{"from": change.status, "to": status})
        )
    on = on or today()
    with company_transaction(company):
        change.status = status
        if status == ChangeStatus.in_progress:
            change.started_on = on
        else:
            change.done_on = on
    return change


def cancel_change(change: EngineeringChange, user: User, reason: str) -> EngineeringChange:
    """The buyer does not sign an approved change: it closes, nothing is booked."""
    company = company_of(change)
    require(user, company, REQUEST)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the change is cancelled.")]})
    if change.status != ChangeStatus.approved:
        raise ChangeRefused(_("Only a change waiting for the signature is cancelled here."))
    with company_transaction(company):
        change.status, change.close_reason = ChangeStatus.cancelled, reason
    return change
