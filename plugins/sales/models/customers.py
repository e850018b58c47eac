"""Customers (客户): every caller and visitor becomes one (SAL-06)."""

import enum
from datetime import datetime

from sqlalchemy import DateTime, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.tenancy import TenantMixin


class CustomerGrade(enum.StrEnum):
    """SAL-07 grades; labels are configurable, the codes are not."""

    A = "A"
    B = "B"
    C = "C"


class SourceChannel(enum.StrEnum):
    """SAL-01 source channels."""

    newspaper = "newspaper"
    tv = "tv"
    passing_by = "passing_by"
    referral = "referral"
    flyer = "flyer"
    outdoor = "outdoor"
    web = "web"
    other = "other"


class Customer(TenantMixin, db.Model):
    """A customer record with its permanent code ``{REGION}-{INITIALS}{NNN}`` (SAL-06)."""

    __tablename__ = "sales_customer"
    __table_args__ = (UniqueConstraint("company_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    source: Mapped[SourceChannel] = mapped_column(
        Enum(SourceChannel, native_enum=False, length=20), default=SourceChannel.other
    )
    grade: Mapped[CustomerGrade] = mapped_column(
        Enum(CustomerGrade, native_enum=False, length=1), default=CustomerGrade.C, index=True
    )
    # The original rep (SAL-09): the rep who first received the customer.
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    def __str__(self):
        return f"{self.code} {self.name}"
