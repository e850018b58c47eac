"""Letter reference numbers: one counter per company and year."""

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.tenancy import TenantMixin


class LetterSequence(TenantMixin, db.Model):
    """The last reference number given to a letter of ``company`` in ``year``."""

    __tablename__ = "letter_sequence"
    __table_args__ = (UniqueConstraint("company_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)
