"""Jobs on a real Redis with real ``erp worker`` processes (PostgreSQL, as in production)."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from core import jobs
from core.extensions import db
from core.models import Project
from core.models.jobs import JobRecord, JobStatus
from core.tenancy import company_scope
from tests.conftest import REDIS_URL, service_missing
from tests.core import job_functions as fn

ERP = str(Path(sys.executable).with_name("erp"))


@pytest.fixture
def rq_app(ctx, backend, database_url, tmp_path, monkeypatch):
    if backend != "postgresql":
        pytest.skip("worker processes are tested on PostgreSQL, the production database")
    redis = Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except Exception as exc:
        service_missing("Redis", str(exc))
    redis.flushdb()
    monkeypatch.setitem(ctx.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(ctx.config, "JOB_BACKOFF", [0, 0])
    ctx.extensions.pop("erp_redis", None)
    # The workers' own instance folder: fast heartbeats so a dead worker is seen quickly.
    (tmp_path / "config.py").write_text("JOB_MONITORING_INTERVAL = 1\n")
    env = {
        **os.environ,
        "ERP_INSTANCE_PATH": str(tmp_path),
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(Path.cwd()),
    }
    yield ctx, env, redis
    redis.flushdb()
    ctx.extensions.pop("erp_redis", None)


def _worker(env, *args):
    return subprocess.Popen(
        [ERP, "worker", "--queue", "default", *args],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open("/tmp/worker.log", "a"),
    )


def _projects(company, name):
    db.session.expire_all()
    with company_scope(company.id):
        return db.session.scalars(select(Project).where(Project.name == name)).all()


def _wait(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _doomed_job(rq_app, world, name):
    """A job started on the worker "doomed", waiting in its work horse with its effect
    written but not committed: (job id, worker process, horse pid)."""
    app, env, redis = rq_app
    job_id = jobs.enqueue(
        fn.slow_effect, company=world.a, name=name, redis_url=REDIS_URL, marker=MARKER
    ).id
    worker = _worker(env, "--name", "doomed")
    assert _wait(lambda: redis.get(MARKER)), "the job never started"
    return job_id, worker, int(redis.get(MARKER))


def _kill(worker, *pids):
    """SIGKILL the worker's process group (RQ gives its work horse a group of its own)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _rerun_on_a_survivor(env, job_id, name, world):
    """The dead worker's heartbeat goes stale, the reaper re-queues the job, another worker
    runs it: attempt 2 is done with one effect."""
    time.sleep(2.5)
    assert jobs.reap(stale_after=2) == [job_id]
    assert _worker(env, "--burst", "--name", "survivor").wait(60) == 0
    db.session.expire_all()
    record = db.session.get(JobRecord, job_id)
    assert (record.status, record.attempts) == (JobStatus.done, 2)
    assert len(_projects(world.a, name)) == 1


MARKER = "erp-test:midway"


def test_job_worker_killed_midway_is_retried_and_its_effect_happens_once(rq_app, world):
    app, env, redis = rq_app
    job_id, worker, horse = _doomed_job(rq_app, world, "Exactly once")
    _kill(worker, horse)  # the worker and its work horse, as when the machine goes down
    db.session.expire_all()
    record = db.session.get(JobRecord, job_id)
    assert (record.status, record.attempts) == (JobStatus.started, 1)
    assert _projects(world.a, "Exactly once") == []  # the effect was never committed

    _rerun_on_a_survivor(env, job_id, "Exactly once", world)
    # Delivered again (e.g. RQ re-runs it after the commit): still one effect.
    jobs.dispatch(job_id)
    assert _worker(env, "--burst").wait(60) == 0
    assert len(_projects(world.a, "Exactly once")) == 1


