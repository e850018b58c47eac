"""Approval flows (审批流程), their steps, requests tied to any record, and decisions.

A flow is per company and per document type, versioned: saving a flow adds a new version, and a
request keeps a snapshot of the steps it was submitted under, so editing a flow never changes a
request in flight. Decisions are final: the ORM refuses to change or delete them.
"""

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.extensions import db
from core.models.auth import User
from core.models.company import Company
from core.tenancy import TenantMixin


class ImmutableDecision(Exception):
    """An attempt to change or delete a recorded approval decision."""


class ApprovalFlow(TenantMixin, db.Model):
    """One version of a company's route for a document type, e.g. ``sales.discount``."""

    __tablename__ = "approval_flow"
    __table_args__ = (UniqueConstraint("company_id", "doc_type", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    steps: Mapped[list["ApprovalStep"]] = relationship(
        back_populates="flow", order_by="ApprovalStep.position", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship()

    def __str__(self):
        return f"{self.doc_type} v{self.version}"


class ApprovalStep(TenantMixin, db.Model):
    """A step: any one holder of ``roles`` (role codes), or of ``permission``, decides it;
    ``quorum`` distinct approvals close it; a false ``condition`` skips it."""

    __tablename__ = "approval_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("approval_flow.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    permission: Mapped[str] = mapped_column(String(100), default="")
    quorum: Mapped[int] = mapped_column(default=1)
    due_days: Mapped[int] = mapped_column(default=2)
    condition: Mapped[dict | None] = mapped_column(JSON)

    flow: Mapped[ApprovalFlow] = relationship(back_populates="steps")

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "roles": list(self.roles or []),
            "permission": self.permission or "",
            "quorum": self.quorum,
            "due_days": self.due_days,
            "condition": self.condition,
        }


class RequestStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"


class Decision(enum.StrEnum):
    approve = "approve"
    reject = "reject"
    withdraw = "withdraw"


class ApprovalRequest(TenantMixin, db.Model):
    """A request for approval of one record (``owner_type`` + ``owner_id``).

    ``steps`` is the flow's steps at submission, each with ``applies`` (its condition over
    ``data``). The current step's deciders are copied to ``current_roles`` (``,a,b,``) and
    ``current_permission`` so that the inbox is one SQL query.
    """

    __tablename__ = "approval_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(100), index=True)
    owner_type: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[int] = mapped_column(Integer)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("approval_flow.id"))
    flow_version: Mapped[int | None] = mapped_column()
    steps: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, native_enum=False, length=20), default=RequestStatus.pending
    )
    step_index: Mapped[int | None] = mapped_column()
    step_started_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    current_roles: Mapped[str] = mapped_column(String(500), default="")
    current_permission: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    company: Mapped[Company] = relationship()
    requester: Mapped[User] = relationship()
    flow: Mapped[ApprovalFlow | None] = relationship()
    decisions: Mapped[list["ApprovalDecision"]] = relationship(
        back_populates="request", order_by="ApprovalDecision.id", passive_deletes="all"
    )

    @property
    def current_step(self) -> dict | None:
        return None if self.step_index is None else self.steps[self.step_index]

    def __str__(self):
        return f"#{self.id} {self.doc_type} {self.owner_type}:{self.owner_id}"


class ApprovalDecision(TenantMixin, db.Model):
    """Who decided which step of a request, when (UTC), how, and why. Never changed."""

    __tablename__ = "approval_decision"
    __table_args__ = (UniqueConstraint("request_id", "step_index", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_request.id"), index=True)
    step_index: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decision: Mapped[Decision] = mapped_column(Enum(Decision, native_enum=False, length=20))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime)

    request: Mapped[ApprovalRequest] = relationship(back_populates="decisions")
    user: Mapped[User] = relationship()


@event.listens_for(Session, "before_flush")
def _decisions_are_final(session, flush_context, instances):
    for obj in session.deleted:
        if isinstance(obj, ApprovalDecision):
            raise ImmutableDecision(f"approval decision {obj.id} cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, ApprovalDecision) and session.is_modified(obj):
            raise ImmutableDecision(f"approval decision {obj.id} cannot be changed")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_rewrite(state):
    # The before_flush guard does not see bulk UPDATE/DELETE statements.
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is inspect(ApprovalDecision):
        raise ImmutableDecision("approval decisions cannot be changed or deleted")
