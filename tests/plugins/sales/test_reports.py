"""Sales reports: deals and lost customers (SAL-26), plan against actuals (SAL-27), the
after-contract task lists (SAL-28), their exports and screens."""

import csv
import io
import types
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.duties import Period, run_due
from core.extensions import db
from core.models import DutyRun
from core.plugins import state
from core.tenancy import company_scope
from plugins.sales.leads import services as leads
from plugins.sales.models import Building, Customer, Unit, UnitState
from plugins.sales.orders import services as orders
from plugins.sales.reports import services as reports
from plugins.sales.reports.aftersale import produce_tasks
from plugins.sales.reports.models import AfterSaleKind, AfterSaleTask, BuildingDelivery
from plugins.sales.units.services import take_unit
from tests.conftest import login

D = Decimal
MONDAY = date(2026, 10, 5)  # week 2 of 2026 Q4 (the week of 28 September is week 1)


@pytest.fixture(name="s")
def site_fixture(world):
    """Sales enabled in A, a building of six 1,000,000 units, three customers of rep A."""
    state.enable(world.a, "sales")
    s = types.SimpleNamespace(a=world.a, rep=world.rep_a, manager=world.admin_a, w=world)
    with company_scope(world.a.id):
        s.building = Building(company_id=world.a.id, project=world.project_a, name="1#")
        s.units = [
            Unit(
                company_id=world.a.id,
                building=s.building,
                floor=f,
                room="01",
                built_area=D("100.00"),
                usable_area=D("80.00"),
                list_unit_price=D("10000.00"),
                list_total=D("1000000.00"),
                state=UnitState.available,
            )
            for f in range(1, 7)
        ]
        s.customers = [
            Customer(
                company_id=world.a.id,
                code=f"LY-ZW{n:03d}",
                name=f"张伟{n}",
                project_id=world.project_a.id,
                rep_id=world.rep_a.id,
                source=("referral", "web", "tv")[n],
                purpose="own_use",
                objections=["unit_price", "floor"],
                visit_count=n + 2,
                first_visit_on=date(2026, 9, 20),
                created_at=datetime(2026, 9, 19, tzinfo=UTC).replace(tzinfo=None),
            )
            for n in range(3)
        ]
        db.session.add_all([s.building, *s.units, *s.customers])
        db.session.commit()
    return s


def order(s, unit: int, customer: int, day: date, price_pct="0"):
    data = {
        "unit_id": s.units[unit].id,
        "customer_id": s.customers[customer].id,
        "payment_method": "full",
        "deposit_kind": "large",
        "deposit": D("50000.00"),
        "discount_pct": D(price_pct),
        "ordered_on": day,
    }
    return orders.place_order(s.a, s.manager, data)


def scoped(s):
    return company_scope(s.a.id)


def test_sal26_deal_report_from_customer_file_with_filters(s):
    deal = order(s, 0, 0, date(2026, 10, 1))
    voided = order(s, 1, 1, date(2026, 10, 2))
    orders.void_order(voided, s.manager, "录入错误")
    with scoped(s):
        rows = reports.deal_report(reports.Filters())
        assert [r["unit"] for r in rows] == [deal.unit.label]  # a voided order is no deal
        row = rows[0]
        assert row["source"] == "referral" and row["purpose"] == "own_use"
        assert row["objections"] == "unit_price, floor"
        assert row["visits"] == 2 and row["days"] == 11  # first visit 20 Sep → 1 Oct
        assert row["price"] == D("1000000.00") and row["rep"] == (s.rep.name or s.rep.email)
        for filters in (
            reports.Filters(source="web"),
            reports.Filters(rep_id=s.manager.id),
            reports.Filters(first=date(2026, 10, 2)),
            reports.Filters(project_id=s.w.project_b.id),
        ):
            assert reports.deal_report(filters) == []
        chosen = reports.Filters(
            project_id=s.w.project_a.id, rep_id=s.rep.id, source="referral", last=date(2026, 10, 1)
        )
        assert len(reports.deal_report(chosen)) == 1


def test_sal26_lost_customer_analysis_reason_and_days_to_giving_up(s):
    lost, other = s.customers[1], s.customers[2]
    leads.record_follow_up(
        s.a, lost, {"on": date(2026, 9, 25), "channel": "phone", "reaction": "总价太高"}, s.rep
    )
    leads.update_customer(s.a, lost, {"outcome": "gave_up", "outcome_on": date(2026, 9, 30)})
    db.session.commit()
    with scoped(s):
        rows = reports.lost_customer_report(reports.Filters())
        assert [r["code"] for r in rows] == [lost.code]  # other never gave up
        row = rows[0]
        assert row["reason"] == "总价太高" and row["days"] == 10 and row["visits"] == 3
        assert row["source"] == "web" and row["project"] == s.w.project_a.name
        assert reports.lost_customer_report(reports.Filters(last=date(2026, 9, 29))) == []
        assert reports.lost_customer_report(reports.Filters(source="tv")) == []
        # Without a noted reaction the file's notes give the reason.
        leads.update_customer(s.a, other, {"outcome": "gave_up", "notes": "去外地工作"})
        db.session.commit()
        assert "去外地工作" in {
            r["reason"] for r in reports.lost_customer_report(reports.Filters())
        }


