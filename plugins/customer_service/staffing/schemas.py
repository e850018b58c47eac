"""Marshmallow schemas of the staffing, survey and segment API."""

from marshmallow import Schema, fields, validate

from plugins.customer_service.staffing.models import Segment


def _name(user) -> str | None:
    return (user.name or user.email) if user is not None else None


class HouseholdSchema(Schema):
    id = fields.Integer(dump_only=True)
    project_id = fields.Integer()
    project = fields.Function(lambda h: h.project.name)
    unit_id = fields.Integer()
    unit = fields.Function(lambda h: h.unit.label)
    customer_id = fields.Integer()
    customer = fields.Function(lambda h: h.customer.name)
    order_id = fields.Integer(allow_none=True)
    rep_id = fields.Integer(allow_none=True)
    rep = fields.Function(lambda h: _name(h.rep))
    assigned_at = fields.DateTime()


class HouseholdFilterSchema(Schema):
    project = fields.Integer()
    rep = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ReassignInput(Schema):
    rep_id = fields.Integer(required=True)


class PoolInput(Schema):
    user_ids = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "The reps serving the project; empty: every cs_rep"},
    )


class RepLoadSchema(Schema):
    rep_id = fields.Integer()
    rep = fields.String()
    households = fields.Integer()
    serves = fields.Boolean(metadata={"description": "In the project's pool of reps"})
    below_min = fields.Boolean()
    above_max = fields.Boolean()


class StaffingSchema(Schema):
    project_id = fields.Integer()
    project = fields.String()
    project_type = fields.String()
    per_rep_min = fields.Integer()
    per_rep_max = fields.Integer()
    households = fields.Integer(metadata={"description": "Sold households"})
    unassigned = fields.Integer()
    required_reps = fields.Integer(metadata={"description": "ceil(households / per_rep_max)"})
    most_reps = fields.Integer(metadata={"description": "More reps than this is over-staffing"})
    actual_reps = fields.Integer(metadata={"description": "Reps holding households"})
    understaffed = fields.Boolean()
    overstaffed = fields.Boolean()
    balanced = fields.Boolean()
    reps = fields.List(fields.Nested(RepLoadSchema))
    moved = fields.Integer(metadata={"description": "Households moved by this request"})


class SurveySchema(Schema):
    id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(required=True)
    customer = fields.Function(lambda s: s.customer.name, dump_only=True)
    project_id = fields.Integer(dump_only=True, allow_none=True)
    surveyed_on = fields.Date(load_default=None)
    score = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comments = fields.String(load_default="", validate=validate.Length(max=4000))
    surveyed_by = fields.Function(lambda s: _name(s.surveyed_by), dump_only=True)


class SurveyFilterSchema(Schema):
    project = fields.Integer()
    customer = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class SatisfactionSchema(Schema):
    project_id = fields.Function(lambda r: r["project"].id)
    project = fields.Function(lambda r: r["project"].name)
    average = fields.Decimal(as_string=True, metadata={"description": "Average score, 1–5"})
    surveys = fields.Integer()


class PeriodSchema(Schema):
    first = fields.Date()
    last = fields.Date()


class SegmentTagSchema(Schema):
    customer_id = fields.Integer(dump_only=True)
    customer = fields.Function(lambda t: t.customer.name)
    segment = fields.Enum(Segment, by_value=True)
    tagged_by = fields.Function(lambda t: _name(t.tagged_by))
    tagged_at = fields.DateTime()


class SegmentInput(Schema):
    segment = fields.Enum(Segment, by_value=True, required=True)


class SegmentFilterSchema(Schema):
    segment = fields.Enum(Segment, by_value=True)
    page = fields.Integer()
    per_page = fields.Integer()
