"""Leads and reception (SAL-01–11): hotline and walk-in registration, customer codes, grading,
follow-ups, rotation, ownership and commission."""

from marshmallow import Schema, fields, validate


class Settings(Schema):
    # SAL-02: a hotline call is followed up within this many days.
    call_follow_up_days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=60))
    # SAL-03: `days` (target 1, limit 2) or `cutoff` (before 17:00 same day, else next day).
    walk_in_follow_up = fields.String(
        load_default="days", validate=validate.OneOf(["days", "cutoff"])
    )
    walk_in_cutoff_hour = fields.Integer(load_default=17, validate=validate.Range(min=0, max=23))
