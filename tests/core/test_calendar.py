"""SPEC CAL-01 (working days), the published-schedule loader, and CS-16's lunar dates."""

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core import calendar as cal
from core.calendar.cli import calendar as calendar_cli
from core.calendar.service import LIBRARY_YEARS
from tests.conftest import login

D = date.fromisoformat

# A fictitious published schedule for 2031 (a year no library knows): National Day week
# Oct 1 (Wed) – Oct 7 (Tue) off, Sep 28 (Sun) and Oct 11 (Sat) working.
SCHEDULE_2031 = """# fictitious notice
date,kind,name
2031-10-01,holiday,国庆节
2031-10-02,holiday,国庆节
2031-10-03,holiday,国庆节
2031-10-06,holiday,国庆节
2031-10-07,holiday,国庆节
2031-09-28,workday,
2031-10-11,workday,
"""


# -- pure dates (library only, no database) ----------------------------------------------------


def test_cal01_national_day_week_with_adjusted_weekend():
    # 2025: Oct 1–8 off (Oct 4/5 the weekend), Sep 28 (Sun) and Oct 11 (Sat) worked.
    for day in range(1, 9):
        assert not cal.is_working_day(date(2025, 10, day)), day
    assert cal.is_working_day(D("2025-09-28"))
    assert cal.is_working_day(D("2025-10-11"))
    assert cal.is_working_day(D("2025-10-09"))
    assert not cal.is_working_day(D("2025-09-27"))  # a plain Saturday
    assert cal.coverage(2025) == cal.LIBRARY


def test_cal01_add_working_days_across_national_day_week():
    assert cal.add_working_days(D("2025-09-26"), 1) == D("2025-09-28")  # the Sunday is worked
    assert cal.add_working_days(D("2025-09-30"), 1) == D("2025-10-09")
    assert cal.add_working_days(D("2025-09-30"), 3) == D("2025-10-11")  # the Saturday too
    assert cal.add_working_days(D("2025-09-30"), 4) == D("2025-10-13")
    assert cal.add_working_days(D("2025-10-09"), -1) == D("2025-09-30")
    assert cal.add_working_days(D("2025-10-03"), -2) == D("2025-09-29")
    assert cal.next_working_day(D("2025-10-01")) == D("2025-10-09")


def test_cal01_add_zero_working_days_rolls_a_day_off_forward():
    assert cal.add_working_days(D("2025-10-01"), 0) == D("2025-10-09")
    assert cal.add_working_days(D("2025-09-30"), 0) == D("2025-09-30")


def test_cal01_working_days_between_counts_the_end_not_the_start():
    assert cal.working_days_between(D("2025-09-30"), D("2025-10-11")) == 3  # Oct 9, 10, 11
    assert cal.working_days_between(D("2025-10-11"), D("2025-09-30")) == -3  # Oct 10, 9, Sep 30
    assert cal.working_days_between(D("2025-10-01"), D("2025-10-08")) == 0
    assert cal.working_days_between(D("2025-09-30"), D("2025-09-30")) == 0


def test_cal01_between_inverts_add_working_days():
    start = D("2025-09-20")
    for offset in range(0, 30, 3):
        day = start + timedelta(days=offset)
        for n in (-7, -1, 1, 2, 9):
            assert cal.working_days_between(day, cal.add_working_days(day, n)) == n, (day, n)


def test_cal01_spring_festival_2026_with_adjusted_days():
    # 2026 notice: Feb 15 (Sun) – Feb 23 (Mon) off; Feb 14 (Sat) and Feb 28 (Sat) worked.
    for day in range(15, 24):
        assert not cal.is_working_day(date(2026, 2, day)), day
    assert cal.is_working_day(D("2026-02-14"))
    assert cal.is_working_day(D("2026-02-28"))
    assert cal.add_working_days(D("2026-02-13"), 1) == D("2026-02-14")
    assert cal.add_working_days(D("2026-02-14"), 1) == D("2026-02-24")


