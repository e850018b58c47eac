"""Monthly complaint statistics (CS-13): complaints by category and by construction section,
and the complaint rate per project (complaints per delivered household: units delivered)."""

from calendar import monthrange
from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.models import Project
from plugins.customer_service.complaints.models import Complaint
from plugins.sales.models import Building, Unit, UnitState

RATE_PLACES = Decimal("0.0001")


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def delivered_households() -> dict[int, int]:
    """Units in state ``delivered`` per project (one grouped query)."""
    query = (
        select(Building.project_id, func.count(Unit.id))
        .join(Unit, Unit.building_id == Building.id)
        .where(Unit.state == UnitState.delivered)
        .group_by(Building.project_id)
    )
    return dict(db.session.execute(query).all())


def rate(complaints: int, households: int) -> Decimal | None:
    """Complaints per delivered household; None with no household delivered yet."""
    if not households:
        return None
    return (Decimal(complaints) / Decimal(households)).quantize(RATE_PLACES)


def monthly(year: int, month: int) -> dict:
    """The month's statistics of the current company: counts by category, by construction
    section (blank: "not given") and by project with its complaint rate, and the totals."""
    first, last = month_bounds(year, month)
    rows = db.session.execute(
        select(Complaint.project_id, Complaint.category, Complaint.section).where(
            Complaint.received_on >= first, Complaint.received_on <= last
        )
    ).all()
    delivered = delivered_households()
    by_project = Counter(project_id for project_id, _c, _s in rows)
    names = dict(db.session.execute(select(Project.id, Project.name)).all())
    projects = [
        {
            "project_id": project_id,
            "project": names.get(project_id, ""),
            "complaints": by_project.get(project_id, 0),
            "delivered": delivered.get(project_id, 0),
            "rate": rate(by_project.get(project_id, 0), delivered.get(project_id, 0)),
        }
        for project_id in sorted(set(by_project) | set(delivered), key=lambda p: names.get(p, ""))
    ]
    total_delivered = sum(delivered.values())
    return {
        "year": year,
        "month": month,
        "first": first,
        "last": last,
        "complaints": len(rows),
        "delivered": total_delivered,
        "rate": rate(len(rows), total_delivered),
        "by_category": Counter(category for _p, category, _s in rows).most_common(),
        "by_section": Counter(section for _p, _c, section in rows).most_common(),
        "projects": projects,
    }
