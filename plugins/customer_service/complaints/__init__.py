"""Complaints (投诉, CS-13): recording, the answer clock, the VP-approved written reply, legal
disputes, follow-up calls and the monthly statistics."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.admin import labels
from core.permissions import Permission
from plugins.customer_service.complaints import models  # noqa: F401 (registers the tables)

VIEW = "customer_service.complaints.view"
HANDLE = "customer_service.complaints.handle"
LEGAL = "customer_service.complaints.legal"

# CS-13 default categories; a company edits the list (codes; a code without a label shows
# as typed).
CATEGORIES = ("quality", "delivery", "service", "property", "contract", "other")

labels.register(
    {
        "phone": _l("Phone"),
        "letter": _l("Letter"),
        "in_person": _l("In person"),
        "at_handover": _l("At handover"),
        "quality": _l("Construction quality"),
        "delivery": _l("Delivery"),
        "service": _l("Service"),
        "property": _l("Property management"),
        "contract": _l("Contract"),
        "other": _l("Other"),
        "open": _l("Open"),
        "answered": _l("Answered"),
        "resolved": _l("Resolved"),
        "closed": _l("Closed"),
        "legal_dispute": _l("Legal dispute"),
        "to_write": _l("To write"),
        "pending_approval": _l("Pending approval"),
        "sent": _l("Sent"),
        "satisfied": _l("Satisfied"),
        "fairly_satisfied": _l("Fairly satisfied"),
        "dissatisfied": _l("Dissatisfied"),
        "unresolvable": _l("Cannot be solved"),
        "lawsuit": _l("Lawsuit"),
        "arbitration": _l("Arbitration"),
    }
)


class Settings(Schema):
    # CS-13: a complaint not answered at once is answered within this many hours.
    complaint_answer_hours = fields.Integer(load_default=48, validate=validate.Range(1, 720))
    # CS-13: a written reply (VP-approved) is due within this many working days.
    complaint_reply_working_days = fields.Integer(load_default=3, validate=validate.Range(1, 60))
    # CS-13: the follow-up call is due within this many days after the complaint is resolved.
    complaint_follow_up_days = fields.Integer(load_default=3, validate=validate.Range(0, 60))
    complaint_categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)),
        load_default=lambda: list(CATEGORIES),
        validate=validate.Length(min=1),
    )
    # Construction sections (工程标段) by project name; a project not listed takes free text.
    complaint_sections = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=200)),
        values=fields.List(fields.String(validate=validate.Length(min=1, max=100))),
        load_default=dict,
    )


def permissions():
    return [
        Permission(
            VIEW,
            _l("See complaints and their statistics"),
            ("cs_rep", "cs_manager", "archive_clerk", "lawyer", "vp", "gm"),
        ),
        Permission(
            HANDLE,
            _l("Record, answer and resolve complaints, call customers back"),
            ("cs_rep", "cs_manager"),
        ),
        Permission(LEGAL, _l("Handle complaints become legal disputes"), ("cs_manager", "lawyer")),
    ]


def admin_views():
    from plugins.customer_service.complaints.admin import views

    return views()


def api_blueprints():
    from plugins.customer_service.complaints.api import bp

    return [bp]


def openapi(spec):
    from plugins.customer_service.complaints.api import register_openapi

    register_openapi(spec)


def letter_kinds(company):
    from plugins.customer_service.complaints.replies import letter_kind

    return [letter_kind()]


def approval_flows(company):
    from plugins.customer_service.complaints.replies import REPLY

    # CS-13: a written reply needs the VP's approval.
    step = {"name": "Vice-president in charge", "roles": ["vp"], "due_days": 1}
    return [{"doc_type": REPLY, "name": "Written reply to a complaint", "steps": [step]}]


def on_approval_decided(request):
    from plugins.customer_service.complaints.replies import approval_decided

    approval_decided(request)


def demo(company):
    from plugins.customer_service.complaints.demo_data import demo as make

    make(company)
