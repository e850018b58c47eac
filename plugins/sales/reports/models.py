"""The weekly progress plan (SAL-27), buildings' delivery dates and the after-contract tasks
of the reps (SAL-28)."""

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Enum, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Project, User
from core.tenancy import TenantMixin
from plugins.sales.models import Building, Customer


class WeeklyPlan(TenantMixin, db.Model):
    """A site's plan for one week (Monday ``week_start``): units and value to sell (SAL-27)."""

    __tablename__ = "sales_weekly_plan"
    __table_args__ = (UniqueConstraint("project_id", "week_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    units: Mapped[int] = mapped_column(default=0)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))

    project: Mapped[Project] = relationship()


class BuildingDelivery(TenantMixin, db.Model):
    """The planned delivery (交付) date of a building: a month before it the reps report each
    sold unit's condition (SAL-28)."""

    __tablename__ = "sales_building_delivery"
    __table_args__ = (UniqueConstraint("building_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("sales_building.id"))
    delivery_on: Mapped[date] = mapped_column(Date)

    building: Mapped[Building] = relationship()


class AfterSaleKind(enum.StrEnum):
    monthly_contact = "monthly_contact"  # at least once a month
    holiday_greeting = "holiday_greeting"  # on the major holidays
    progress_check = "progress_check"  # every half month: payment, mortgage, changes
    condition_report = "condition_report"  # a month before delivery, in writing


class AfterSaleTask(TenantMixin, db.Model):
    """A rep's task about a contracted customer (SAL-28). One per order, kind and period, so
    producing the tasks again adds nothing."""

    __tablename__ = "sales_after_sale_task"
    __table_args__ = (
        UniqueConstraint("order_id", "kind", "period_key"),
        Index("ix_sales_after_sale_open", "company_id", "rep_id", "done_on", "due_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[AfterSaleKind] = mapped_column(Enum(AfterSaleKind, native_enum=False, length=20))
    period_key: Mapped[str] = mapped_column(String(30))  # "2026-11", "2026-11-H2", "2027-…"
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)

    customer: Mapped[Customer] = relationship()
    rep: Mapped[User | None] = relationship()
