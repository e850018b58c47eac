"""Demo sales reports (CS-12) of the demo company: the last closed sales month reconciled and
its report issued to the VP and GM, and the last weekly sales report. A second run finds the
reports and adds nothing."""

from datetime import timedelta

from sqlalchemy import select

from core.duties import Period, today
from core.extensions import db
from core.models import Company
from core.tenancy import company_scope
from plugins.customer_service.statistics import reconcile, reports
from plugins.customer_service.statistics.models import SalesReport
from plugins.sales.units.duties import WEEKDAYS


def demo(company: Company) -> None:
    with company_scope(company.id):
        if db.session.scalar(select(SalesReport.id).limit(1)) is not None:
            return
        day = today()
        cutoff = reconcile.cutoff_of(company, day.year, day.month)
        if cutoff > day:  # this month's cut-off is still ahead: the last one closed
            cutoff = reconcile.cutoff_of(company, *reconcile.previous_month(day.year, day.month))
        reports.close_month(company, Period(reconcile.month_key(cutoff), cutoff))
        month = db.session.scalar(
            select(SalesReport).where(SalesReport.period_key == reconcile.month_key(cutoff))
        )
        reports.issue(company, month, day)
        weekday = WEEKDAYS.index(reconcile.settings_of(company)["weekly_sales_report_weekday"])
        last = day - timedelta(days=(day.weekday() - weekday) % 7)
        year, week, _ = last.isocalendar()
        reports.weekly_report(company, Period(f"{year}-W{week:02d}", last))
        db.session.commit()
