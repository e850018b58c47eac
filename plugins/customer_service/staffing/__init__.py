"""Staffing and assignment (CS-01–03), segments and surveys (CS-21)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

households = validate.Range(min=1, max=10000)


class Settings(Schema):
    # CS-02: households per customer-service rep, per project type (lower, upper).
    ratio_villa_min = fields.Integer(load_default=60, validate=households)
    ratio_villa_max = fields.Integer(load_default=80, validate=households)
    ratio_apartment_min = fields.Integer(load_default=120, validate=households)
    ratio_apartment_max = fields.Integer(load_default=140, validate=households)
    ratio_residential_min = fields.Integer(load_default=160, validate=households)
    ratio_residential_max = fields.Integer(load_default=200, validate=households)

    @validates_schema
    def _ranges(self, data, **kwargs):
        for kind in ("villa", "apartment", "residential"):
            low, high = data[f"ratio_{kind}_min"], data[f"ratio_{kind}_max"]
            if low > high:
                raise ValidationError("must not exceed the maximum", f"ratio_{kind}_min")
