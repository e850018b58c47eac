"""Buildings (楼栋) and units (房号), and the sales-control state of each unit (SAL-12)."""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Project
from core.tenancy import TenantMixin


class UnitState(enum.StrEnum):
    not_released = "not_released"  # 未推
    available = "available"  # 可售
    held = "held"  # 预留: a short hold while a deposit is being taken
    subscribed = "subscribed"  # 已认购: order signed with deposit
    contracted = "contracted"  # 已签约
    registered = "registered"  # 已备案
    pre_release = "pre_release"  # 预放: dunning step 5 (CS-10)
    delivered = "delivered"  # 已交付


S = UnitState
# SAL-12: the fixed graph of allowed transitions; anything else is refused.
TRANSITIONS: dict[UnitState, frozenset[UnitState]] = {
    S.not_released: frozenset({S.available}),
    S.available: frozenset({S.held, S.subscribed, S.not_released}),
    S.held: frozenset({S.available, S.subscribed}),
    # Back to available: cooling-off (SAL-19), refund (SAL-23), swap (SAL-22), voided order.
    S.subscribed: frozenset({S.contracted, S.available}),
    # Back to available: cancellation (CS-07).
    S.contracted: frozenset({S.registered, S.pre_release, S.available}),
    S.registered: frozenset({S.pre_release, S.delivered, S.available}),
    # CS-10: paid in time → back to the state before; 75 days → released (available).
    S.pre_release: frozenset({S.contracted, S.registered, S.available}),
    S.delivered: frozenset(),
}


class Building(TenantMixin, db.Model):
    """A building (楼栋) of a project."""

    __tablename__ = "sales_building"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    # The pre-sale permit (预售许可证) the building's units are released under (SAL-29).
    presale_permit: Mapped[str | None] = mapped_column(String(100))

    project: Mapped[Project] = relationship()
    units: Mapped[list["Unit"]] = relationship(back_populates="building")

    def __str__(self):
        return f"{self.project.name if self.project else ''} {self.name}"


class Unit(TenantMixin, db.Model):
    """A unit (房号): building, unit (单元), floor, room; its published price and state."""

    __tablename__ = "sales_unit"
    __table_args__ = (UniqueConstraint("building_id", "entrance", "floor", "room"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("sales_building.id"), index=True)
    entrance: Mapped[str] = mapped_column(String(10), default="1")  # 单元
    floor: Mapped[int] = mapped_column()
    room: Mapped[str] = mapped_column(String(10))
    layout: Mapped[str] = mapped_column(String(20), default="")  # e.g. "3/2": 3 rooms, 2 halls
    orientation: Mapped[str] = mapped_column(String(20), default="")
    built_area: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # 建筑面积, m²
    usable_area: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # 套内面积, m²
    list_unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # per m² built-up
    list_total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    state: Mapped[UnitState] = mapped_column(
        Enum(UnitState, native_enum=False, length=20), default=UnitState.not_released, index=True
    )

    building: Mapped[Building] = relationship(back_populates="units")

    @property
    def label(self) -> str:
        return f"{self.building.name}-{self.entrance}-{self.floor:02d}{self.room}"

    def __str__(self):
        return self.label


class UnitStateChange(TenantMixin, db.Model):
    """The sales-control log (SAL-14): who, when, from, to and why."""

    __tablename__ = "sales_unit_state_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_unit.id"), index=True)
    from_state: Mapped[UnitState] = mapped_column(Enum(UnitState, native_enum=False, length=20))
    to_state: Mapped[UnitState] = mapped_column(Enum(UnitState, native_enum=False, length=20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit] = relationship()
    user = relationship("User")
