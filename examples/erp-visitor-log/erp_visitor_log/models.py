"""The plugin's table. ``TenantMixin`` adds ``company_id``: the core scopes every query."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Project
from core.tenancy import TenantMixin


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class VisitorNote(TenantMixin, db.Model):
    # Prefix tables with the plugin name: plugins share one database.
    __tablename__ = "visitor_log_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    # A deleted project takes its notes along (the core knows nothing of this table).
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_utcnow)

    project: Mapped[Project] = relationship()

    def __str__(self):
        return self.text
