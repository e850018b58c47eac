"""Running periodic duties (SPEC CAL-02): each runs once per period per company, even when run
late or twice.

Which duties
    Those returned by ``erp_duties(company)`` of the plugins enabled in the company (a disabled
    plugin's duties skip it). Keys are unique, by convention ``<plugin>.<name>``.
Where a duty starts
    A duty with no run record in the company yet (newly installed, or its plugin newly
    enabled) runs only the periods due in the last ``DUTY_FIRST_LOOKBACK_DAYS`` days up to
    ``until`` (default 0: only a period due on ``until`` itself): it never replays history.
Catching up
    Otherwise every period from the latest recorded one up to ``until`` that is not done runs,
    oldest first: a scheduler that was down for a week runs the week's periods in order. A
    plugin disabled for a while and enabled again catches up the periods in between the same
    way (its functions get each ``period.date`` and decide what a late period means).
Exactly once
    A period's run record is inserted and committed *before* the duty function runs; the
    unique key (duty, company, period) makes a concurrent runner's insert fail, and it leaves
    the period (and the duty's later periods) to the runner that has it. The function's
    effects and the ``done`` mark commit in one transaction, conditional on the attempt still
    being ours, so a runner that died mid-period left nothing half-done. A ``running`` record
    older than ``DUTY_STALE_AFTER`` seconds (default 3600: set it above the longest duty) is
    taken as a dead runner's and taken over. Duty functions must not commit.
Failures
    A failed period is recorded ``failed`` with the error and retried first by the next run;
    the duty's later periods wait for it (a step is never skipped), other duties go on.
"""

import json
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.duties.schedules import Schedule
from core.extensions import db
from core.jobs.runner import now
from core.models import Company
from core.models.duties import DutyRun, DutyStatus
from core.plugins import state
from core.tenancy import company_scope

log = logging.getLogger("erp.duties")
CHINA = ZoneInfo("Asia/Shanghai")
BUSY = "busy"  # another runner holds the period
# How far ahead `describe` looks for a duty's next period: over a year, for yearly duties.
HORIZON = timedelta(days=400)


@dataclass(frozen=True)
class Period:
    key: str  # e.g. "2026-11-24", "2026-W48", "2026-11", "2026-M11-W3", "2026-spring_festival"
    date: date  # the due date


@dataclass(frozen=True)
class Duty:
    """A periodic duty: ``function(company, period)`` returns a JSON-able dict summary (or
    None); it runs scoped to the company, inside the transaction that marks the period done."""

    key: str
    schedule: Schedule
    function: Callable[[Company, Period], dict | None]
    label: str = ""

    def __str__(self):
        return str(self.label or self.key)


def today() -> date:
    """Business dates are China dates."""
    return datetime.now(CHINA).date()


def _setting(name: str, default):
    return current_app.config.get(name, default)


def duties_of(company: Company) -> list[Duty]:
    """The duties of the plugins enabled in ``company``, by key."""
    found: dict[str, Duty] = {}
    for result in state.hooks(company).erp_duties(company=company):
        for duty in result if isinstance(result, list | tuple) else [result]:
            if not isinstance(duty, Duty):
                raise TypeError(f"erp_duties returned {duty!r}, not a core.duties.Duty")
            if duty.key in found:
                raise ValueError(f"two duties share the key {duty.key}")
            found[duty.key] = duty
    return [found[key] for key in sorted(found)]


def _of(company: Company, duty: Duty):
    return DutyRun.company_id == company.id, DutyRun.duty_key == duty.key


def _open_periods(company: Company, duty: Duty, until: date) -> list[tuple[Period, DutyRun]]:
    """The duty's periods due up to ``until`` and not done, oldest first, with their record
    (None when never tried)."""
    latest = db.session.scalar(select(func.max(DutyRun.due_date)).where(*_of(company, duty)))
    start = latest or until - timedelta(days=_setting("DUTY_FIRST_LOOKBACK_DAYS", 0))
    periods = [Period(k, d) for k, d in duty.schedule.due_dates(start, until)]
    if not periods:
        return []
    keys = [p.key for p in periods]
    records = {
        r.period_key: r
        for r in db.session.scalars(
            select(DutyRun).where(*_of(company, duty), DutyRun.period_key.in_(keys))
        )
    }
    return [
        (p, records.get(p.key))
        for p in periods
        if records.get(p.key) is None or records[p.key].status != DutyStatus.done
    ]


def _stale_before() -> datetime:
    return now() - timedelta(seconds=_setting("DUTY_STALE_AFTER", 3600))


