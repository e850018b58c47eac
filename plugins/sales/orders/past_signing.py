"""SAL-18: an order past its signing date without a contract is flagged to customer service.

The daily duty flags each such order and raises a task for customer service (the team holding
``sales.orders.review``: cs_rep, cs_manager), shown in "Flagged orders". A rep of the team
handles it with a note; the duty settles it by itself once the contract is signed (the unit is
past ``subscribed``), the order ends, or the signing date was extended (the flag is cleared).
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import or_, select

from core.duties import Daily, Duty, today
from core.extensions import db
from core.models import Company, User
from core.permissions import PermissionDenied, permissions_of
from core.services.transaction import company_transaction
from plugins.sales.models import Unit, UnitState
from plugins.sales.orders import REVIEW
from plugins.sales.orders.models import (
    HOLDING,
    Order,
    ServiceTask,
    ServiceTaskKind,
)


def flag_past_signing(company: Company, period) -> dict:
    """Flag each order whose signing date passed without a contract (the unit still only
    subscribed) and raise its customer-service task; settle the open tasks whose order no
    longer needs one. Runs inside the duty's transaction: no commit."""
    late = db.session.scalars(
        select(Order)
        .join(Unit, Unit.id == Order.unit_id)
        .where(
            Order.company_id == company.id,
            Order.status.in_(HOLDING),
            Order.signing_date < period.date,
            Order.flagged_on.is_(None),
            Unit.state == UnitState.subscribed,
        )
    ).all()
    for order in late:
        order.flagged_on = period.date
        db.session.add(
            ServiceTask(
                company_id=company.id,
                order=order,
                kind=ServiceTaskKind.past_signing,
                raised_on=period.date,
            )
        )
    settled = db.session.scalars(
        select(ServiceTask)
        .join(Order, Order.id == ServiceTask.order_id)
        .join(Unit, Unit.id == Order.unit_id)
        .where(
            ServiceTask.company_id == company.id,
            ServiceTask.done_on.is_(None),
            ServiceTask.kind == ServiceTaskKind.past_signing,
            or_(
                Order.status.not_in(HOLDING),
                Unit.state != UnitState.subscribed,
                Order.flagged_on.is_(None),
            ),
        )
    ).all()
    for task in settled:
        task.done_on = period.date
    return {
        "flagged": len(late),
        "orders": [o.id for o in late],
        "settled": len(settled),
    }


def signing_duty() -> Duty:
    return Duty("sales.orders_past_signing", Daily(), flag_past_signing, _l("Orders past signing"))


def open_tasks_query():
    """Customer service's open tasks, oldest first (the current company's: the session
    scopes them)."""
    return (
        select(ServiceTask)
        .where(ServiceTask.done_on.is_(None))
        .order_by(ServiceTask.raised_on, ServiceTask.id)
    )


def handle_task(task: ServiceTask, user: User, note: str) -> ServiceTask:
    """A customer-service rep records what was done about a flagged order (e.g. the signing
    booked, the customer called); commits."""
    company = db.session.get(Company, task.company_id)
    if REVIEW not in permissions_of(user, company):
        raise PermissionDenied(REVIEW)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say what was done.")]})
    if task.done_on is not None:
        raise ValidationError({"note": [_("This task was already handled.")]})
    with company_transaction(company):
        task.done_on, task.done_by_id, task.note = today(), user.id, note
    return task
