"""Marshmallow schemas of the contracts API (CS-04–07): inputs and answers."""

from flask import g
from marshmallow import Schema, fields, validate

from core.plugins.state import get_settings
from plugins.customer_service.contracts import changes, registration, services
from plugins.customer_service.models.contracts import ANNEXES


class PrepareInput(services.PrepareInput):
    order_id = fields.Integer(required=True)


class BookingInput(Schema):
    signing_booked_on = fields.Date(required=True)
    lawyer_told_on = fields.Date(load_default=None, allow_none=True)


class DayInput(Schema):
    on = fields.Date(load_default=None, allow_none=True)


class AnnexesInput(Schema):
    annexes = fields.Dict(
        keys=fields.String(validate=validate.OneOf(ANNEXES)), values=fields.Boolean(), required=True
    )


class InstalmentSchema(Schema):
    seq = fields.Integer()
    kind = fields.Function(lambda i: str(i.kind))
    what = fields.String()
    due_on = fields.Date()
    amount = fields.Decimal(as_string=True)
    paid = fields.Decimal(as_string=True)
    settled = fields.Boolean()
    # CS-05: the day a new payment method replaced this unpaid price instalment (then amount
    # 0 and settled); kept in the list as history.
    superseded_on = fields.Date(allow_none=True)


class ContractSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.Function(lambda c: str(c.status))
    order_id = fields.Integer()
    unit_id = fields.Integer()
    unit = fields.Function(lambda c: c.unit.label)
    customer_id = fields.Integer()
    customer = fields.Function(lambda c: c.customer.name)
    rep = fields.Function(lambda c: c.rep.email if c.rep else None)
    buyer_name = fields.String()
    price = fields.Decimal(as_string=True)
    payment_method = fields.Function(lambda c: str(c.payment_method))
    address = fields.String()
    termination_days = fields.Integer(allow_none=True)
    terms = fields.Function(lambda c: changes.current_terms(c))
    annexes = fields.Function(lambda c: {k: bool((c.annexes or {}).get(k)) for k in ANNEXES})
    signing_booked_on = fields.Date(allow_none=True)
    lawyer_told_on = fields.Date(allow_none=True)
    signed_on = fields.Date(allow_none=True)
    stamped = fields.Boolean()
    stamped_on = fields.Date(allow_none=True)
    registered_on = fields.Date(allow_none=True)
    filing_deadline = fields.Function(lambda c: _iso(registration.filing_deadline(c, _settings())))
    closed_on = fields.Date(allow_none=True)
    close_reason = fields.String()
    instalments = fields.List(fields.Nested(InstalmentSchema))


class ChangeSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    major = fields.Boolean()
    status = fields.Function(lambda c: str(c.status))
    before = fields.Dict()
    after = fields.Dict()
    reason = fields.String()
    requester = fields.Function(lambda c: c.requester.email)
    approval_request_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    applied_at = fields.DateTime(allow_none=True)


class CancellationSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    reason_kind = fields.Function(lambda c: str(c.reason_kind))
    reason = fields.String()
    status = fields.Function(lambda c: str(c.status))
    approval_request_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    applied_at = fields.DateTime(allow_none=True)


class RegistrationSchema(Schema):
    """Whether the contract can be registered now, and why not."""

    contract_id = fields.Integer()
    problems = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    part = fields.String()
    due = fields.Decimal(as_string=True)
    paid = fields.Decimal(as_string=True)


class FilingClockSchema(Schema):
    contract_id = fields.Function(lambda f: f.contract.id)
    number = fields.Function(lambda f: f.contract.number)
    unit = fields.Function(lambda f: f.contract.unit.label)
    customer = fields.Function(lambda f: f.contract.customer.name)
    signed_on = fields.Function(lambda f: f.contract.signed_on.isoformat())
    deadline = fields.Date()
    days_left = fields.Integer()
    overdue = fields.Boolean()


def _iso(day):
    return day.isoformat() if day else None


def _settings() -> dict:
    return get_settings(g.erp_company, "customer_service")
