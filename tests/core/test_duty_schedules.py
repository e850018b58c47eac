"""Duty schedules (SPEC CAL-02, CS-11, CS-12, CS-15, CS-16): the periods and their due dates."""

from calendar import FRIDAY, MONDAY, THURSDAY
from datetime import date

import pytest

from core.app import create_app  # noqa: F401 (imports the core models before core.calendar)
from core.calendar import mid_autumn, spring_festival
from core.duties import Daily, EveryNMonths, HalfYearly, Monthly, Weekly, Yearly, YearlyLunar


def test_cal02_weekly_friday_schedule():
    due = Weekly(FRIDAY).due_dates(date(2026, 11, 1), date(2026, 11, 30))
    assert due == [
        ("2026-W45", date(2026, 11, 6)),
        ("2026-W46", date(2026, 11, 13)),
        ("2026-W47", date(2026, 11, 20)),
        ("2026-W48", date(2026, 11, 27)),
    ]
    # An ISO week belongs to the year of its Thursday: Friday 2027-01-01 is in 2026-W53.
    assert Weekly(FRIDAY).due_dates(date(2027, 1, 1), date(2027, 1, 1)) == [
        ("2026-W53", date(2027, 1, 1))
    ]


def test_cal02_monthly_day_31_falls_on_the_last_day_of_short_months():
    due = Monthly(31).due_dates(date(2026, 1, 1), date(2026, 4, 30))
    assert due == [
        ("2026-01", date(2026, 1, 31)),
        ("2026-02", date(2026, 2, 28)),
        ("2026-03", date(2026, 3, 31)),
        ("2026-04", date(2026, 4, 30)),
    ]
    assert Monthly(31).due_dates(date(2028, 2, 1), date(2028, 2, 29)) == [
        ("2028-02", date(2028, 2, 29))
    ]
    # CS-12: the 25th cut-off and the 5th report; a range cut inside a month.
    assert Monthly(25).due_dates(date(2026, 11, 26), date(2027, 1, 5)) == [
        ("2026-12", date(2026, 12, 25))
    ]


def test_cal02_every_two_months_third_week():
    """CS-15: visits every 2 months in the third week; week 3 starts on the 3rd Monday."""
    due = EveryNMonths(2, week=3).due_dates(date(2026, 1, 1), date(2026, 12, 31))
    assert [k for k, _ in due] == [f"2026-M{m:02d}-W3" for m in (1, 3, 5, 7, 9, 11)]
    assert dict(due)["2026-M11-W3"] == date(2026, 11, 16)  # Nov 1st is a Sunday
    assert dict(due)["2026-M01-W3"] == date(2026, 1, 19)  # Jan 1st is a Thursday
    assert all(d.weekday() == MONDAY and 15 <= d.day <= 21 for _, d in due)
    # June 2026 starts on a Monday, so its week 3 is 15–21 June; a Thursday in it: the 18th.
    june = EveryNMonths(2, week=3, weekday=THURSDAY, first_month=2)
    assert dict(june.due_dates(date(2026, 6, 1), date(2026, 6, 30))) == {
        "2026-M06-W3": date(2026, 6, 18)
    }
    # Every 4 months from February, the same months each year.
    keys = [
        k for k, _ in EveryNMonths(4, first_month=2).due_dates(date(2026, 1, 1), date(2027, 6, 30))
    ]
    assert keys == ["2026-M02", "2026-M06", "2026-M10", "2027-M02", "2027-M06"]


def test_cal02_half_yearly_customer_forum():
    forum = HalfYearly((6, 30), (12, 20))
    assert forum.due_dates(date(2026, 1, 1), date(2027, 6, 30)) == [
        ("2026-H1", date(2026, 6, 30)),
        ("2026-H2", date(2026, 12, 20)),
        ("2027-H1", date(2027, 6, 30)),
    ]
    every_six = EveryNMonths(6, day=15, first_month=3)
    assert [d for _, d in every_six.due_dates(date(2026, 1, 1), date(2026, 12, 31))] == [
        date(2026, 3, 15),
        date(2026, 9, 15),
    ]


def test_cal02_lunar_spring_festival_and_fixed_holidays():
    """CS-16: lunar festivals computed (never typed), fixed ones by month and day."""
    spring = YearlyLunar("spring_festival").due_dates(date(2026, 1, 1), date(2027, 12, 31))
    assert spring == [
        ("2026-spring_festival", date(2026, 2, 17)),
        ("2027-spring_festival", date(2027, 2, 6)),
    ]
    assert spring[1][1] == spring_festival(2027)
    assert YearlyLunar("mid_autumn").due_dates(date(2026, 1, 1), date(2026, 12, 31)) == [
        ("2026-mid_autumn", mid_autumn(2026))
    ]
    assert Yearly(12, 25).due_dates(date(2026, 1, 1), date(2027, 12, 31)) == [
        ("2026", date(2026, 12, 25)),
        ("2027", date(2027, 12, 25)),
    ]


def test_cal02_office_duties_move_to_the_next_working_day():
    # Sunday 15 November 2026 → Monday; the period key stays the month.
    assert Monthly(15, working_day=True).due_dates(date(2026, 11, 1), date(2026, 11, 30)) == [
        ("2026-11", date(2026, 11, 16))
    ]
    # Mid-Autumn (Friday 25 September 2026) moves that week's Friday list to Monday the 28th.
    fridays = Weekly(FRIDAY, working_day=True).due_dates(date(2026, 9, 21), date(2026, 9, 30))
    assert fridays == [("2026-W39", date(2026, 9, 28))]
    # A period moved into the range by the National Day holidays is found.
    assert Yearly(10, 1, working_day=True).due_dates(date(2026, 10, 8), date(2026, 10, 8)) == [
        ("2026", date(2026, 10, 8))
    ]
    # Daily office work: no period on days off, one on an adjusted working Saturday (调休).
    days = [d for _, d in Daily(working_day=True).due_dates(date(2026, 9, 26), date(2026, 10, 11))]
    assert date(2026, 9, 26) not in days and date(2026, 10, 1) not in days
    assert date(2026, 10, 10) in days and days[0] == date(2026, 9, 28)
    assert len(Daily().due_dates(date(2026, 9, 26), date(2026, 10, 11))) == 16


@pytest.mark.parametrize(
    "make",
    [
        lambda: Weekly(7),
        lambda: Monthly(0),
        lambda: EveryNMonths(2, week=5),
        lambda: EveryNMonths(5),
        lambda: HalfYearly((12, 1), (6, 1)),
        lambda: Yearly(2, 30 + 2),
        lambda: YearlyLunar("qingming"),
    ],
)
def test_cal02_impossible_schedules_are_refused(make):
    with pytest.raises(ValueError):
        make()
