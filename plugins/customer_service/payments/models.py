"""Payments (CS-08): bank transfers to identify, payment notices (交款通知单) and what each pays,
finance's receipts, the money applied to each instalment or kept as the contract's credit, the
cash journal (销售流水帐), and advanced mortgage instalments (CS-20).

Rows are never deleted nor rewritten to undo money: a reversal adds negative rows."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import User
from core.models.columns import enum_column
from core.tenancy import TenantMixin


class TransferStatus(enum.StrEnum):
    unidentified = "unidentified"  # finance recorded it; the payer is not known yet
    identified = "identified"  # the rep named the contract it pays
    noticed = "noticed"  # a payment notice was issued from it


class BankTransfer(TenantMixin, db.Model):
    """Money finance saw arrive on the company's account (CS-08): the rep identifies the
    payer before a notice is issued from it."""

    __tablename__ = "cs_bank_transfer"
    id: Mapped[int] = mapped_column(primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    received_on: Mapped[date] = mapped_column(Date, index=True)
    payer: Mapped[str] = mapped_column(String(200))  # as the bank statement shows it
    bank_ref: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[TransferStatus] = mapped_column(
        enum_column(TransferStatus), default=TransferStatus.unidentified, index=True
    )
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    identified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    identified_at: Mapped[datetime | None] = mapped_column(DateTime)

    contract = relationship("Contract")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    identified_by: Mapped[User | None] = relationship(foreign_keys=[identified_by_id])


class PayMethod(enum.StrEnum):
    cash = "cash"
    card = "card"  # POS
    transfer = "transfer"  # a bank transfer (from a BankTransfer)
    cheque = "cheque"


class Excess(enum.StrEnum):
    """What becomes of money beyond what the notice's lines pay (an overpayment)."""

    credit = "credit"  # kept on the contract, applied to the next instalment
    refund = "refund"  # paid back to the customer at once


class NoticeStatus(enum.StrEnum):
    issued = "issued"  # waiting for finance's receipt
    received = "received"  # finance issued the receipt: the money is applied
    cancelled = "cancelled"  # withdrawn before any receipt
    reversed = "reversed"  # its receipt was reversed


