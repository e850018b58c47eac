"""Job functions for the job tests (a worker imports them by their dotted path)."""

import os
import time

from redis import Redis
from sqlalchemy import func, select, update

from core.extensions import db
from core.models import Project
from core.models.jobs import JobRecord


def add_project(job, name):
    db.session.add(Project(name=name, type="villa", region_code="LY"))
    return {"visible_projects": db.session.scalar(select(func.count()).select_from(Project))}


def flaky(job, name):
    """Fails on its first attempt, then adds a project."""
    if job.attempts == 1:
        raise RuntimeError("transient failure")
    db.session.add(Project(name=name, type="villa", region_code="LY"))


def slow_effect(job, name, redis_url, marker):
    """Writes its effect, then (first attempt only) signals its pid at ``marker`` and waits,
    up to a minute, to be killed or let go (``marker:go``)."""
    db.session.add(Project(name=name, type="villa", region_code="LY"))
    db.session.flush()
    if job.attempts == 1:
        redis = Redis.from_url(redis_url)
        redis.set(marker, os.getpid())
        deadline = time.monotonic() + 60
        while not redis.exists(f"{marker}:go") and time.monotonic() < deadline:
            time.sleep(0.05)


def superseded_then_fails(job):
    """A later attempt starts (as the reaper's re-run would) while this one runs; then this
    one fails."""
    table = JobRecord.__table__
    with db.engine.begin() as conn:
        conn.execute(
            update(table).where(table.c.id == job.id).values(attempts=table.c.attempts + 1)
        )
    raise RuntimeError("the superseded attempt fails")
