"""Marshmallow schemas of the units API."""

from marshmallow import Schema, fields, validate

from plugins.sales.models.units import UnitState


class UnitSchema(Schema):
    id = fields.Integer(dump_only=True)
    building_id = fields.Integer()
    building = fields.Function(lambda u: u.building.name)
    label = fields.String()
    entrance = fields.String()
    floor = fields.Integer()
    room = fields.String()
    layout = fields.String()
    orientation = fields.String()
    built_area = fields.Decimal(as_string=True)
    usable_area = fields.Decimal(as_string=True)
    list_unit_price = fields.Decimal(as_string=True)
    list_total = fields.Decimal(as_string=True)
    state = fields.Enum(UnitState, by_value=True)


class UnitFilterSchema(Schema):
    """The list's query filters (page and per_page are read by the paginator)."""

    building = fields.Integer()
    state = fields.Enum(UnitState, by_value=True)
    page = fields.Integer()
    per_page = fields.Integer()


class BoardCellSchema(Schema):
    id = fields.Integer()
    state = fields.String(validate=validate.OneOf(list(UnitState)))
    layout = fields.String()
    built_area = fields.String()
    list_unit_price = fields.String()
    list_total = fields.String()


class BoardFloorSchema(Schema):
    floor = fields.Integer()
    cells = fields.List(
        fields.Nested(BoardCellSchema, allow_none=True),
        metadata={"description": "One per column, null where the floor has no such room"},
    )


class BoardColumnSchema(Schema):
    entrance = fields.String()
    room = fields.String()


class BoardSchema(Schema):
    building = fields.Dict()
    columns = fields.List(fields.Nested(BoardColumnSchema))
    floors = fields.List(fields.Nested(BoardFloorSchema), metadata={"description": "High to low"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