class PaymentNotice(TenantMixin, db.Model):
    """A payment notice (交款通知单): customer service states what the money is for."""

    __tablename__ = "cs_payment_notice"
    __table_args__ = (UniqueConstraint("company_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    method: Mapped[PayMethod] = mapped_column(enum_column(PayMethod))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("cs_bank_transfer.id"), index=True)
    excess: Mapped[Excess] = mapped_column(enum_column(Excess), default=Excess.credit)
    status: Mapped[NoticeStatus] = mapped_column(
        enum_column(NoticeStatus), default=NoticeStatus.issued, index=True
    )
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    contract = relationship("Contract")
    customer = relationship("Customer")
    transfer: Mapped[BankTransfer | None] = relationship()
    issued_by: Mapped[User] = relationship()
    lines: Mapped[list["NoticeLine"]] = relationship(
        back_populates="notice", order_by="NoticeLine.id"
    )
    receipt: Mapped["Receipt | None"] = relationship(back_populates="notice")

    @property
    def allocated(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def excess_amount(self) -> Decimal:
        return self.amount - self.allocated

    def __str__(self):
        return self.number


class NoticeLine(TenantMixin, db.Model):
    """What part of a notice's money pays which instalment."""

    __tablename__ = "cs_payment_notice_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("cs_payment_notice.id"), index=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("cs_instalment.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    notice: Mapped[PaymentNotice] = relationship(back_populates="lines")
    instalment = relationship("Instalment")


class Receipt(TenantMixin, db.Model):
    """Finance's receipt (收据/发票) for a notice: the moment the money counts."""

    __tablename__ = "cs_receipt"
    __table_args__ = (UniqueConstraint("company_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    notice_id: Mapped[int] = mapped_column(ForeignKey("cs_payment_notice.id"), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    received_on: Mapped[date] = mapped_column(Date, index=True)
    invoice_no: Mapped[str] = mapped_column(String(60), default="")
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    reversed_on: Mapped[date | None] = mapped_column(Date)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reversal_reason: Mapped[str] = mapped_column(Text, default="")

    notice: Mapped[PaymentNotice] = relationship(back_populates="receipt")
    contract = relationship("Contract")
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    reversed_by: Mapped[User | None] = relationship(foreign_keys=[reversed_by_id])

    def __str__(self):
        return self.number


class EntrySource(enum.StrEnum):
    receipt = "receipt"  # money of a receipt
    reversal = "reversal"  # a receipt undone
    credit = "credit"  # the contract's credit moved onto an instalment
    refund = "refund"  # credit paid back to the customer
    change = "change"  # an engineering change that costs less (CS-19)


class PaymentEntry(TenantMixin, db.Model):
    """Money applied to one instalment, or (no instalment) to the contract's credit. Signed:
    the sums give each instalment's ``paid`` and the contract's credit at any time."""

    __tablename__ = "cs_payment_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    instalment_id: Mapped[int | None] = mapped_column(ForeignKey("cs_instalment.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    booked_on: Mapped[date] = mapped_column(Date)
    source: Mapped[EntrySource] = mapped_column(enum_column(EntrySource))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("cs_receipt.id"), index=True)
    # A credit application undone by a reversal points at the entry it undoes.
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("cs_payment_entry.id"))
    text: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    instalment = relationship("Instalment")


class JournalKind(enum.StrEnum):
    receipt = "receipt"
    reversal = "reversal"
    refund = "refund"
    # The deposit sales received with the order (SAL-17), carried over when the contract is
    # prepared: money in, with no notice nor receipt of customer service.
    order_deposit = "order_deposit"


class JournalLine(TenantMixin, db.Model):
    """The cash journal (销售流水帐): one line per money movement, dated, signed."""

    __tablename__ = "cs_cash_journal"
    id: Mapped[int] = mapped_column(primary_key=True)
    booked_on: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    kind: Mapped[JournalKind] = mapped_column(enum_column(JournalKind))
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("cs_receipt.id"), index=True)
    text: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    contract = relationship("Contract")
    receipt: Mapped[Receipt | None] = relationship()


class PaymentSequence(TenantMixin, db.Model):
    """Counters of notice and receipt numbers, per company, kind and year."""

    __tablename__ = "cs_payment_sequence"
    __table_args__ = (UniqueConstraint("company_id", "kind", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column()
    last_number: Mapped[int] = mapped_column(default=0)


class AdvanceKind(enum.StrEnum):
    instalment = "instalment"  # one overdue mortgage instalment: finance manager → VP → GM
    remaining = "remaining"  # all remaining instalments: CFO → GM


class AdvanceStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"  # the amount is now an instalment the customer owes
    rejected = "rejected"
    withdrawn = "withdrawn"


class Advance(TenantMixin, db.Model):
    """The company pays a customer's mortgage instalment(s) to the bank (CS-20)."""

    __tablename__ = "cs_advance"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"), index=True)
    kind: Mapped[AdvanceKind] = mapped_column(enum_column(AdvanceKind))
    status: Mapped[AdvanceStatus] = mapped_column(
        enum_column(AdvanceStatus), default=AdvanceStatus.pending, index=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    advance_on: Mapped[date] = mapped_column(Date)  # the day the company pays the bank
    bank: Mapped[str] = mapped_column(String(100), default="")
    what: Mapped[str] = mapped_column(String(100))  # e.g. the 2026-10 repayment
    reason: Mapped[str] = mapped_column(Text)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_request.id"))
    instalment_id: Mapped[int | None] = mapped_column(ForeignKey("cs_instalment.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    contract = relationship("Contract")
    requester: Mapped[User] = relationship()
    instalment = relationship("Instalment")
