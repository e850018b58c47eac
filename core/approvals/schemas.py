"""Marshmallow schemas: flow definitions (plugins' defaults, the editor) and the JSON API."""

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

from core.approvals.conditions import ConditionError, normalize

NAME = validate.Length(min=1, max=200)


class StepSchema(Schema):
    """One step: ``roles`` (any one holder decides) or ``permission``, never both."""

    name = fields.String(required=True, validate=NAME)
    roles = fields.List(fields.String(validate=validate.Length(min=1, max=50)), load_default=list)
    permission = fields.String(load_default="", validate=validate.Length(max=100))
    quorum = fields.Integer(load_default=1, validate=validate.Range(min=1, max=20))
    due_days = fields.Integer(load_default=2, validate=validate.Range(min=0, max=365))
    condition = fields.Dict(load_default=None, allow_none=True)

    @validates("condition")
    def _condition(self, value, **kwargs):
        try:
            normalize(value)
        except ConditionError as exc:
            raise ValidationError(str(exc)) from None

    @validates_schema
    def _one_decider(self, data, **kwargs):
        if bool(data.get("roles")) == bool(data.get("permission")):
            raise ValidationError("name either roles or a permission", "roles")

    @post_load
    def _clean(self, data, **kwargs):
        data["roles"] = sorted({r.strip() for r in data["roles"]})
        data["condition"] = normalize(data["condition"])
        return data


class FlowSchema(Schema):
    """A flow as plugins ship it from ``erp_approval_flows`` and as the editor saves it."""

    doc_type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name = fields.String(load_default="", validate=validate.Length(max=200))
    steps = fields.List(fields.Nested(StepSchema), load_default=list)


class DecisionSchema(Schema):
    id = fields.Integer()
    step_index = fields.Integer()
    user = fields.Function(lambda d: d.user.email)
    decision = fields.Function(lambda d: str(d.decision))
    comment = fields.String()
    decided_at = fields.DateTime()


class RequestSchema(Schema):
    id = fields.Integer()
    doc_type = fields.String()
    owner_type = fields.String()
    owner_id = fields.Integer()
    requester = fields.Function(lambda r: r.requester.email)
    data = fields.Dict()
    flow_id = fields.Integer(allow_none=True)
    flow_version = fields.Integer(allow_none=True)
    steps = fields.List(fields.Dict())
    status = fields.Function(lambda r: str(r.status))
    step_index = fields.Integer(allow_none=True)
    due_on = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    decisions = fields.List(fields.Nested(DecisionSchema))


class DecideSchema(Schema):
    """Body of approve/reject: ``step`` is the step the user saw (refused if it moved on)."""

    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    step = fields.Integer(load_default=None, allow_none=True)
