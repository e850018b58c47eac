"""The archive area's tables: address changes (CS-17) and letters from customers (CS-17).

Documents themselves are core documents in the customer's archive (CS-18); these rows say
what a document means for the rules: a written confirmation of a new address, a customer's
letter waiting for its written answer.
"""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.tenancy import TenantMixin


class AddressChange(TenantMixin, db.Model):
    """A customer's new address for one contract. Unconfirmed (told by phone, in person),
    letters go to both addresses; confirmed in writing, to the new one only, and the lawyer
    is told by letter (CS-17)."""

    __tablename__ = "cs_address_change"
    __table_args__ = (Index("ix_cs_address_change_contract", "contract_id", "reported_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("cs_contract.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    new_address: Mapped[str] = mapped_column(Text)
    reported_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    # The written confirmation: a document in the customer's archive, and who recorded it.
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The letter telling the lawyer (made when the change is confirmed).
    lawyer_letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))

    contract = relationship("Contract")
    customer = relationship("Customer")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])
    document = relationship("Document")
    lawyer_letter = relationship("Letter")

    @property
    def confirmed(self) -> bool:
        return self.confirmed_on is not None

    def __str__(self):
        return self.new_address


class IncomingLetter(TenantMixin, db.Model):
    """A written letter from a customer (kind ``letter_in`` in the archive); it gets a written
    answer, a letter produced through the core letters, by ``due_on`` (CS-17)."""

    __tablename__ = "cs_incoming_letter"
    __table_args__ = (Index("ix_cs_incoming_letter_open", "company_id", "answered_on", "due_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    sender: Mapped[str] = mapped_column(String(100))
    # Where an answer goes when the customer has no contract yet (letters follow the contract).
    sender_address: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(200))
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    due_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    answer_letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    answered_on: Mapped[date | None] = mapped_column(Date)

    customer = relationship("Customer")
    document = relationship("Document")
    recorded_by = relationship("User")
    answer_letter = relationship("Letter")

    def __str__(self):
        return self.subject
