"""The audit log (审计日志): who changed what, when, in which company. Append-only."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.auth import User
from core.tenancy import TenantMixin


class AuditEntry(TenantMixin, db.Model):
    """One change of one record, or one approval decision.

    Tenant-scoped like business data, so a company admin sees only their company's entries;
    ``company_id`` is empty for rows of no company (users), which only an unscoped (CLI)
    context sees. No foreign keys: the log outlives the records, users and companies it names.
    Rows are written by :mod:`core.audit.service` and refused to ORM updates and deletes.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_model_record", "model", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int | None] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(index=True)  # empty: system, job or CLI
    at: Mapped[datetime] = mapped_column(DateTime, index=True)  # UTC
    action: Mapped[str] = mapped_column(String(20))  # create, update, delete, approval
    model: Mapped[str] = mapped_column(String(64))  # the table name
    record_id: Mapped[int | None]
    # {field: [old, new]}, values JSON-safe (Decimal and dates as strings).
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship(
        primaryjoin="foreign(AuditEntry.user_id) == User.id", viewonly=True
    )

    def __str__(self):
        return f"{self.action} {self.model} {self.record_id}"
