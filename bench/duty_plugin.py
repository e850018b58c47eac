"""The bench's plugin: 10,000 customers and a daily duty that finds nothing due among them.

``bench.core_services`` installs it for its own processes only, through an entry point in a
temporary ``.dist-info`` folder on ``PYTHONPATH`` (exactly how any installed plugin is found).
"""

import datetime as dt

from sqlalchemy import Date, Index, String, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from core.duties import Daily, Duty
from core.extensions import db
from core.hookspecs import hookimpl
from core.plugins import Manifest
from core.tenancy import TenantMixin

manifest = Manifest(name="bench_duties", version="1.0", label="Bench duties")


class BenchCustomer(TenantMixin, db.Model):
    """A customer with the date of the next instalment and whether it is paid."""

    __tablename__ = "bench_customer"
    __table_args__ = (
        # Only unpaid rows are ever scanned (STACK-NOTES: a partial index answers in ms).
        Index(
            "ix_bench_customer_unpaid",
            "company_id",
            "due_on",
            postgresql_where=text("NOT paid"),
            sqlite_where=text("NOT paid"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[dt.date] = mapped_column(Date)
    paid: Mapped[bool] = mapped_column(default=False)


def find_due(company, period) -> dict:
    """One set-based query: how many customers have an unpaid instalment due by the period."""
    due = db.session.scalar(
        select(func.count())
        .select_from(BenchCustomer)
        .where(
            BenchCustomer.company_id == company.id,
            BenchCustomer.paid.is_(False),
            BenchCustomer.due_on <= period.date,
        )
    )
    return {"due": due}


@hookimpl
def erp_duties(company):
    return [Duty("bench_duties.find_due", Daily(), find_due, "Customers due")]
