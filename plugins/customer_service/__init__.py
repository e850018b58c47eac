"""Customer service (客户服务): contracts, payments, dunning, complaints (SPEC section 2)."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.admin.views import PluginHomeView
from core.hookspecs import hookimpl
from core.permissions import Permission
from core.plugins import Manifest

households = validate.Range(min=1, max=10000)


class CustomerServiceSettings(Schema):
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


manifest = Manifest(
    name="customer_service",
    version="0.1.0",
    label=_l("Customer service"),
    depends=("sales",),
    settings=CustomerServiceSettings,
    description=_l("Contracts, payments and dunning, complaints, visits, customer archive."),
)

CS = ("cs_rep", "cs_manager", "archive_clerk")


@hookimpl
def erp_permissions():
    return [
        Permission("customer_service.view", _l("Use the customer-service screens"), CS),
        Permission("customer_service.manage", _l("Manage customer service"), ("cs_manager",)),
    ]


@hookimpl
def erp_admin_views():
    return [PluginHomeView(manifest, "customer_service.view")]
