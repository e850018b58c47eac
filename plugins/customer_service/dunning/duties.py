"""The dunning duties (SPEC CAL-02): the daily ladder scan (CS-10), the weekly list (default
Friday) and the dunning meeting's list (default Thursday) (CS-11)."""

from flask_babel import lazy_gettext as _l

from core.duties import Daily, Duty, Weekly
from plugins.customer_service.dunning import ladder, weekly

# Keys sort the ladder first: the list and the meeting of a day see that day's steps.
SCAN = "customer_service.dunning_ladder"
LIST = "customer_service.dunning_list"
MEETING = "customer_service.dunning_meeting"


def scan(company, period) -> dict:
    """Runs inside the duty's transaction: its steps and letters commit together."""
    return ladder.scan(company, period.date)


def duties(company) -> list[Duty]:
    if company is None:
        return []
    return [
        Duty(SCAN, Daily(), scan, _l("Dunning ladder scan")),
        Duty(
            LIST,
            Weekly(weekly.weekday(company, "dunning_list_weekday")),
            weekly.produce_list,
            _l("Weekly dunning list"),
        ),
        Duty(
            MEETING,
            Weekly(weekly.weekday(company, "dunning_meeting_weekday")),
            weekly.meeting_list,
            _l("Dunning meeting list"),
        ),
    ]
