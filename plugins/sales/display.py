"""What the sales screens show for stored codes and people: labels, names and choices.

The labels of the sales codes are registered with :mod:`core.admin.labels`, so a template
writes ``{{ code|label }}`` and Python code :func:`label`. The registry is keyed by the code
alone: a code that means something else in another list (``layout`` is an objection and a
kind of order change) gets its own map here (:data:`CHANGE_KINDS`).
"""

from flask import g
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from core.admin.labels import label, register
from core.admin.views import ErpView
from core.plugins.state import get_settings

register(
    {
        # SAL-01 reception register: kinds and source channels.
        "call": _l("Hotline call"),
        "walk_in": _l("Walk-in"),
        "newspaper": _l("Newspaper"),
        "tv": _l("TV"),
        "passing_by": _l("Passing by"),
        "referral": _l("Referral"),
        "flyer": _l("Flyer"),
        "outdoor": _l("Outdoor advertising"),
        "web": _l("Web"),
        "other": _l("Other"),
        # SAL-05 follow-up channels and the tasks of the follow-up lists (SAL-04, SAL-11).
        "phone": _l("Phone"),
        "sms": _l("SMS"),
        "visit": _l("Visit"),
        "appointment_reminder": _l("Appointment reminder"),
        "call_back": _l("Call back"),
        "contact_reassigned": _l("Contact the reassigned customer"),
        # SAL-06 customer information file.
        "location": _l("Location"),
        "unit_price": _l("Unit price"),
        "total_price": _l("Total price"),
        "layout": _l("Layout"),
        "view": _l("View"),
        "floor": _l("Floor"),
        "payment_terms": _l("Payment terms"),
        "low": _l("Low"),
        "middle": _l("Middle"),
        "upper_middle": _l("Upper middle"),
        "high": _l("High"),
        "own_use": _l("Own use"),
        "family": _l("Family"),
        "investment": _l("Investment"),
        "deposit": _l("Paid a deposit"),
        "gave_up": _l("Gave up"),
        # SAL-08/10 reps away.
        "travel": _l("Travel"),
        "leave": _l("Leave"),
        # Price plans and order changes (SAL-22–25, SAL-29; "pending" is the core's); deposits.
        "applied": _l("Applied"),
        "received": _l("Received"),
    }
)

CHANGE_KINDS = {
    "swap": _l("Unit swap"),
    "refund": _l("Refund"),
    "rename": _l("Name change"),
    "layout": _l("Layout change"),
}


def person(user) -> str:
    """A user as people know them: the name, else the e-mail address."""
    if user is None:
        return ""
    return user.name or user.email


def choices(kind) -> list[tuple[str, LazyString]]:
    """``(code, label)`` of each member of the enum ``kind``, for selects and filters; the
    labels are lazy, so a screen built at start-up shows them in each user's language."""
    return [(member.value, LazyString(label, member.value)) for member in kind]


def labels_of(codes) -> str:
    """A list of codes (e.g. a customer's objections) as their labels."""
    return ", ".join(label(code) for code in codes or [])


def grade_label(grade) -> str:
    """The company's label of a customer grade (SAL-07: labels configurable, codes not)."""
    if grade is None:
        return ""
    code = str(grade)
    return get_settings(g.erp_company, "sales")["grade_labels"].get(code, code)


def grade_choices() -> list[tuple[str, str]]:
    labels = get_settings(g.erp_company, "sales")["grade_labels"]
    return [(code, labels.get(code, code)) for code in ("A", "B", "C")]


class SalesView(ErpView):
    """A custom sales screen: its templates can show people and grades as users know them."""

    def render(self, template, **kwargs):
        kwargs.setdefault("person", person)
        kwargs.setdefault("grade_label", grade_label)
        return super().render(template, **kwargs)
