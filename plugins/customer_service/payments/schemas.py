"""Marshmallow schemas of the payments API; the screens load their forms through them too."""

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate

from plugins.customer_service.payments.models import AdvanceKind, Excess, PayMethod


def _choice(enum):
    return validate.OneOf([str(e) for e in enum])


def _cents(value: Decimal) -> None:
    if value is not None and value != value.quantize(Decimal("0.01")):
        raise ValidationError("at most two decimal places (fen)")


def _money_in(**kw):
    """Money typed in: exact to the fen, never rounded silently."""
    return fields.Decimal(as_string=True, validate=_cents, **kw)


def _money(**kw):
    return fields.Decimal(as_string=True, places=2, **kw)


def _label(attribute):
    return fields.Function(lambda row: str(getattr(row, attribute)))


class TransferInput(Schema):
    amount = _money_in(required=True)
    received_on = fields.Date(load_default=None, allow_none=True)
    payer = fields.String(required=True, validate=validate.Length(min=1, max=200))
    bank_ref = fields.String(load_default="", validate=validate.Length(max=60))


class IdentifyInput(Schema):
    contract_id = fields.Integer(required=True)


class NoticeLineInput(Schema):
    instalment_id = fields.Integer(required=True)
    amount = _money_in(required=True)


class NoticeInput(Schema):
    contract_id = fields.Integer(required=True)
    amount = _money_in(load_default=None, allow_none=True)  # a transfer's notice: its amount
    method = fields.String(load_default="cash", validate=_choice(PayMethod))
    transfer_id = fields.Integer(load_default=None, allow_none=True)
    # None or empty: the money goes to the oldest instalments first.
    lines = fields.List(fields.Nested(NoticeLineInput), load_default=list)
    excess = fields.String(load_default="credit", validate=_choice(Excess))
    issued_on = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReceiptInput(Schema):
    number = fields.String(load_default="", validate=validate.Length(max=40))
    received_on = fields.Date(load_default=None, allow_none=True)
    invoice_no = fields.String(load_default="", validate=validate.Length(max=60))


class ReasonInput(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    on = fields.Date(load_default=None, allow_none=True)


class RefundInput(ReasonInput):
    amount = _money_in(required=True)


class AdvanceInput(Schema):
    contract_id = fields.Integer(required=True)
    kind = fields.String(load_default="instalment", validate=_choice(AdvanceKind))
    amount = _money_in(required=True)
    advance_on = fields.Date(required=True)
    what = fields.String(required=True, validate=validate.Length(min=1, max=100))
    bank = fields.String(load_default="", validate=validate.Length(max=100))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class TransferSchema(Schema):
    id = fields.Integer()
    amount = _money()
    received_on = fields.Date()
    payer = fields.String()
    bank_ref = fields.String()
    status = _label("status")
    contract_id = fields.Integer(allow_none=True)
    contract = fields.Function(lambda t: t.contract.number if t.contract else None)


class NoticeLineSchema(Schema):
    instalment_id = fields.Integer()
    what = fields.Function(lambda line: line.instalment.what)
    due_on = fields.Function(lambda line: line.instalment.due_on.isoformat())
    amount = _money()


class NoticeSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    contract_id = fields.Integer()
    contract = fields.Function(lambda n: n.contract.number)
    customer_id = fields.Integer()
    amount = _money()
    method = _label("method")
    transfer_id = fields.Integer(allow_none=True)
    excess = _label("excess")
    excess_amount = _money()
    status = _label("status")
    issued_on = fields.Date()
    note = fields.String()
    document_id = fields.Integer(allow_none=True)
    lines = fields.List(fields.Nested(NoticeLineSchema))
    receipt_id = fields.Function(lambda n: n.receipt.id if n.receipt else None)


class ReceiptSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    notice_id = fields.Integer()
    contract_id = fields.Integer()
    amount = _money()
    received_on = fields.Date()
    invoice_no = fields.String()
    document_id = fields.Integer(allow_none=True)
    reversed_on = fields.Date(allow_none=True)
    reversal_reason = fields.String()


class InstalmentSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    contract = fields.Function(lambda i: i.contract.number)
    customer_id = fields.Integer()
    seq = fields.Integer()
    kind = _label("kind")
    what = fields.String()
    due_on = fields.Date()
    amount = _money()
    paid = _money()
    outstanding = _money()
    settled = fields.Boolean()
    settled_on = fields.Date(allow_none=True)


class LedgerRowSchema(Schema):
    contract_id = fields.Function(lambda r: r.contract.id)
    contract = fields.Function(lambda r: r.contract.number)
    buyer = fields.Function(lambda r: r.contract.buyer_name)
    unit = fields.Function(lambda r: r.contract.unit.label)
    payment_method = fields.Function(lambda r: str(r.contract.payment_method))
    price = _money()
    billed = _money()
    paid = _money()
    received = _money()
    credit = _money()
    outstanding = _money()
    overdue = _money()


class JournalLineSchema(Schema):
    id = fields.Integer()
    booked_on = fields.Date()
    amount = _money()
    kind = _label("kind")
    contract_id = fields.Integer()
    contract = fields.Function(lambda j: j.contract.number)
    project_id = fields.Integer()
    receipt_id = fields.Integer(allow_none=True)
    text = fields.String()


class AdvanceSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    kind = _label("kind")
    status = _label("status")
    amount = _money()
    advance_on = fields.Date()
    bank = fields.String()
    what = fields.String()
    reason = fields.String()
    approval_request_id = fields.Integer(allow_none=True)
    instalment_id = fields.Integer(allow_none=True)


class ContractCardSchema(Schema):
    contract = fields.Function(lambda c: c.contract.number)
    contract_id = fields.Function(lambda c: c.contract.id)
    payment_method = fields.Function(lambda c: str(c.contract.payment_method))
    ledger = fields.Nested(LedgerRowSchema)
    instalments = fields.List(fields.Nested(InstalmentSchema))
    advances = fields.List(fields.Nested(AdvanceSchema))


class CustomerCardSchema(Schema):
    customer_id = fields.Function(lambda c: c.customer.id)
    customer = fields.Function(lambda c: c.customer.name)
    contracts = fields.List(fields.Nested(ContractCardSchema))
    notices = fields.List(fields.Nested(NoticeSchema))
    receipts = fields.List(fields.Nested(ReceiptSchema))
    journal = fields.List(fields.Nested(JournalLineSchema))
