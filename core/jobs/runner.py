"""Running one job: the code a worker (or the web process, without Redis) executes.

A job's effect and its ``done`` mark are committed in one transaction, after the attempt was
recorded in an earlier one. A worker killed mid-job therefore leaves the record ``started``
with no effect (the reaper re-queues it), and one killed after the commit leaves it ``done``
(a second delivery returns at once): the effect happens exactly once.
"""

import importlib
import logging
import os
import socket
import traceback
from datetime import UTC, datetime

from flask import current_app

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

        _app = create_app()
    return _app


def run(job_id: int):
    """Entry point enqueued on RQ: run job ``job_id`` inside the worker's app."""
    from flask import has_app_context

    if has_app_context():
        return execute(job_id)
    with worker_app().app_context():
        return execute(job_id)


def execute(job_id: int, worker_name: str | None = None):
    """Run the job once; raises on failure so RQ retries it with backoff."""
    session = db.session
    # The worker's own session (removed below): keep the record loaded across commits instead
    # of reading it again after each one.
    session().expire_on_commit = False
    try:
        record = session.get(JobRecord, job_id, with_for_update=True)
        if record is None or record.status == JobStatus.done:
            session.rollback()
            return None
        record.status = JobStatus.started
        record.attempts += 1
        record.started_at = now()
        record.worker = worker_name or os.environ.get("RQ_WORKER_ID") or socket.gethostname()
        record.error = None
        session.commit()
        kind, kwargs, company_id = record.kind, dict(record.kwargs or {}), record.company_id
        with company_scope(company_id):
            try:
                result = resolve(kind)(job=record, **kwargs)
                record.status = JobStatus.done
                record.result = result if isinstance(result, dict) else None
                record.finished_at = now()
                session.commit()
            except Exception:
                session.rollback()
                _record_failure(job_id, traceback.format_exc())
                raise
        return record.result
    finally:
        session.remove()  # never carry a session (and its connection) into the next job


def _record_failure(job_id: int, error: str) -> None:
    record = db.session.get(JobRecord, job_id)
    record.status = (
        JobStatus.failed if record.attempts >= record.max_attempts else (JobStatus.queued)
    )
    record.error = error[-4000:]
    record.finished_at = now()
    db.session.commit()
    log.warning(
        "job %s (%s) failed, attempt %s of %s",
        job_id,
        record.kind,
        record.attempts,
        record.max_attempts,
    )


def in_process() -> bool:
    return not current_app.config.get("REDIS_URL")