def test_cal01_late_december_weekend_worked_for_next_years_new_year():
    # The 2007 notice made Sat 2006-12-30 and Sun 2006-12-31 working days.
    assert cal.is_working_day(D("2006-12-30"))
    assert cal.is_working_day(D("2006-12-31"))
    assert not cal.is_working_day(D("2007-01-02"))


def test_cal01_rule_only_year_deadline_says_so():
    last = max(LIBRARY_YEARS)
    assert cal.coverage(last) == cal.LIBRARY
    assert cal.coverage(last + 1) == cal.RULE_ONLY
    inside = cal.deadline(date(last, 6, 1), 10)
    assert not inside.estimated and inside.warning is None
    across = cal.deadline(date(last, 12, 20), 15)
    assert across.date.year == last + 1
    assert across.rule_only_years == (last + 1,)
    assert str(last + 1) in across.warning
    # Rule-only years still skip weekends and statutory holidays (New Year's Day).
    assert not cal.is_working_day(date(last + 1, 1, 1))


@pytest.mark.parametrize(
    "year, spring, autumn",
    [
        (2024, "2024-02-10", "2024-09-17"),
        (2025, "2025-01-29", "2025-10-06"),
        (2026, "2026-02-17", "2026-09-25"),
        (2027, "2027-02-06", "2027-09-15"),
    ],
)
def test_cs16_lunar_festivals_computed(year, spring, autumn):
    assert cal.spring_festival(year) == D(spring)
    assert cal.mid_autumn(year) == D(autumn)
    days = cal.greeting_days(year)
    assert days["spring_festival"] == D(spring) and days["mid_autumn"] == D(autumn)
    assert list(days.values()) == sorted(days.values())


def test_cs16_lunar_festival_outside_table_is_refused():
    with pytest.raises(ValueError, match="2101"):
        cal.spring_festival(2101)


def test_cal01_parser_names_the_bad_line():
    holidays, workdays = cal.parse_schedule(SCHEDULE_2031)
    assert holidays[0] == (D("2031-10-01"), "国庆节") and len(holidays) == 5
    assert workdays == [D("2031-09-28"), D("2031-10-11")]
    with pytest.raises(cal.CalendarDataError, match="Line 2: 2031-13-01"):
        cal.parse_schedule("2031-10-01,holiday,x\n2031-13-01,holiday,y")
    with pytest.raises(cal.CalendarDataError, match="Line 1: kind"):
        cal.parse_schedule("2031-10-01,vacation,x")


# -- loaded schedules (database) ---------------------------------------------------------------


def _load_2031():
    holidays, workdays = cal.parse_schedule(SCHEDULE_2031)
    return cal.load_year(2031, holidays, workdays, source="test notice")


def test_cal01_loaded_year_overrides_library(ctx):
    assert cal.coverage(2031) == cal.RULE_ONLY
    assert cal.add_working_days(D("2031-09-30"), 1) == D("2031-10-06")  # rules: Oct 1–3 off
    _load_2031()
    assert cal.coverage(2031) == cal.OFFICIAL_LOADED
    assert cal.is_working_day(D("2031-09-28"))
    assert not cal.is_working_day(D("2031-10-06"))
    assert cal.add_working_days(D("2031-09-30"), 1) == D("2031-10-08")
    assert cal.working_days_between(D("2031-09-30"), D("2031-10-11")) == 4  # 8, 9, 10, 11
    # The loaded schedule replaces the library's year: New Year's Day is not in it.
    assert cal.is_working_day(D("2031-01-01"))
    assert cal.deadline(D("2031-09-30"), 1).warning is None


def test_cal01_reloading_a_year_replaces_its_days(ctx):
    _load_2031()
    cal.load_year(2031, [(D("2031-10-01"), "国庆节")], [], source="corrected")
    schedule = cal.year_schedule(2031)
    assert schedule.holidays == {D("2031-10-01"): "国庆节"} and not schedule.workdays
    assert [y.source for y in cal.loaded_years()] == ["corrected"]


