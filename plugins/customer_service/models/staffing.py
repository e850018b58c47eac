"""The household (户): a sold unit and its one customer-service rep (CS-01)."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.tenancy import TenantMixin


class Household(TenantMixin, db.Model):
    """One per sold unit: who bought it (the order's customer) and the rep who handles
    everything for it. Created when the unit is sold, kept when the rep changes."""

    __tablename__ = "cs_household"
    __table_args__ = (UniqueConstraint("unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("sales_unit.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)

    project = relationship("Project")
    unit = relationship("Unit")
    customer = relationship("Customer")
    rep = relationship("User")

    def __str__(self):
        return f"{self.unit} {self.customer.name if self.customer else ''}"
