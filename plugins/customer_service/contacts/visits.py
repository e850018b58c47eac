"""Visits (走访, CS-15): each household is visited every ``visit_interval_months`` (default 2)
in week ``visit_week`` (default 3) of the month, the customer called 1–2 days before, at least
``visit_min_per_round`` (default 2) households a round; the record is filed and its issues go
on as escalations or coordination requests, tracked until done.

**Week K of a month** is the one of :mod:`core.duties.schedules`: the Monday-to-Sunday week
starting on the month's K-th Monday.
"""

from calendar import MONDAY
from datetime import date, timedelta

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.documents.service import add_document
from core.duties import EveryNMonths, Period, today
from core.extensions import db
from core.jobs.runner import now
from core.models import Company, User
from core.permissions import permissions_of
from core.plugins.state import get_settings
from plugins.customer_service.contacts import escalations
from plugins.customer_service.contacts.models import (
    ContactKind,
    RoundStatus,
    Visit,
    VisitRound,
    VisitStatus,
)
from plugins.customer_service.contacts.services import add_entry
from plugins.customer_service.models import Household
from plugins.sales.orders.plans import add_months

MANAGE = "customer_service.manage"
DOCUMENT_KIND = "other"  # the archive's kind for a filed visit record (CS-18)


def _settings(company: Company) -> dict:
    return get_settings(company, "customer_service")


def week_monday(year: int, month: int, week: int) -> date:
    first_monday = 1 + (MONDAY - date(year, month, 1).weekday()) % 7
    return date(year, month, first_monday + 7 * (week - 1))


def in_visit_week(day: date, week: int) -> bool:
    """Whether ``day`` lies in week ``week`` of its month (or, for week 4, of the month
    before, whose week 4 can end in this one)."""
    previous = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    for first in (day.replace(day=1), previous):
        monday = week_monday(first.year, first.month, week)
        if monday <= day <= monday + timedelta(days=6):
            return True
    return False


def schedule(settings: dict) -> EveryNMonths:
    """The planning duty: the Monday of the visit week, every ``visit_interval_months``."""
    return EveryNMonths(settings["visit_interval_months"], week=settings["visit_week"])


def _last_visits():
    return (
        select(Visit.household_id, func.max(Visit.visited_on).label("last"))
        .where(Visit.status == VisitStatus.visited)
        .group_by(Visit.household_id)
        .subquery()
    )


def due_households(company: Company, on: date) -> list[Household]:
    """Households with a rep whose last visit is ``visit_interval_months`` or more before
    ``on`` (or never visited), not already in a planned visit; by rep, then unit."""
    cutoff = add_months(on, -_settings(company)["visit_interval_months"])
    last = _last_visits()
    planned = select(Visit.household_id).where(Visit.status == VisitStatus.planned)
    return list(
        db.session.scalars(
            select(Household)
            .outerjoin(last, last.c.household_id == Household.id)
            .where(
                Household.rep_id.is_not(None),
                (last.c.last.is_(None)) | (last.c.last <= cutoff),
                Household.id.not_in(planned),
            )
            .order_by(Household.rep_id, Household.unit_id)
        )
    )


def plan_round(
    company: Company, rep_id: int, planned_on: date, household_ids: list[int], period: str = ""
) -> VisitRound:
    """A round of ``rep_id`` on ``planned_on`` (in the visit week) to at least
    ``visit_min_per_round`` of the rep's households; each visit gets its call window."""
    settings = _settings(company)
    ids = list(dict.fromkeys(household_ids))  # keep the order, drop repeats
    if len(ids) < settings["visit_min_per_round"]:
        raise ValidationError(
            {
                "household_ids": [
                    _(
                        "A visit round takes at least %(n)d customers.",
                        n=settings["visit_min_per_round"],
                    )
                ]
            }
        )
    if not in_visit_week(planned_on, settings["visit_week"]):
        raise ValidationError(
            {
                "planned_on": [
                    _("Visits are made in week %(week)d of the month.", week=settings["visit_week"])
                ]
            }
        )
    households = db.session.scalars(select(Household).where(Household.id.in_(ids))).all()
    if len(households) != len(ids) or any(h.rep_id != rep_id for h in households):
        raise ValidationError({"household_ids": [_("Only the rep's own households.")]})
    busy = db.session.scalar(
        select(func.count(Visit.id)).where(
            Visit.household_id.in_(ids), Visit.status == VisitStatus.planned
        )
    )
    if busy:
        raise ValidationError({"household_ids": [_("Some are in a planned round already.")]})
    round_ = VisitRound(
        company_id=company.id,
        rep_id=rep_id,
        planned_on=planned_on,
        period=period,
        created_at=now(),
    )
    by_id = {h.id: h for h in households}
    for household_id in ids:
        round_.visits.append(
            Visit(
                company_id=company.id,
                household_id=household_id,
                customer_id=by_id[household_id].customer_id,
                call_from=planned_on - timedelta(days=settings["visit_call_days_max"]),
                call_by=planned_on - timedelta(days=settings["visit_call_days_min"]),
            )
        )
    db.session.add(round_)
    db.session.flush()
    return round_


