"""The sales contract (商品房买卖合同, CS-04) prepared from an order."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.columns import enum_column
from core.tenancy import TenantMixin
from plugins.sales.orders.models import PaymentMethod


class ContractStatus(enum.StrEnum):
    draft = "draft"  # prepared from the order, signing not yet done
    signed = "signed"
    registered = "registered"  # 备案 (CS-06)
    cancelled = "cancelled"  # CS-07
    terminated = "terminated"  # released for non-payment (CS-10, 75 days)


# A contract in these states holds its order: no second contract is prepared for it.
LIVE_STATUSES = (ContractStatus.draft, ContractStatus.signed, ContractStatus.registered)
LIVE_SQL = "status IN ('draft', 'signed', 'registered')"
# The contracts whose instalments are dunned (CS-10): a draft is not yet binding, and a
# cancelled or terminated contract's instalments are no longer owed.
DUNNED = (ContractStatus.signed, ContractStatus.registered)
# CS-04: the annexes a contract must have before it is signed.
ANNEXES = ("floor_plan", "payment_terms", "fitout_equipment_list", "supplementary_agreement")


class Contract(TenantMixin, db.Model):
    __tablename__ = "cs_contract"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        # CS-04: one live contract per order, also between two preparations at the same time.
        Index(
            "uq_cs_contract_live_order",
            "order_id",
            unique=True,
            postgresql_where=text(LIVE_SQL),
            sqlite_where=text(LIVE_SQL),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_unit.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[ContractStatus] = mapped_column(
        enum_column(ContractStatus), default=ContractStatus.draft, index=True
    )
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    buyer_name: Mapped[str] = mapped_column(String(100))
    # CS-17: letters go to the contract's address unless a change was confirmed in writing.
    address: Mapped[str] = mapped_column(Text, default="")
    # CS-04: the day the signing is booked for with the customer, and when the lawyer was told.
    signing_booked_on: Mapped[date | None] = mapped_column(Date)
    lawyer_told_on: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date, index=True)
    stamped: Mapped[bool] = mapped_column(default=False)
    stamped_on: Mapped[date | None] = mapped_column(Date)
    # CS-04 annexes: {"floor_plan": true, "payment_terms": true, ...}
    annexes: Mapped[dict] = mapped_column(JSON, default=dict)
    # CS-05: the other terms, as text ({"breach_terms": ..., "property_fee": "2.50", ...}).
    terms: Mapped[dict] = mapped_column(JSON, default=dict)
    registered_on: Mapped[date | None] = mapped_column(Date)
    # CS-10: the termination clause's days overdue; None: the contract has no clause, so
    # termination needs a proven demand plus 3 months.
    termination_days: Mapped[int | None] = mapped_column()
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    order = relationship("Order")
    unit = relationship("Unit")
    customer = relationship("Customer")
    rep = relationship("User")
    instalments: Mapped[list["Instalment"]] = relationship(  # noqa: F821
        back_populates="contract", order_by="Instalment.seq"
    )

    def __str__(self):
        return self.number
