"""Lunar festival dates, computed by the ``holidays`` library, never typed (SPEC CS-16).

The library's Chinese lunisolar calendar holds the astronomically computed new moons for
1901–2100 (China time, UTC+8). Its helper class is private (``_ChineseLunisolar``), so this
module is the only place that touches it; the tests pin known years so a library upgrade that
moves it fails loudly instead of silently.
"""

from datetime import date

from holidays.calendars.chinese import _ChineseLunisolar

_LUNISOLAR = _ChineseLunisolar()


def _lunar(lookup, year: int, what: str) -> date:
    day, _estimated = lookup(year)
    if day is None:
        raise ValueError(f"{what} is not known for {year} (the lunar table covers 1901–2100)")
    return day


def spring_festival(year: int) -> date:
    """春节: the 1st day of the 1st lunar month that falls in Gregorian ``year``."""
    return _lunar(_LUNISOLAR.lunar_new_year_date, year, "Spring Festival")


def mid_autumn(year: int) -> date:
    """中秋节: the 15th day of the 8th lunar month in Gregorian ``year``."""
    return _lunar(_LUNISOLAR.mid_autumn_date, year, "Mid-Autumn Festival")


def greeting_days(year: int) -> dict[str, date]:
    """The festivals that get holiday cards or events (SPEC CS-16), by key, in date order."""
    days = {
        "new_year": date(year, 1, 1),
        "spring_festival": spring_festival(year),
        "mid_autumn": mid_autumn(year),
        "national_day": date(year, 10, 1),
        "christmas": date(year, 12, 25),
    }
    return dict(sorted(days.items(), key=lambda item: item[1]))
