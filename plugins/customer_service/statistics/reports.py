"""The CS-12 reports as documents, and the duties that make them.

- On the cut-off day (default the 25th) the sales month is reconciled.
- By the report day of the next month (default the 5th) the month's report goes to the VP and
  the GM: a PDF (a letter of the customer-service department, rendered by ``core.letters``)
  and an Excel workbook of the differences (the sales reports' export), stored as documents
  of the report.
- Every report weekday (default Friday) the weekly sales report: the seven days ending that
  day, the sales month to date, the week's deals; PDF and Excel the same way.
"""

from datetime import date
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.admin.labels import label
from core.documents import add_document
from core.duties import Duty, Monthly, Weekly
from core.extensions import db
from core.letters import LetterData, LetterTable, render_letter
from core.models import Company, User
from plugins.customer_service.statistics import reconcile
from plugins.customer_service.statistics.models import ReportKind, SalesReport
from plugins.sales.reports.services import DEAL_COLUMNS, Filters, deal_report, export
from plugins.sales.units.duties import WEEKDAYS

OWNER = SalesReport.__tablename__
DOCUMENT_KIND = "report"
MONTH_CLOSE = "customer_service.sales_month_close"
MONTHLY_REPORT = "customer_service.monthly_sales_report"
WEEKLY_REPORT = "customer_service.weekly_sales_report"

DIFFERENCE_COLUMNS = [
    ("kind", _l("Difference")),
    ("project", _l("Project")),
    ("unit", _l("Unit")),
    ("customer", _l("Customer")),
    ("sales_amount", _l("Sales (orders)")),
    ("cs_amount", _l("Customer service")),
    ("finance_amount", _l("Finance (cash journal)")),
    ("detail", _l("Detail")),
    ("note", _l("Explanation")),
]


def _yuan(value) -> str:
    return "" if value is None else f"{Decimal(value):,.2f}"


def difference_rows(report: SalesReport) -> list[dict]:
    return [
        {
            "kind": label(d.kind),
            "project": d.project,
            "unit": d.unit,
            "customer": d.customer,
            "sales_amount": d.sales_amount,
            "cs_amount": d.cs_amount,
            "finance_amount": d.finance_amount,
            "detail": d.detail,
            "note": d.note,
        }
        for d in report.differences
    ]


def table(report: SalesReport) -> tuple[list, list[dict]]:
    """(columns, rows) of a report's Excel/CSV export: the monthly differences, or the
    week's deals (the sales deal report)."""
    if report.kind == ReportKind.monthly:
        return DIFFERENCE_COLUMNS, difference_rows(report)
    return DEAL_COLUMNS, deal_report(Filters(first=report.first, last=report.last))


# --- the PDF ---------------------------------------------------------------------------------


def _monthly_body(report: SalesReport) -> list:
    s = report.summary
    figures = LetterTable(
        [
            ["", _("Sales"), _("Customer service"), _("Finance")],
            [
                _("Orders / contracts signed"),
                f"{s['orders']} / {_yuan(s['orders_value'])}",
                f"{s['contracts']} / {_yuan(s['contracts_value'])}",
                "—",
            ],
            [_("Money received"), "—", _yuan(s["cs_cash"]), _yuan(s["finance_cash"])],
        ],
        col_widths=[0.31, 0.23, 0.23, 0.23],
    )
    body = [
        _(
            "The sales month from %(first)s to %(last)s, reconciled with sales and finance:",
            first=report.first.isoformat(),
            last=report.last.isoformat(),
        ),
        figures,
    ]
    if not report.differences:
        return [*body, _("No differences.")]
    # The project is in the Excel copy; amounts without separators keep each on one line.
    shown = [DIFFERENCE_COLUMNS[i] for i in (0, 2, 3, 4, 5, 6)]
    rows = [[str(title) for _key, title in shown] + [_("Detail")]]
    for d in difference_rows(report):
        explained = " · ".join(x for x in (d["detail"], d["note"]) if x)
        amounts = [
            "" if d[k] is None else str(d[k])
            for k in ("sales_amount", "cs_amount", "finance_amount")
        ]
        rows.append([d["kind"], d["unit"], d["customer"], *amounts, explained])
    widths = [0.14, 0.12, 0.09, 0.16, 0.16, 0.16, 0.17]
    counted = _("%(n)d differences, line by line:", n=len(report.differences))
    return [*body, counted, LetterTable(rows, col_widths=widths)]


