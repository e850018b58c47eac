"""The receivables schedule (CS-09): one row per instalment the customer owes. The ledger of
what is still owed, and so the source of truth for dunning (CS-10)."""

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.columns import enum_column
from core.tenancy import TenantMixin


class InstalmentKind(enum.StrEnum):
    payment = "payment"  # part of the price, from the order's schedule
    fee = "fee"  # taxes and fees collected with the price
    change = "change"  # an engineering change's cost (CS-19)
    advance = "advance"  # a mortgage instalment the company advanced (CS-20)


class Instalment(TenantMixin, db.Model):
    __tablename__ = "cs_instalment"
    __table_args__ = (
        # The daily dunning scan reads the open instalments by due date.
        Index("ix_cs_instalment_open_due", "company_id", "settled", "due_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_unit.id"), index=True)
    seq: Mapped[int] = mapped_column()
    kind: Mapped[InstalmentKind] = mapped_column(
        enum_column(InstalmentKind), default=InstalmentKind.payment
    )
    what: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    # paid >= amount; kept as a column so the scan needs no arithmetic on every row.
    settled: Mapped[bool] = mapped_column(default=False)
    settled_on: Mapped[date | None] = mapped_column(Date)
    # CS-05: the day a payment-method change replaced this unpaid price instalment by the new
    # method's (amount 0, settled: nothing left to ask); the receivables list hides it.
    superseded_on: Mapped[date | None] = mapped_column(Date)
    # --- dunning (CS-10), written by the dunning area only ---
    dunning_step: Mapped[int] = mapped_column(default=0)  # the last step taken, 0 = none

    contract = relationship("Contract", back_populates="instalments")

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.paid, Decimal("0"))
