"""Sales reports: the deal report and the lost-customer analysis (SAL-26), the weekly
plan against actuals (SAL-27), and their export to Excel and CSV."""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.extensions import db
from core.models import Project, User
from plugins.sales.leads.models import FollowUp
from plugins.sales.models import Building, Customer, Unit
from plugins.sales.models.customers import Outcome
from plugins.sales.orders.models import Order, OrderStatus, OrderVersion
from plugins.sales.reports.models import WeeklyPlan

ZERO = Decimal("0")
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Filters:
    """The filters of both SAL-26 lists; the dates bound the deal or giving-up day."""

    project_id: int | None = None
    rep_id: int | None = None
    first: date | None = None
    last: date | None = None
    source: str | None = None
    grade: str | None = None


def _customer_columns(customer: Customer) -> dict:
    return {
        "code": customer.code,
        "customer": customer.name,
        "source": str(customer.source),
        "purpose": str(customer.purpose or ""),
        "objections": ", ".join(customer.objections or []),
        "visits": customer.visit_count or 0,
    }


# --- SAL-26 -------------------------------------------------------------------------------

DEAL_COLUMNS = [
    ("ordered_on", _l("Deal date")),
    ("project", _l("Project")),
    ("unit", _l("Unit")),
    ("code", _l("Customer code")),
    ("customer", _l("Customer")),
    ("rep", _l("Rep")),
    ("source", _l("Source")),
    ("purpose", _l("Purpose")),
    ("objections", _l("Objections")),
    ("visits", _l("Visits")),
    ("days", _l("Days to deal")),
    ("price", _l("Contract price")),
]
LOST_COLUMNS = [
    ("outcome_on", _l("Gave up on")),
    ("project", _l("Project")),
    ("code", _l("Customer code")),
    ("customer", _l("Customer")),
    ("rep", _l("Rep")),
    ("source", _l("Source")),
    ("purpose", _l("Purpose")),
    ("objections", _l("Objections")),
    ("visits", _l("Visits")),
    ("days", _l("Days to giving up")),
    ("reason", _l("Reason not bought")),
]


def _filtered(query, filters: Filters, project, rep, day):
    """``query`` narrowed by the report filters, on the given project, rep and date columns."""
    if filters.project_id:
        query = query.where(project == filters.project_id)
    if filters.rep_id:
        query = query.where(rep == filters.rep_id)
    if filters.source:
        query = query.where(Customer.source == filters.source)
    if filters.grade:
        query = query.where(Customer.grade == filters.grade)
    if filters.first:
        query = query.where(day >= filters.first)
    if filters.last:
        query = query.where(day <= filters.last)
    return query


def deal_report(filters: Filters) -> list[dict]:
    """One row per deal (an active order) from the customer file (SAL-26), newest first."""
    query = (
        select(Order, OrderVersion.price, Customer, Unit, Building, Project, User.name, User.email)
        .join(
            OrderVersion,
            (OrderVersion.order_id == Order.id) & (OrderVersion.number == Order.version),
        )
        .join(Customer, Customer.id == Order.customer_id)
        .join(Unit, Unit.id == Order.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Project, Project.id == Building.project_id)
        .join(User, User.id == Order.rep_id)
        .where(Order.status == OrderStatus.active)
        .order_by(Order.ordered_on.desc(), Order.id.desc())
    )
    query = _filtered(query, filters, Building.project_id, Order.rep_id, Order.ordered_on)
    rows = []
    for order, price, customer, unit, _building, project, rep_name, rep_email in db.session.execute(
        query
    ):
        # Days from the first visit (or the first contact) to the order.
        start = customer.first_visit_on or customer.created_at.date()
        rows.append(
            {
                "ordered_on": order.ordered_on,
                "project": project.name,
                "unit": unit.label,
                **_customer_columns(customer),
                "rep": rep_name or rep_email,
                "days": (order.ordered_on - start).days,
                "price": price,
            }
        )
    return [{key: row[key] for key, _label in DEAL_COLUMNS} for row in rows]


def lost_customer_report(filters: Filters) -> list[dict]:
    """One row per customer who gave up (SAL-26): the reason not bought is the reaction noted
    at the last follow-up, else the customer file's notes."""
    last_reaction = (
        select(FollowUp.reaction)
        .where(FollowUp.customer_id == Customer.id, FollowUp.reaction != "")
        .order_by(FollowUp.on.desc(), FollowUp.id.desc())
        .limit(1)
        .correlate(Customer)
        .scalar_subquery()
    )
    query = (
        select(Customer, Project.name, User.name, User.email, last_reaction)
        .outerjoin(Project, Project.id == Customer.project_id)
        .outerjoin(User, User.id == Customer.rep_id)
        .where(Customer.outcome == Outcome.gave_up)
        .order_by(Customer.outcome_on.desc(), Customer.id.desc())
    )
    query = _filtered(query, filters, Customer.project_id, Customer.rep_id, Customer.outcome_on)
    rows = []
    for customer, project, rep_name, rep_email, reaction in db.session.execute(query):
        rows.append(
            {
                "outcome_on": customer.outcome_on,
                "project": project or "",
                **_customer_columns(customer),
                "rep": rep_name or rep_email or "",
                "days": customer.days_to_outcome,
                "reason": reaction or customer.notes,
            }
        )
    return [{key: row[key] for key, _label in LOST_COLUMNS} for row in rows]


