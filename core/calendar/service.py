"""Working days (SPEC CAL-01): weekends off, statutory holidays off, adjusted weekends (调休) on.

Where each year's schedule comes from, strongest first (:func:`coverage`):

``official-loaded``
    An admin loaded the year's published schedule (:func:`load_year`). It replaces the library
    for that year entirely: a day is a working day when it is a listed working day, or a
    Monday–Friday that is not a listed holiday.
``library``
    The ``holidays`` library encodes the State Council notice for that year (its CN class lists
    the year's substituted days, 调休); exact.
``rule-only``
    Neither: the library's rules give the statutory holidays (lunar dates computed, weekend
    holidays moved to the next weekday) but no adjusted working weekends are known, so a
    deadline crossing such a year may move once the schedule is published (each November).

Outside an application context (plain scripts, pure-date tests) only the library is used.

Arithmetic (the start day itself never counts as one of the ``n`` days):

* ``add_working_days(d, n)``: n > 0 → the n-th working day after d; n < 0 → the |n|-th
  working day before d; n == 0 → d when it is a working day, else the next one.
* ``working_days_between(a, b)``: the working days after a up to and including b (a signed
  count when b < a: those before a down to and including b), so that
  ``working_days_between(d, add_working_days(d, n)) == n`` for every n != 0.
"""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import holidays
from flask import has_app_context
from flask_babel import gettext as _
from holidays.countries.china import ChinaStaticHolidays
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.models.calendar import CalendarDay, CalendarYear

OFFICIAL_LOADED = "official-loaded"
LIBRARY = "library"
RULE_ONLY = "rule-only"

# The years whose State Council notice the installed library encodes as substituted days.
LIBRARY_YEARS = frozenset(ChinaStaticHolidays.special_public_holidays)

ONE_DAY = timedelta(days=1)


class CalendarDataError(ValueError):
    """A schedule that cannot be loaded; the message names the bad date or line."""


@dataclass(frozen=True)
class YearSchedule:
    year: int
    coverage: str
    holidays: dict[date, str] = field(default_factory=dict)  # days off (any weekday)
    workdays: frozenset[date] = frozenset()  # adjusted working weekends

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


@dataclass(frozen=True)
class Deadline:
    """A date computed in working days, and the years it relied on rules alone for."""

    date: date
    rule_only_years: tuple[int, ...] = ()

    @property
    def estimated(self) -> bool:
        return bool(self.rule_only_years)

    @property
    def warning(self) -> str | None:
        if not self.rule_only_years:
            return None
        years = ", ".join(str(y) for y in self.rule_only_years)
        return _(
            "No official holiday schedule for %(years)s: this date follows the statutory "
            "rules only and may move when the schedule is published.",
            years=years,
        )


@lru_cache(maxsize=64)
def _library_schedule(year: int) -> YearSchedule:
    # weekend_workdays spans all years, including a late-December weekend worked for the next
    # year's New Year (2006-12-30 for 2007); keep this year's.
    cn = holidays.China(years=year, language="zh_CN")
    return YearSchedule(
        year=year,
        coverage=LIBRARY if year in LIBRARY_YEARS else RULE_ONLY,
        holidays={d: name for d, name in cn.items() if d.year == year},
        workdays=frozenset(d for d in cn.weekend_workdays if d.year == year),
    )


def _loaded_schedule(year: int) -> YearSchedule | None:
    if not has_app_context():
        return None
    row = db.session.scalar(
        select(CalendarYear)
        .where(CalendarYear.year == year)
        .options(selectinload(CalendarYear.days))
    )
    if row is None:
        return None
    return YearSchedule(
        year=year,
        coverage=OFFICIAL_LOADED,
        holidays={d.day: d.name for d in row.days if not d.is_working},
        workdays=frozenset(d.day for d in row.days if d.is_working),
    )


class WorkingCalendar:
    """Working-day arithmetic; reads each year's schedule once per instance.

    The module functions build a fresh one per call, so a newly loaded year is seen at once by
    every process. A long scan (thousands of dates) should build one and reuse it.
    """

    def __init__(self, official: Callable[[int], YearSchedule | None] = _loaded_schedule):
        self._official = official
        self._years: dict[int, YearSchedule] = {}

    def schedule(self, year: int) -> YearSchedule:
        if year not in self._years:
            self._years[year] = self._official(year) or _library_schedule(year)
        return self._years[year]

    def coverage(self, year: int) -> str:
        return self.schedule(year).coverage

    def is_working_day(self, day: date) -> bool:
        return self.schedule(day.year).is_working_day(day)

    def add_working_days(self, day: date, n: int) -> date:
        step = ONE_DAY if n >= 0 else -ONE_DAY
        if n == 0:
            while not self.is_working_day(day):
                day += step
            return day
        remaining = abs(n)
        while remaining:
            day += step
            remaining -= self.is_working_day(day)
        return day

    def next_working_day(self, day: date) -> date:
        return self.add_working_days(day, 1)

    def working_days_between(self, start: date, end: date) -> int:
        if end < start:
            return -self._count(end, start - ONE_DAY)
        return self._count(start + ONE_DAY, end)

    def _count(self, first: date, last: date) -> int:
        total, day = 0, first
        while day <= last:
            total += self.is_working_day(day)
            day += ONE_DAY
        return total

    def rule_only_years(self, start: date, end: date) -> tuple[int, ...]:
        low, high = sorted((start.year, end.year))
        return tuple(y for y in range(low, high + 1) if self.coverage(y) == RULE_ONLY)

    def deadline(self, day: date, n: int) -> Deadline:
        due = self.add_working_days(day, n)
        return Deadline(due, self.rule_only_years(day, due))


