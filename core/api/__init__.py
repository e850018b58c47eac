"""The JSON API base under ``/api/v1``: token auth, errors, validation, pagination.

Every endpoint authenticates by ``Authorization: Bearer <token>``; a token belongs to one user
in one company, and the ORM is scoped to that company for the request. Errors share one body:
``{"error": {"status": 422, "message": "...", "fields": {"name": ["..."]}}}``.
"""

from functools import wraps

from flask import Blueprint, abort, current_app, jsonify, request
from marshmallow import ValidationError
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from core.auth import context
from core.auth.services import token_owner
from core.extensions import csrf, db
from core.models import Company
from core.permissions import PermissionDenied, has_permission
from core.plugins import PluginError
from core.plugins import state as plugin_state
from core.tenancy import TenantViolation


def error(status: int, message: str, fields: dict | None = None, **extra):
    body = {"status": status, "message": message, **extra}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    return response


def require_permission(name: str):
    """Decorate an endpoint: 403 naming ``name`` unless the token's user holds it."""

    def wrap(view):
        view.erp_permission = name

        @wraps(view)
        def inner(*args, **kwargs):
            if not has_permission(name):
                raise PermissionDenied(name)
            return view(*args, **kwargs)

        return inner

    return wrap


def load_json(schema, partial=False) -> dict:
    """Validate the request body with ``schema``; a bad body raises a 422 naming each field."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError({"_body": ["a JSON object is required"]})
    return schema.load(data, partial=partial)


def paginate(query, schema):
    """A page of ``query`` dumped by ``schema``: ``?page=`` (from 1) and ``?per_page=``."""
    cfg = current_app.config
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", cfg["API_PER_PAGE"]))
    except ValueError:
        raise ValidationError({"page": ["page and per_page must be integers"]}) from None
    if page < 1 or not 1 <= per_page <= cfg["API_MAX_PER_PAGE"]:
        raise ValidationError(
            {"per_page": [f"page >= 1, 1 <= per_page <= {cfg['API_MAX_PER_PAGE']}"]}
        )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": schema.dump(rows, many=True),
        "page": page,
        "per_page": per_page,
        "total": total,
    }


def _authenticate():
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    owner = token_owner(token) if token else None
    if owner is None:
        context.bind(None, None)
        abort(error(401, "a valid API token is required (Authorization: Bearer <token>)"))
    company = db.session.get(Company, owner.company_id)
    context.bind(owner.user, company)
    plugin = current_app.extensions["erp_api_plugins"].get(request.blueprint)
    if plugin is None or not plugin_state.is_enabled(company, plugin):
        abort(error(404, "not found"))


def _invalid(exc):
    db.session.rollback()
    fields = exc.messages if isinstance(exc.messages, dict) else {"_body": exc.messages}
    return error(422, "invalid input", fields)


def _denied(exc):
    return error(403, f"permission {exc.permission} is required", permission=exc.permission)


def _plugin_error(exc):
    db.session.rollback()
    return error(409, str(exc))


def _tenant(exc):
    db.session.rollback()
    return error(404, "not found")


def _http(exc):
    if exc.response is not None:
        return exc.response
    return error(exc.code, exc.description)


def get_or_404(model, ident):
    """A row of the current company by id; another company's id is simply not found."""
    row = db.session.get(model, ident)
    if row is None:
        abort(error(404, f"{model.__name__} {ident} not found"))
    return row


def init_api(app, registry) -> None:
    """Mount every plugin's blueprints under ``/api/v1``; requests to a plugin disabled for
    the token's company answer 404."""
    from core.api.openapi import init_openapi

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.before_request(_authenticate)
    for exc, handler in (
        (ValidationError, _invalid),
        (PermissionDenied, _denied),
        (PluginError, _plugin_error),
        (TenantViolation, _tenant),
        (HTTPException, _http),
    ):
        api.register_error_handler(exc, handler)
    owners = app.extensions["erp_api_plugins"] = {}
    for plugin, blueprints in registry.per_plugin("erp_api_blueprints"):
        for bp in blueprints:
            api.register_blueprint(bp)
            owners[f"api.{bp.name}"] = plugin
    init_openapi(app, registry)
    csrf.exempt(api)
    app.register_blueprint(api)
