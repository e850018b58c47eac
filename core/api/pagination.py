"""``?page=`` and ``?per_page=`` over any ORM select, with bounds checked."""

from flask import current_app, request
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.extensions import db


def page_args() -> tuple[int, int]:
    """``(page, per_page)`` from the query string; a bad value is a 422 naming the field."""
    limits = {"page": (1, None), "per_page": (1, current_app.config["API_MAX_PER_PAGE"])}
    defaults = {"page": 1, "per_page": current_app.config["API_PER_PAGE"]}
    values, errors = {}, {}
    for name, (low, high) in limits.items():
        raw = request.args.get(name, defaults[name])
        try:
            value = int(raw)
        except ValueError:
            errors[name] = ["must be an integer"]
            continue
        if value < low or (high is not None and value > high):
            errors[name] = [f"must be between {low} and {high}" if high else f"must be >= {low}"]
        values[name] = value
    if errors:
        raise ValidationError(errors)
    return values["page"], values["per_page"]


def paginate(query, schema) -> dict:
    """A page of ``query`` dumped by ``schema``, with the total count of rows."""
    page, per_page = page_args()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": schema.dump(rows, many=True),
        "page": page,
        "per_page": per_page,
        "total": total,
    }
