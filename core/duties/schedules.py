"""When the periods of a duty fall due (SPEC CAL-02).

A schedule turns a date range into the periods due in it, in order, as ``(period key, due
date)`` pairs. The key names the period, which is what "once per period" counts: changing a
duty's weekday keeps its weekly keys, so a week already done is not done again.

======================================  ===================  ==================================
schedule                                period key           due date
======================================  ===================  ==================================
``Daily()``                             ``2026-11-24``       that day
``Weekly(FRIDAY)``                      ``2026-W48`` (ISO)   that weekday of the ISO week
``Monthly(25)``                         ``2026-11``          that day; past the month's end: its
                                                             last day (31 → 28 February)
``EveryNMonths(2, week=3)``             ``2026-M11-W3``      the ``weekday`` (Monday) of week 3
``EveryNMonths(6, day=15)``             ``2026-M07``         that day of every 6th month
``HalfYearly((6, 30), (12, 20))``       ``2026-H1``          each given (month, day)
``Yearly(10, 1)``                       ``2026``             that day each year
``YearlyLunar("spring_festival")``      ``2026-spring_…``    computed by :mod:`core.calendar.lunar`
======================================  ===================  ==================================

**Week K of a month** is the Monday-to-Sunday week that starts on the month's K-th Monday
(week 1 starts on its first Monday; days before it belong to the previous month's last week),
so week 3 of November 2026 is 16–22 November. K is 1–4, which every month has; the due date is
the ``weekday`` of that week (with K = 4 and a late weekday it can fall early next month).

``EveryNMonths(n)`` takes n dividing 12 (1, 2, 3, 4, 6, 12), so its months are the same each
year: ``first_month`` and every n-th month after it (n = 2 from January: January, March, …
November).

``working_day=True`` (office work) moves a due date that is not a working day (SPEC CAL-01:
weekends, statutory holidays, adjusted working weekends count as working) to the next working
day; the period key stays. For ``Daily`` it means the non-working days have no period at all,
rather than three periods falling due on Monday.
"""

from calendar import MONDAY, monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.calendar.lunar import mid_autumn, spring_festival
from core.calendar.service import WorkingCalendar

ONE_DAY = timedelta(days=1)
# A period due before a range may be moved into it by days off: look back further than the
# longest run of them (Spring Festival, National Day: 8–9 days).
SHIFT_MARGIN = timedelta(days=20)
LUNAR = {"spring_festival": spring_festival, "mid_autumn": mid_autumn}


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, monthrange(year, month)[1]))


def _months(start: date, end: date):
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True)
class Schedule:
    working_day: bool = field(default=False, kw_only=True)

    def periods(self, start: date, end: date):
        """Nominal ``(key, date)`` pairs with ``start <= date <= end``, in order."""
        raise NotImplementedError

    def due_dates(self, start: date, end: date) -> list[tuple[str, date]]:
        """The periods due from ``start`` to ``end`` (inclusive), in order."""
        if not self.working_day:
            return list(self.periods(start, end))
        calendar = WorkingCalendar()
        due = []
        for key, day in self.periods(start - SHIFT_MARGIN, end):
            moved = calendar.add_working_days(day, 0)  # the day itself, or the next working one
            if start <= moved <= end:
                due.append((key, moved))
        return due


@dataclass(frozen=True)
class Daily(Schedule):
    def periods(self, start, end):
        day = start
        while day <= end:
            yield day.isoformat(), day
            day += ONE_DAY

    def due_dates(self, start, end):
        if not self.working_day:
            return list(self.periods(start, end))
        calendar = WorkingCalendar()
        return [(k, d) for k, d in self.periods(start, end) if calendar.is_working_day(d)]


@dataclass(frozen=True)
class Weekly(Schedule):
    weekday: int  # 0 = Monday … 6 = Sunday (calendar.FRIDAY == 4)

    def __post_init__(self):
        _check(0 <= self.weekday <= 6, f"weekday {self.weekday} is not 0 (Monday) to 6")

    def periods(self, start, end):
        day = start + timedelta(days=(self.weekday - start.weekday()) % 7)
        while day <= end:
            year, week, _ = day.isocalendar()
            yield f"{year}-W{week:02d}", day
            day += timedelta(days=7)


@dataclass(frozen=True)
class Monthly(Schedule):
    day: int

    def __post_init__(self):
        _check(1 <= self.day <= 31, f"day {self.day} is not 1 to 31")

    def periods(self, start, end):
        for year, month in _months(start, end):
            day = _clamped(year, month, self.day)
            if start <= day <= end:
                yield f"{year}-{month:02d}", day


@dataclass(frozen=True)
class EveryNMonths(Schedule):
    n: int
    week: int | None = None  # week K of the month (see the module docstring), else ``day``
    weekday: int = MONDAY
    day: int = 1
    first_month: int = 1

    def __post_init__(self):
        _check(self.n in (1, 2, 3, 4, 6, 12), f"every {self.n} months: n must divide 12")
        _check(self.week is None or 1 <= self.week <= 4, f"week {self.week} is not 1 to 4")
        _check(0 <= self.weekday <= 6, f"weekday {self.weekday} is not 0 (Monday) to 6")
        _check(1 <= self.day <= 31, f"day {self.day} is not 1 to 31")
        _check(1 <= self.first_month <= 12, f"first month {self.first_month} is not 1 to 12")

    def _due(self, year: int, month: int) -> date:
        if self.week is None:
            return _clamped(year, month, self.day)
        first_monday = 1 + (MONDAY - date(year, month, 1).weekday()) % 7
        monday = date(year, month, first_monday + 7 * (self.week - 1))
        return monday + timedelta(days=self.weekday)

    def periods(self, start, end):
        # Start a month early: week 4's due date can fall in the next month.
        for year, month in _months(start - timedelta(days=31), end):
            if (month - self.first_month) % self.n:
                continue
            day = self._due(year, month)
            if start <= day <= end:
                key = f"{year}-M{month:02d}" + (f"-W{self.week}" if self.week else "")
                yield key, day


@dataclass(frozen=True)
class HalfYearly(Schedule):
    first: tuple[int, int]  # (month, day) of the first half-year's date
    second: tuple[int, int]

    def __post_init__(self):
        _check(
            (1, 1) <= tuple(self.first) < tuple(self.second) <= (12, 31),
            f"half-yearly dates {self.first}, {self.second} are not two (month, day) in order",
        )

    def periods(self, start, end):
        for year in range(start.year, end.year + 1):
            for half, (month, day) in (("H1", self.first), ("H2", self.second)):
                due = _clamped(year, month, day)
                if start <= due <= end:
                    yield f"{year}-{half}", due


@dataclass(frozen=True)
class Yearly(Schedule):
    month: int
    day: int

    def __post_init__(self):
        ok = 1 <= self.month <= 12 and 1 <= self.day <= 31
        _check(ok, f"month {self.month}, day {self.day} is not a date")

    def periods(self, start, end):
        for year in range(start.year, end.year + 1):
            due = _clamped(year, self.month, self.day)  # 29 February → 28th in other years
            if start <= due <= end:
                yield str(year), due


@dataclass(frozen=True)
class YearlyLunar(Schedule):
    name: str  # a key of LUNAR: spring_festival, mid_autumn

    def __post_init__(self):
        _check(self.name in LUNAR, f"lunar festival {self.name!r}: known are {sorted(LUNAR)}")

    def periods(self, start, end):
        for year in range(start.year, end.year + 1):
            due = LUNAR[self.name](year)
            if start <= due <= end:
                yield f"{year}-{self.name}", due
