"""The dunning ladder's records (应收楼款催收, CS-10) and the weekly dunning list (CS-11).

The instalment's ``dunning_step`` (shared table) is the last step taken; each step taken is a
:class:`DunningStep` row, unique per (instalment, step), so a step happens once.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.admin import labels
from core.extensions import db
from core.models import User
from core.models.columns import enum_column
from core.tenancy import TenantMixin
from plugins.customer_service.models import Instalment


class Step(enum.IntEnum):
    """The ladder's steps in order (the order of their thresholds in days past due)."""

    pre_due_call = 1  # 3 days before the due date: phone reminder task
    overdue_reminders = 2  # 1–15 days: phone and sales-rep reminders
    investigation = 3  # 7 days: find out why (a task with an outcome)
    reminder_letter = 4  # > 15 days: 提醒付款通知函, express
    demand_letter = 5  # > 30 days: 催付函, express
    lawyer_letter = 6  # > 45 days: 律师函, by the law firm
    pre_release = 7  # > 60 days: 预放通知书, registered mail; unit pre_release
    release = 8  # 75 days: 放房通知书, express; unit available, contract terminated

    @property
    def label(self) -> str:
        return str(STEP_LABELS[self])


STEP_LABELS = {
    Step.pre_due_call: _l("Phone reminder before the due date"),
    Step.overdue_reminders: _l("Phone and sales-rep reminders"),
    Step.investigation: _l("Investigation of the cause"),
    Step.reminder_letter: _l("Reminder letter"),
    Step.demand_letter: _l("Demand letter"),
    Step.lawyer_letter: _l("Lawyer's letter"),
    Step.pre_release: _l("Pre-release notice"),
    Step.release: _l("Release notice"),
}
LAST_STEP = Step.release


class TaskKind(enum.StrEnum):
    pre_due_call = "dunning_pre_due_call"
    overdue_call = "dunning_overdue_call"
    sales_rep_reminder = "dunning_sales_rep_reminder"
    investigation = "dunning_investigation"


class Cause(enum.StrEnum):
    """Why an instalment is unpaid (the investigation's outcome, CS-10)."""

    customer = "dunning_cause_customer"
    company = "dunning_cause_company"  # flagged for resolution
    other = "dunning_cause_other"


labels.register(
    {
        TaskKind.pre_due_call: _l("Phone reminder before the due date"),
        TaskKind.overdue_call: _l("Phone reminder of an overdue payment"),
        TaskKind.sales_rep_reminder: _l("Sales rep's reminder"),
        TaskKind.investigation: _l("Find out why the payment is late"),
        Cause.customer: _l("The customer's cause"),
        Cause.company: _l("The company's cause"),
        Cause.other: _l("Other cause"),
    }
)


class DunningStep(TenantMixin, db.Model):
    """A ladder step taken for an instalment on a day (its letter, if any, dated that day)."""

    __tablename__ = "cs_dunning_step"
    __table_args__ = (UniqueConstraint("instalment_id", "step"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("cs_instalment.id"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    step: Mapped[int] = mapped_column()
    taken_on: Mapped[date] = mapped_column(Date, index=True)
    letter_kind: Mapped[str | None] = mapped_column(String(100))
    # Pre-release only: the day the unit went back because the contract was paid up.
    reverted_on: Mapped[date | None] = mapped_column(Date)

    instalment: Mapped[Instalment] = relationship()

    @property
    def step_label(self) -> str:
        return Step(self.step).label


class DunningTask(TenantMixin, db.Model):
    """A rep's dunning task: a phone reminder, the sales rep's reminder, or the investigation
    of why a payment is late (with its outcome; a company cause is flagged for resolution)."""

    __tablename__ = "cs_dunning_task"
    __table_args__ = (UniqueConstraint("instalment_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("cs_instalment.id"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind, 40))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date, index=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[Cause | None] = mapped_column(enum_column(Cause, 40))
    needs_resolution: Mapped[bool] = mapped_column(default=False, index=True)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolution: Mapped[str] = mapped_column(Text, default="")

    instalment: Mapped[Instalment] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])


ACTIVE_HOLD_SQL = "released_at IS NULL"


class DunningHold(TenantMixin, db.Model):
    """The VP's hold on a contract's dunning (CS-10): while active the ladder does not
    advance for any of its instalments. At most one active hold per contract."""

    __tablename__ = "cs_dunning_hold"
    __table_args__ = (
        Index(
            "uq_cs_dunning_hold_active",
            "contract_id",
            unique=True,
            postgresql_where=text(ACTIVE_HOLD_SQL),
            sqlite_where=text(ACTIVE_HOLD_SQL),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    held_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    held_at: Mapped[datetime] = mapped_column(DateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    release_note: Mapped[str] = mapped_column(Text, default="")

    contract = relationship("Contract")
    held_by: Mapped[User] = relationship(foreign_keys=[held_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])


class DunningList(TenantMixin, db.Model):
    """The archive clerk's weekly dunning list (CS-11): a snapshot, signed off by the CS
    manager through an approval request."""

    __tablename__ = "cs_dunning_list"
    __table_args__ = (UniqueConstraint("company_id", "week"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(10))  # the duty's period key, e.g. 2026-W48
    list_date: Mapped[date] = mapped_column(Date, index=True)
    until: Mapped[date] = mapped_column(Date)  # instalments falling due up to this day
    total_outstanding: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_request.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    rows: Mapped[list["DunningListRow"]] = relationship(
        back_populates="dunning_list", order_by="DunningListRow.id"
    )
    approval_request = relationship("ApprovalRequest")

    def __str__(self):
        return f"{self.week} ({self.list_date})"


class DunningListRow(TenantMixin, db.Model):
    """One instalment of a weekly list, as it stood when the list was made."""

    __tablename__ = "cs_dunning_list_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("cs_dunning_list.id"), index=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("cs_instalment.id"))
    contract_number: Mapped[str] = mapped_column(String(40))
    customer_name: Mapped[str] = mapped_column(String(100))
    unit_label: Mapped[str] = mapped_column(String(50))
    rep_name: Mapped[str] = mapped_column(String(200), default="")
    what: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date] = mapped_column(Date)
    outstanding: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    days_overdue: Mapped[int] = mapped_column()  # negative: falls due in that many days
    step: Mapped[int] = mapped_column()
    on_hold: Mapped[bool] = mapped_column(default=False)

    dunning_list: Mapped[DunningList] = relationship(back_populates="rows")

    @property
    def step_label(self) -> str:
        return Step(self.step).label if self.step else ""


# The daily scan reads the open instalments by due date (CS-10): a partial index on the
# unpaid rows only (measured: a plain due-date index made SQLite slower than a full scan).
Index(
    "ix_cs_instalment_dunning_open",
    Instalment.company_id,
    Instalment.due_on,
    postgresql_where=text("NOT settled"),
    sqlite_where=text("NOT settled"),
)