def _plan(s, week, units, value):
    with scoped(s):
        reports.save_plan(s.a, s.w.project_a, week, units, D(value))
        db.session.commit()


def test_sal27_plan_vs_actual_completion_ratio_per_week_and_cumulative(s):
    _plan(s, date(2026, 9, 28), 2, "2000000")
    _plan(s, MONDAY, 4, "4000000")
    order(s, 0, 0, date(2026, 10, 1))  # week 1: 1 of 2
    voided = order(s, 1, 1, date(2026, 10, 2))
    orders.void_order(voided, s.manager, "录入错误")  # not an actual
    order(s, 2, 1, date(2026, 10, 6))  # week 2: 2 of 4 (one at a 1 % discount)
    order(s, 3, 2, date(2026, 10, 11), "1")
    with scoped(s):
        report = reports.progress(s.w.project_a, 2026, 4)
    first, second, third = report["rows"][:3]
    assert (first["units"], first["units_ratio"], first["value_ratio"]) == (1, D("0.5"), D("0.5"))
    assert second["units"] == 2 and second["value"] == D("1990000.00")
    assert second["units_ratio"] == D("0.5") and second["value_ratio"] == D("0.4975")
    assert (second["cum_units"], second["cum_plan_units"]) == (3, 6)
    assert second["cum_units_ratio"] == D("0.5")
    assert second["cum_value_ratio"] == D("0.4983")  # 2,990,000 / 6,000,000
    assert third["plan_units"] == 0 and third["units_ratio"] is None  # no plan, no ratio
    assert third["cum_units_ratio"] == D("0.5")


def test_sal27_quarter_weeks_cover_every_day_once():
    seen = {}
    for quarter in range(1, 5):
        weeks = reports.quarter_weeks(2026, quarter)
        assert 13 <= len(weeks) <= 14 and all(w.weekday() == 0 for w in weeks)
        for week in weeks:
            assert week not in seen
            seen[week] = quarter
    assert len(seen) == 53  # 2026 has 53 ISO weeks
    assert reports.quarter_weeks(2026, 4)[0] == date(2026, 9, 28)


