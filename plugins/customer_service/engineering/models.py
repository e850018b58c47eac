"""A buyer's engineering change request (工程变更, CS-19)."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import User
from core.models.columns import enum_column
from core.tenancy import TenantMixin


class ChangeStatus(enum.StrEnum):
    pending = "pending"  # on its approval route (engineering → cost → CS manager)
    approved = "approved"  # waiting for the customer's signature
    signed = "signed"  # the customer confirmed: its cost is booked
    in_progress = "in_progress"
    done = "done"
    rejected = "rejected"
    withdrawn = "withdrawn"
    cancelled = "cancelled"  # the customer did not sign


OPEN = (ChangeStatus.pending, ChangeStatus.approved, ChangeStatus.signed, ChangeStatus.in_progress)


class EngineeringChange(TenantMixin, db.Model):
    __tablename__ = "cs_engineering_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    requested_on: Mapped[date] = mapped_column(Date)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[ChangeStatus] = mapped_column(
        enum_column(ChangeStatus), default=ChangeStatus.pending, index=True
    )
    # 增减费: set by the cost department; positive adds to what the customer owes.
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    cost_note: Mapped[str] = mapped_column(Text, default="")
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_request.id"))
    signed_on: Mapped[date | None] = mapped_column(Date)
    signature_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    instalment_id: Mapped[int | None] = mapped_column(ForeignKey("cs_instalment.id"))
    started_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    contract = relationship("Contract")
    customer = relationship("Customer")
    requester: Mapped[User] = relationship()
    instalment = relationship("Instalment")

    def __str__(self):
        return f"#{self.id}"
