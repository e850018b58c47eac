"""Marshmallow schemas of the leads API and forms."""

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plugins.sales.leads.models import Channel, ReceptionKind
from plugins.sales.models.customers import (
    CustomerGrade,
    IncomeBand,
    Objection,
    Outcome,
    Purpose,
    SourceChannel,
)


def _enum(kind, **kwargs):
    return fields.Enum(kind, by_value=True, **kwargs)


def _objections(**kwargs):
    # Stored as plain strings (JSON); validated against the SAL-06 list.
    choice = fields.String(validate=validate.OneOf([o.value for o in Objection]))
    return fields.List(choice, **kwargs)


def _text(high: int, **kwargs):
    return fields.String(validate=validate.Length(max=high), **kwargs)


class RegistrationSchema(Schema):
    """A hotline call or a walk-in for the reception register (SAL-01). No rep: walk-ins go
    by rotation (SAL-08), a call to the rep who answered it."""

    id = fields.Integer(dump_only=True)
    kind = _enum(ReceptionKind, required=True)
    project_id = fields.Integer(required=True)
    at = fields.DateTime(metadata={"description": "When (China time if no offset); now"})
    on = fields.Date(dump_only=True)
    caller_name = _text(100, load_default="")
    phone = _text(40, load_default="")
    questions = _text(2000, load_default="")
    source = _enum(SourceChannel, load_default=SourceChannel.other)
    anonymous = fields.Boolean(
        load_default=False, metadata={"description": "Declined to leave contact details"}
    )
    appointment_at = fields.DateTime(allow_none=True, metadata={"description": "China time"})
    wants_visit = fields.Boolean(load_default=False)
    referrer_id = fields.Integer(allow_none=True, load_only=True)
    household_id = fields.Integer(allow_none=True, load_only=True)
    customer_id = fields.Integer(dump_only=True)
    customer_code = fields.String(dump_only=True, attribute="customer.code")
    rep_id = fields.Integer(dump_only=True)
    stand_in = fields.Boolean(dump_only=True)

    @validates_schema
    def _contact(self, data, **kwargs):
        if not data.get("anonymous") and not (data.get("caller_name") or "").strip():
            raise ValidationError(_("A name is required unless anonymous."), "caller_name")


class CustomerSchema(Schema):
    """The customer record and information file (SAL-06); code, rep and counts are read-only
    (a change of rep is a request to the site manager)."""

    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    name = fields.String(validate=validate.Length(min=1, max=100))
    phone = _text(40, allow_none=True)
    project_id = fields.Integer(dump_only=True)
    source = _enum(SourceChannel)
    grade = _enum(CustomerGrade)
    rep_id = fields.Integer(dump_only=True)
    referrer_id = fields.Integer(dump_only=True)
    household_id = fields.Integer(allow_none=True)
    family = _text(200)
    occupation = _text(100)
    income_band = _enum(IncomeBand, allow_none=True)
    housing = _text(100)
    purpose = _enum(Purpose, allow_none=True)
    homes_bought = fields.Integer(validate=validate.Range(min=0, max=100))
    objections = _objections()
    notes = _text(5000)
    visit_count = fields.Integer(dump_only=True)
    first_visit_on = fields.Date(dump_only=True)
    outcome = _enum(Outcome, allow_none=True)
    outcome_on = fields.Date(allow_none=True)
    days_to_outcome = fields.Integer(dump_only=True)
    follow_up_target_on = fields.Date(dump_only=True)
    follow_up_due_on = fields.Date(dump_only=True)
    last_follow_up_on = fields.Date(dump_only=True)


class CustomerFilterSchema(Schema):
    rep_id = fields.Integer()
    grade = _enum(CustomerGrade)
    source = _enum(SourceChannel)
    due_before = fields.Date(metadata={"description": "Follow-up due before this date"})
    page = fields.Integer()
    per_page = fields.Integer()


class FollowUpSchema(Schema):
    """A follow-up done (SAL-05); an optional new grade (SAL-07) applies before the next due
    date is set."""

    id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(dump_only=True)
    rep_id = fields.Integer(dump_only=True)
    on = fields.Date(metadata={"description": "Default today (China)"})
    channel = _enum(Channel, required=True)
    content = _text(5000, load_default="")
    reaction = _text(2000, load_default="")
    objections = _objections(load_default=list)
    grade = _enum(CustomerGrade, load_only=True)
    next_due_on = fields.Date(dump_only=True, attribute="customer.follow_up_due_on")