# --- SAL-27 -------------------------------------------------------------------------------


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def quarter_of(day: date) -> tuple[int, int]:
    """The (year, quarter) a week belongs to: that of its Thursday, so each week and each
    day belongs to exactly one quarter."""
    thursday = monday(day) + timedelta(days=3)
    return thursday.year, (thursday.month - 1) // 3 + 1


def quarter_weeks(year: int, quarter: int) -> list[date]:
    """The Mondays of the quarter's weeks (13 in most quarters)."""
    first = monday(date(year, 3 * quarter - 2, 1))
    weeks = [first + WEEK * i for i in range(15)]
    return [w for w in weeks if quarter_of(w) == (year, quarter)]


def save_plan(company, project: Project, week_start: date, units: int, value: Decimal):
    """Enter (or change) the plan of a week; flushes, the caller commits."""
    week_start = monday(week_start)
    plan = db.session.scalar(
        select(WeeklyPlan).where(
            WeeklyPlan.project_id == project.id, WeeklyPlan.week_start == week_start
        )
    )
    if plan is None:
        plan = WeeklyPlan(company_id=company.id, project_id=project.id, week_start=week_start)
        db.session.add(plan)
    plan.units, plan.value = int(units), Decimal(value)
    db.session.flush()
    return plan


def _ratio(actual, plan) -> Decimal | None:
    if not plan:
        return None
    return (Decimal(actual) / Decimal(plan)).quantize(Decimal("0.0001"))


def actuals(project_id: int, first: date, last: date) -> dict[date, tuple[int, Decimal]]:
    """Units and value sold per day (active orders, current version's price): one grouped
    query, summed into weeks by the caller."""
    query = (
        select(
            Order.ordered_on, func.count(Order.id), func.coalesce(func.sum(OrderVersion.price), 0)
        )
        .join(
            OrderVersion,
            (OrderVersion.order_id == Order.id) & (OrderVersion.number == Order.version),
        )
        .join(Unit, Unit.id == Order.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(
            Building.project_id == project_id,
            Order.status == OrderStatus.active,
            Order.ordered_on >= first,
            Order.ordered_on <= last,
        )
        .group_by(Order.ordered_on)
    )
    return {day: (n, Decimal(value)) for day, n, value in db.session.execute(query)}


def progress(project: Project, year: int, quarter: int) -> dict:
    """Plan, actual and completion ratio per week and cumulatively for a quarter (SAL-27)."""
    weeks = quarter_weeks(year, quarter)
    plans = {
        p.week_start: p
        for p in db.session.scalars(
            select(WeeklyPlan).where(
                WeeklyPlan.project_id == project.id,
                WeeklyPlan.week_start >= weeks[0],
                WeeklyPlan.week_start <= weeks[-1],
            )
        )
    }
    sold: dict[date, list] = {w: [0, ZERO] for w in weeks}
    for day, (n, value) in actuals(project.id, weeks[0], weeks[-1] + WEEK - timedelta(1)).items():
        sold[monday(day)][0] += n
        sold[monday(day)][1] += value
    rows, total = [], {"plan_units": 0, "plan_value": ZERO, "units": 0, "value": ZERO}
    for number, week in enumerate(weeks, start=1):
        plan = plans.get(week)
        plan_units, plan_value = (plan.units, plan.value) if plan else (0, ZERO)
        units, value = sold[week]
        total = {
            "plan_units": total["plan_units"] + plan_units,
            "plan_value": total["plan_value"] + plan_value,
            "units": total["units"] + units,
            "value": total["value"] + value,
        }
        rows.append(
            {
                "week": number,
                "week_start": week,
                "plan_units": plan_units,
                "plan_value": plan_value,
                "units": units,
                "value": value,
                "units_ratio": _ratio(units, plan_units),
                "value_ratio": _ratio(value, plan_value),
                "cum_plan_units": total["plan_units"],
                "cum_plan_value": total["plan_value"],
                "cum_units": total["units"],
                "cum_value": total["value"],
                "cum_units_ratio": _ratio(total["units"], total["plan_units"]),
                "cum_value_ratio": _ratio(total["value"], total["plan_value"]),
            }
        )
    return {"project": project, "year": year, "quarter": quarter, "rows": rows}


PROGRESS_COLUMNS = [
    ("week", _l("Week")),
    ("week_start", _l("Week of")),
    ("plan_units", _l("Plan units")),
    ("plan_value", _l("Plan value")),
    ("units", _l("Actual units")),
    ("value", _l("Actual value")),
    ("units_ratio", _l("Units completion")),
    ("value_ratio", _l("Value completion")),
    ("cum_plan_units", _l("Cumulative plan units")),
    ("cum_plan_value", _l("Cumulative plan value")),
    ("cum_units", _l("Cumulative actual units")),
    ("cum_value", _l("Cumulative actual value")),
    ("cum_units_ratio", _l("Cumulative units completion")),
    ("cum_value_ratio", _l("Cumulative value completion")),
]


# --- export -------------------------------------------------------------------------------

FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cell(value):
    """Excel keeps numbers and dates typed; ``None`` (no plan, no date) is an empty cell."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    return value


def export(columns: list, rows: list[dict], fmt: str, title: str) -> bytes:
    """The rows as an ``xlsx`` workbook or a ``csv`` file (UTF-8 with a BOM for Excel), with
    the columns' translated labels as the header."""
    header = [str(label) for _key, label in columns]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row[k] is None else row[k] for k, _label in columns])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(row[k]) for k, _label in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
