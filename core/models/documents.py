"""Documents (文件): every file the system keeps or produces, versioned, content immutable."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.auth import User
from core.tenancy import TenantMixin


class Document(TenantMixin, db.Model):
    """One version of one file attached to one record (``owner_type`` table, ``owner_id``).

    A chain is (owner, kind, name); a change of content is a new row with the next version,
    the old rows stay. Deletion is soft and follows an approval (CS-18): ``deleted_at`` hides
    the row from lists, the stored content is kept.
    """

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("company_id", "owner_type", "owner_id", "kind", "name", "version"),
        Index("ix_document_owner", "owner_type", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(50))  # e.g. contract, receipt, letter, scan
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # A deletion waiting for approval, when no approval engine records it.
    deletion_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    deletion_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deletion_reason: Mapped[str | None] = mapped_column(Text)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])

    def __str__(self):
        return f"{self.name} v{self.version}"
