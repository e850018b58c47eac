"""Orders (认购书), their versions, deposits, reviews and special-offer requests (SAL-17–21)."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import User
from core.models.columns import enum_column
from core.tenancy import TenantMixin
from plugins.sales.models import Customer, Unit


class OrderStatus(enum.StrEnum):
    pending_approval = "pending_approval"  # discount beyond the writer's authority (SAL-20)
    active = "active"  # valid until the signing date (SAL-18)
    voided = "voided"  # by the site manager with a reason (SAL-17)
    refunded = "refunded"  # cooling-off refund (SAL-19)
    rejected = "rejected"  # the discount was refused: the unit is released
    withdrawn = "withdrawn"  # replaced by an order on another unit (SAL-22 swap)
    # Ended with its contract, by customer service: not voided, which is the site manager's.
    terminated = "terminated"  # the contract was terminated for the customer's breach (CS-10)
    cancelled = "cancelled"  # the contract was cancelled (CS-07)


# SAL-13: at most one order per unit holds the unit; the database refuses a second one too.
HOLDING = (OrderStatus.pending_approval, OrderStatus.active)
HOLDING_SQL = "status IN ('pending_approval', 'active')"


class PaymentMethod(enum.StrEnum):
    full = "full"  # 一次性付款
    instalments = "instalments"  # 分期付款
    mortgage = "mortgage"  # 按揭


class DepositKind(enum.StrEnum):
    small = "small"  # 小定: has a top-up date
    large = "large"  # 大定


class Order(TenantMixin, db.Model):
    """An order: who, which unit, its state; the terms live in immutable versions."""

    __tablename__ = "sales_order"
    __table_args__ = (
        Index(
            "uq_sales_order_holding_unit",
            "unit_id",
            unique=True,
            postgresql_where=text(HOLDING_SQL),
            sqlite_where=text(HOLDING_SQL),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_unit.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus), index=True)
    ordered_on: Mapped[date] = mapped_column(Date, index=True)
    version: Mapped[int] = mapped_column(default=1)  # the current version's number
    signing_date: Mapped[date] = mapped_column(Date, index=True)  # of the current version
    # SAL-18: set by the daily duty when the signing date passed without a contract.
    flagged_on: Mapped[date | None] = mapped_column(Date, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    close_reason: Mapped[str] = mapped_column(Text, default="")
    # SAL-24: the buyer of record after a name change; blank: the customer's own name.
    buyer_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    unit: Mapped[Unit] = relationship()
    customer: Mapped[Customer] = relationship()
    rep: Mapped[User] = relationship(foreign_keys=[rep_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    versions: Mapped[list["OrderVersion"]] = relationship(
        back_populates="order", order_by="OrderVersion.number"
    )
    deposits: Mapped[list["Deposit"]] = relationship(back_populates="order")

    @property
    def current(self) -> "OrderVersion":
        return next(v for v in self.versions if v.number == self.version)

    def __str__(self):
        return f"#{self.id} {self.unit}"


class ImmutableVersion(Exception):
    """A written order version may not be changed: write a new version (SAL-17)."""


class OrderVersion(TenantMixin, db.Model):
    """The terms of an order as written; a change is version n+1, the old one stays."""

    __tablename__ = "sales_order_version"
    __table_args__ = (UniqueConstraint("order_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    number: Mapped[int] = mapped_column()
    co_buyers: Mapped[list] = mapped_column(JSON, default=list)  # names of co-buyers
    list_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    discount_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # contract price after discount
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    # [{"what": ..., "due": "YYYY-MM-DD", "amount": "..."}] from the purchase plan.
    schedule: Mapped[list] = mapped_column(JSON, default=list)
    deposit_kind: Mapped[DepositKind] = mapped_column(enum_column(DepositKind))
    deposit: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    top_up_date: Mapped[date | None] = mapped_column(Date)
    signing_date: Mapped[date] = mapped_column(Date)
    change_reason: Mapped[str] = mapped_column(Text, default="")
    buyer_name: Mapped[str] = mapped_column(String(100), default="")  # the order's, when written
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_request.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    order: Mapped[Order] = relationship(back_populates="versions")
    created_by: Mapped[User] = relationship()

    @property
    def discount_amount(self) -> Decimal:
        return self.list_price - self.price


@event.listens_for(OrderVersion, "before_insert")
def _snapshot_buyer(mapper, connection, target):
    # Each version records the buyer of record (SAL-24), whoever writes the version.
    if not target.buyer_name and target.order is not None:
        target.buyer_name = target.order.buyer_name or ""


@event.listens_for(OrderVersion, "before_update")
def _refuse_edit(mapper, connection, target):
    raise ImmutableVersion(f"order version {target.order_id}/{target.number} is read-only")


class DepositStatus(enum.StrEnum):
    received = "received"
    refunded = "refunded"  # in full or less a penalty (SAL-19, SAL-23)
    withdrawn = "withdrawn"  # carried to the order on the swapped-to unit (SAL-22)
    voided = "voided"  # the order was cancelled (SAL-23)


class Deposit(TenantMixin, db.Model):
    """A deposit (定金) received for an order, and its refund if any."""

    __tablename__ = "sales_deposit"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    kind: Mapped[DepositKind] = mapped_column(enum_column(DepositKind))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    received_on: Mapped[date] = mapped_column(Date)
    refunded_on: Mapped[date | None] = mapped_column(Date)
    refunded_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    status: Mapped[DepositStatus] = mapped_column(
        enum_column(DepositStatus), default=DepositStatus.received
    )

    order: Mapped[Order] = relationship(back_populates="deposits")


class OrderReview(TenantMixin, db.Model):
    """Customer service's review of an order (SAL-21): each check passes or fails with a note."""

    __tablename__ = "sales_order_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    version: Mapped[int] = mapped_column()
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime)
    checks: Mapped[list] = mapped_column(JSON)  # [{"key", "passed", "note"}]
    passed: Mapped[bool] = mapped_column(index=True)

    order: Mapped[Order] = relationship()
    reviewer: Mapped[User] = relationship()


