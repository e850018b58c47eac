"""Letters and addresses (CS-17) and the customer archive (CS-18).

``services.letter_addresses(contract)`` is where every area sends a letter about a contract;
every customer document is a core document owned by (``sales_customer``, customer id).
"""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.permissions import Permission
from plugins.customer_service.archive import models  # noqa: F401 (registers the tables)

VIEW = "customer_service.archive.view"
FILE = "customer_service.archive.file"
DELETE = "customer_service.archive.delete"


class Settings(Schema):
    # CS-17: the company's lawyer, told in writing of every address change confirmed in
    # writing. No default address: the company enters its law firm's.
    address_change_lawyer_name = fields.String(
        load_default="法律顾问", validate=validate.Length(min=1, max=100)
    )
    address_change_lawyer_address = fields.String(
        load_default="", validate=validate.Length(max=300)
    )
    # CS-17: a customer's letter gets a written answer within this many working days (company
    # practice; the SPEC gives no figure, CS-13's written complaint reply uses 3).
    letter_answer_working_days = fields.Integer(
        load_default=3, validate=validate.Range(min=1, max=60)
    )


def permissions():
    return [
        Permission(
            VIEW,
            _l("See customer archives and download their documents"),
            ("cs_rep", "cs_manager", "archive_clerk", "vp", "gm"),
        ),
        Permission(
            FILE,
            _l("File archive documents, address changes and customers' letters"),
            ("cs_rep", "cs_manager", "archive_clerk"),
        ),
        Permission(
            DELETE,
            _l("Ask for an archive document's deletion (the VP approves)"),
            ("cs_manager", "archive_clerk"),
        ),
    ]


def letter_kinds(company):
    from plugins.customer_service.archive.letters import letter_kinds

    return letter_kinds()


def admin_views():
    from plugins.customer_service.archive.admin import views

    return views()


def api_blueprints():
    from plugins.customer_service.archive.api import bp

    return [bp]


def openapi(spec):
    from plugins.customer_service.archive.api import register_openapi

    register_openapi(spec)


def demo(company):
    from plugins.customer_service.archive.demo_data import load

    return load(company)
