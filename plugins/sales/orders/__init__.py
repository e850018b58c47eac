"""Purchase plans, orders, deposits and discounts, and changes to orders (SAL-16–25)."""

from marshmallow import Schema, fields, validate


class Settings(Schema):
    # SAL-19: cooling-off refund of the deposit (company practice, not law).
    cooling_off_enabled = fields.Boolean(load_default=True)
    cooling_off_days = fields.Integer(load_default=3, validate=validate.Range(min=0, max=30))
