"""Reception register, follow-ups, tasks, duty roster and rotation, reps away, and the stored
daily overdue lists (SAL-01–11)."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Project, User
from core.models.columns import enum_column
from core.tenancy import TenantMixin
from plugins.sales.models.customers import Customer, CustomerGrade, SourceChannel


class ReceptionKind(enum.StrEnum):
    call = "call"  # hotline call (SAL-01)
    walk_in = "walk_in"  # visitor at the sales office


class Reception(TenantMixin, db.Model):
    """A line of the reception register (客户接待登记表)."""

    __tablename__ = "sales_reception"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    kind: Mapped[ReceptionKind] = mapped_column(enum_column(ReceptionKind))
    at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    on: Mapped[date] = mapped_column(Date, index=True)  # the China business date
    caller_name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    questions: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[SourceChannel] = mapped_column(enum_column(SourceChannel))
    # SAL-01: a caller who declined to leave contact details is logged, marked, no customer.
    anonymous: Mapped[bool] = mapped_column(default=False)
    appointment_at: Mapped[datetime | None] = mapped_column(DateTime)  # China local time
    wants_visit: Mapped[bool] = mapped_column(default=False)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    # Who served: the original rep, or the rotation when they were unreachable (SAL-09).
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    stand_in: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    project: Mapped[Project] = relationship()
    customer: Mapped[Customer | None] = relationship()
    rep: Mapped[User | None] = relationship(foreign_keys=[rep_id])


class Channel(enum.StrEnum):
    phone = "phone"
    sms = "sms"
    visit = "visit"


class FollowUp(TenantMixin, db.Model):
    """A follow-up done (SAL-05): date, channel, content, reaction, objections."""

    __tablename__ = "sales_follow_up"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    on: Mapped[date] = mapped_column(Date)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 10))
    content: Mapped[str] = mapped_column(Text, default="")
    reaction: Mapped[str] = mapped_column(Text, default="")
    objections: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    customer: Mapped[Customer] = relationship()
    rep: Mapped[User | None] = relationship()


class TaskKind(enum.StrEnum):
    appointment_reminder = "appointment_reminder"  # SAL-04: the day before the visit
    call_back = "call_back"  # SAL-04: wants to visit, no time set: call the next day
    contact_reassigned = "contact_reassigned"  # SAL-11: the new rep contacts the customer


# A follow-up with the customer settles these (a reminder stays until its day is handled).
SETTLED_BY_FOLLOW_UP = (TaskKind.call_back, TaskKind.contact_reassigned)


class Task(TenantMixin, db.Model):
    """A dated to-do of a rep about a customer; not done by its day → overdue (SAL-05)."""

    __tablename__ = "sales_task"
    __table_args__ = (Index("ix_sales_task_open", "company_id", "done_on", "due_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind, 30))
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")

    customer: Mapped[Customer] = relationship()


class RosterEntry(TenantMixin, db.Model):
    """The duty roster (值班表): who is on duty at a site on a day, in rotation order (SAL-08)."""

    __tablename__ = "sales_roster"
    __table_args__ = (
        Unique("project_id", "day", "position"),
        Unique("project_id", "day", "rep_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    day: Mapped[date] = mapped_column(Date)
    position: Mapped[int]
    rep_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    project: Mapped[Project] = relationship()
    rep: Mapped[User] = relationship()


class RotationTurn(TenantMixin, db.Model):
    """Whose turn it was last at a site on a day; row-locked while the next rep is chosen."""

    __tablename__ = "sales_rotation_turn"
    __table_args__ = (Unique("project_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    day: Mapped[date] = mapped_column(Date)
    last_position: Mapped[int] = mapped_column(default=0)


class AwayReason(enum.StrEnum):
    travel = "travel"
    leave = "leave"
    other = "other"  # at lunch, with another customer: skipped, but no commission split


class RepAway(TenantMixin, db.Model):
    """A rep away from the office for some days: skipped by the rotation (SAL-08), and for
    travel or leave the stand-in shares the commission (SAL-10)."""

    __tablename__ = "sales_rep_away"
    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[AwayReason] = mapped_column(enum_column(AwayReason, 10))

    rep: Mapped[User] = relationship()


class OverdueEntry(TenantMixin, db.Model):
    """One line of a day's overdue follow-up list (SAL-05), written by the daily duty."""

    __tablename__ = "sales_overdue"
    __table_args__ = (Index("ix_sales_overdue_list", "company_id", "list_date", "rep_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    list_date: Mapped[date] = mapped_column(Date)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    grade: Mapped[CustomerGrade] = mapped_column(enum_column(CustomerGrade, 1))
    due_on: Mapped[date] = mapped_column(Date)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("sales_task.id"))

    customer: Mapped[Customer] = relationship()
    task: Mapped[Task | None] = relationship()
