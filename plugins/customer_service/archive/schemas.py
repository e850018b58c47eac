"""Input and output of the archive's screens and API (marshmallow; a bad field is named)."""

from marshmallow import Schema, fields, validate

from plugins.customer_service.archive.index import FILED_BY_HAND

TEXT = validate.Length(min=1, max=2000)


class AddressChangeInput(Schema):
    contract_id = fields.Integer(required=True)
    new_address = fields.String(required=True, validate=validate.Length(min=1, max=300))
    reported_on = fields.Date(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    # Confirmed in writing at once: the written confirmation's date and document (the API
    # uploads it to /api/v1/documents first; the screen uploads it with the form).
    confirmed_on = fields.Date(load_default=None, allow_none=True)
    document_id = fields.Integer(load_default=None, allow_none=True)


class ConfirmInput(Schema):
    confirmed_on = fields.Date(required=True)
    document_id = fields.Integer(load_default=None, allow_none=True)


class IncomingLetterInput(Schema):
    customer_id = fields.Integer(required=True)
    received_on = fields.Date(required=True)
    sender = fields.String(required=True, validate=validate.Length(min=1, max=100))
    sender_address = fields.String(load_default="", validate=validate.Length(max=300))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    document_id = fields.Integer(load_default=None, allow_none=True)


class AnswerInput(Schema):
    title = fields.String(load_default="", validate=validate.Length(max=100))
    body = fields.List(fields.String(validate=TEXT), required=True, validate=validate.Length(min=1))


class DeletionInput(Schema):
    reason = fields.String(required=True, validate=TEXT)


class FileInput(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(FILED_BY_HAND))


class ItemSchema(Schema):
    kind = fields.String()
    label = fields.String()
    name = fields.String()
    on = fields.Date()
    version = fields.Integer()
    who = fields.String()
    document_id = fields.Integer(attribute="document.id")
    letter_reference = fields.Function(lambda i: i.letter.reference if i.letter else None)
    deletion_pending = fields.Boolean()


class MissingSchema(Schema):
    kind = fields.String()
    label = fields.String()
    why = fields.String()
    letter_reference = fields.Function(lambda m: m.letter.reference if m.letter else None)


class AddressChangeSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    new_address = fields.String()
    reported_on = fields.Date()
    note = fields.String()
    confirmed = fields.Boolean()
    confirmed_on = fields.Date(allow_none=True)
    document_id = fields.Integer(allow_none=True)
    recorded_by_id = fields.Integer(allow_none=True)
    confirmed_by_id = fields.Integer(allow_none=True)
    lawyer_letter_id = fields.Integer(allow_none=True)


class ContractAddressesSchema(Schema):
    contract_id = fields.Integer(attribute="id")
    number = fields.String()
    address = fields.String()
    letter_addresses = fields.List(fields.String())


class IncomingLetterSchema(Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    received_on = fields.Date()
    sender = fields.String()
    sender_address = fields.String()
    subject = fields.String()
    document_id = fields.Integer()
    due_on = fields.Date()
    answer_letter_id = fields.Integer(allow_none=True)
    answered_on = fields.Date(allow_none=True)


class ArchiveSchema(Schema):
    customer_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    items = fields.List(fields.Nested(ItemSchema))
    missing = fields.List(fields.Nested(MissingSchema))
    contracts = fields.List(fields.Nested(ContractAddressesSchema))