def _weekly_body(report: SalesReport) -> list:
    s = report.summary
    figures = LetterTable(
        [
            [_("This week"), ""],
            [_("Orders"), f"{s['orders']} / {_yuan(s['orders_value'])}"],
            [_("Contracts signed"), f"{s['contracts']} / {_yuan(s['contracts_value'])}"],
            [_("Money received (customer service)"), _yuan(s["cs_cash"])],
            [_("Money received (finance)"), _yuan(s["finance_cash"])],
            [
                _("Orders of the sales month to date (from %(d)s)", d=s["month_start"]),
                f"{s['month_orders']} / {_yuan(s['month_orders_value'])}",
            ],
        ],
        col_widths=[0.6, 0.4],
    )
    rows = [
        [
            _("Deal date"),
            _("Unit"),
            _("Customer"),
            _("Rep"),
            _("Contract price"),
        ]
    ]
    for deal in deal_report(Filters(first=report.first, last=report.last)):
        rows.append(
            [
                deal["ordered_on"].isoformat(),
                deal["unit"],
                deal["customer"],
                deal["rep"],
                _yuan(deal["price"]),
            ]
        )
    return [
        _(
            "The week from %(first)s to %(last)s.",
            first=report.first.isoformat(),
            last=report.last.isoformat(),
        ),
        figures,
        LetterTable(rows, col_widths=[0.17, 0.2, 0.2, 0.2, 0.23])
        if len(rows) > 1
        else _("No new order this week."),
    ]


def render_pdf(company: Company, report: SalesReport, day: date) -> bytes:
    if report.kind == ReportKind.monthly:
        title = _("Monthly sales report %(month)s", month=report.period_key)
        body = _monthly_body(report)
    else:
        title = _("Weekly sales report %(week)s", week=report.period_key)
        body = _weekly_body(report)
    letter = LetterData(
        company_name=company.name,
        title=title,
        addressee=_("The vice-president in charge and the general manager"),
        address="",
        body=body,
        date=day,
        signer=_("Customer service department"),
    )
    return render_letter(letter)


# --- issuing ---------------------------------------------------------------------------------


def issue(company: Company, report: SalesReport, day: date, user: User | None = None):
    """Render the report as PDF and Excel in the company's language and store both as
    documents of the report (a new version when issued again). Flushes."""
    with force_locale(company.default_locale):
        pdf = render_pdf(company, report, day)
        columns, rows = table(report)
        xlsx = export(columns, rows, "xlsx", f"{report.kind}-{report.period_key}")
    name = f"sales-report-{report.kind}-{report.period_key}"
    for attribute, data, suffix in (("pdf", pdf, "pdf"), ("xlsx", xlsx, "xlsx")):
        document = add_document(
            OWNER, report.id, DOCUMENT_KIND, f"{name}.{suffix}", data, user, owner=report
        )
        setattr(report, f"{attribute}_document_id", document.id)
    report.issued_on = day
    db.session.flush()
    return report


def close_month(company: Company, period) -> dict:
    """The cut-off duty: reconcile the sales month closing on ``period.date``."""
    with force_locale(company.default_locale):
        report = reconcile.reconcile(company, period.date)
    return {"month": report.period_key, **report.summary}


def monthly_report(company: Company, period) -> dict:
    """The report duty: the previous sales month's report to the VP and GM (reconciled first
    if the cut-off duty has not done it)."""
    year, month = reconcile.previous_month(period.date.year, period.date.month)
    report = db.session.scalar(
        select(SalesReport).where(
            SalesReport.kind == ReportKind.monthly, SalesReport.period_key == f"{year}-{month:02d}"
        )
    )
    if report is None:
        with force_locale(company.default_locale):
            report = reconcile.reconcile(company, reconcile.cutoff_of(company, year, month))
    issue(company, report, period.date)
    return {"month": report.period_key, "differences": len(report.differences)}


def weekly_report(company: Company, period) -> dict:
    """The weekly duty: the week ending ``period.date``, issued at once."""
    summary, deals = reconcile.weekly_figures(company, period.date)
    first = period.date - reconcile.DAY * 6
    report = reconcile.record(company, ReportKind.weekly, period.key, first, period.date, summary)
    db.session.flush()
    issue(company, report, period.date)
    return {"week": period.key, "orders": len(deals)}


def duties(company: Company) -> list[Duty]:
    settings = reconcile.settings_of(company)
    weekday = WEEKDAYS.index(settings["weekly_sales_report_weekday"])
    return [
        Duty(
            MONTH_CLOSE,
            Monthly(settings["sales_month_cutoff_day"]),
            close_month,
            _l("Sales month cut-off: reconciliation"),
        ),
        Duty(
            MONTHLY_REPORT,
            Monthly(settings["monthly_report_day"]),
            monthly_report,
            _l("Monthly sales report to the VP and GM"),
        ),
        Duty(WEEKLY_REPORT, Weekly(weekday), weekly_report, _l("Weekly sales report")),
    ]
