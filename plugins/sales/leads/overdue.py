"""The daily overdue follow-up list (SAL-05): per rep and per site, A and B first.

The duty writes the day's list with one ``INSERT … SELECT`` over customers whose follow-up is
past due and open tasks past their day (appointment reminders, call-backs, SAL-11 contacts):
no row is loaded into Python, so 100,000 customers take one statement.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, literal, null, select, union_all

from core.duties import Daily, Duty, Period
from core.extensions import db
from core.models import Company
from plugins.sales.leads.models import OverdueEntry, Task
from plugins.sales.models.customers import Customer

COLUMNS = ("company_id", "list_date", "customer_id", "rep_id", "project_id", "grade", "due_on")


def overdue_select(company_id: int, list_date: date):
    """The rows of ``company_id``'s overdue list on ``list_date``, as one Core select."""
    customers = select(
        Customer.company_id,
        literal(list_date).label("list_date"),
        Customer.id,
        Customer.rep_id,
        Customer.project_id,
        Customer.grade,
        Customer.follow_up_due_on,
        null().label("task_id"),
    ).where(
        Customer.company_id == company_id,
        Customer.follow_up_due_on < list_date,
        Customer.outcome.is_(None),
    )
    tasks = (
        select(
            Task.company_id,
            literal(list_date).label("list_date"),
            Task.customer_id,
            Task.rep_id,
            Customer.project_id,
            Customer.grade,
            Task.due_on,
            Task.id,
        )
        .join(Customer, Customer.id == Task.customer_id)
        .where(Task.company_id == company_id, Task.done_on.is_(None), Task.due_on < list_date)
    )
    return union_all(customers, tasks)


def produce_overdue_list(company: Company, period: Period) -> dict:
    """The duty: (re)write the list of ``period.date``; returns the number of lines."""
    db.session.execute(
        delete(OverdueEntry).where(
            OverdueEntry.company_id == company.id, OverdueEntry.list_date == period.date
        )
    )
    # On the session's connection (same transaction): a Core statement, filtered by company
    # explicitly above, whose row count is the number of lines written.
    result = db.session.connection().execute(
        insert(OverdueEntry.__table__)
        .from_select([*COLUMNS, "task_id"], overdue_select(company.id, period.date))
        .execution_options(preserve_rowcount=True)
    )
    return {"lines": result.rowcount}


def overdue_list(list_date: date, rep_id: int | None = None, project_id: int | None = None):
    """The stored list of ``list_date`` (current company), A and B first, oldest due first."""
    query = (
        select(OverdueEntry)
        .where(OverdueEntry.list_date == list_date)
        .order_by(OverdueEntry.grade, OverdueEntry.due_on, OverdueEntry.id)
    )
    if rep_id is not None:
        query = query.where(OverdueEntry.rep_id == rep_id)
    if project_id is not None:
        query = query.where(OverdueEntry.project_id == project_id)
    return db.session.scalars(query).all()


def duties(company) -> list[Duty]:
    return [
        Duty("sales.overdue_follow_ups", Daily(), produce_overdue_list, _l("Overdue follow-ups"))
    ]
