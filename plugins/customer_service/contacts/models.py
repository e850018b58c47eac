"""The reps' work log (CS-14): contacts with customers, escalations to the CS manager and up,
coordination requests to other departments, weekly sign-offs; and the visit rounds (CS-15)."""

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.columns import enum_column
from core.tenancy import TenantMixin


class ContactKind(enum.StrEnum):
    visit = "visit"  # the rep visits the customer (CS-15) or the customer comes in
    call = "call"
    other = "other"  # a letter, a message


class ContactOutcome(enum.StrEnum):
    settled = "settled"  # within the rep's authority, settled on the spot
    referred = "referred"  # outside it: an escalation to the CS manager


class LogEntry(TenantMixin, db.Model):
    """A line of a rep's work log. Never deleted: a VP-approved deletion only marks it."""

    __tablename__ = "cs_log_entry"
    __table_args__ = (Index("ix_cs_log_entry_rep_week", "company_id", "rep_id", "week"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("cs_household.id"))
    kind: Mapped[ContactKind] = mapped_column(enum_column(ContactKind, 10))
    on: Mapped[date] = mapped_column(Date)
    week: Mapped[str] = mapped_column(String(8))  # ISO week of ``on``, e.g. 2026-W48
    summary: Mapped[str] = mapped_column(Text)
    within_authority: Mapped[bool] = mapped_column(default=True)
    outcome: Mapped[ContactOutcome] = mapped_column(enum_column(ContactOutcome, 10))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Soft delete (CS-14): requested, then applied when the VP approves.
    delete_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    delete_reason: Mapped[str] = mapped_column(Text, default="")
    deleted: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    rep = relationship("User", foreign_keys=[rep_id])
    customer = relationship("Customer")
    household = relationship("Household")
    escalations: Mapped[list["Escalation"]] = relationship(back_populates="entry")

    def __str__(self):
        return f"{self.on} {self.customer.name if self.customer else ''}"


class SignOffStatus(enum.StrEnum):
    pending = "pending"
    signed = "signed"


class LogSignOff(TenantMixin, db.Model):
    """The CS manager's signature under one rep's log of one ISO week."""

    __tablename__ = "cs_log_signoff"
    __table_args__ = (UniqueConstraint("company_id", "rep_id", "week"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    week: Mapped[str] = mapped_column(String(8))
    week_start: Mapped[date] = mapped_column(Date)  # the Monday
    entries: Mapped[int] = mapped_column(default=0)  # entries when signed (or listed)
    status: Mapped[SignOffStatus] = mapped_column(
        enum_column(SignOffStatus, 10), default=SignOffStatus.pending
    )
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    comment: Mapped[str] = mapped_column(Text, default="")

    rep = relationship("User", foreign_keys=[rep_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])


class EscalationLevel(enum.StrEnum):
    """Who has to answer the customer: the CS manager, then the VP, then the GM."""

    cs_manager = "cs_manager"
    vp = "vp"
    gm = "gm"


class Escalation(TenantMixin, db.Model):
    """A matter outside the rep's authority: answered within the setting's hours (default 48)
    by the holder of its level, or escalated one level up (with a new deadline)."""

    __tablename__ = "cs_escalation"
    __table_args__ = (Index("ix_cs_escalation_open", "company_id", "answered_at", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("cs_log_entry.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    subject: Mapped[str] = mapped_column(Text)
    level: Mapped[EscalationLevel] = mapped_column(enum_column(EscalationLevel, 12))
    raised_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, at this level
    due_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    history: Mapped[str] = mapped_column(Text, default="")  # one line per escalation step
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answer: Mapped[str] = mapped_column(Text, default="")

    entry: Mapped[LogEntry] = relationship(back_populates="escalations")
    customer = relationship("Customer")
    answered_by = relationship("User")


class CoordinationRequest(TenantMixin, db.Model):
    """A request to another department (a role of the company) with a due date (CS-14)."""

    __tablename__ = "cs_coordination"
    __table_args__ = (Index("ix_cs_coordination_open", "company_id", "done_on", "due_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("cs_log_entry.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("sales_customer.id"))
    department: Mapped[str] = mapped_column(String(50))  # a role code, e.g. engineering
    subject: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    result: Mapped[str] = mapped_column(Text, default="")

    entry = relationship("LogEntry")
    customer = relationship("Customer")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    done_by = relationship("User", foreign_keys=[done_by_id])


class RoundStatus(enum.StrEnum):
    planned = "planned"
    done = "done"  # every visit of the round is filed


class VisitRound(TenantMixin, db.Model):
    """A rep's visit round (走访, CS-15) on a day of the configured week of the month."""

    __tablename__ = "cs_visit_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    planned_on: Mapped[date] = mapped_column(Date, index=True)
    period: Mapped[str] = mapped_column(String(20), default="")  # the planning duty's period
    status: Mapped[RoundStatus] = mapped_column(
        enum_column(RoundStatus, 10), default=RoundStatus.planned
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)

    rep = relationship("User")
    visits: Mapped[list["Visit"]] = relationship(back_populates="round", order_by="Visit.id")

    def __str__(self):
        return f"{self.planned_on} {self.rep.name or self.rep.email if self.rep else ''}"


class VisitStatus(enum.StrEnum):
    planned = "planned"
    visited = "visited"
    missed = "missed"  # nobody at home, cancelled by the customer: due again next round


class Visit(TenantMixin, db.Model):
    """One household of a round: the call before (between ``call_from`` and ``call_by``), then
    the visit record, filed with an optional scanned document."""

    __tablename__ = "cs_visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("cs_visit_round.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("cs_household.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"))
    call_from: Mapped[date] = mapped_column(Date)
    call_by: Mapped[date] = mapped_column(Date)
    called_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[VisitStatus] = mapped_column(
        enum_column(VisitStatus, 10), default=VisitStatus.planned
    )
    visited_on: Mapped[date | None] = mapped_column(Date)
    record: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("cs_log_entry.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    round: Mapped[VisitRound] = relationship(back_populates="visits")
    household = relationship("Household")
    customer = relationship("Customer")
    entry = relationship("LogEntry")
