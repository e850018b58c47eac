"""The weekly dunning list and the dunning meeting (CS-11).

Every default Friday the archive clerk's list is produced: each instalment overdue plus those
falling due up to the next meeting day (default Thursday), stored as snapshot rows and sent
to the CS manager for sign-off (an approval request); reps, the sales manager and the VP read
it on the weekly-list screen. The meeting (default Thursday) goes through every case from the
demand letter on (CS-10).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from core import approvals
from core.extensions import db
from core.models import Company, User
from core.models.auth import Membership, Role, membership_role
from core.plugins.state import get_settings
from plugins.customer_service.dunning.ladder import DUNNED, on_hold
from plugins.customer_service.dunning.models import DunningList, DunningListRow, Step
from plugins.customer_service.models import Contract, Household, Instalment
from plugins.sales.models import Building, Unit
from plugins.sales.units.duties import WEEKDAYS

DOC_TYPE = "customer_service.dunning_list"
OWNER_TYPE = DunningList.__tablename__
DEFAULT_FLOW = {
    "doc_type": DOC_TYPE,
    "name": "Weekly dunning list",
    "steps": [{"name": "CS manager", "roles": ["cs_manager"]}],
}
# Who the list is produced in the name of (the approval's requester), in order of preference.
AUTHORS = ("archive_clerk", "cs_manager")


def weekday(company: Company, setting: str) -> int:
    return WEEKDAYS.index(get_settings(company, "customer_service")[setting])


def next_meeting(company: Company, after: date) -> date:
    """The first meeting day after ``after`` (default: the Thursday after a Friday)."""
    ahead = (weekday(company, "dunning_meeting_weekday") - after.weekday()) % 7
    return after + timedelta(days=ahead or 7)


def open_instalments(*where):
    """Open instalments of dunned contracts, with what a list shows of each (one query)."""
    rep = (
        select(func.coalesce(func.nullif(User.name, ""), User.email))
        .join(Household, Household.rep_id == User.id)
        .where(Household.unit_id == Instalment.unit_id)
        .scalar_subquery()
    )
    return (
        select(
            Instalment.id.label("instalment_id"),
            Contract.number.label("contract_number"),
            Contract.buyer_name.label("customer_name"),
            Building.name.label("building"),
            Unit.entrance,
            Unit.floor,
            Unit.room,
            func.coalesce(rep, "").label("rep_name"),
            Instalment.what,
            Instalment.due_on,
            (Instalment.amount - Instalment.paid).label("outstanding"),
            Instalment.dunning_step.label("step"),
            on_hold().label("on_hold"),
        )
        .join(Contract, Contract.id == Instalment.contract_id)
        .join(Unit, Unit.id == Instalment.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Instalment.settled.is_(False), Contract.status.in_(DUNNED), *where)
        .order_by(Instalment.due_on, Instalment.id)
    )


def _row(row, day: date) -> dict:
    return {
        "instalment_id": row.instalment_id,
        "contract_number": row.contract_number,
        "customer_name": row.customer_name,
        "unit_label": f"{row.building}-{row.entrance}-{row.floor:02d}{row.room}",
        "rep_name": row.rep_name,
        "what": row.what,
        "due_on": row.due_on,
        "outstanding": Decimal(row.outstanding).quantize(Decimal("0.01")),
        "days_overdue": (day - row.due_on).days,
        "step": row.step,
        "on_hold": bool(row.on_hold),
    }


def _author(company: Company) -> User | None:
    for code in AUTHORS:
        user = db.session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(membership_role, membership_role.c.membership_id == Membership.id)
            .join(Role, Role.id == membership_role.c.role_id)
            .where(Membership.company_id == company.id, Role.code == code, User.active)
            .order_by(User.id)
            .limit(1)
        )
        if user is not None:
            return user
    return None


def produce_list(company: Company, period) -> dict:
    """The duty (CS-11): the week's list, once per week; submitted for the CS manager's
    sign-off (submitting commits the list with its request)."""
    existing = db.session.scalar(select(DunningList).where(DunningList.week == period.key))
    if existing is None:
        existing = _make_list(company, period.key, period.date)
    return {
        "list": existing.id,
        "rows": len(existing.rows),
        "outstanding": existing.total_outstanding,
        "approval": existing.approval_request_id,
    }


def _make_list(company: Company, week: str, day: date) -> DunningList:
    until = next_meeting(company, day)
    rows = [_row(r, day) for r in db.session.execute(open_instalments(Instalment.due_on <= until))]
    dunning_list = DunningList(
        company_id=company.id,
        week=week,
        list_date=day,
        until=until,
        total_outstanding=sum((r["outstanding"] for r in rows), Decimal("0.00")),
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
    db.session.add(dunning_list)
    db.session.flush()
    if rows:
        db.session.execute(
            insert(DunningListRow),
            [{"company_id": company.id, "list_id": dunning_list.id, **r} for r in rows],
        )
    author = _author(company)
    if author is not None:
        summary = {
            "week": week,
            "list_date": day.isoformat(),
            "until": until.isoformat(),
            "instalments": len(rows),
            "overdue": sum(1 for r in rows if r["days_overdue"] > 0),
            "outstanding": dunning_list.total_outstanding,
        }
        request = approvals.submit(company, DOC_TYPE, OWNER_TYPE, dunning_list.id, summary, author)
        dunning_list.approval_request_id = request.id
    db.session.flush()
    db.session.expire(dunning_list, ["rows"])
    return dunning_list


def meeting_cases(day: date) -> list[dict]:
    """The cases for the dunning meeting on ``day``: every open instalment from the demand
    letter on (CS-10), on hold or not."""
    query = open_instalments(Instalment.dunning_step >= Step.demand_letter)
    return [_row(r, day) for r in db.session.execute(query)]


def meeting_list(company: Company, period) -> dict:
    """The duty: the meeting's cases as they stand on its day, kept as the run's outcome."""
    cases = meeting_cases(period.date)
    for case in cases:
        case["step"] = Step(case["step"]).name
    return {"meeting": period.date.isoformat(), "count": len(cases), "cases": cases}
