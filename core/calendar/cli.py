"""``erp calendar``: load a year's published schedule, show what a year's calendar rests on."""

import json

import click
from flask.cli import with_appcontext

from core.calendar import service


@click.group("calendar", help="Working-day calendar (SPEC CAL-01).")
def calendar():
    pass


@calendar.command("load")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--year", type=int, required=True, help="The year the schedule is for.")
@click.option("--source", default="", help="Where it was published (notice, URL).")
@click.option("--notes", default="")
@with_appcontext
def load(file, year, source, notes):
    """Load FILE (lines like 2027-10-01,holiday,国庆节 / 2027-10-09,workday,) for a year.

    It replaces any data loaded for that year before and overrides the holidays library.
    """
    try:
        holidays, workdays = service.parse_schedule(file.read())
        row = service.load_year(year, holidays, workdays, source, notes, loaded_by="cli")
    except service.CalendarDataError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{row.year}: {len(holidays)} holidays, {len(workdays)} adjusted working days")


@calendar.command("show")
@click.option("--year", type=int, required=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def show(year, as_json):
    """Show a year's holidays and adjusted working days, and where they come from."""
    schedule = service.year_schedule(year)
    days = sorted(
        [(d, "holiday", name) for d, name in schedule.holidays.items()]
        + [(d, "workday", "") for d in schedule.workdays]
    )
    if as_json:
        data = {
            "year": year,
            "coverage": schedule.coverage,
            "days": [{"date": d.isoformat(), "kind": k, "name": n} for d, k, n in days],
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{year}: {schedule.coverage}")
    for day, kind, name in days:
        click.echo(f"  {day.isoformat()}  {kind:<8} {name}".rstrip())
