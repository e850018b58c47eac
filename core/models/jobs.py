"""The job record: what staff see and retry, and what makes a job's effect happen once."""

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.tenancy import TenantMixin


class JobStatus(enum.StrEnum):
    queued = "queued"
    started = "started"
    done = "done"
    failed = "failed"


class JobRecord(TenantMixin, db.Model):
    """One background job of a company: kind (the function), subject, status, attempts."""

    __tablename__ = "job_record"
    __audit__ = False  # the record is itself the job's log
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(200))  # dotted path of the job function
    queue: Mapped[str] = mapped_column(String(50), default="default")
    subject: Mapped[str] = mapped_column(String(200), default="")
    kwargs: Mapped[dict] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=20), default=JobStatus.queued, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    rq_job_id: Mapped[str | None] = mapped_column(String(100))
    worker: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[dict | None] = mapped_column(JSON)
    # The document a job produced (e.g. a letter), when it produced one.
    result_document_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    def __str__(self):
        return f"{self.kind.rsplit('.', 1)[-1]} #{self.id}"
