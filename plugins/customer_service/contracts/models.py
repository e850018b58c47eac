"""The contracts area's own tables: the contract-number counter, term changes (CS-05) and
cancellations (CS-07). The contract itself is shared (``customer_service.models``)."""

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import User
from core.models.columns import enum_column
from core.tenancy import TenantMixin
from plugins.customer_service.models import Contract


class ContractNumberSequence(TenantMixin, db.Model):
    """The last contract number given per company and year (HT-YYYY-NNNNN): bumped in the
    preparing transaction, so a refused preparation leaves no gap."""

    __tablename__ = "cs_contract_number_sequence"
    __table_args__ = (UniqueConstraint("company_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column()
    last_number: Mapped[int] = mapped_column(default=0)


class ChangeStatus(enum.StrEnum):
    pending = "pending"  # a major change on its approval route
    applied = "applied"
    rejected = "rejected"
    withdrawn = "withdrawn"


class ContractChange(TenantMixin, db.Model):
    """A change of contract terms (CS-05) with the terms before and after. A general change is
    decided by the rep and applied at once; a major one waits for CS manager → VP."""

    __tablename__ = "cs_contract_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    major: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ChangeStatus] = mapped_column(enum_column(ChangeStatus), index=True)
    # {"term": value} as text; "before" is captured when the change is applied.
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_request.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)

    contract: Mapped[Contract] = relationship()
    requester: Mapped[User] = relationship()


class CancelReason(enum.StrEnum):
    customer_breach = "customer_breach"  # CS manager decides (CS-07)
    id_change = "id_change"  # CS manager decides
    company_fault = "company_fault"  # touches company money: CS manager → VP
    resale = "resale"  # touches company money or staff: CS manager → VP


class ContractCancellation(TenantMixin, db.Model):
    """A request to cancel a contract (CS-07), carried out when its route approves it."""

    __tablename__ = "cs_contract_cancellation"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    reason_kind: Mapped[CancelReason] = mapped_column(enum_column(CancelReason))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ChangeStatus] = mapped_column(enum_column(ChangeStatus), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_request.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Kept for the record: the unit's state when the contract was cancelled.
    unit_state_before: Mapped[str] = mapped_column(String(20), default="")

    contract: Mapped[Contract] = relationship()
    requester: Mapped[User] = relationship()