@pytest.mark.parametrize(
    "holidays, workdays, message",
    [
        ([(D("2031-10-01"), "a"), (D("2032-01-01"), "b")], [], "2032-01-01 is not in 2031"),
        ([(D("2031-10-01"), "a")], [D("2030-12-28")], "2030-12-28 is not in 2031"),
        ([(D("2031-10-01"), "a")], [D("2031-10-01")], "2031-10-01 is listed twice"),
        ([(D("2031-10-01"), "a")], [D("2031-10-08")], "2031-10-08 is a weekday"),
        ([], [D("2031-10-11")], "lists no holidays"),
    ],
)
def test_cal01_bad_schedule_names_the_date_and_writes_nothing(ctx, holidays, workdays, message):
    from core.extensions import db
    from core.models.calendar import CalendarDay

    _load_2031()
    before = cal.year_schedule(2031)
    with pytest.raises(cal.CalendarDataError, match=message):
        cal.load_year(2031, holidays, workdays, source="bad")
    assert cal.year_schedule(2031) == before
    assert db.session.scalar(select(func.count()).select_from(CalendarDay)) == 7
    assert [y.source for y in cal.loaded_years()] == ["test notice"]


def test_cal01_cli_load_and_show(ctx, tmp_path):
    runner = ctx.test_cli_runner()
    path = tmp_path / "2031.csv"
    path.write_text(SCHEDULE_2031, encoding="utf-8")
    result = runner.invoke(calendar_cli, ["load", str(path), "--year", "2031"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(calendar_cli, ["show", "--year", "2031", "--json"])
    data = json.loads(result.output)
    assert data["coverage"] == cal.OFFICIAL_LOADED
    assert {"date": "2031-10-11", "kind": "workday", "name": ""} in data["days"]
    path.write_text("2032-10-01,holiday,国庆节\n", encoding="utf-8")
    result = runner.invoke(calendar_cli, ["load", str(path), "--year", "2031"])
    assert result.exit_code == 1 and "2032-10-01" in result.output


def test_cal01_admin_loads_pasted_schedule(client, world):
    login(client, "root@example.com")
    page = client.get("/admin/calendar/")
    assert page.status_code == 200 and "Load a published schedule" in page.text
    bad = client.post("/admin/calendar/", data={"year": 2031, "schedule": "2030-10-01,holiday,x"})
    assert bad.status_code == 400 and "2030-10-01 is not in 2031" in bad.text
    assert cal.coverage(2031) == cal.RULE_ONLY
    done = client.post(
        "/admin/calendar/", data={"year": 2031, "source": "notice", "schedule": SCHEDULE_2031}
    )
    assert done.status_code == 302
    assert cal.coverage(2031) == cal.OFFICIAL_LOADED
    (loaded,) = cal.loaded_years()
    assert loaded.loaded_by == "root@example.com"
    details = client.get(f"/admin/calendar_years/details/?id={loaded.id}")
    assert details.status_code == 200 and "2031-10-07 国庆节" in details.text
    assert "国庆节" in client.get("/admin/calendar_days/").text
    upload = (io.BytesIO("2031-10-01,holiday,国庆节\n".encode("utf-8-sig")), "2031.csv")
    done = client.post("/admin/calendar/", data={"year": 2031, "upload": upload})
    assert done.status_code == 302
    assert cal.year_schedule(2031).holidays == {D("2031-10-01"): "国庆节"}


def test_cal01_admin_needs_calendar_permission(client, world):
    login(client, "admin-a@example.com")  # a company admin: not national data
    page = client.post("/admin/calendar/", data={"year": 2031, "schedule": SCHEDULE_2031})
    assert page.status_code == 403 and "core.calendar.manage" in page.text
    assert cal.coverage(2031) == cal.RULE_ONLY