class SpecialOffer(TenantMixin, db.Model):
    """A special-offer request (特惠申请): sales department → GM → finance (SAL-20)."""

    __tablename__ = "sales_special_offer"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_unit.id"), index=True)
    normal_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    discount_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    reason: Mapped[str] = mapped_column(Text)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_request.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    unit: Mapped[Unit] = relationship()


class ChangeKind(enum.StrEnum):
    swap = "swap"  # 换房 (SAL-22)
    refund = "refund"  # 退房 (SAL-23)
    rename = "rename"  # 更名 (SAL-24)
    layout = "layout"  # 户型结构变更 (SAL-25)


class ChangeStatus(enum.StrEnum):
    pending = "pending"  # on its approval route
    applied = "applied"  # approved and carried out in the approval's transaction
    rejected = "rejected"
    withdrawn = "withdrawn"


class ChangeRequest(TenantMixin, db.Model):
    """A change to an order after it was written (SAL-22–25), carried out on approval."""

    __tablename__ = "sales_order_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    kind: Mapped[ChangeKind] = mapped_column(enum_column(ChangeKind), index=True)
    status: Mapped[ChangeStatus] = mapped_column(enum_column(ChangeStatus), index=True)
    reason: Mapped[str] = mapped_column(Text)  # the customer's reason
    real_reason: Mapped[str] = mapped_column(Text, default="")  # the rep's (SAL-23)
    penalty: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))  # 违约金
    new_unit_id: Mapped[int | None] = mapped_column(ForeignKey("sales_unit.id"))
    new_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id"))
    old_buyer_name: Mapped[str] = mapped_column(String(100), default="")
    new_buyer_name: Mapped[str] = mapped_column(String(100), default="")
    # SAL-24: identity documents (core.documents) of the old and the new buyer.
    old_identity_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    new_identity_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    description: Mapped[str] = mapped_column(Text, default="")  # the layout change asked for
    fee: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # set by cost (SAL-25)
    finance_note: Mapped[str] = mapped_column(Text, default="")  # what finance is told
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_request.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)

    order: Mapped[Order] = relationship(foreign_keys=[order_id])
    new_unit: Mapped[Unit | None] = relationship()
    new_order: Mapped[Order | None] = relationship(foreign_keys=[new_order_id])
    requester: Mapped[User] = relationship()
    inspections: Mapped[list["ChangeInspection"]] = relationship(
        back_populates="change", order_by="ChangeInspection.id"
    )


class ChangeInspection(TenantMixin, db.Model):
    """An inspection of a carried-out layout change (SAL-25): passed or not, with a note."""

    __tablename__ = "sales_order_change_inspection"
    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("sales_order_change.id"), index=True)
    passed: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    inspector_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    inspected_at: Mapped[datetime] = mapped_column(DateTime)

    change: Mapped[ChangeRequest] = relationship(back_populates="inspections")
    inspector: Mapped[User] = relationship()


class ServiceTaskKind(enum.StrEnum):
    past_signing = "past_signing"  # SAL-18: past its signing date without a contract


class ServiceTask(TenantMixin, db.Model):
    """A to-do for customer service about an order, raised by sales: SAL-18 flags an order
    past its signing date without a contract to customer service. The team sees it in
    "Flagged orders" until one of them handles it; the daily duty settles it by itself
    (``done_by`` empty) once the contract is signed, the order ends or its date is extended."""

    __tablename__ = "sales_service_task"
    __table_args__ = (Index("ix_sales_service_task_open", "company_id", "done_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    kind: Mapped[ServiceTaskKind] = mapped_column(enum_column(ServiceTaskKind))
    raised_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[Order] = relationship()
    done_by: Mapped[User | None] = relationship()
