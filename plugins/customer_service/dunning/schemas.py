"""Marshmallow schemas of the dunning API: cases, tasks, holds, weekly lists; and the inputs."""

from marshmallow import Schema, fields, validate

from plugins.customer_service.dunning.models import Cause, Step, TaskKind

text = validate.Length(max=2000)


def _step_name(value) -> str | None:
    return Step(value).name if value else None


class HoldSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    reason = fields.String()
    held_by = fields.Function(lambda h: str(h.held_by))
    held_at = fields.DateTime()
    released_at = fields.DateTime(allow_none=True)
    release_note = fields.String()


class CaseSchema(Schema):
    """One instalment under dunning (see ``cases.Case``)."""

    instalment_id = fields.Function(lambda c: c.instalment.id)
    contract = fields.Function(lambda c: c.instalment.contract.number)
    customer = fields.Function(lambda c: c.instalment.contract.buyer_name)
    what = fields.Function(lambda c: c.instalment.what)
    due_on = fields.Function(lambda c: c.instalment.due_on.isoformat())
    outstanding = fields.Function(lambda c: str(c.instalment.outstanding))
    days_overdue = fields.Integer()
    step = fields.Function(lambda c: _step_name(c.step))
    next_step = fields.Function(lambda c: _step_name(c.next_step))
    next_on = fields.Date(allow_none=True)
    termination_from = fields.Date(allow_none=True)
    hold = fields.Nested(HoldSchema, allow_none=True)


class TaskSchema(Schema):
    id = fields.Integer()
    instalment_id = fields.Integer()
    contract = fields.Function(lambda t: t.instalment.contract.number)
    kind = fields.Enum(TaskKind, by_value=True)
    assignee = fields.Function(lambda t: str(t.assignee) if t.assignee else None)
    due_on = fields.Date()
    done_on = fields.Date(allow_none=True)
    note = fields.String()
    cause = fields.Enum(Cause, by_value=True, allow_none=True)
    needs_resolution = fields.Boolean()
    resolved_on = fields.Date(allow_none=True)
    resolution = fields.String()


class ListRowSchema(Schema):
    instalment_id = fields.Integer()
    contract_number = fields.String()
    customer_name = fields.String()
    unit_label = fields.String()
    rep_name = fields.String()
    what = fields.String()
    due_on = fields.Date()
    outstanding = fields.Decimal(as_string=True)
    days_overdue = fields.Integer()
    step = fields.Function(lambda r: _step_name(r.step))
    on_hold = fields.Boolean()


class ListSchema(Schema):
    id = fields.Integer()
    week = fields.String()
    list_date = fields.Date()
    until = fields.Date()
    total_outstanding = fields.Decimal(as_string=True)
    approval_request_id = fields.Integer(allow_none=True)
    approval_status = fields.Function(
        lambda x: str(x.approval_request.status) if x.approval_request else None
    )


class ListDetailSchema(ListSchema):
    rows = fields.Nested(ListRowSchema, many=True)


class CaseQuery(Schema):
    meeting = fields.Boolean(load_default=False)  # only the meeting's: from the demand letter


class TaskQuery(Schema):
    mine = fields.Boolean(load_default=False)
    open = fields.Boolean(load_default=True)
    kind = fields.Enum(TaskKind, by_value=True, load_default=None)


class HoldInput(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReleaseInput(Schema):
    note = fields.String(load_default="", validate=text)


class DoneInput(Schema):
    note = fields.String(load_default="", validate=text)


class OutcomeInput(Schema):
    cause = fields.Enum(Cause, by_value=True, required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ResolveInput(Schema):
    resolution = fields.String(required=True, validate=validate.Length(min=1, max=2000))
