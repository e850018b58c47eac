"""The greeting duties (CS-16, CAL-02), each once per period: the week's birthday cards (default
Tuesday), a card for each holiday (lunar dates computed), the monthly newsletter (default the
15th), the half-yearly customer forum.

Letters are queued on the ``letters`` queue with the period as their step (``2026-W48``,
``2026-spring_festival``, ``2026-11``): the duty's run record makes each period run once, and a
letter is unique per (kind, subject, step), so a period caught up or retried makes no second
card. The letters are queued when the period's run commits (:func:`core.jobs.enqueue`): a
failed period queues none.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.calendar.lunar import greeting_days
from core.duties import Duty, HalfYearly, Monthly, Period, Schedule, Weekly
from core.extensions import db
from core.letters.production import produce_batch
from core.models import Company
from core.plugins.state import get_settings
from plugins.customer_service.greetings import HOLIDAY_LABELS, services
from plugins.customer_service.greetings.letters import BIRTHDAY, HOLIDAY, HOLIDAYS
from plugins.customer_service.greetings.models import CustomerEvent, EventKind, Newsletter
from plugins.customer_service.models import Household

# The forum reminder opens each half year; the forum is due by the half year's last day.
FORUM = HalfYearly((1, 1), (7, 1))


@dataclass(frozen=True)
class HolidayCards(Schedule):
    """Due ``days_before`` a holiday of :func:`core.calendar.lunar.greeting_days` (cards
    arrive in time); key ``2026-spring_festival``: the holiday's year, whatever the lead."""

    name: str
    days_before: int = 0

    def periods(self, start, end):
        lead = timedelta(days=self.days_before)
        # A holiday early in next year (New Year's Day) can be due this year.
        for year in range(start.year, end.year + 2):
            due = greeting_days(year)[self.name] - lead
            if start <= due <= end:
                yield f"{year}-{self.name}", due


def birthday_cards(company: Company, period: Period) -> dict:
    """Cards to the customers and family members whose birthday falls in the period's week."""
    monday = period.date - timedelta(days=period.date.weekday())
    people = services.birthdays_in_week(monday)
    produce_batch(company, BIRTHDAY, [("cs_person", p.id) for p in people], period.key)
    return {"week": period.key, "cards": len(people)}


def holiday_cards(company: Company, period: Period, holiday: str) -> dict:
    """A card to every customer with a contract."""
    customers = sorted(services.customer_contracts())
    context = {"holiday": holiday}
    subjects = [("sales_customer", c, context) for c in customers]
    produce_batch(company, HOLIDAY, subjects, period.key)
    return {"holiday": holiday, "cards": len(customers)}


def _projects_with_households() -> list[int]:
    return list(
        db.session.scalars(select(Household.project_id).distinct().order_by(Household.project_id))
    )


def newsletter(company: Company, period: Period) -> dict:
    """The month's newsletter of each project whose text was entered; a project without a
    text is named in the outcome, and its newsletter is sent from the editor once written."""
    texts = {
        n.project_id: n
        for n in db.session.scalars(select(Newsletter).where(Newsletter.month == period.key))
    }
    sent, missing = {}, []
    for project_id in _projects_with_households():
        if project_id in texts:
            sent[project_id] = services.send_newsletter(company, texts[project_id])
        elif services.newsletter_households(project_id):
            missing.append(project_id)
    return {"month": period.key, "sent": sent, "missing_text": missing}


def _half_end(day: date) -> date:
    return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)


def forum(company: Company, period: Period) -> dict:
    """A planned customer forum for each project with households, due by the half year's end
    (the events screen lists those not held in time)."""
    have = set(
        db.session.scalars(
            select(CustomerEvent.project_id).where(
                CustomerEvent.kind == EventKind.forum, CustomerEvent.period == period.key
            )
        )
    )
    planned = [p for p in _projects_with_households() if p not in have]
    for project_id in planned:
        db.session.add(
            CustomerEvent(
                company_id=company.id,
                project_id=project_id,
                kind=EventKind.forum,
                period=period.key,
                title=f"客户座谈会 {period.key}",
                due_by=_half_end(period.date),
            )
        )
    db.session.flush()
    return {"planned": len(planned)}


def duties(company: Company) -> list[Duty]:
    settings = get_settings(company, "customer_service")
    lead = settings["greeting_holiday_days_before"]
    return [
        Duty(
            "customer_service.birthday_cards",
            Weekly(settings["greeting_weekday"]),
            birthday_cards,
            _l("Birthday cards"),
        ),
        *(
            Duty(
                f"customer_service.holiday_cards.{name}",
                HolidayCards(name, lead),
                partial(holiday_cards, holiday=name),
                _l("Holiday cards: %(holiday)s", holiday=HOLIDAY_LABELS[name]),
            )
            for name in HOLIDAYS
        ),
        Duty(
            "customer_service.newsletter",
            Monthly(settings["newsletter_day"]),
            newsletter,
            _l("Customer newsletter"),
        ),
        Duty("customer_service.forum", FORUM, forum, _l("Customer forum")),
    ]
