"""Engineering changes asked for by buyers (工程变更, CS-19)."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.admin import labels
from core.permissions import Permission
from plugins.customer_service.engineering import models  # noqa: F401 (registers the table)

VIEW = "customer_service.engineering.view"
REQUEST = "customer_service.engineering.request"
COST = "customer_service.engineering.cost"
PROGRESS = "customer_service.engineering.progress"

# "signed" and "done" share the labels the contracts and contacts areas register.
labels.register({"in_progress": _l("In progress")})


class Settings(Schema):
    # CS-19: a change's extra cost falls due this many days after the buyer signs it (the
    # SPEC sets no number; company practice).
    change_payment_days = fields.Integer(load_default=7, validate=validate.Range(min=0, max=365))


def permissions():
    return [
        Permission(
            VIEW,
            _l("See engineering change requests"),
            ("cs_rep", "cs_manager", "archive_clerk", "engineering", "cost_budget", "finance"),
        ),
        Permission(
            REQUEST,
            _l("Record engineering changes and the buyer's signature"),
            ("cs_rep", "cs_manager"),
        ),
        Permission(COST, _l("Price engineering changes"), ("cost_budget",)),
        Permission(PROGRESS, _l("Report the progress of engineering changes"), ("engineering",)),
    ]


def admin_views():
    from plugins.customer_service.engineering.admin import views

    return views()


def api_blueprints():
    from plugins.customer_service.engineering.api import bp

    return [bp]


def openapi(spec):
    from plugins.customer_service.engineering.api import register_openapi

    register_openapi(spec)


def approval_flows(company):
    from plugins.customer_service.engineering.services import engineering_flows

    return engineering_flows()


def on_approval_decided(request):
    from plugins.customer_service.engineering.services import approval_decided

    approval_decided(request)