def test_job_orphaned_work_horse_finishing_late_does_not_repeat_the_effect(rq_app, world):
    """Only the worker is killed: its work horse lives on and finishes attempt 1 after the
    reaper had attempt 2 run elsewhere. Attempt 1's work is rolled back, not committed twice."""
    app, env, redis = rq_app
    job_id, worker, horse = _doomed_job(rq_app, world, "Once despite the orphan")
    try:
        _kill(worker)
        assert _alive(horse), "the work horse died with its worker"
        _rerun_on_a_survivor(env, job_id, "Once despite the orphan", world)
        redis.set(f"{MARKER}:go", 1)  # the orphan finishes attempt 1 now
        assert _wait(lambda: not _alive(horse)), "the orphaned work horse never finished"
    finally:
        _kill(worker, horse)
    db.session.expire_all()
    record = db.session.get(JobRecord, job_id)
    assert (record.status, record.attempts) == (JobStatus.done, 2)
    assert len(_projects(world.a, "Once despite the orphan")) == 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A finished horse whose parent is gone is reaped by init; a zombie counts as finished.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_job_whose_hand_over_to_redis_was_lost_is_reaped(rq_app, world, monkeypatch):
    """The record is committed before RQ hears of the job: if Redis fails in between, the
    caller's work stays saved and the reaper hands the queued record RQ does not know over."""
    app, env, redis = rq_app

    def redis_down(*args, **kwargs):
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr(jobs.Queue, "enqueue", redis_down)
    jobs.enqueue(fn.add_project, company=world.a, name="Handed over late")  # no error: saved
    monkeypatch.undo()
    record = db.session.scalar(select(JobRecord).execution_options(erp_unscoped=True))
    assert record.status == JobStatus.queued
    assert jobs.reap(stale_after=60) == []  # too young: its hand-over may be under way
    record.enqueued_at -= timedelta(minutes=2)
    db.session.commit()
    assert jobs.reap(stale_after=60) == [record.id]
    assert jobs.reap(stale_after=60) == []  # RQ has it now
    assert _worker(env, "--burst").wait(60) == 0
    assert len(_projects(world.a, "Handed over late")) == 1


def test_job_failing_on_a_worker_is_retried_by_rq(rq_app, world):
    app, env, redis = rq_app
    job_id = jobs.enqueue(fn.flaky, company=world.a, name="Retried by RQ").id
    assert _worker(env, "--burst").wait(60) == 0
    db.session.expire_all()
    record = db.session.get(JobRecord, job_id)
    assert (record.status, record.attempts) == (JobStatus.done, 2)
    assert len(_projects(world.a, "Retried by RQ")) == 1


def test_job_retry_uses_backoff_intervals(rq_app, world, monkeypatch):
    from rq.job import Job

    app, env, redis = rq_app
    monkeypatch.setitem(app.config, "JOB_BACKOFF", jobs.BACKOFF)
    record = jobs.enqueue(fn.add_project, company=world.a, name="Backoff")
    rq_job = Job.fetch(record.rq_job_id, connection=redis)
    assert rq_job.retries_left == 2
    assert rq_job.retry_intervals == jobs.BACKOFF[:2]


def test_job_is_dispatched_only_when_the_callers_work_commits(rq_app, world):
    """enqueue joins the caller's unit of work (even work only added, not flushed): RQ hears
    of the job when it commits, and never if it rolls back."""
    app, env, redis = rq_app
    with company_scope(world.a.id):
        db.session.add(Project(name="Saved with its job", type="villa", region_code="LY"))
        kept = jobs.enqueue(fn.add_project, company=world.a, name="Later")
        assert redis.llen("rq:queue:default") == 0  # not before the commit
        db.session.commit()
        db.session.add(Project(name="Rolled back", type="villa", region_code="LY"))
        dropped = jobs.enqueue(fn.add_project, company=world.a, name="Never")
        db.session.rollback()
    assert len(_projects(world.a, "Saved with its job")) == 1
    record = db.session.get(JobRecord, kept.id)
    assert (record.status, record.rq_job_id) == (JobStatus.queued, kept.rq_job_id)
    assert redis.lrange("rq:queue:default", 0, -1) == [kept.rq_job_id.encode()]
    assert db.session.get(JobRecord, dropped.id) is None
    # A commit after the rollback does not dispatch the dropped job.
    db.session.commit()
    assert redis.llen("rq:queue:default") == 1