def coverage(year: int) -> str:
    """'official-loaded', 'library' or 'rule-only' (see the module docstring)."""
    return WorkingCalendar().coverage(year)


def year_schedule(year: int) -> YearSchedule:
    return WorkingCalendar().schedule(year)


def is_working_day(day: date) -> bool:
    return WorkingCalendar().is_working_day(day)


def add_working_days(day: date, n: int) -> date:
    return WorkingCalendar().add_working_days(day, n)


def next_working_day(day: date) -> date:
    return WorkingCalendar().next_working_day(day)


def working_days_between(start: date, end: date) -> int:
    return WorkingCalendar().working_days_between(start, end)


def deadline(day: date, n: int) -> Deadline:
    """``add_working_days`` plus the rule-only years it crossed (``warning`` says so)."""
    return WorkingCalendar().deadline(day, n)


# -- loading a published schedule -------------------------------------------------------------

KINDS = {"holiday": False, "workday": True}


def parse_schedule(text: str) -> tuple[list[tuple[date, str]], list[date]]:
    """Parse lines ``2027-10-01,holiday,国庆节`` / ``2027-10-09,workday,``.

    Blank lines, ``#`` comments and a ``date,kind,name`` header are skipped. Returns
    ``(holidays, workdays)`` for :func:`load_year`.
    """
    holidays_, workdays = [], []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#") or cells[0].lower() == "date":
            continue
        if len(cells) < 2 or len(cells) > 3:
            raise CalendarDataError(
                _("Line %(n)d: expected date,kind,name: %(line)s", n=number, line=",".join(row))
            )
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            raise CalendarDataError(
                _("Line %(n)d: %(value)s is not a date (YYYY-MM-DD)", n=number, value=cells[0])
            ) from None
        kind = cells[1].lower()
        if kind not in KINDS:
            raise CalendarDataError(
                _("Line %(n)d: kind must be holiday or workday, not %(kind)s", n=number, kind=kind)
            )
        if KINDS[kind]:
            workdays.append(day)
        else:
            holidays_.append((day, cells[2] if len(cells) == 3 else ""))
    return holidays_, workdays


def _validate(year: int, holidays_: Iterable[tuple[date, str]], workdays: Iterable[date]):
    seen: set[date] = set()
    entries = [(d, name, False) for d, name in holidays_] + [(d, "", True) for d in workdays]
    if not any(not working for _d, _n, working in entries):
        raise CalendarDataError(_("The schedule for %(year)d lists no holidays.", year=year))
    for day, name, working in entries:
        if day.year != year:
            raise CalendarDataError(
                _("%(day)s is not in %(year)d.", day=day.isoformat(), year=year)
            )
        if day in seen:
            raise CalendarDataError(_("%(day)s is listed twice.", day=day.isoformat()))
        if working and day.weekday() < 5:
            raise CalendarDataError(
                _(
                    "%(day)s is a weekday: an adjusted working day is a Saturday or Sunday.",
                    day=day.isoformat(),
                )
            )
        if len(name) > 100:
            raise CalendarDataError(_("%(day)s: the name is too long.", day=day.isoformat()))
        seen.add(day)
    return sorted(entries)


def load_year(
    year: int,
    holidays: Iterable[tuple[date, str]],
    workdays: Iterable[date],
    source: str = "",
    notes: str = "",
    loaded_by: str = "",
) -> CalendarYear:
    """Store (or replace) a year's published schedule; it then overrides the library.

    Everything is checked before anything is written, and the write is one transaction: a bad
    date raises :class:`CalendarDataError` naming it and leaves the database as it was.
    """
    entries = _validate(year, holidays, workdays)
    try:
        row = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
        if row is None:
            row = CalendarYear(year=year)
            db.session.add(row)
        else:
            # Old days go first: the new ones reuse their dates (unique).
            row.days = []
            db.session.flush()
        row.source, row.notes, row.loaded_by = source, notes, loaded_by
        row.loaded_at = datetime.now(UTC).replace(tzinfo=None)
        row.days = [CalendarDay(day=d, name=n, is_working=w) for d, n, w in entries]
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return row


def loaded_years() -> list[CalendarYear]:
    return list(db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)))
