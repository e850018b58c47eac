"""Greetings (CS-16): family members and birthdays, who gets a week's birthday cards, the
newsletter text per project and month and its sending, customer events.

Cards and newsletters go to the households with a contract (draft, signed or registered), at
the contract's address (:func:`plugins.customer_service.archive.services.letter_addresses`).
Functions flush; the caller commits (:func:`send_newsletter` commits: it queues letters).
"""

import calendar
from datetime import date, timedelta

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.duties import today
from core.extensions import db
from core.jobs.runner import now
from core.letters.production import produce_batch
from core.models import Company, Project, User
from plugins.customer_service.greetings.models import (
    CustomerEvent,
    Newsletter,
    Person,
    Relation,
)
from plugins.customer_service.models import Contract, ContractStatus, Household
from plugins.sales.models import Customer

NEWSLETTER = "customer_service.newsletter"
LIVE = (ContractStatus.draft, ContractStatus.signed, ContractStatus.registered)


# --- who is a customer with a contract --------------------------------------------------------


def live_contracts():
    """A select of (household id, customer id, project id, contract id): each household's
    newest contract that is not cancelled or terminated."""
    newest = (
        select(func.max(Contract.id).label("contract_id"), Contract.unit_id)
        .where(Contract.status.in_(LIVE))
        .group_by(Contract.unit_id)
        .subquery()
    )
    return (
        select(Household.id, Household.customer_id, Household.project_id, newest.c.contract_id)
        .join(newest, newest.c.unit_id == Household.unit_id)
        .order_by(Household.id)
    )


def household_contract(unit_id: int) -> Contract | None:
    """The newest contract of a household's unit that is not cancelled or terminated."""
    return db.session.scalar(
        select(Contract)
        .where(Contract.unit_id == unit_id, Contract.status.in_(LIVE))
        .order_by(Contract.id.desc())
        .limit(1)
    )


def customer_contract(customer_id: int) -> Contract | None:
    """The contract a customer's letters are addressed by: the newest of their households'."""
    return db.session.scalar(
        select(Contract)
        .join(Household, Household.unit_id == Contract.unit_id)
        .where(Household.customer_id == customer_id, Contract.status.in_(LIVE))
        .order_by(Contract.id.desc())
        .limit(1)
    )


def customer_contracts() -> dict[int, int]:
    """{customer id: the contract id their letters are addressed by} (the newest)."""
    chosen: dict[int, int] = {}
    for _household, customer_id, _project, contract_id in db.session.execute(live_contracts()):
        chosen[customer_id] = max(contract_id, chosen.get(customer_id, 0))
    return chosen


# --- family members and birthdays -------------------------------------------------------------


def save_person(company: Company, data: dict, person: Person | None = None) -> Person:
    """Add (or change) the customer or a family member: ``customer_id``, ``name``,
    ``relation``, ``birthday`` (optional, not in the future), ``note``."""
    data = {**({} if person is None else _fields(person)), **data}
    customer = db.session.get(Customer, data.get("customer_id") or 0)
    if customer is None:
        raise ValidationError({"customer_id": [_("No such customer.")]})
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": [_("A name is required.")]})
    relation = Relation(data.get("relation") or Relation.other)
    birthday = data.get("birthday")
    if birthday is not None and birthday > today():
        raise ValidationError({"birthday": [_("A birthday cannot be in the future.")]})
    if relation == Relation.self:
        query = select(Person.id).where(
            Person.customer_id == customer.id, Person.relation == Relation.self
        )
        if person is not None and person.id is not None:
            query = query.where(Person.id != person.id)
        with db.session.no_autoflush:  # a form's new person is pending, not yet a row
            other_self = db.session.scalar(query)
        if other_self is not None:
            raise ValidationError({"relation": [_("The customer is listed already.")]})
    if person is None:
        person = Person(company_id=company.id)
        db.session.add(person)
    person.customer_id, person.name, person.relation = customer.id, name, relation
    person.birthday, person.note = birthday, (data.get("note") or "").strip()
    db.session.flush()
    return person


def _fields(person: Person) -> dict:
    names = ("customer_id", "name", "relation", "birthday", "note")
    return {name: getattr(person, name) for name in names}


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=i) for i in range(7)]


def _mmdd(days: list[date]) -> set[int]:
    wanted = {d.month * 100 + d.day for d in days}
    # Born on 29 February: celebrated on the 28th in other years.
    wanted |= {229 for d in days if (d.month, d.day) == (2, 28) and not calendar.isleap(d.year)}
    return wanted


