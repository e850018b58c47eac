"""Marshmallow schemas of the contacts API (CS-14, CS-15)."""

from marshmallow import Schema, fields, validate

from plugins.customer_service.contacts.models import (
    ContactKind,
    ContactOutcome,
    EscalationLevel,
    RoundStatus,
    SignOffStatus,
    VisitStatus,
)


def _enum(kind, **kwargs):
    return fields.Enum(kind, by_value=True, **kwargs)


def _text(high: int, **kwargs):
    return fields.String(validate=validate.Length(max=high), **kwargs)


WEEK = {"description": "ISO week, e.g. 2026-W48"}


class LogEntrySchema(Schema):
    """A work-log entry; ``within_authority`` false refers it to the CS manager."""

    id = fields.Integer(dump_only=True)
    rep_id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(required=True)
    household_id = fields.Integer(allow_none=True)
    kind = _enum(ContactKind, required=True)
    on = fields.Date(metadata={"description": "Default today (China)"})
    week = fields.String(dump_only=True, metadata=WEEK)
    summary = _text(5000, required=True)
    within_authority = fields.Boolean(load_default=True)
    escalation_subject = _text(2000, load_only=True)
    outcome = _enum(ContactOutcome, dump_only=True)
    deleted = fields.Boolean(dump_only=True)
    delete_requested_at = fields.DateTime(dump_only=True)
    escalation_ids = fields.Function(lambda e: [x.id for x in e.escalations], dump_only=True)


class LogFilterSchema(Schema):
    rep_id = fields.Integer()
    week = fields.String(metadata=WEEK)
    customer_id = fields.Integer()
    include_deleted = fields.Boolean(load_default=False)
    page = fields.Integer()
    per_page = fields.Integer()


class ReasonSchema(Schema):
    reason = _text(2000, required=True)


class SignSchema(Schema):
    rep_id = fields.Integer(required=True)
    week = fields.String(required=True, metadata=WEEK)
    comment = _text(2000, load_default="")


class SignOffSchema(Schema):
    id = fields.Integer(dump_only=True)
    rep_id = fields.Integer()
    week = fields.String(metadata=WEEK)
    week_start = fields.Date()
    entries = fields.Integer()
    status = _enum(SignOffStatus)
    signed_by_id = fields.Integer(allow_none=True)
    signed_at = fields.DateTime(allow_none=True)
    comment = fields.String()


class EscalationSchema(Schema):
    id = fields.Integer()
    entry_id = fields.Integer()
    customer_id = fields.Integer()
    subject = fields.String()
    level = _enum(EscalationLevel)
    raised_at = fields.DateTime()
    due_at = fields.DateTime()
    history = fields.String()
    answered_at = fields.DateTime(allow_none=True)
    answered_by_id = fields.Integer(allow_none=True)
    answer = fields.String()


class AnswerSchema(Schema):
    answer = _text(5000, required=True)


class OpenFilterSchema(Schema):
    overdue = fields.Boolean(load_default=False)
    page = fields.Integer()
    per_page = fields.Integer()


class CoordinationSchema(Schema):
    """A request to another department (``department``: a role code, e.g. engineering)."""

    id = fields.Integer(dump_only=True)
    entry_id = fields.Integer(allow_none=True)
    customer_id = fields.Integer(allow_none=True)
    department = fields.String(required=True, validate=validate.Length(max=50))
    subject = _text(2000, required=True)
    due_on = fields.Date(required=True)
    requested_by_id = fields.Integer(dump_only=True)
    requested_on = fields.Date(dump_only=True)
    done_on = fields.Date(dump_only=True)
    done_by_id = fields.Integer(dump_only=True)
    result = fields.String(dump_only=True)


class DoneSchema(Schema):
    result = _text(5000, load_default="")


# --- visits -------------------------------------------------------------------------------


class IssueSchema(Schema):
    """An issue of a visit: to a ``department`` (with ``due_on``) as a coordination request,
    or without one to the CS manager as an escalation."""

    subject = _text(2000, required=True)
    department = fields.String(validate=validate.Length(max=50))
    due_on = fields.Date()


class VisitSchema(Schema):
    id = fields.Integer()
    round_id = fields.Integer()
    household_id = fields.Integer()
    customer_id = fields.Integer()
    call_from = fields.Date()
    call_by = fields.Date()
    called_on = fields.Date(allow_none=True)
    status = _enum(VisitStatus)
    visited_on = fields.Date(allow_none=True)
    record = fields.String()
    entry_id = fields.Integer(allow_none=True)
    document_id = fields.Integer(allow_none=True)


class RoundSchema(Schema):
    id = fields.Integer(dump_only=True)
    rep_id = fields.Integer(required=True)
    planned_on = fields.Date(required=True)
    household_ids = fields.List(fields.Integer(), required=True, load_only=True)
    period = fields.String(dump_only=True)
    status = _enum(RoundStatus, dump_only=True)
    visits = fields.List(fields.Nested(VisitSchema), dump_only=True)


class CallSchema(Schema):
    on = fields.Date(metadata={"description": "Default today (China)"})
    note = _text(2000, load_default="")


class VisitRecordSchema(Schema):
    """The visit record; a scanned record is added on the screen (a file upload)."""

    visited = fields.Boolean(load_default=True)
    visited_on = fields.Date(metadata={"description": "Default the round's day"})
    record = _text(5000, required=True)
    issues = fields.List(fields.Nested(IssueSchema), load_default=list)
