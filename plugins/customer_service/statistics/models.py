"""Sales statistics (CS-12): the monthly reconciliation of a sales month with its differences,
and the reports (monthly to the VP/GM, weekly every Friday) with their documents."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.columns import enum_column
from core.tenancy import TenantMixin


class ReportKind(enum.StrEnum):
    monthly = "monthly"  # the sales month's reconciliation, reported by the 5th
    weekly = "weekly"  # the weekly sales report


class DifferenceKind(enum.StrEnum):
    order_without_contract = "order_without_contract"  # sales has a deal, CS no contract
    contract_without_order = "contract_without_order"  # CS signed, the order is not valid
    price_mismatch = "price_mismatch"  # the contract's price is not the order's
    # CS's payment notices and orders' deposits differ from finance's journal
    cash_mismatch = "cash_mismatch"


class SalesReport(TenantMixin, db.Model):
    """One period's figures (``summary``), its differences (monthly) and, once issued, its
    PDF and Excel documents. One per company, kind and period."""

    __tablename__ = "cs_sales_report"
    __table_args__ = (UniqueConstraint("company_id", "kind", "period_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind))
    period_key: Mapped[str] = mapped_column(String(20))  # "2026-11", "2026-W48"
    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(DateTime)
    issued_on: Mapped[date | None] = mapped_column(Date)
    pdf_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    xlsx_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    differences: Mapped[list["Difference"]] = relationship(
        back_populates="report", order_by="Difference.id", cascade="all, delete-orphan"
    )

    def __str__(self):
        return f"{self.kind} {self.period_key}"


class Difference(TenantMixin, db.Model):
    """A line of the reconciliation where the views disagree; ``note`` is customer service's
    explanation, kept when the month is reconciled again."""

    __tablename__ = "cs_sales_difference"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("cs_sales_report.id"), index=True)
    kind: Mapped[DifferenceKind] = mapped_column(enum_column(DifferenceKind, length=30))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("cs_contract.id"))
    project: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(50), default="")
    customer: Mapped[str] = mapped_column(String(100), default="")
    sales_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    cs_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    finance_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    detail: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[SalesReport] = relationship(back_populates="differences")

    @property
    def key(self) -> tuple:
        """What identifies the line from one reconciliation to the next."""
        return (str(self.kind), self.project, self.unit, self.contract_id)