def birthdays_in_week(monday: date, with_contract: bool = True) -> list[Person]:
    """The people whose birthday falls in the week starting ``monday`` (Monday to Sunday);
    ``with_contract``: only those of customers with a contract (who get cards)."""
    query = (
        select(Person)
        .where(Person.birthday_mmdd.in_(sorted(_mmdd(week_days(monday)))))
        .order_by(Person.birthday_mmdd, Person.id)
    )
    people = db.session.scalars(query).all()
    if not with_contract:
        return list(people)
    customers = customer_contracts()
    return [p for p in people if p.customer_id in customers]


# --- the newsletter ---------------------------------------------------------------------------


def check_month(month: str) -> str:
    try:
        year, number = month.split("-")
        date(int(year), int(number), 1)
    except (ValueError, AttributeError):
        raise ValidationError({"month": [_("A month looks like 2026-11.")]}) from None
    return f"{int(year):04d}-{int(number):02d}"


def save_newsletter(company: Company, user: User | None, data: dict) -> Newsletter:
    """The project-progress text of (``project_id``, ``month``): created or replaced."""
    if db.session.get(Project, data.get("project_id") or 0) is None:
        raise ValidationError({"project_id": [_("No such project.")]})
    month = check_month(data.get("month") or "")
    title = (data.get("title") or "").strip()
    body = (data.get("body") or "").strip()
    if not title:
        raise ValidationError({"title": [_("A title is required.")]})
    if not body:
        raise ValidationError({"body": [_("Write the project's progress.")]})
    newsletter = db.session.scalar(
        select(Newsletter).where(
            Newsletter.project_id == data["project_id"], Newsletter.month == month
        )
    )
    values = {"title": title, "body": body, "updated_by_id": user.id if user else None}
    if newsletter is None:
        newsletter = Newsletter(company_id=company.id, project_id=data["project_id"], month=month)
        db.session.add(newsletter)
    for name, value in {**values, "updated_at": now()}.items():
        setattr(newsletter, name, value)
    db.session.flush()
    return newsletter


def newsletter_households(project_id: int) -> list[int]:
    rows = db.session.execute(live_contracts().where(Household.project_id == project_id))
    return [household_id for household_id, *_rest in rows]


def send_newsletter(company: Company, newsletter: Newsletter, user: User | None = None) -> int:
    """Queue the newsletter to every household of its project with a contract, once per
    household and month (a second send makes only the missing letters), once the caller
    commits; returns how many households it goes to."""
    households = newsletter_households(newsletter.project_id)
    newsletter.sent_at = now()
    month = newsletter.month
    produce_batch(company, NEWSLETTER, [("cs_household", h) for h in households], month, user)
    return len(households)


# --- customer events ----------------------------------------------------------------------


def plan_event(company: Company, data: dict) -> CustomerEvent:
    """A customer event of a project: ``kind``, ``period`` (one event of a kind per project
    and period), ``title``, ``due_by``, ``notes``."""
    if db.session.get(Project, data.get("project_id") or 0) is None:
        raise ValidationError({"project_id": [_("No such project.")]})
    taken = db.session.scalar(
        select(CustomerEvent.id).where(
            CustomerEvent.project_id == data["project_id"],
            CustomerEvent.kind == data["kind"],
            CustomerEvent.period == data["period"],
        )
    )
    if taken is not None:
        raise ValidationError({"period": [_("The project has this event for the period.")]})
    event = CustomerEvent(company_id=company.id, **data)
    db.session.add(event)
    db.session.flush()
    return event


def hold_event(event: CustomerEvent, data: dict) -> CustomerEvent:
    """The event took place: ``held_on`` (not in the future), ``attendees``, ``notes``."""
    held_on = data.get("held_on") or today()
    if held_on > today():
        raise ValidationError({"held_on": [_("An event is recorded once held.")]})
    event.held_on, event.attendees = held_on, data.get("attendees")
    event.notes = (data.get("notes") or event.notes or "").strip()
    db.session.flush()
    return event


def events_overdue(on: date | None = None):
    """Events not held by their date (the forum every half year), oldest first."""
    return (
        select(CustomerEvent)
        .where(CustomerEvent.held_on.is_(None), CustomerEvent.due_by < (on or today()))
        .order_by(CustomerEvent.due_by, CustomerEvent.id)
    )