def _read_xlsx(data: bytes) -> list[list]:
    return [list(r) for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def _read_csv(data: bytes) -> list[list]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_sal26_sal27_exports_parse_back_as_xlsx_and_csv(s):
    order(s, 0, 0, date(2026, 10, 1))
    _plan(s, date(2026, 9, 28), 2, "2000000")
    with scoped(s):
        rows = reports.deal_report(reports.Filters())
        progress = reports.progress(s.w.project_a, 2026, 4)["rows"]
    book = _read_xlsx(reports.export(reports.DEAL_COLUMNS, rows, "xlsx", "deals"))
    assert book[0][:3] == ["Deal date", "Project", "Unit"]
    assert book[1][2] == rows[0]["unit"] and book[1][-1] == 1000000 and book[1][-2] == 11
    text = _read_csv(reports.export(reports.DEAL_COLUMNS, rows, "csv", "deals"))
    assert text[0][-1] == "Contract price" and text[1][-1] == "1000000.00"
    assert text[1][4] == "张伟0"
    sheet = _read_xlsx(reports.export(reports.PROGRESS_COLUMNS, progress, "xlsx", "progress"))
    assert len(sheet) == 1 + 14  # 2026 Q4: 1 October and 31 December are Thursdays
    assert sheet[1][2:7] == [2, 2000000, 1, 1000000, 0.5]
    assert sheet[2][6] is None  # no plan that week: no ratio


def test_sal27_site_manager_enters_plan_on_screen_rep_may_not(s, client):
    base = "/admin/sales_progress/"
    args = {"project": s.w.project_a.id, "year": 2026, "quarter": 4}
    form = args | {"units-2026-09-28": "3", "value-2026-09-28": "3000000"}
    login(client, s.rep.email)
    assert client.get(base, query_string=args).status_code == 200
    assert client.post(base + "plan", data=form).status_code == 403
    client.post("/logout")
    login(client, s.manager.email)
    assert client.post(base + "plan", data=form).status_code == 302
    page = client.get(base, query_string=args)
    assert "<svg" in page.text and 'value="3000000.00"' in page.text
    answer = client.get(base + "export/csv", query_string=args)
    assert _read_csv(answer.data)[1][2:4] == ["3", "3000000.00"]


def test_sal26_deal_list_screen_filters_and_exports(s, client):
    order(s, 0, 0, date(2026, 10, 1))
    login(client, s.rep.email)
    page = client.get("/admin/sales_deals/", query_string={"source": "referral"})
    assert s.units[0].label in page.text
    assert s.units[0].label not in client.get("/admin/sales_deals/?source=web").text
    answer = client.get("/admin/sales_deals/export/xlsx", query_string={"source": "referral"})
    assert "spreadsheetml" in answer.mimetype and len(_read_xlsx(answer.data)) == 2
    assert client.get("/admin/sales_lost/export/csv").status_code == 200
    api = client.get("/admin/sales_lost/")
    assert api.status_code == 200


def _contracted(s, unit=0, customer=0):
    placed = order(s, unit, customer, date(2026, 9, 1))
    with scoped(s):
        take_unit(placed.unit_id, {UnitState.subscribed}, UnitState.contracted, s.manager)
        db.session.commit()
    return placed


def _tasks(s) -> set:
    with scoped(s):
        rows = db.session.execute(
            select(AfterSaleTask.kind, AfterSaleTask.period_key, AfterSaleTask.due_on)
        ).all()
    return {(str(k), p, d) for k, p, d in rows}


def _produce(s, day):
    with scoped(s):
        result = produce_tasks(s.a, Period(day.isoformat(), day))
        db.session.commit()
    return result


def test_sal28_monthly_contact_half_monthly_check_and_holidays_once_each(s):
    _contracted(s)
    order(s, 1, 1, date(2026, 9, 1))  # only subscribed: no contract yet, no tasks
    _produce(s, date(2026, 9, 10))
    assert _tasks(s) == {
        ("monthly_contact", "2026-09", date(2026, 9, 30)),
        ("progress_check", "2026-09-H1", date(2026, 9, 15)),
    }
    assert _produce(s, date(2026, 9, 11))["added"] == 0  # same month and half: nothing new
    _produce(s, date(2026, 9, 16))
    assert ("progress_check", "2026-09-H2", date(2026, 9, 30)) in _tasks(s)
    _produce(s, date(2026, 9, 24))  # mid-autumn (25 Sep 2026) and national day within a week
    holidays = {p for k, p, _d in _tasks(s) if k == "holiday_greeting"}
    assert holidays == {"2026-mid_autumn", "2026-national_day"}
    _produce(s, date(2026, 9, 25))
    assert len(_tasks(s)) == 5


def test_sal28_condition_report_a_month_before_delivery(s):
    placed = _contracted(s)
    with scoped(s):
        db.session.add(
            BuildingDelivery(
                company_id=s.a.id, building_id=s.building.id, delivery_on=date(2026, 12, 20)
            )
        )
        db.session.commit()
    _produce(s, date(2026, 11, 19))
    assert not {k for k, *_ in _tasks(s)} & {"condition_report"}
    _produce(s, date(2026, 11, 20))
    _produce(s, date(2026, 11, 21))
    with scoped(s):
        reports_ = db.session.scalars(
            select(AfterSaleTask).where(AfterSaleTask.kind == AfterSaleKind.condition_report)
        ).all()
    assert [(r.order_id, r.due_on, r.rep_id) for r in reports_] == [
        (placed.id, date(2026, 11, 20), s.rep.id)
    ]


def test_sal28_duty_catches_up_and_runs_each_day_once(s, app):
    _contracted(s)
    app.config["DUTY_FIRST_LOOKBACK_DAYS"] = 3
    try:
        run_due(s.a, date(2026, 10, 2))
        first = _tasks(s)
        run_due(s.a, date(2026, 10, 2))
    finally:
        app.config.pop("DUTY_FIRST_LOOKBACK_DAYS")
    assert _tasks(s) == first
    # 29 Sep–2 Oct: September's and October's contact and checks, and National Day.
    assert {p for _k, p, _d in first} >= {"2026-09", "2026-10", "2026-10-H1", "2026-national_day"}
    with scoped(s):
        runs = db.session.scalar(
            select(func.count(DutyRun.id)).where(DutyRun.duty_key == "sales.after_contract_tasks")
        )
    assert runs == 4


def test_sal28_task_list_screen_shows_the_reps_tasks(s, client):
    _contracted(s)
    _produce(s, date(2026, 9, 10))
    login(client, s.rep.email)
    page = client.get("/admin/sales_after_sale/")
    assert page.status_code == 200 and "Monthly contact" in page.text
    assert s.customers[0].code in page.text


def test_sal26_sal27_api_lists_deals_and_progress(s, client):
    from core.auth.services import create_token

    order(s, 0, 0, date(2026, 10, 1))
    _plan(s, date(2026, 9, 28), 2, "2000000")
    headers = {"Authorization": f"Bearer {create_token(s.rep, s.a, 'test')}"}
    deals = client.get("/api/v1/sales/reports/deals?source=referral", headers=headers).json
    assert [(d["days"], d["price"]) for d in deals["items"]] == [(11, "1000000.00")]
    assert client.get("/api/v1/sales/reports/deals?source=nope", headers=headers).status_code == 422
    query = f"project={s.w.project_a.id}&year=2026&quarter=4"
    weeks = client.get(f"/api/v1/sales/reports/progress?{query}", headers=headers).json["weeks"]
    assert (weeks[0]["week_start"], weeks[0]["units_ratio"]) == ("2026-09-28", "0.5000")
