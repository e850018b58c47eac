"""Background jobs on RQ, recorded in the database (see ``runner`` for the exactly-once rule).

``enqueue(func, company=..., subject=..., **kwargs)`` records a job and hands it to RQ, or,
with no ``REDIS_URL`` (the embedded default), runs the same function in-process at once. A job
function is importable and takes ``job`` (a :class:`runner.JobContext`: its id, company, user
and attempt number) plus JSON-safe keyword arguments; it runs scoped to the job's company.

Per job the database sees one INSERT, committed with the caller's work (alone, as a transaction
of one statement, when the caller has nothing to commit); one ``UPDATE ... RETURNING`` marking
the attempt, a transaction of its own; and one UPDATE committed with the effect. The statements
are built once (``python -m bench`` compares all this with a bare RQ job).
"""

import contextlib
import logging
import uuid
from datetime import timedelta

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from core.extensions import db
from core.jobs import runner
from core.models.jobs import JobRecord, JobStatus

log = logging.getLogger("erp.jobs")
QUEUES = ("default", "letters")
# Seconds before the 1st, 2nd, 3rd retry (config JOB_BACKOFF).
BACKOFF = [10, 60, 300]


def redis_connection() -> Redis:
    conn = current_app.extensions.get("erp_redis")
    if conn is None:
        conn = current_app.extensions["erp_redis"] = Redis.from_url(current_app.config["REDIS_URL"])
    return conn


