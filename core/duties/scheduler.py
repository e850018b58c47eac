"""``erp scheduler``: every minute, one ``run_due`` job per company that has a duty due.

Why this loop and not RQ's schedulers:

* **rq-scheduler** is being deprecated (STACK-NOTES): not used.
* **rq cron** (``rq.cron.CronScheduler``, beta) could enqueue a job every minute, but it has no
  leader lock (two cron processes enqueue every job twice), reads cron expressions in the
  process's local time zone, and knows nothing of companies or of which plugins each has
  enabled. Our duties need per-company periods and catch-up anyway, so the period logic lives
  in :mod:`core.duties.service` and the trigger can stay this simple.

This process only asks the database which companies have a period to start now and enqueues
a job for each through :func:`core.jobs.enqueue`: RQ workers run them (without ``REDIS_URL``
they run here, in-process). Nothing here is a lock: two schedulers, or a scheduler plus
``erp duties run`` from cron, are safe because the run records make every period run once; the
worst is a redundant job that finds nothing to do.
"""

import logging
import time
from datetime import date

from sqlalchemy import select

from core import jobs
from core.duties.service import ready_count, run_due_job, today
from core.extensions import db
from core.jobs import runner
from core.models import Company
from core.models.jobs import JobRecord

log = logging.getLogger("erp.duties")


def tick(day: date) -> list[dict]:
    """Enqueue ``run_due(company, day)`` for each company with a duty to start now."""
    enqueued = []
    for company in db.session.scalars(select(Company).order_by(Company.code)).all():
        try:
            count = ready_count(company, day)
        except Exception:  # one company's broken duty declaration must not stop the others
            log.exception("duties of %s cannot be planned", company.code)
            db.session.rollback()
            continue
        if not count:
            continue
        job = jobs.enqueue(
            run_due_job, company=company, subject=f"duties until {day}", until=day.isoformat()
        )
        db.session.commit()  # dispatched now, before another company's planning can fail
        status = db.session.get(JobRecord, job.id).status  # done already when run in-process
        enqueued.append(
            {"company": company.code, "duties": count, "job": job.id, "job_status": str(status)}
        )
    # A fresh session per tick: plugin changes (Company.plugins_rev) and new companies show.
    db.session.remove()
    return enqueued


def serve(interval: float, report=None) -> None:
    """Tick every ``interval`` seconds (China date) until interrupted; ``report(day, rows)``
    hears each tick that enqueued something."""
    while True:
        started = time.monotonic()
        day = today()
        if not runner.in_process():
            jobs.reap()  # re-queue the jobs of workers that died since the last tick
        enqueued = tick(day)
        if enqueued and report is not None:
            report(day, enqueued)
        time.sleep(max(interval - (time.monotonic() - started), 0))
