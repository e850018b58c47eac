"""Satisfaction surveys and segment tags of customers (CS-21).

Each entry point is one unit of work and commits.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.admin import labels
from core.duties import today
from core.extensions import db
from core.models import Company, Project, User
from core.services.transaction import company_transaction
from plugins.customer_service.models import Household
from plugins.customer_service.staffing.models import Segment, SegmentTag, Survey
from plugins.sales.models import Customer

SCORES = range(1, 6)
CENT = Decimal("0.01")

labels.register(
    {
        Segment.first_home: _l("First-home buyer"),
        Segment.young_family: _l("Young family"),
        Segment.school_children: _l("Family with school children"),
        Segment.affluent_family: _l("Affluent family"),
        Segment.empty_nesters: _l("Empty nesters"),
        Segment.active_seniors: _l("Active seniors"),
    }
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _customer(company: Company, customer_id) -> Customer:
    customer = db.session.get(Customer, customer_id or 0)
    if customer is None or customer.company_id != company.id:
        raise ValidationError({"customer_id": [_("No such customer.")]})
    return customer


def project_of(customer: Customer) -> int | None:
    """The project the customer bought in (their latest household), else where they came."""
    bought = db.session.scalar(
        select(Household.project_id)
        .where(Household.customer_id == customer.id)
        .order_by(Household.id.desc())
        .limit(1)
    )
    return bought or customer.project_id


def record_survey(company: Company, user: User, data: dict) -> Survey:
    """A customer's satisfaction survey: ``customer_id``, ``score`` 1–5, ``surveyed_on``
    (not in the future), ``comments``; by ``user``."""
    customer = _customer(company, data.get("customer_id"))
    score, on = data.get("score"), data.get("surveyed_on") or today()
    if score not in SCORES:
        raise ValidationError({"score": [_("A score is from 1 to 5.")]})
    if on > today():
        raise ValidationError({"surveyed_on": [_("A survey cannot be dated in the future.")]})
    with company_transaction(company):
        survey = Survey(
            company_id=company.id,
            customer_id=customer.id,
            project_id=project_of(customer),
            surveyed_on=on,
            score=score,
            comments=data.get("comments") or "",
            surveyed_by_id=user.id,
            created_at=_now(),
        )
        db.session.add(survey)
    return survey


def tag_customer(company: Company, user: User, customer_id: int, segment) -> SegmentTag:
    """Tag a customer with a segment; a customer has one, so retagging replaces it."""
    customer = _customer(company, customer_id)
    try:
        segment = Segment(segment)
    except ValueError:
        raise ValidationError({"segment": [_("Unknown segment.")]}) from None
    with company_transaction(company):
        tag = db.session.scalars(
            select(SegmentTag).where(SegmentTag.customer_id == customer.id)
        ).one_or_none()
        values = {"segment": segment, "tagged_by_id": user.id, "tagged_at": _now()}
        if tag is None:
            tag = SegmentTag(company_id=company.id, customer_id=customer.id, **values)
            db.session.add(tag)
        else:
            for name, value in values.items():
                setattr(tag, name, value)
    return tag


def untag_customer(company: Company, customer_id: int) -> None:
    with company_transaction(company):
        tag = db.session.scalars(
            select(SegmentTag).where(SegmentTag.customer_id == customer_id)
        ).one_or_none()
        if tag is not None:
            db.session.delete(tag)


def satisfaction(first: date | None = None, last: date | None = None) -> list[dict]:
    """Average score and number of surveys per project (surveys in [first, last])."""
    query = (
        select(Project, func.avg(Survey.score), func.count(Survey.id))
        .join(Survey, Survey.project_id == Project.id)
        .group_by(Project.id)
        .order_by(Project.name)
    )
    if first:
        query = query.where(Survey.surveyed_on >= first)
    if last:
        query = query.where(Survey.surveyed_on <= last)
    return [
        {"project": project, "average": Decimal(str(avg)).quantize(CENT), "surveys": n}
        for project, avg, n in db.session.execute(query)
    ]
