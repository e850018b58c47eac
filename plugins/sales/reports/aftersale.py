"""After the contract (SAL-28): the daily duty that writes the reps' task lists.

For each contracted order (active, its unit contracted, registered or in pre-release) the rep
gets: a contact each month, a greeting on each major holiday, a progress check (payment,
mortgage, engineering changes) each half month, and a month before the building's delivery
the written condition report. A task is keyed by (order, kind, period), so the duty may run
any number of times (catch-up after downtime included) and adds each task once.
"""

from calendar import monthrange
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.calendar.lunar import greeting_days
from core.duties import Daily, Duty
from core.extensions import db
from plugins.sales.models import Unit, UnitState
from plugins.sales.orders.models import Order, OrderStatus
from plugins.sales.reports.models import AfterSaleKind, AfterSaleTask, BuildingDelivery

K = AfterSaleKind
AFTER_CONTRACT = (UnitState.contracted, UnitState.registered, UnitState.pre_release)
# Holiday greetings are listed this many days ahead, so the rep can plan them.
HOLIDAY_LEAD = timedelta(days=7)
# The festivals that count as major holidays for a customer greeting.
MAJOR_HOLIDAYS = ("new_year", "spring_festival", "mid_autumn", "national_day")


def month_before(day: date) -> date:
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def periodic(day: date) -> list[tuple[AfterSaleKind, str, date]]:
    """The (kind, period, due date) every contracted customer has on ``day``."""
    month_end = date(day.year, day.month, monthrange(day.year, day.month)[1])
    half = ("H1", date(day.year, day.month, 15)) if day.day <= 15 else ("H2", month_end)
    found = [
        (K.monthly_contact, f"{day:%Y-%m}", month_end),
        (K.progress_check, f"{day:%Y-%m}-{half[0]}", half[1]),
    ]
    for year in (day.year, day.year + 1):
        for name, festival in greeting_days(year).items():
            if name in MAJOR_HOLIDAYS and day <= festival <= day + HOLIDAY_LEAD:
                found.append((K.holiday_greeting, f"{year}-{name}", festival))
    return found


def produce_tasks(company, period) -> dict:
    """Add the tasks due for ``period.date`` that do not exist yet. Runs in the duty's
    transaction: no commit."""
    day = period.date
    orders = db.session.execute(
        select(Order.id, Order.customer_id, Order.rep_id, BuildingDelivery.delivery_on)
        .join(Unit, Unit.id == Order.unit_id)
        .outerjoin(BuildingDelivery, BuildingDelivery.building_id == Unit.building_id)
        .where(
            Order.company_id == company.id,
            Order.status == OrderStatus.active,
            Unit.state.in_(AFTER_CONTRACT),
        )
    ).all()
    wanted = {}
    common = periodic(day)
    for order_id, customer_id, rep_id, delivery_on in orders:
        for kind, key, due in common:
            wanted[(order_id, kind, key)] = (customer_id, rep_id, due)
        if delivery_on is not None and month_before(delivery_on) <= day < delivery_on:
            key = f"delivery-{delivery_on.isoformat()}"
            wanted[(order_id, K.condition_report, key)] = (
                customer_id,
                rep_id,
                month_before(delivery_on),
            )
    keys = {key for _order, _kind, key in wanted}
    existing = (
        set(
            db.session.execute(
                select(AfterSaleTask.order_id, AfterSaleTask.kind, AfterSaleTask.period_key).where(
                    AfterSaleTask.company_id == company.id, AfterSaleTask.period_key.in_(keys)
                )
            ).all()
        )
        if keys
        else set()
    )
    added = [
        AfterSaleTask(
            company_id=company.id,
            order_id=order_id,
            kind=kind,
            period_key=key,
            customer_id=customer_id,
            rep_id=rep_id,
            due_on=due,
        )
        for (order_id, kind, key), (customer_id, rep_id, due) in wanted.items()
        if (order_id, kind, key) not in existing
    ]
    db.session.add_all(added)
    db.session.flush()
    return {"orders": len(orders), "added": len(added)}


def after_sale_duty() -> Duty:
    return Duty("sales.after_contract_tasks", Daily(), produce_tasks, _l("After-contract tasks"))