def enqueue(
    func,
    *,
    company,
    subject: str = "",
    queue: str = "default",
    user=None,
    max_attempts: int = 3,
    **kwargs,
) -> JobRecord:
    """Record a job of ``company`` and dispatch it: hand it to RQ or, with no Redis, run it.

    The record belongs to the caller's unit of work: when the caller has one open (a
    transaction, or objects added), the job is dispatched once that commits, and never if it
    rolls back. With nothing open, the record is a transaction of one statement and the job
    is dispatched at once."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue}; known: {', '.join(QUEUES)}")
    values = {
        "company_id": _key(company),
        "kind": f"{func.__module__}.{func.__qualname__}",
        "queue": queue,
        "subject": str(subject),
        "kwargs": kwargs,
        "user_id": _key(user) if user else None,
        "status": JobStatus.queued,
        "attempts": 0,
        "max_attempts": max_attempts,
        "enqueued_at": runner.now(),
    }
    send = None
    if not runner.in_process():
        # The RQ job id is chosen before the row is written: one INSERT, and no unit of
        # work for a row written once. The record returned is not in the session.
        values["rq_job_id"], send = _sender(queue, values["kind"], max_attempts - 1)
    session = db.session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        job_id = session.execute(
            _INSERT, values, execution_options={"erp_unscoped": True}
        ).scalar_one()
        session.info.setdefault(OUTBOX, []).append((send, job_id))
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            job_id = conn.execute(_INSERT, values).scalar_one()
        _release(send, job_id)
    return JobRecord(id=job_id, **values)


# The jobs a session recorded, dispatched when its transaction commits (a transactional
# outbox): a worker never picks up a job whose record it cannot see, nor one rolled back.
OUTBOX = "erp_jobs_outbox"


@event.listens_for(Session, "after_commit")
def _dispatch_outbox(session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the work is not saved yet
        return
    for send, job_id in session.info.pop(OUTBOX, ()):
        _release(send, job_id)


@event.listens_for(Session, "after_transaction_end")
def _drop_outbox(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended uncommitted
        session.info.pop(OUTBOX, None)


def _release(send, job_id: int) -> None:
    if send is None:
        dispatch(job_id)
    else:
        _hand_over(send, job_id)


_INSERT = insert(JobRecord.__table__).returning(JobRecord.__table__.c.id)


def _hand_over(send, job_id: int) -> None:
    """Give the job to RQ. The caller's transaction is committed already: should Redis fail
    now, the record stays queued and the reaper (``erp jobs reap``, run by the scheduler)
    hands it over later, rather than the caller failing after its data was saved."""
    try:
        send(job_id)
    except RedisError:
        log.exception("job %s: Redis refused it; the reaper will hand it over", job_id)


def _key(record) -> int:
    """A record's id without reloading it: the caller's objects are expired by its commits."""
    return inspect(record).identity[0]


def _sender(queue: str, kind: str, retries: int):
    """A new RQ job id, and the call that hands job ``job_id`` to RQ under it (made after
    the commit, so a worker never picks up a job whose record it cannot see yet)."""
    retries = max(retries, 0)
    backoff = current_app.config.get("JOB_BACKOFF", BACKOFF)
    timeout = current_app.config.get("JOB_TIMEOUT", 600)
    connection = redis_connection()
    rq_id = f"erp-{uuid.uuid4().hex}"

    def send(job_id: int):
        Queue(queue, connection=connection).enqueue(
            runner.run,
            job_id,
            job_id=rq_id,
            retry=Retry(max=retries, interval=backoff[:retries]) if retries else None,
            job_timeout=timeout,
            description=f"{kind} #{job_id}",
        )

    return rq_id, send


def dispatch(job_id: int) -> None:
    """Hand a recorded job to RQ, or run it here when no Redis is configured."""
    if runner.in_process():
        # A fresh app context gives the job its own session, as a worker would have.
        with current_app.app_context():
            record = db.session.get(JobRecord, job_id)
            # None: enqueued in a savepoint that was rolled back.
            for _ in range(record.max_attempts if record else 0):
                try:
                    runner.execute(job_id, worker_name="in-process")
                    break
                except Exception:
                    log.exception("in-process job %s failed", job_id)
                    record = db.session.get(JobRecord, job_id)
                    if record.status == JobStatus.failed:
                        break
        # The job changed rows behind the caller's session: reload them on next access.
        db.session.expire_all()
        return
    record = db.session.get(JobRecord, job_id)
    record.rq_job_id, send = _sender(
        record.queue, record.kind, record.max_attempts - record.attempts - 1
    )
    db.session.commit()
    _hand_over(send, job_id)


def retry(record: JobRecord) -> None:
    """Re-queue a failed job from the admin or the CLI (three more attempts)."""
    if record.status != JobStatus.failed:
        raise ValueError(f"job {record.id} is {record.status}, only a failed job is retried")
    record.status = JobStatus.queued
    record.max_attempts = record.attempts + 3
    db.session.commit()
    dispatch(record.id)


def reap(stale_after: int = 120) -> list[int]:
    """Re-queue the jobs that would otherwise never run: started jobs whose worker died
    (gone from Redis, or silent for ``stale_after`` seconds: more than the longest job for
    non-forking workers), and queued jobs older than ``stale_after`` that RQ never received
    (Redis was unreachable right after the enqueueing commit) or has lost."""
    conn = redis_connection()
    reaped = []
    for record in _lost(conn, stale_after):
        if record.rq_job_id:
            with contextlib.suppress(NoSuchJobError):
                Job.fetch(record.rq_job_id, connection=conn).delete()
        log.warning("job %s (%s): re-queued, RQ had lost it", record.id, record.status)
        record.status = JobStatus.queued
        db.session.commit()
        dispatch(record.id)
        reaped.append(record.id)
    return reaped


def _lost(conn, stale_after: int) -> list[JobRecord]:
    from rq.worker import Worker

    cutoff = runner.now() - timedelta(seconds=stale_after)
    records = db.session.scalars(
        select(JobRecord)
        .where(
            (JobRecord.status == JobStatus.started)
            | ((JobRecord.status == JobStatus.queued) & (JobRecord.enqueued_at < cutoff))
        )
        .execution_options(erp_unscoped=True)
    ).all()
    lost = []
    for record in records:
        if record.status == JobStatus.queued:
            if not record.rq_job_id or not Job.exists(record.rq_job_id, connection=conn):
                lost.append(record)
            continue
        worker = (
            Worker.find_by_key(
                Worker.redis_worker_namespace_prefix + (record.worker or ""), connection=conn
            )
            if record.worker
            else None
        )
        alive = (
            worker is not None
            and worker.last_heartbeat is not None
            and (runner.now() - worker.last_heartbeat.replace(tzinfo=None)).total_seconds()
            < stale_after
        )
        if not alive:
            lost.append(record)
    return lost
