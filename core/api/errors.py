"""One error body for every API failure: ``{"error": {"status", "message", "fields"?}}``."""

from flask import jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from core.extensions import db
from core.permissions import PermissionDenied
from core.plugins import PluginError
from core.tenancy import TenantViolation

API_PREFIX = "/api/"


def error(status: int, message: str, fields: dict | None = None, **extra):
    body = {"status": status, "message": message, **extra}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _invalid(exc):
    # Whatever a service flushed before refusing is dropped: nothing half-written stays.
    db.session.rollback()
    fields = exc.messages if isinstance(exc.messages, dict) else {"_body": exc.messages}
    return error(422, "invalid input", fields)


def _denied(exc):
    return error(403, f"permission {exc.permission} is required", permission=exc.permission)


def _plugin_error(exc):
    db.session.rollback()
    return error(409, str(exc))


def _tenant(exc):
    # Another company's row is indistinguishable from a missing one.
    db.session.rollback()
    return error(404, "not found")


def _http(exc):
    if exc.response is not None:
        return exc.response
    response = error(exc.code, exc.description)
    if isinstance(exc, MethodNotAllowed):
        response.headers["Allow"] = ", ".join(exc.valid_methods or ())
    return response


def _unrouted(exc):
    """404/405 happen before a blueprint is chosen, so only an app handler sees them."""
    if request.path.startswith(API_PREFIX):
        return _http(exc)
    return exc


def register_error_handlers(app, api) -> None:
    for exc, handler in (
        (ValidationError, _invalid),
        (PermissionDenied, _denied),
        (PluginError, _plugin_error),
        (TenantViolation, _tenant),
        (HTTPException, _http),
    ):
        api.register_error_handler(exc, handler)
    app.register_error_handler(NotFound, _unrouted)
    app.register_error_handler(MethodNotAllowed, _unrouted)
