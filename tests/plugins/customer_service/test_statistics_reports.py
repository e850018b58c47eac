"""CS-12 duties: the cut-off reconciliation, the report to the VP/GM on the 5th and the weekly
sales report on Friday, as PDF and Excel documents; screens and API."""

import csv
import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.auth.services import create_token
from core.documents import read_content
from core.duties import duties_of, run_due
from core.extensions import db
from core.models.documents import Document
from core.plugins import state
from core.tenancy import company_scope
from plugins.customer_service.statistics import demo
from plugins.customer_service.statistics.models import ReportKind, SalesReport
from plugins.customer_service.statistics.reports import MONTH_CLOSE, MONTHLY_REPORT, WEEKLY_REPORT
from tests.conftest import login
from tests.plugins.customer_service.test_statistics_reconcile import month, sale


def runs(cs, day, key) -> list[dict]:
    return [r for r in run_due(cs.a, day)["runs"] if r["duty"] == key]


def report_of(cs, kind, key) -> SalesReport | None:
    db.session.expire_all()
    with company_scope(cs.a.id):
        return db.session.scalar(
            select(SalesReport).where(SalesReport.kind == kind, SalesReport.period_key == key)
        )


def content(document_id) -> bytes:
    return read_content(db.session.get(Document, document_id))


def test_cs12_cutoff_duty_reconciles_on_the_25th(cs):
    month(cs, cash=False)
    assert runs(cs, date(2026, 11, 24), MONTH_CLOSE) == []
    (run,) = runs(cs, date(2026, 11, 25), MONTH_CLOSE)
    assert run["status"] == "done" and run["outcome"]["differences"] == 4
    assert runs(cs, date(2026, 11, 25), MONTH_CLOSE) == []  # once per period
    assert report_of(cs, ReportKind.monthly, "2026-11").first == date(2026, 10, 26)


def test_cs12_changed_cutoff_duty_runs_on_the_new_day(cs):
    month(cs, cash=False)
    state.update_settings(cs.a, "customer_service", {"sales_month_cutoff_day": 20})
    assert runs(cs, date(2026, 11, 25), MONTH_CLOSE) == []
    (run,) = runs(cs, date(2026, 11, 20), MONTH_CLOSE)
    assert run["status"] == "done"
    assert report_of(cs, ReportKind.monthly, "2026-11").last == date(2026, 11, 20)


def test_cs12_report_goes_out_on_the_5th_as_pdf_and_excel(cs):
    m = month(cs, cash=False)
    runs(cs, date(2026, 11, 25), MONTH_CLOSE)
    assert runs(cs, date(2026, 12, 4), MONTHLY_REPORT) == []
    (run,) = runs(cs, date(2026, 12, 5), MONTHLY_REPORT)
    assert run["status"] == "done" and run["outcome"]["month"] == "2026-11"
    report = report_of(cs, ReportKind.monthly, "2026-11")
    assert report.issued_on == date(2026, 12, 5)
    with company_scope(cs.a.id):
        assert content(report.pdf_document_id).startswith(b"%PDF-")
        sheet = load_workbook(io.BytesIO(content(report.xlsx_document_id))).active
        rows = list(sheet.iter_rows(values_only=True))
        documents = db.session.scalar(
            select(func.count(Document.id)).where(
                Document.owner_type == "cs_sales_report", Document.owner_id == report.id
            )
        )
    assert len(rows) == 1 + 4  # the header and one row per difference
    units = {row[2] for row in rows[1:]}
    assert units == {m[k].unit.label for k in ("draft", "price", "voided", "cancelled")}
    assert 980000 in {row[5] for row in rows[1:]}  # amounts stay numbers in Excel
    assert documents == 2


def test_cs12_report_on_the_5th_reconciles_a_month_the_cutoff_missed(cs):
    month(cs, cash=False)
    state.update_settings(cs.a, "customer_service", {"monthly_report_day": 3})
    assert runs(cs, date(2026, 12, 5), MONTHLY_REPORT) == []
    (run,) = runs(cs, date(2026, 12, 3), MONTHLY_REPORT)
    assert run["status"] == "done" and run["outcome"]["differences"] == 4
    report = report_of(cs, ReportKind.monthly, "2026-11")
    assert (report.first, report.last, report.issued_on) == (
        date(2026, 10, 26),
        date(2026, 11, 25),
        date(2026, 12, 3),
    )


