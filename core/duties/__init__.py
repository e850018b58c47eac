"""Periodic duties (SPEC CAL-02): plugins declare them, the core runs each once per period per
company.

A plugin returns them from its ``erp_duties(company)`` hook::

    from core.duties import Duty, Weekly

    @hookimpl
    def erp_duties(company):
        return [Duty("customer_service.dunning_list", Weekly(FRIDAY, working_day=True),
                     produce_dunning_list, _l("Weekly dunning list"))]

``produce_dunning_list(company, period)`` gets a :class:`Period` (``key``, due ``date``) and
returns a dict summary. Schedules: :mod:`core.duties.schedules`; running rules (catch-up,
exactly once, failures): :mod:`core.duties.service`; the scheduler: :mod:`core.duties.scheduler`.
"""

from core.duties.schedules import (
    Daily,
    EveryNMonths,
    HalfYearly,
    Monthly,
    Schedule,
    Weekly,
    Yearly,
    YearlyLunar,
)
from core.duties.service import Duty, Period, describe, duties_of, run_due, today

__all__ = [
    "Daily",
    "Duty",
    "EveryNMonths",
    "HalfYearly",
    "Monthly",
    "Period",
    "Schedule",
    "Weekly",
    "Yearly",
    "YearlyLunar",
    "describe",
    "duties_of",
    "run_due",
    "today",
]
