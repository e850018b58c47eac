"""Input and output schemas of complaints (CS-13), shared by the screens, the API and the
services (which validate every input with them)."""

from marshmallow import Schema, fields, validate

from plugins.customer_service.complaints.models import (
    Channel,
    ComplaintStatus,
    DisputeReason,
    Satisfaction,
)

TEXT = validate.Length(min=1, max=5000)


def _choice(enum):
    return validate.OneOf([str(e) for e in enum])


class ComplaintInput(Schema):
    # Who complains; default: the buyer of the unit's household.
    customer_id = fields.Integer(load_default=None, allow_none=True)
    unit_id = fields.Integer(required=True)
    channel = fields.String(required=True, validate=_choice(Channel))
    category = fields.String(required=True, validate=validate.Length(min=1, max=50))
    section = fields.String(load_default="", validate=validate.Length(max=100))
    content = fields.String(required=True, validate=TEXT)
    # When it came in; naive times are China time. Default: now.
    received_at = fields.DateTime(load_default=None, allow_none=True)
    # A written reply is needed; default: for a letter (CS-17: a letter gets a written answer).
    written_reply = fields.Boolean(load_default=None, allow_none=True)
    # Answered at once (on the spot): the answer given.
    answer = fields.String(load_default="", validate=validate.Length(max=5000))


class TextInput(Schema):
    text = fields.String(required=True, validate=TEXT)


class ResolveInput(Schema):
    resolution = fields.String(required=True, validate=TEXT)
    on = fields.Date(load_default=None, allow_none=True)


class FollowUpInput(Schema):
    called_on = fields.Date(load_default=None, allow_none=True)
    reached = fields.Boolean(load_default=True)
    satisfaction = fields.String(load_default=None, allow_none=True, validate=_choice(Satisfaction))
    notes = fields.String(load_default="", validate=validate.Length(max=5000))


class DisputeInput(Schema):
    reason = fields.String(required=True, validate=_choice(DisputeReason))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    lawyer_id = fields.Integer(load_default=None, allow_none=True)
    case_number = fields.String(load_default="", validate=validate.Length(max=100))
    court = fields.String(load_default="", validate=validate.Length(max=200))
    on = fields.Date(load_default=None, allow_none=True)


class DisputeCloseInput(Schema):
    outcome = fields.String(required=True, validate=TEXT)
    on = fields.Date(load_default=None, allow_none=True)


class ComplaintQuery(Schema):
    # "tracked": every complaint not done yet.
    status = fields.String(
        load_default=None, validate=validate.OneOf(["tracked", *map(str, ComplaintStatus)])
    )
    category = fields.String(load_default=None)
    section = fields.String(load_default=None)
    project = fields.Integer(load_default=None)
    channel = fields.String(load_default=None, validate=_choice(Channel))
    overdue = fields.String(
        load_default=None, validate=validate.OneOf(["any", "answer", "reply", "follow_up"])
    )
    first = fields.Date(load_default=None)
    last = fields.Date(load_default=None)


class FollowUpSchema(Schema):
    id = fields.Integer()
    called_on = fields.Date()
    by = fields.Function(lambda f: f.by.email)
    reached = fields.Boolean()
    satisfaction = fields.Function(lambda f: str(f.satisfaction) if f.satisfaction else None)
    notes = fields.String()


class DisputeSchema(Schema):
    id = fields.Integer()
    reason = fields.Function(lambda d: str(d.reason))
    opened_on = fields.Date()
    description = fields.String()
    lawyer_id = fields.Integer(allow_none=True)
    case_number = fields.String()
    court = fields.String()
    closed_on = fields.Date(allow_none=True)
    outcome = fields.String()


class ComplaintSchema(Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    customer = fields.Function(lambda c: c.customer.name)
    unit_id = fields.Integer()
    unit = fields.Function(lambda c: c.unit.label)
    project_id = fields.Integer()
    rep = fields.Function(lambda c: c.rep.email if c.rep else None)
    channel = fields.Function(lambda c: str(c.channel))
    category = fields.String()
    section = fields.String()
    content = fields.String()
    received_at = fields.DateTime()
    status = fields.Function(lambda c: str(c.status))
    answer_due_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    answer = fields.String()
    on_the_spot = fields.Boolean()
    reply_status = fields.Function(lambda c: str(c.reply_status))
    reply_due_on = fields.Date(allow_none=True)
    reply_text = fields.String()
    reply_request_id = fields.Integer(allow_none=True)
    reply_letter_id = fields.Integer(allow_none=True)
    reply_sent_on = fields.Date(allow_none=True)
    resolution = fields.String()
    resolved_on = fields.Date(allow_none=True)
    follow_up_due_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    follow_ups = fields.List(fields.Nested(FollowUpSchema))
    dispute = fields.Nested(DisputeSchema, allow_none=True)