def test_cs12_weekly_sales_report_every_friday(cs):
    month(cs, cash=False)
    sale(cs, 8, date(2026, 11, 27), price="1200000.00")
    assert runs(cs, date(2026, 11, 26), WEEKLY_REPORT) == []  # Thursday
    (run,) = runs(cs, date(2026, 11, 27), WEEKLY_REPORT)
    assert run["status"] == "done" and run["outcome"] == {"week": "2026-W48", "orders": 2}
    assert runs(cs, date(2026, 11, 27), WEEKLY_REPORT) == []
    report = report_of(cs, ReportKind.weekly, "2026-W48")
    assert (report.first, report.last, report.issued_on) == (
        date(2026, 11, 21),
        date(2026, 11, 27),
        date(2026, 11, 27),
    )
    s = report.summary
    # 21–27 November: orders 6 (26th) and 8 (27th); order 2 (20th) was the week before.
    assert (s["orders"], s["orders_value"]) == (2, "2200000.00")
    # The sales month to date began after the cut-off of the 25th: orders 6 and 8.
    assert (s["month_start"], s["month_orders"]) == ("2026-11-26", 2)
    with company_scope(cs.a.id):
        assert content(report.pdf_document_id).startswith(b"%PDF-")
        sheet = load_workbook(io.BytesIO(content(report.xlsx_document_id))).active
    assert sheet.max_row == 1 + 2


def test_cs12_changed_weekly_report_day(cs):
    state.update_settings(cs.a, "customer_service", {"weekly_sales_report_weekday": "monday"})
    (duty,) = [d for d in duties_of(cs.a) if d.key == WEEKLY_REPORT]
    assert duty.schedule.weekday == 0
    assert runs(cs, date(2026, 11, 27), WEEKLY_REPORT) == []
    (run,) = runs(cs, date(2026, 11, 30), WEEKLY_REPORT)
    assert run["outcome"]["week"] == "2026-W49"


def _headers(cs, user):
    return {"Authorization": f"Bearer {create_token(user, cs.a, 't')}"}


def test_cs12_api_reconcile_explain_issue_export(cs, client):
    month(cs, cash=False)
    manager = _headers(cs, cs.cs_manager)
    refused = client.post(
        "/api/v1/cs/statistics/reconcile", json={"month": "2026-13"}, headers=manager
    )
    assert refused.status_code == 422 and "month" in refused.json["error"]["fields"]
    rep = client.post(
        "/api/v1/cs/statistics/reconcile",
        json={"month": "2026-11"},
        headers=_headers(cs, cs.cs_rep),
    )
    assert rep.status_code == 403
    report = client.post(
        "/api/v1/cs/statistics/reconcile", json={"month": "2026-11"}, headers=manager
    ).json
    assert report["first"] == "2026-10-26" and len(report["differences"]) == 4
    line = report["differences"][0]
    noted = client.patch(
        f"/api/v1/cs/statistics/differences/{line['id']}", json={"note": "已核实"}, headers=manager
    )
    assert noted.json["note"] == "已核实"
    issued = client.post(f"/api/v1/cs/statistics/reports/{report['id']}/issue", headers=manager)
    assert issued.json["pdf_document_id"] and issued.json["xlsx_document_id"]
    vp = _headers(cs, cs.vp)
    listed = client.get("/api/v1/cs/statistics/reports?kind=monthly", headers=vp).json
    assert [r["period_key"] for r in listed["items"]] == ["2026-11"]
    exported = client.get(
        f"/api/v1/cs/statistics/reports/{report['id']}/export?format=csv", headers=vp
    )
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert len(rows) == 5 and "已核实" in {row[-1] for row in rows}


def test_cs12_screens_list_report_and_documents(cs, client):
    month(cs, cash=False)
    login(client, cs.cs_manager.email)
    posted = client.post("/admin/cs_sales_reports/reconcile", data={"month": "2026-11"})
    assert posted.status_code == 302
    report = report_of(cs, ReportKind.monthly, "2026-11")
    page = client.get(f"/admin/cs_sales_reports/{report.id}")
    assert page.status_code == 200 and "Order without contract" in page.text
    assert client.post(f"/admin/cs_sales_reports/{report.id}/issue").status_code == 302
    pdf = client.get(f"/admin/cs_sales_reports/{report.id}/document/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    xlsx = client.get(f"/admin/cs_sales_reports/{report.id}/export/xlsx")
    assert xlsx.status_code == 200
    listing = client.get("/admin/cs_sales_reports/")
    assert listing.status_code == 200 and "2026-11" in listing.text
    client.post("/logout")
    login(client, cs.vp.email)  # the report is for the VP and GM to read
    assert client.get(f"/admin/cs_sales_reports/{report.id}").status_code == 200
    assert client.post(f"/admin/cs_sales_reports/{report.id}/issue").status_code == 403


def test_cs12_demo_reconciles_the_last_month_and_issues_reports(cs):
    month(cs, cash=False)
    demo(cs.a)
    demo(cs.a)  # a second run adds nothing
    with company_scope(cs.a.id):
        kinds = sorted(str(r.kind) for r in db.session.scalars(select(SalesReport)))
    assert kinds == ["monthly", "weekly"]
