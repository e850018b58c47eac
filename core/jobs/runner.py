"""Running one job: the code a worker (or the web process, without Redis) executes.

A job's effect and its ``done`` mark are committed in one transaction, after the attempt was
recorded in an earlier one. A worker killed mid-job therefore leaves the record ``started``
with no effect (the reaper re-queues it), and one killed after the commit leaves it ``done``
(a second delivery returns at once): the effect happens exactly once.

The ``done`` mark names its attempt: an attempt that was given up for lost and re-run (RQ
puts its work horse in a process group of its own, so a worker killed alone leaves an orphan
horse finishing the job later) finds a later attempt recorded, and its work is rolled back.
"""

import importlib
import logging
import os
import socket
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import bindparam, func, update

from core.extensions import db
from core.models.jobs import JobRecord, JobStatus
from core.tenancy import company_scope

log = logging.getLogger("erp.jobs")
_app = None


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def resolve(kind: str):
    module, _, name = kind.rpartition(".")
    return getattr(importlib.import_module(module), name)


def worker_app():
    """The worker process's app, created once (before forking, so children share it)."""
    global _app
    if _app is None:
        from core.app import create_app

        _app = create_app(web=False)
    return _app


def run(job_id: int):
    """Entry point enqueued on RQ: run job ``job_id`` inside the worker's app."""
    from flask import has_app_context

    if has_app_context():
        return execute(job_id)
    with worker_app().app_context():
        return execute(job_id)


@dataclass(frozen=True)
class JobContext:
    """What a job function receives as ``job``: its record's values when it started."""

    id: int
    company_id: int
    user_id: int | None
    kind: str
    attempts: int  # this attempt's number, from 1
    kwargs: dict


_table = JobRecord.__table__
_CONTEXT = [_table.c[c] for c in ("id", "company_id", "user_id", "kind", "attempts", "kwargs")]
# Built once: a job's two bookkeeping statements skip SQLAlchemy's per-call construction.
_MARK_STARTED = (
    update(_table)
    .where(_table.c.id == bindparam("job_id"), _table.c.status != JobStatus.done.value)
    .values(
        status=JobStatus.started.value,
        attempts=_table.c.attempts + 1,
        started_at=bindparam("at"),
        worker=bindparam("by"),
        error=None,
    )
)
_START = {
    "default": _MARK_STARTED.returning(*_CONTEXT),
    # set_config(..., true) lasts to the end of the statement's transaction: the commit of
    # the attempt mark then skips waiting for the disk, with no extra round trip.
    "postgresql": _MARK_STARTED.returning(
        *_CONTEXT, func.set_config("synchronous_commit", "off", True).label("relaxed")
    ),
}
_FINISH = (
    update(_table)
    .where(
        _table.c.id == bindparam("job_id"),
        _table.c.attempts == bindparam("attempt"),  # this attempt's, not a later one's
        _table.c.status == JobStatus.started.value,
    )
    .values(status=JobStatus.done.value, result=bindparam("outcome"), finished_at=bindparam("at"))
)


def _start(job_id: int, worker_name: str | None) -> JobContext | None:
    """Mark the attempt and return the job's context; None if the job is done already.

    The mark is one statement in a transaction of its own (autocommit: one round trip, and
    no session machinery). On PostgreSQL its commit does not wait for the disk: the mark
    only informs staff and the reaper, and should a database crash lose it, the job simply
    runs again from ``queued``. The ``done`` mark, committed with the job's effect, stays
    synchronous."""
    engine = db.engine
    statement = _START.get(engine.dialect.name, _START["default"])
    params = {
        "job_id": job_id,
        "at": now(),
        "by": worker_name or os.environ.get("RQ_WORKER_ID") or socket.gethostname(),
    }
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        row = conn.execute(statement, params).one_or_none()
    if row is None:
        return None
    return JobContext(*row[:5], kwargs=dict(row.kwargs or {}))


def _finish(job: JobContext, result) -> bool:
    """Mark the job done by this attempt; False if a later attempt superseded it."""
    marked = db.session.execute(
        _FINISH,
        {"job_id": job.id, "attempt": job.attempts, "outcome": result, "at": now()},
        execution_options={"erp_unscoped": True},
    )
    return marked.rowcount == 1


def execute(job_id: int, worker_name: str | None = None):
    """Run the job once; raises on failure so RQ retries it with backoff."""
    session = db.session
    try:
        job = _start(job_id, worker_name)
        if job is None:
            return None
        with company_scope(job.company_id):
            try:
                result = resolve(job.kind)(job=job, **job.kwargs)
                result = result if isinstance(result, dict) else None
                if not _finish(job, result):
                    session.rollback()
                    log.warning("job %s attempt %s: superseded, undone", job.id, job.attempts)
                    return None
                session.commit()
            except Exception:
                session.rollback()
                _record_failure(job, traceback.format_exc())
                raise
        return result
    finally:
        session.remove()  # never carry a session (and its connection) into the next job


def _record_failure(job: JobContext, error: str) -> None:
    # Locked: a later attempt starting now waits, and one already started keeps its record.
    record = db.session.get(JobRecord, job.id, with_for_update=True)
    if (record.attempts, record.status) != (job.attempts, JobStatus.started):
        db.session.rollback()
        log.warning("job %s attempt %s failed, superseded", job.id, job.attempts)
        return
    record.status = (
        JobStatus.failed if record.attempts >= record.max_attempts else (JobStatus.queued)
    )
    record.error = error[-4000:]
    record.finished_at = now()
    db.session.commit()
    log.warning(
        "job %s (%s) failed, attempt %s of %s",
        job.id,
        record.kind,
        record.attempts,
        record.max_attempts,
    )


def in_process() -> bool:
    return not current_app.config.get("REDIS_URL")
