"""The run record of a duty's period: what makes "once per period per company" hold."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Enum, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.tenancy import TenantMixin


class DutyStatus(enum.StrEnum):
    running = "running"
    done = "done"
    failed = "failed"


class DutyRun(TenantMixin, db.Model):
    """One period of one duty in one company. The unique key is the exactly-once guarantee:
    a runner inserts (and commits) this row before running the period, so a second runner's
    insert fails and it leaves the period alone."""

    __tablename__ = "duty_run"
    __audit__ = False  # the run record is itself the duty's log
    __table_args__ = (UniqueConstraint("duty_key", "company_id", "period_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    duty_key: Mapped[str] = mapped_column(String(100))
    period_key: Mapped[str] = mapped_column(String(40))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[DutyStatus] = mapped_column(
        Enum(DutyStatus, native_enum=False, length=20), default=DutyStatus.running, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The duty function's summary (a dict) when done; {"error", "traceback"} when failed.
    outcome: Mapped[dict | None] = mapped_column(JSON)

    def __str__(self):
        return f"{self.duty_key} {self.period_key}"
