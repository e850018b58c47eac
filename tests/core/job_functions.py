"""Job functions for the job tests (a worker imports them by their dotted path)."""

import time

from redis import Redis
from sqlalchemy import func, select

from core.extensions import db
from core.models import Project


def add_project(job, name):
    db.session.add(Project(name=name, type="villa", region_code="LY"))
    return {"visible_projects": db.session.scalar(select(func.count()).select_from(Project))}


def flaky(job, name):
    """Fails on its first attempt, then adds a project."""
    if job.attempts == 1:
        raise RuntimeError("transient failure")
    db.session.add(Project(name=name, type="villa", region_code="LY"))


def slow_effect(job, name, redis_url, marker):
    """Writes its effect, then (first attempt only) signals and waits to be killed."""
    db.session.add(Project(name=name, type="villa", region_code="LY"))
    db.session.flush()
    if job.attempts == 1:
        Redis.from_url(redis_url).set(marker, "1")
        time.sleep(60)
