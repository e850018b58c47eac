"""``erp worker`` and ``erp jobs ...``."""

import json

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.extensions import db
from core.jobs import QUEUES, reap, redis_connection, retry
from core.jobs.worker import ErpSimpleWorker, ErpWorker
from core.models.jobs import JobRecord, JobStatus


@click.command("worker")
@click.option("--queue", "queues", multiple=True, default=QUEUES, show_default=True)
@click.option("--simple", is_flag=True, help="Non-forking worker (faster for short jobs).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--name", help="Worker name (default: RQ's).")
@with_appcontext
def worker(queues, simple, burst, name):
    """Run an RQ worker (with RQ's scheduler, which runs retries' backoff)."""
    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError("REDIS_URL is not set: without Redis, jobs run in-process")
    cls = ErpSimpleWorker if simple else ErpWorker
    interval = current_app.config.get("JOB_MONITORING_INTERVAL", 30)
    cls(
        list(queues), connection=redis_connection(), name=name, job_monitoring_interval=interval
    ).work(with_scheduler=True, burst=burst)


@click.group("jobs")
def jobs():
    """Background job records."""


def _row(r: JobRecord) -> dict:
    return {
        "id": r.id,
        "company_id": r.company_id,
        "kind": r.kind,
        "subject": r.subject,
        "status": str(r.status),
        "attempts": r.attempts,
        "error": r.error,
        "result_document_id": r.result_document_id,
    }


@jobs.command("list")
@click.option("--status", type=click.Choice([s.value for s in JobStatus]))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def list_jobs(status, as_json):
    query = select(JobRecord).order_by(JobRecord.id.desc()).limit(200)
    if status:
        query = query.where(JobRecord.status == status)
    rows = [_row(r) for r in db.session.scalars(query)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['id']:>6} {r['status']:<8} {r['attempts']} {r['kind']} {r['subject']}")


@jobs.command("retry")
@click.argument("job_id", type=int)
@with_appcontext
def retry_job(job_id):
    record = db.session.get(JobRecord, job_id)
    if record is None:
        raise click.BadParameter(f"no job {job_id}", param_hint="JOB_ID")
    try:
        retry(record)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"job {job_id} re-queued")


@jobs.command("reap")
@click.option("--stale-after", type=int, default=120, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def reap_jobs(stale_after, as_json):
    """Re-queue jobs whose worker died."""
    ids = reap(stale_after)
    click.echo(json.dumps({"reaped": ids}) if as_json else f"re-queued: {ids}")
