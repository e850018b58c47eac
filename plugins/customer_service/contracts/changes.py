"""Contract term changes (CS-05, CS-03): a general change (no financial effect) is decided by
the rep and applied at once; a major change (payment method, breach terms, usable-area ratio,
fit-out and equipment, property-management fee, title-deed deadline) goes CS manager → VP and
is applied when the route approves it. Each change keeps the terms before and after. A new
payment method rewrites the receivables schedule in the same transaction (CS-09).
"""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from core import approvals
from core.admin.labels import label
from core.duties import today
from core.extensions import db
from core.models import User
from core.plugins.state import get_settings
from core.services.transaction import company_transaction
from plugins.customer_service.contracts.models import ChangeStatus, ContractChange
from plugins.customer_service.contracts.services import ContractRefused, company_of, now
from plugins.customer_service.contracts.signing import require_status
from plugins.customer_service.models import Contract, ContractStatus
from plugins.customer_service.payments.schedule import rewrite_schedule
from plugins.sales.orders.models import PaymentMethod
from plugins.sales.orders.plans import purchase_plan

DOC_TYPE = "customer_service.contract_change"
OWNER = "customer_service.contract_change"
# CS-05's major terms; the termination clause's days are part of the breach terms.
MAJOR = (
    "payment_method",
    "breach_terms",
    "termination_days",
    "usable_area_ratio",
    "fitout_equipment",
    "property_fee",
    "title_deed_deadline",
)
# Terms without financial effect, within the rep's authority (CS-03).
GENERAL = ("other_terms", "contact_phone")
TERM_LABELS = {
    "payment_method": _l("Payment method"),
    "breach_terms": _l("Breach terms"),
    "termination_days": _l("Termination after days overdue"),
    "usable_area_ratio": _l("Usable-area ratio (%)"),
    "fitout_equipment": _l("Fit-out and equipment"),
    "property_fee": _l("Property-management fee (CNY/m²/month)"),
    "title_deed_deadline": _l("Title-deed deadline"),
    "other_terms": _l("Other terms"),
    "contact_phone": _l("Contact phone"),
}
TEXT = validate.Length(max=4000)


class TermsInput(Schema):
    """The terms a change sets; a term left out stays as it is."""

    payment_method = fields.String(validate=validate.OneOf([str(m) for m in PaymentMethod]))
    breach_terms = fields.String(validate=TEXT)
    termination_days = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=365))
    usable_area_ratio = fields.Decimal(
        as_string=True, places=2, validate=validate.Range(min=0, max=100)
    )
    fitout_equipment = fields.String(validate=TEXT)
    property_fee = fields.Decimal(
        as_string=True, places=2, validate=validate.Range(min=0, max=1000)
    )
    title_deed_deadline = fields.Date(allow_none=True)
    other_terms = fields.String(validate=TEXT)
    contact_phone = fields.String(validate=validate.Length(max=40))


