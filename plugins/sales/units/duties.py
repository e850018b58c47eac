"""The weekly reconciliation of the sales-control log (SAL-14), default Friday."""

from flask_babel import lazy_gettext as _l

from core.duties import Duty, Weekly
from core.plugins.state import get_settings
from plugins.sales.units import services

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
KEY = "sales.unit_reconciliation"


def weekday_of(company) -> int:
    """The company's reconciliation weekday, 0 = Monday (setting ``reconciliation_weekday``)."""
    return WEEKDAYS.index(get_settings(company, "sales")["reconciliation_weekday"])


def reconcile(company, period) -> dict:
    """The duty: the week's changes per project, kept as the run's outcome (shown in the
    duties screen) — the seven days ending on the due date."""
    return services.reconciliation(company, period.date)


def duties(company) -> list[Duty]:
    if company is None:
        return []
    return [
        Duty(KEY, Weekly(weekday_of(company)), reconcile, _l("Weekly sales-control reconciliation"))
    ]