def _claim(company: Company, duty: Duty, period: Period, record: DutyRun | None) -> int | None:
    """Take the period: insert its record, or take over a failed or stale one; committed.
    Returns our attempt number, or None when another runner has (or had) it."""
    if record is None:
        db.session.add(
            DutyRun(
                company_id=company.id,
                duty_key=duty.key,
                period_key=period.key,
                due_date=period.date,
                status=DutyStatus.running,
                attempts=1,
                started_at=now(),
            )
        )
        try:
            db.session.commit()
            return 1
        except IntegrityError:  # a concurrent runner inserted it first
            db.session.rollback()
    this = (*_of(company, duty), DutyRun.period_key == period.key)
    retryable = or_(
        DutyRun.status == DutyStatus.failed,
        and_(DutyRun.status == DutyStatus.running, DutyRun.started_at < _stale_before()),
    )
    taken = db.session.execute(
        update(DutyRun)
        .where(*this, retryable)
        .values(
            status=DutyStatus.running,
            attempts=DutyRun.attempts + 1,
            started_at=now(),
            finished_at=None,
            due_date=period.date,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if taken.rowcount != 1:
        return None
    return db.session.scalar(select(DutyRun.attempts).where(*this))


def _finish(company, duty, period, attempt, status: DutyStatus, outcome: dict) -> bool:
    """Mark our attempt finished (in the current transaction); False if it was taken over."""
    result = db.session.execute(
        update(DutyRun)
        .where(
            *_of(company, duty),
            DutyRun.period_key == period.key,
            DutyRun.attempts == attempt,
            DutyRun.status == DutyStatus.running,
        )
        .values(status=status, finished_at=now(), outcome=outcome)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _run_period(company: Company, duty: Duty, period: Period, record: DutyRun | None):
    """Run one period; returns (status, outcome) or None when it was done by someone else."""
    attempt = _claim(company, duty, period, record)
    if attempt is None:
        current = db.session.scalar(
            select(DutyRun.status).where(*_of(company, duty), DutyRun.period_key == period.key)
        )
        return None if current == DutyStatus.done else (BUSY, {})
    try:
        result = duty.function(company, period)
        # Decimal, dates and the like become text: the outcome is a summary for people.
        outcome = json.loads(json.dumps(result or {}, default=str, ensure_ascii=False))
        if not _finish(company, duty, period, attempt, DutyStatus.done, outcome):
            db.session.rollback()  # taken over as stale meanwhile: the new runner redoes it
            log.warning(
                "duty %s period %s was taken over; our effects rolled back", duty.key, period.key
            )
            return BUSY, {}
        db.session.commit()
        return DutyStatus.done, outcome
    except Exception as exc:
        db.session.rollback()
        log.exception("duty %s failed in %s for period %s", duty.key, company.code, period.key)
        outcome = {
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc()[-4000:],
        }
        _finish(company, duty, period, attempt, DutyStatus.failed, outcome)
        db.session.commit()
        return DutyStatus.failed, outcome


def run_due(company: Company, until: date) -> dict:
    """Run every open period of every enabled duty of ``company`` due up to ``until``.

    Returns ``{"company", "until", "runs": [{"duty", "period", "date", "status", "outcome"}]}``
    listing the periods this call ran (done or failed) or found held by another runner (busy).
    """
    runs = []
    with company_scope(company.id):
        for duty in duties_of(company):
            for period, record in _open_periods(company, duty, until):
                ran = _run_period(company, duty, period, record)
                if ran is None:
                    continue
                status, outcome = ran
                runs.append(
                    {
                        "duty": duty.key,
                        "period": period.key,
                        "date": period.date.isoformat(),
                        "status": str(status),
                        "outcome": outcome,
                    }
                )
                if status != DutyStatus.done:
                    break  # the later periods of this duty wait for this one
    return {"company": company.code, "until": until.isoformat(), "runs": runs}


def run_due_job(job, until: str) -> dict:
    """The job the scheduler enqueues per company (runs scoped to the job's company)."""
    return run_due(db.session.get(Company, job.company_id), date.fromisoformat(until))


def _ready(record: DutyRun | None) -> bool:
    if record is None:
        return True
    if record.status == DutyStatus.running:
        return record.started_at < _stale_before()
    # A failed period is retried by the scheduler after a pause, not on every tick.
    delay = timedelta(seconds=_setting("DUTY_RETRY_DELAY", 600))
    return record.finished_at is None or record.finished_at < now() - delay


def ready_count(company: Company, until: date) -> int:
    """How many duties of ``company`` have a period the scheduler should start now."""
    with company_scope(company.id):
        heads = [_open_periods(company, duty, until)[:1] for duty in duties_of(company)]
    return sum(1 for head in heads if head and _ready(head[0][1]))


def describe(company: Company, day: date) -> list[dict]:
    """Each duty of ``company``: schedule, last run, periods open up to ``day``, next period."""
    rows = []
    with company_scope(company.id):
        for duty in duties_of(company):
            last = db.session.scalar(
                select(DutyRun)
                .where(*_of(company, duty))
                .order_by(DutyRun.due_date.desc(), DutyRun.id.desc())
                .limit(1)
            )
            upcoming = duty.schedule.due_dates(day + timedelta(days=1), day + HORIZON)[:1]
            rows.append(
                {
                    "key": duty.key,
                    "label": str(duty),
                    "schedule": repr(duty.schedule),
                    "last": (
                        {
                            "period": last.period_key,
                            "date": last.due_date.isoformat(),
                            "status": str(last.status),
                        }
                        if last
                        else None
                    ),
                    "open": [p.key for p, _ in _open_periods(company, duty, day)],
                    "next": (
                        {"period": upcoming[0][0], "date": upcoming[0][1].isoformat()}
                        if upcoming
                        else None
                    ),
                }
            )
    return rows
