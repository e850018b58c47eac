"""Step conditions: a small, safe, data-driven comparison over a request's data.

A condition is ``{"field": "discount_pct", "op": ">", "value": "1.0"}``; no code is evaluated.
Ordering operators compare as ``Decimal`` and need numbers on both sides; ``==``/``!=`` compare
as numbers when both sides are numbers (``"1.0" == "1.00"``), else as text; ``in`` takes a list.
A field missing from the data is an error, never a silent skip: skipping an authority step by
a typo would let a discount through unapproved.
"""

import operator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

ORDERING = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
EQUALITY = {"==": operator.eq, "!=": operator.ne}
OPS = (*ORDERING, *EQUALITY, "in")


class ConditionError(ValueError):
    """A condition that is malformed, or that the request's data cannot answer."""


def _number(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str | float):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def normalize(condition: dict | None) -> dict | None:
    """A validated copy of ``condition`` with its value as text (JSON-safe, Decimal-exact);
    ``None`` or an empty condition means "always"."""
    if not condition:
        return None
    if not isinstance(condition, dict) or set(condition) - {"field", "op", "value"}:
        raise ConditionError("a condition is {field, op, value}")
    field = str(condition.get("field") or "").strip()
    op = condition.get("op")
    value = condition.get("value")
    if not field:
        raise ConditionError("a condition needs a field")
    if op not in OPS:
        raise ConditionError(f"unknown operator {op!r}; use one of {' '.join(OPS)}")
    if op == "in":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not value:
            raise ConditionError("'in' needs a non-empty list of values")
        return {"field": field, "op": op, "value": [_text(v) for v in value]}
    if value is None or isinstance(value, list | dict):
        raise ConditionError(f"{op!r} needs a single value")
    if op in ORDERING and _number(value) is None:
        raise ConditionError(f"{op!r} compares numbers: {value!r} is not a number")
    return {"field": field, "op": op, "value": _text(value)}


def evaluate(condition: dict | None, data: dict) -> bool:
    """Whether ``condition`` holds for ``data`` (a request's data snapshot)."""
    condition = normalize(condition)
    if condition is None:
        return True
    field, op, expected = condition["field"], condition["op"], condition["value"]
    if field not in data or data[field] is None:
        raise ConditionError(f"the request's data has no {field!r} for the condition")
    actual = data[field]
    if op == "in":
        number = _number(actual)
        return any(
            (number is not None and number == _number(v)) or _text(actual) == v for v in expected
        )
    left, right = _number(actual), _number(expected)
    if op in ORDERING:
        if left is None:
            raise ConditionError(f"{field!r} is {actual!r}, not a number, for {op!r}")
        return ORDERING[op](left, right)
    if left is not None and right is not None:
        return EQUALITY[op](left, right)
    return EQUALITY[op](_text(actual), expected)


def snapshot(value):
    """``value`` made JSON-safe: Decimal as its exact text, dates as ISO strings."""
    if isinstance(value, dict):
        return {str(k): snapshot(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [snapshot(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
