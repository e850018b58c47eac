"""Letters (SPEC CS-17): reference numbers, each produced letter and its mailings."""

import datetime as dt
import enum

from sqlalchemy import JSON, Date, DateTime, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.tenancy import TenantMixin


class LetterSequence(TenantMixin, db.Model):
    """The last reference number given to a letter of ``company`` in ``year``."""

    __tablename__ = "letter_sequence"
    __table_args__ = (UniqueConstraint("company_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)


class Letter(TenantMixin, db.Model):
    """A produced letter: one per (kind, subject record, step), so producing it again is a
    no-op. Its PDF is a document in the archive of the customer it concerns (CS-18)."""

    __tablename__ = "letter"
    __table_args__ = (
        UniqueConstraint("company_id", "kind", "owner_type", "owner_id", "step"),
        UniqueConstraint("company_id", "reference"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))  # a LetterKind key, e.g. "core.notice"
    # The subject record (e.g. an instalment for a dunning letter), by table name and id.
    owner_type: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int]
    step: Mapped[str] = mapped_column(String(50), default="")  # e.g. dunning step "15d"
    reference: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    addressee: Mapped[str] = mapped_column(String(200))
    addresses: Mapped[list] = mapped_column(JSON, default=list)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC

    mailings: Mapped[list["Mailing"]] = relationship(
        back_populates="letter", order_by="Mailing.id", cascade="all, delete-orphan"
    )

    def __str__(self):
        return f"{self.reference} {self.title}"


class MailingMethod(enum.StrEnum):
    express = "express"  # CS-17: formal letters go by express mail
    registered = "registered"
    by_hand = "by_hand"
    by_lawyer = "by_lawyer"


class Mailing(TenantMixin, db.Model):
    """The letter sent to one address: how, when, the tracking number and its receipt; and
    whether it came back (a returned letter is filed whole, CS-17)."""

    __tablename__ = "letter_mailing"
    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), index=True)
    address: Mapped[str] = mapped_column(Text)
    method: Mapped[MailingMethod] = mapped_column(
        Enum(MailingMethod, native_enum=False, length=20), default=MailingMethod.express
    )
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    sent_on: Mapped[dt.date | None] = mapped_column(Date)
    receipt_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    returned: Mapped[bool] = mapped_column(default=False, index=True)
    returned_on: Mapped[dt.date | None] = mapped_column(Date)
    returned_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    letter: Mapped[Letter] = relationship(back_populates="mailings")

    def __str__(self):
        return f"{self.method} {self.tracking_number or ''}".strip()