def plan_rounds(company: Company, period: Period) -> dict:
    """The duty (Monday of the visit week): one round per rep of the households due, on the
    ``visit_weekday`` of that week (customers are visited at home, any day). A rep with fewer
    due households than a round takes is left out and named in the outcome."""
    settings = _settings(company)
    planned_on = period.date + timedelta(days=settings["visit_weekday"])
    per_rep: dict[int, list[int]] = {}
    for household in due_households(company, planned_on):
        per_rep.setdefault(household.rep_id, []).append(household.id)
    rounds, too_few = 0, {}
    for rep_id, ids in per_rep.items():
        if len(ids) < settings["visit_min_per_round"]:
            too_few[rep_id] = len(ids)
            continue
        plan_round(company, rep_id, planned_on, ids, period.key)
        rounds += 1
    return {
        "planned_on": planned_on,
        "rounds": rounds,
        "households": sum(len(ids) for rep, ids in per_rep.items() if rep not in too_few),
        "too_few": too_few,
    }


def _may_file(company: Company, visit: Visit, user: User) -> None:
    if user.id != visit.round.rep_id and MANAGE not in permissions_of(user, company):
        raise ValidationError({"visit": [_("Only the round's rep records its visits.")]})


def record_call(company: Company, visit: Visit, user: User, note: str = "", on=None) -> Visit:
    """The call before the visit: logged in the rep's work log."""
    _may_file(company, visit, user)
    if visit.status != VisitStatus.planned:
        raise ValidationError({"visit": [_("The visit is filed already.")]})
    on = on or today()
    text = _("Call to agree the visit of %(day)s.", day=visit.round.planned_on.isoformat())
    add_entry(
        company,
        visit.round.rep,
        visit.customer_id,
        ContactKind.call,
        f"{text} {note or ''}".strip(),
        on=on,
        household_id=visit.household_id,
    )
    visit.called_on = on
    db.session.flush()
    return visit


def file_visit(company: Company, visit: Visit, user: User, data: dict) -> Visit:
    """File the visit record: ``visited`` (False: nobody met, due again next round),
    ``visited_on``, ``record``, an optional ``document`` (file name, bytes) for the archive,
    and ``issues``: each ``{subject, department?, due_on?}`` becomes a coordination request
    to the department, or without one an escalation to the CS manager."""
    _may_file(company, visit, user)
    if visit.status != VisitStatus.planned:
        raise ValidationError({"visit": [_("The visit is filed already.")]})
    record = (data.get("record") or "").strip()
    if not record:
        raise ValidationError({"record": [_("Write the visit record.")]})
    issues = data.get("issues") or []
    visited = data.get("visited", True)
    if not visited and issues:
        raise ValidationError({"issues": [_("A visit that did not take place has no issues.")]})
    visit.record = record
    visit.visited_on = data.get("visited_on") or visit.round.planned_on
    visit.status = VisitStatus.visited if visited else VisitStatus.missed
    if visited:
        referred = [i for i in issues if not i.get("department")]
        entry = add_entry(
            company,
            visit.round.rep,
            visit.customer_id,
            ContactKind.visit,
            record,
            on=visit.visited_on,
            within_authority=not referred,
            household_id=visit.household_id,
        )
        visit.entry = entry
        for issue in issues:
            if issue.get("department"):
                escalations.request_coordination(company, user, {**issue, "entry_id": entry.id})
            else:
                escalations.raise_escalation(company, entry, issue.get("subject", ""))
    if data.get("document"):
        name, content = data["document"]
        visit.document_id = add_document(
            "sales_customer", visit.customer_id, DOCUMENT_KIND, name, content, user
        ).id
    if all(v.status != VisitStatus.planned for v in visit.round.visits):
        visit.round.status = RoundStatus.done
    db.session.flush()
    return visit


def calls_due(on: date | None = None, rep_id: int | None = None):
    """Visits whose call is due by ``on`` (default today) and not made, latest first."""
    on = on or today()
    query = (
        select(Visit)
        .join(VisitRound)
        .where(
            Visit.status == VisitStatus.planned,
            Visit.called_on.is_(None),
            Visit.call_from <= on,
        )
        .order_by(Visit.call_by, Visit.id)
    )
    if rep_id is not None:
        query = query.where(VisitRound.rep_id == rep_id)
    return query
