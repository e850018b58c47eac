"""``erp duties list|run`` and ``erp scheduler`` (commands of the ``erp`` group: ``--json``)."""

import click
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select

from core.cli import Result
from core.duties import scheduler as duty_scheduler
from core.duties.service import describe, run_due, today
from core.extensions import db
from core.models import Company
from core.services.companies import company_by_code

COMPANY = click.option("--company", help="Company code, e.g. LY (default: every company).")


def _companies(code: str | None) -> list[Company]:
    if code:
        return [company_by_code(code)]
    return list(db.session.scalars(select(Company).order_by(Company.code)))


@COMPANY
def list_duties(company):
    """List each company's duties: schedule, last run, open periods, next period."""
    day = today()
    rows = [{"company": c.code, "duties": describe(c, day)} for c in _companies(company)]
    lines = []
    for row in rows:
        lines.append(f"{row['company']}:")
        for d in row["duties"]:
            last = d["last"] and f"{d['last']['period']} {d['last']['status']}"
            upcoming = d["next"] and f"{d['next']['period']} on {d['next']['date']}"
            lines.append(f"  {d['key']:<36} {d['schedule']}")
            lines.append(
                f"    last: {last or '-'}  open: {', '.join(d['open']) or '-'}"
                f"  next: {upcoming or '-'}"
            )
    return Result(rows, "\n".join(lines))


@click.option(
    "--date",
    "until",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Run the periods due up to this day (default: today in China).",
)
@COMPANY
def run_duties(until, company):
    """Run every due period of every enabled duty, catching up missed ones oldest first.

    Safe to run twice or concurrently: a period already done or running is left alone.
    """
    day = until.date() if until else today()
    if day > today():
        # A run ahead of time would mark future periods done before their data exists.
        raise ValidationError({"until": [f"{day} is in the future"]})
    results = [run_due(c, day) for c in _companies(company)]
    lines = [
        f"{r['company']} {run['duty']} {run['period']} ({run['date']}): {run['status']}"
        for r in results
        for run in r["runs"]
    ]
    return Result(results, "\n".join(lines) or f"nothing due up to {day}")


@click.option(
    "--interval", type=float, help="Seconds between ticks (DUTY_SCHEDULER_INTERVAL, default 60)."
)
@click.option("--once", is_flag=True, help="One tick, then exit (tests, cron).")
def scheduler(interval, once):
    """Every minute, enqueue a duties job per company with a period due (see
    core.duties.scheduler: safe to run twice; no rq-scheduler, no leader lock needed)."""
    if once:
        day = today()
        enqueued = duty_scheduler.tick(day)
        text = "\n".join(f"{r['company']}: job {r['job']} ({r['duties']} duties)" for r in enqueued)
        return Result({"date": day.isoformat(), "enqueued": enqueued}, text or "nothing due")
    interval = interval or current_app.config.get("DUTY_SCHEDULER_INTERVAL", 60)

    def report(day, rows):
        for r in rows:
            click.echo(f"{day} {r['company']}: job {r['job']} ({r['duties']} duties)", err=True)

    click.echo(f"scheduler: a tick every {interval:g} s; Ctrl-C stops", err=True)
    try:
        duty_scheduler.serve(interval, report)
    except KeyboardInterrupt:
        return Result({"stopped": True}, "scheduler stopped")


def register(cli) -> None:
    duties = cli.group("duties", help="Periodic duties (SPEC CAL-02).")(lambda: None)
    duties.command("list")(list_duties)
    duties.command("run")(run_duties)
    cli.command("scheduler")(scheduler)
