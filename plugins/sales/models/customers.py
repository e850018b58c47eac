"""Customers (客户): every caller and visitor becomes one, with the customer information file
(SAL-06), a grade (SAL-07), an original rep (SAL-09) and the next follow-up due (SAL-02/03/07)."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.columns import enum_column
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


class IncomeBand(enum.StrEnum):
    low = "low"
    middle = "middle"
    upper_middle = "upper_middle"
    high = "high"


class Purpose(enum.StrEnum):
    own_use = "own_use"
    family = "family"
    investment = "investment"


class Objection(enum.StrEnum):
    """SAL-06 main objections (a customer may have several)."""

    location = "location"
    unit_price = "unit_price"
    total_price = "total_price"
    layout = "layout"
    view = "view"
    floor = "floor"
    payment_terms = "payment_terms"


class Outcome(enum.StrEnum):
    deposit = "deposit"
    gave_up = "gave_up"


class CustomerCodeSequence(TenantMixin, db.Model):
    """The last sequence number given per (company, region, initials): bumped atomically and
    never decremented, so a deleted customer's code is never given again (SAL-06)."""

    __tablename__ = "sales_customer_code_sequence"
    __table_args__ = (UniqueConstraint("company_id", "region", "initials"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(10))
    initials: Mapped[str] = mapped_column(String(2))
    last_number: Mapped[int] = mapped_column(default=0)


class Customer(TenantMixin, db.Model):
    """A customer record with its permanent code ``{REGION}-{INITIALS}{NNN}`` (SAL-06)."""

    __tablename__ = "sales_customer"
    __table_args__ = (
        UniqueConstraint("company_id", "code"),
        # The daily overdue scan (SAL-05) reads customers by due date within a company.
        Index("ix_sales_customer_due", "company_id", "follow_up_due_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    source: Mapped[SourceChannel] = mapped_column(
        enum_column(SourceChannel), default=SourceChannel.other
    )
    grade: Mapped[CustomerGrade] = mapped_column(
        enum_column(CustomerGrade, 1), default=CustomerGrade.C, index=True
    )
    # The original rep (SAL-09): the rep who first received the customer.
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # SAL-09: a referred customer belongs to the referrer's original rep; family members share
    # a household (the first member's id) so a deal can find who else the family saw.
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("sales_customer.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("sales_customer.id"))
    # The customer information file (SAL-06).
    family: Mapped[str] = mapped_column(String(200), default="")
    occupation: Mapped[str] = mapped_column(String(100), default="")
    income_band: Mapped[IncomeBand | None] = mapped_column(enum_column(IncomeBand))
    housing: Mapped[str] = mapped_column(String(100), default="")
    purpose: Mapped[Purpose | None] = mapped_column(enum_column(Purpose))
    homes_bought: Mapped[int] = mapped_column(default=0)
    objections: Mapped[list] = mapped_column(JSON, default=list)
    visit_count: Mapped[int] = mapped_column(default=0)
    first_visit_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))
    outcome_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Follow-ups (SAL-02/03/07): aim for the target day; after the due day it is overdue.
    follow_up_target_on: Mapped[date | None] = mapped_column(Date)
    follow_up_due_on: Mapped[date | None] = mapped_column(Date)
    last_follow_up_on: Mapped[date | None] = mapped_column(Date)

    rep = relationship("User", foreign_keys=[rep_id])
    project = relationship("Project")
    referrer = relationship("Customer", remote_side="Customer.id", foreign_keys=[referrer_id])
    household = relationship("Customer", remote_side="Customer.id", foreign_keys=[household_id])

    @property
    def days_to_outcome(self) -> int | None:
        """Days from the first visit to the deposit or to giving up (SAL-06)."""
        if self.first_visit_on is None or self.outcome_on is None:
            return None
        return (self.outcome_on - self.first_visit_on).days

    def __str__(self):
        return f"{self.code} {self.name}"