class ChangeInput(Schema):
    terms = fields.Nested(TermsInput, required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


def change_flows() -> list[dict]:
    return [
        {
            "doc_type": DOC_TYPE,
            "name": "Major contract change (合同重大变更)",
            "steps": [
                {"name": "CS manager", "roles": ["cs_manager"]},
                {"name": "Vice-president", "roles": ["vp"]},
            ],
        }
    ]


def _text(value) -> str | None:
    """A term as stored: text (decimals as loaded, to the fen; dates ISO), ``None`` for
    "none"."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def current_terms(contract: Contract) -> dict[str, str | None]:
    """Every term of ``contract`` as text."""
    terms = {key: (contract.terms or {}).get(key) for key in (*MAJOR, *GENERAL)}
    terms["payment_method"] = str(contract.payment_method)
    terms["termination_days"] = _text(contract.termination_days)
    return terms


def _set(contract: Contract, after: dict) -> None:
    others = dict(contract.terms or {})
    for key, value in after.items():
        if key == "payment_method":
            contract.payment_method = PaymentMethod(value)
        elif key == "termination_days":
            contract.termination_days = int(value) if value is not None else None
        else:
            others[key] = value
    contract.terms = others  # a new dict: the JSON column sees the change


def plan_lines(contract: Contract, method: PaymentMethod) -> list[dict]:
    """The price lines of the sales purchase plan (SAL-16) for the contract's unit paid by
    ``method``, made as the order made its schedule: the order's discount and deposit, from
    the order's day. Sales prices every method alike (list price less the discount), so a
    plan whose price is not the contract's is refused, naming ``payment_method``: this route
    changes how the price is paid, never the price."""
    order, version = contract.order, contract.order.current
    settings = get_settings(company_of(contract), "sales")
    plan = purchase_plan(
        settings, contract.unit, method, version.discount_pct, order.ordered_on, version.deposit
    )
    if plan.price != contract.price:
        raise ValidationError(
            {
                "payment_method": [
                    _(
                        "Paid by %(method)s, the purchase plan prices unit %(unit)s at "
                        "%(plan)s, not the contract's %(price)s: a payment-method change "
                        "does not reprice the contract.",
                        method=label(method),
                        unit=contract.unit.label,
                        plan=plan.price,
                        price=contract.price,
                    )
                ]
            }
        )
    return [line.as_dict() for line in plan.payments]


def _rewrite_schedule(change: ContractChange) -> None:
    """CS-09: the receivables schedule follows the new payment method; the instalments
    superseded and added are recorded on the change as ``schedule``."""
    contract = change.contract
    why = _("Schedule rewritten for the payment method (change #%(id)d)", id=change.id)
    lines = plan_lines(contract, contract.payment_method)
    replaced, added = rewrite_schedule(contract, lines, today(), why)
    change.before = {**change.before, "schedule": [str(line) for line in replaced]}
    change.after = {**change.after, "schedule": [str(line) for line in added]}


def _apply(change: ContractChange) -> None:
    contract = change.contract
    require_status(contract, ContractStatus.signed, ContractStatus.registered)
    current = current_terms(contract)
    change.before = {key: current[key] for key in change.after}
    _set(contract, change.after)
    if "payment_method" in change.after:
        _rewrite_schedule(change)
    change.status, change.applied_at = ChangeStatus.applied, now()


def request_change(contract: Contract, user: User, values: dict) -> ContractChange:
    """Change the terms of a signed contract (``values``: :class:`ChangeInput`). General only:
    applied now, the rep's decision recorded. Any major term: the whole change waits for
    CS manager → VP (one pending major change per contract). Committed."""
    values = ChangeInput().load(values)
    require_status(contract, ContractStatus.signed, ContractStatus.registered)
    current = current_terms(contract)
    after = {
        key: _text(value) for key, value in values["terms"].items() if _text(value) != current[key]
    }
    if not after:
        raise ValidationError({"terms": [_("Nothing changes.")]})
    # Imported when used: the staffing area owns the rep's authority (CS-03). A major term
    # has a financial effect; the general ones have none.
    from plugins.customer_service.staffing.authority import needs_approval

    major = any(key in MAJOR for key in after)
    company = company_of(contract)
    with company_transaction(company):
        if "payment_method" in after:
            plan_lines(contract, PaymentMethod(after["payment_method"]))  # refused early
        change = ContractChange(
            company_id=contract.company_id,
            contract=contract,
            major=major,
            status=ChangeStatus.pending,
            before={key: current[key] for key in after},
            after=after,
            reason=values["reason"].strip(),
            requester_id=user.id,
            created_at=now(),
        )
        if not needs_approval("contract_change", financial_effect=major):
            db.session.add(change)
            db.session.flush()  # the id names the change on what it rewrites
            _apply(change)
            return change
        pending = db.session.scalar(
            select(ContractChange.id).where(
                ContractChange.contract_id == contract.id,
                ContractChange.status == ChangeStatus.pending,
            )
        )
        if pending:
            raise ContractRefused(
                _("Change #%(id)d of this contract is still pending.", id=pending),
                {"terms": [_("Another change is pending.")]},
            )
        db.session.add(change)
        db.session.flush()
        data = {
            "contract": contract.number,
            "unit": contract.unit.label,
            "terms": ", ".join(sorted(after)),
            "reason": change.reason,
        }
        # Last: submitting commits, and an at-once approval applies the change through the hook.
        request = approvals.submit(company, DOC_TYPE, OWNER, change.id, data, user)
        change.approval_request_id = request.id
    return change


def approval_decided(request) -> None:
    """A major change's route ended (inside the deciding transaction): approved applies it
    (an error refuses the decision and nothing changes); rejected or withdrawn closes it."""
    if request.doc_type != DOC_TYPE or request.owner_type != OWNER:
        return
    change = db.session.get(ContractChange, request.owner_id)
    if change is None or change.status != ChangeStatus.pending:
        return
    if request.status == approvals.RequestStatus.approved:
        _apply(change)
    else:
        change.status = ChangeStatus(str(request.status))
