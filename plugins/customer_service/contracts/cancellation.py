"""Contract cancellation (CS-07): for customer breach or an ID change the CS manager's
approval is enough; claimed as the company's fault, or a resale touching company money or
staff, it goes CS manager → VP. On approval, in the deciding transaction: the contract is
cancelled, its order closed and the unit back on sale through sales control.

The cancelled contract's instalments stay as they were (what was paid is history), but they
are no longer dunned: the dunning scan only considers contracts in ``DUNNED`` status
(``customer_service.models.contracts``).
"""

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core import approvals
from core.admin.labels import label
from core.duties import today
from core.extensions import db
from core.models import User
from core.services.transaction import company_transaction
from plugins.customer_service.contracts.models import (
    CancelReason,
    ChangeStatus,
    ContractCancellation,
)
from plugins.customer_service.contracts.services import ContractRefused, company_of, now
from plugins.customer_service.contracts.signing import require_status
from plugins.customer_service.models import Contract, ContractStatus
from plugins.customer_service.models.contracts import LIVE_STATUSES
from plugins.sales.orders.models import HOLDING, OrderStatus

DOC_TYPE = "customer_service.contract_cancellation"
OWNER = "customer_service.contract_cancellation"
# CS-07: these reasons touch company money or staff and need the VP as well.
VP_REASONS = (CancelReason.company_fault, CancelReason.resale)


class CancelInput(Schema):
    reason_kind = fields.String(
        required=True, validate=validate.OneOf([str(r) for r in CancelReason])
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


def cancellation_flows() -> list[dict]:
    """One route: the CS manager always; the VP when the reason touches company money or
    staff (a condition on the request's ``reason_kind``, editable per company)."""
    return [
        {
            "doc_type": DOC_TYPE,
            "name": "Contract cancellation (合同解除)",
            "steps": [
                {"name": "CS manager", "roles": ["cs_manager"]},
                {
                    "name": "Vice-president (company fault or resale)",
                    "roles": ["vp"],
                    "condition": {
                        "field": "reason_kind",
                        "op": "in",
                        "value": [str(r) for r in VP_REASONS],
                    },
                },
            ],
        }
    ]


def request_cancellation(contract: Contract, user: User, values: dict) -> ContractCancellation:
    """Ask to cancel ``contract`` (``values``: :class:`CancelInput`); one pending request per
    contract. Committed; carried out when the route approves."""
    values = CancelInput().load(values)
    require_status(contract, *LIVE_STATUSES)
    company = company_of(contract)
    with company_transaction(company):
        pending = db.session.scalar(
            select(ContractCancellation.id).where(
                ContractCancellation.contract_id == contract.id,
                ContractCancellation.status == ChangeStatus.pending,
            )
        )
        if pending:
            raise ContractRefused(
                _("Cancellation #%(id)d of this contract is still pending.", id=pending),
                {"reason_kind": [_("Another cancellation is pending.")]},
            )
        cancellation = ContractCancellation(
            company_id=contract.company_id,
            contract=contract,
            reason_kind=CancelReason(values["reason_kind"]),
            reason=values["reason"].strip(),
            status=ChangeStatus.pending,
            requester_id=user.id,
            created_at=now(),
        )
        db.session.add(cancellation)
        db.session.flush()
        data = {
            "contract": contract.number,
            "unit": contract.unit.label,
            "price": contract.price,
            "reason_kind": str(cancellation.reason_kind),
            "reason": cancellation.reason,
        }
        # Last: submitting commits, and an at-once approval cancels through the hook.
        request = approvals.submit(company, DOC_TYPE, OWNER, cancellation.id, data, user)
        cancellation.approval_request_id = request.id
    return cancellation


def _approver(request) -> User:
    decisions = [d for d in request.decisions if str(d.decision) == "approve"]
    return decisions[-1].user if decisions else request.requester


def _cancel(cancellation: ContractCancellation, user: User) -> None:
    """Cancel the contract, close its order, release the unit (flushes, no commit)."""
    # Imported when used: the units area owns the state machine and its log.
    from plugins.sales.units.services import release_unit

    contract = cancellation.contract
    require_status(contract, *LIVE_STATUSES)
    reason = _(
        "Contract %(number)s cancelled (%(kind)s): %(reason)s",
        number=contract.number,
        kind=label(cancellation.reason_kind),
        reason=cancellation.reason,
    )
    cancellation.unit_state_before = str(contract.unit.state)
    if not release_unit(contract.unit_id, user, reason):
        raise ContractRefused(
            _(
                "Unit %(unit)s is %(state)s and cannot go back on sale.",
                unit=contract.unit.label,
                state=label(contract.unit.state),
            ),
            {"unit": [_("The unit cannot be released.")]},
        )
    contract.status = ContractStatus.cancelled
    contract.closed_on, contract.close_reason = today(), reason
    order = contract.order
    if order.status in HOLDING:
        # The order ends with its contract (the unit is released above, through sales
        # control): cancelled, told apart from an order the site manager voided (SAL-17).
        order.status = OrderStatus.cancelled
        order.closed_at, order.closed_by_id, order.close_reason = now(), user.id, reason
    cancellation.status, cancellation.applied_at = ChangeStatus.applied, now()
    db.session.flush()


def approval_decided(request) -> None:
    """A cancellation's route ended (inside the deciding transaction): approved carries it
    out (an error refuses the decision, nothing changes); rejected or withdrawn closes it."""
    if request.doc_type != DOC_TYPE or request.owner_type != OWNER:
        return
    cancellation = db.session.get(ContractCancellation, request.owner_id)
    if cancellation is None or cancellation.status != ChangeStatus.pending:
        return
    if request.status == approvals.RequestStatus.approved:
        _cancel(cancellation, _approver(request))
    else:
        cancellation.status = ChangeStatus(str(request.status))
