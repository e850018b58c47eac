"""Published prices and their history, and price adjustment plans (SAL-29)."""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Enum, ForeignKey, Index, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Project, User
from core.tenancy import TenantMixin
from plugins.sales.models.units import Unit


class UnitPrice(TenantMixin, db.Model):
    """One published price of a unit (一套一标). The current one has ``superseded_at`` NULL; a
    partial unique index makes a second current price impossible."""

    __tablename__ = "sales_unit_price"
    __table_args__ = (
        Index(
            "uq_sales_unit_price_current",
            "unit_id",
            unique=True,
            sqlite_where=db.text("superseded_at IS NULL"),
            postgresql_where=db.text("superseded_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_unit.id"), index=True)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    published_at: Mapped[datetime] = mapped_column(DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The approved adjustment plan behind this price (None: the price list import).
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("sales_price_plan.id"))
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_request.id"))
    reason: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit] = relationship()
    published_by: Mapped[User | None] = relationship()


class PlanStatus(enum.StrEnum):
    pending = "pending"
    applied = "applied"
    rejected = "rejected"
    withdrawn = "withdrawn"


class PriceAdjustmentPlan(TenantMixin, db.Model):
    """A repricing of many units, approved as one request (doc type ``sales.price_adjustment``)
    and applied in one transaction when approved."""

    __tablename__ = "sales_price_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[PlanStatus] = mapped_column(
        Enum(PlanStatus, native_enum=False, length=20), default=PlanStatus.pending, index=True
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_request.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    project: Mapped[Project] = relationship()
    requested_by: Mapped[User] = relationship()
    lines: Mapped[list["PriceAdjustmentLine"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PriceAdjustmentLine.id"
    )

    def __str__(self):
        return f"#{self.id} {self.project.name if self.project else ''}"


class PriceAdjustmentLine(TenantMixin, db.Model):
    """One unit of a plan: its price when the plan was made and the new one."""

    __tablename__ = "sales_price_plan_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("sales_price_plan.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_unit.id"))
    old_unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    new_unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    new_total: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    plan: Mapped[PriceAdjustmentPlan] = relationship(back_populates="lines")
    unit: Mapped[Unit] = relationship()
