"""Complaints (投诉, CS-13): the complaint, its follow-up calls (回访) and the legal dispute a
complaint can become."""

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.columns import enum_column
from core.tenancy import TenantMixin


class Channel(enum.StrEnum):
    phone = "phone"
    letter = "letter"
    in_person = "in_person"
    at_handover = "at_handover"


class ComplaintStatus(enum.StrEnum):
    open = "open"  # recorded, not answered yet (the 48-hour clock runs)
    answered = "answered"  # answered, being worked on until resolved
    resolved = "resolved"  # solved; the follow-up call is due
    closed = "closed"  # the follow-up call confirmed it
    legal_dispute = "legal_dispute"  # cannot be solved, or the customer went to law


class ReplyStatus(enum.StrEnum):
    none = "none"  # no written reply needed
    to_write = "to_write"  # needed; not submitted yet (or the VP sent it back)
    pending_approval = "pending_approval"  # waiting for the VP
    sent = "sent"  # approved; the letter is produced and goes by express mail


class Satisfaction(enum.StrEnum):
    satisfied = "satisfied"
    fairly_satisfied = "fairly_satisfied"
    dissatisfied = "dissatisfied"


class DisputeReason(enum.StrEnum):
    unresolvable = "unresolvable"  # the complaint cannot be solved
    lawsuit = "lawsuit"  # the customer sued
    arbitration = "arbitration"  # the customer applied for arbitration


# Statuses a complaint is tracked in until it is done.
OPEN = (ComplaintStatus.open, ComplaintStatus.answered, ComplaintStatus.resolved)


class Complaint(TenantMixin, db.Model):
    __tablename__ = "cs_complaint"
    __table_args__ = (Index("ix_cs_complaint_status_due", "company_id", "status", "received_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_unit.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    # CS-01: the household's rep handles it.
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    category: Mapped[str] = mapped_column(String(50), index=True)
    section: Mapped[str] = mapped_column(String(100), default="")  # 工程标段
    content: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # UTC
    received_on: Mapped[date] = mapped_column(Date, index=True)  # China date, for statistics
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[ComplaintStatus] = mapped_column(
        enum_column(ComplaintStatus), default=ComplaintStatus.open
    )
    answer_due_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answer: Mapped[str] = mapped_column(Text, default="")
    on_the_spot: Mapped[bool] = mapped_column(default=False)
    reply_status: Mapped[ReplyStatus] = mapped_column(
        enum_column(ReplyStatus), default=ReplyStatus.none
    )
    reply_due_on: Mapped[date | None] = mapped_column(Date)
    reply_text: Mapped[str] = mapped_column(Text, default="")
    reply_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_request.id"))
    reply_letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    reply_sent_on: Mapped[date | None] = mapped_column(Date)
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_on: Mapped[date | None] = mapped_column(Date)
    follow_up_due_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)

    customer = relationship("Customer")
    unit = relationship("Unit")
    project = relationship("Project")
    rep = relationship("User", foreign_keys=[rep_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    follow_ups: Mapped[list["FollowUpCall"]] = relationship(
        back_populates="complaint", order_by="FollowUpCall.id"
    )
    dispute: Mapped["LegalDispute | None"] = relationship(back_populates="complaint")

    def __str__(self):
        return f"#{self.id} {self.unit}"


class FollowUpCall(TenantMixin, db.Model):
    """One line of the follow-up form (回访记录表): the call after a complaint was resolved."""

    __tablename__ = "cs_complaint_follow_up"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("cs_complaint.id"), index=True)
    called_on: Mapped[date] = mapped_column(Date)
    by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reached: Mapped[bool] = mapped_column(default=True)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    complaint: Mapped[Complaint] = relationship(back_populates="follow_ups")
    by = relationship("User")


class LegalDispute(TenantMixin, db.Model):
    """The record of a complaint become a legal dispute (法律纠纷)."""

    __tablename__ = "cs_legal_dispute"
    __table_args__ = (UniqueConstraint("complaint_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("cs_complaint.id"))
    reason: Mapped[DisputeReason] = mapped_column(enum_column(DisputeReason))
    opened_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    lawyer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    case_number: Mapped[str] = mapped_column(String(100), default="")
    court: Mapped[str] = mapped_column(String(200), default="")  # court or arbitration body
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    complaint: Mapped[Complaint] = relationship(back_populates="dispute")
    lawyer = relationship("User", foreign_keys=[lawyer_id])
