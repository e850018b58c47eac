"""Greetings (CS-16): customers' and family members' birthdays, the monthly newsletter text per
project, and customer events (the half-yearly forum, holiday events)."""

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.extensions import db
from core.models.columns import enum_column
from core.tenancy import TenantMixin


class Relation(enum.StrEnum):
    self = "self"  # the customer
    spouse = "spouse"
    child = "child"
    parent = "parent"
    other = "other"


class Person(TenantMixin, db.Model):
    """The customer or a known family member, with a birthday for the birthday cards."""

    __tablename__ = "cs_person"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    relation: Mapped[Relation] = mapped_column(enum_column(Relation, 10))
    birthday: Mapped[date | None] = mapped_column(Date)
    # The birthday's (month, day) as MMDD: the weekly duty finds a week's birthdays by range.
    birthday_mmdd: Mapped[int | None] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(String(200), default="")

    customer = relationship("Customer")

    @validates("birthday")
    def _keep_mmdd(self, _key, value):
        self.birthday_mmdd = value.month * 100 + value.day if value else None
        return value

    def __str__(self):
        return self.name


class Newsletter(TenantMixin, db.Model):
    """The project-progress text of one project for one month, entered by staff."""

    __tablename__ = "cs_newsletter"
    __table_args__ = (UniqueConstraint("company_id", "project_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # 2026-11
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # paragraphs separated by blank lines
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)  # when its letters were queued

    project = relationship("Project")

    def __str__(self):
        return f"{self.month} {self.title}"


class EventKind(enum.StrEnum):
    forum = "forum"  # 客户座谈会, at least every half year
    holiday = "holiday"  # a holiday event instead of (or besides) the cards


class CustomerEvent(TenantMixin, db.Model):
    """A customer event of a project: planned (the forum duty plans one per half year), then
    held."""

    __tablename__ = "cs_customer_event"
    __table_args__ = (UniqueConstraint("company_id", "project_id", "kind", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, 10))
    period: Mapped[str] = mapped_column(String(30))  # 2026-H2, 2026-mid_autumn
    title: Mapped[str] = mapped_column(String(200))
    due_by: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date | None] = mapped_column(Date)
    attendees: Mapped[int | None] = mapped_column()
    notes: Mapped[str] = mapped_column(Text, default="")

    project = relationship("Project")

    def __str__(self):
        return self.title
