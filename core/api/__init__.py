"""The JSON API base under ``/api/v1``: token auth, errors, validation, pagination.

Every endpoint authenticates by ``Authorization: Bearer <token>``; a token belongs to one user
in one company, and the ORM is scoped to that company for the request. Errors share one body:
``{"error": {"status": 422, "message": "...", "fields": {"name": ["..."]}}}``.
A plugin's blueprints (hook ``erp_api_blueprints``) use the helpers below.
"""

from functools import wraps

from flask import Blueprint, abort, current_app, request
from marshmallow import ValidationError

from core.api.errors import error, register_error_handlers
from core.api.pagination import paginate
from core.auth import context
from core.auth.services import mark_used, token_owner
from core.extensions import csrf, db
from core.permissions import PermissionDenied, has_permission
from core.plugins import state as plugin_state
from core.tenancy import TenantMixin, current_company_id

__all__ = ["error", "get_or_404", "load_json", "paginate", "require_permission"]


def require_permission(name: str):
    """Decorate an endpoint: 403 naming ``name`` unless the token's user holds it."""

    def wrap(view):
        @wraps(view)
        def inner(*args, **kwargs):
            if not has_permission(name):
                raise PermissionDenied(name)
            return view(*args, **kwargs)

        inner.erp_permission = name
        return inner

    return wrap


def load_json(schema, partial=False) -> dict:
    """Validate the request body with ``schema``; a bad body raises a 422 naming each field."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError({"_body": ["a JSON object is required"]})
    return schema.load(data, partial=partial)


def get_or_404(model, ident):
    """A row of the current company by id; another company's id is simply not found."""
    row = db.session.get(model, ident)
    # An identity-map hit skips the scoped SELECT, so check the owner here too.
    if row is None or (isinstance(row, TenantMixin) and row.company_id != current_company_id()):
        abort(error(404, f"{model.__name__} {ident} not found"))
    return row


def _authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    owner = token_owner(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if owner is None:
        context.bind(None, None)
        response = error(401, "a valid API token is required (Authorization: Bearer <token>)")
        response.headers["WWW-Authenticate"] = "Bearer"
        abort(response)
    mark_used(owner)
    company = owner.company
    context.bind(owner.user, company)
    plugin = current_app.extensions["erp_api_plugins"].get(request.blueprint)
    if plugin is None or not plugin_state.is_enabled(company, plugin):
        abort(error(404, "not found"))


def init_api(app, registry) -> None:
    """Mount every plugin's blueprints under ``/api/v1``; requests to a plugin disabled for
    the token's company answer 404."""
    from core.api.openapi import init_openapi

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.before_request(_authenticate)
    register_error_handlers(app, api)
    owners = app.extensions["erp_api_plugins"] = {}
    for plugin, blueprints in registry.per_plugin("erp_api_blueprints"):
        for bp in blueprints:
            api.register_blueprint(bp)
            owners[f"api.{bp.name}"] = plugin
    init_openapi(app, registry)
    csrf.exempt(api)
    app.register_blueprint(api)
