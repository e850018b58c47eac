"""Jobs without Redis (the embedded default): the same job functions run in-process."""

from sqlalchemy import select

from core import jobs
from core.extensions import db
from core.jobs import runner
from core.models import Project
from core.models.jobs import JobRecord, JobStatus
from core.tenancy import company_scope
from tests.core import job_functions as fn


def _projects(company, name):
    with company_scope(company.id):
        return db.session.scalars(select(Project).where(Project.name == name)).all()


def test_job_runs_in_process_scoped_to_its_company(world):
    record = jobs.enqueue(fn.add_project, company=world.b, subject="p", name="By job")
    record = db.session.get(JobRecord, record.id)
    assert record.status == JobStatus.done and record.attempts == 1
    # The job saw only company B's projects (its own new one and Zheng Towers).
    assert record.result == {"visible_projects": 2}
    assert len(_projects(world.b, "By job")) == 1
    assert _projects(world.a, "By job") == []


def test_job_retries_after_a_failure(world):
    record = jobs.enqueue(fn.flaky, company=world.a, name="Second try")
    record = db.session.get(JobRecord, record.id)
    assert (record.status, record.attempts) == (JobStatus.done, 2)
    assert len(_projects(world.a, "Second try")) == 1


def test_job_failure_is_recorded_and_can_be_requeued(world, monkeypatch):
    record = jobs.enqueue(fn.flaky, company=world.a, max_attempts=1, name="Later")
    record = db.session.get(JobRecord, record.id)
    assert record.status == JobStatus.failed
    assert "transient failure" in record.error
    assert _projects(world.a, "Later") == []
    jobs.retry(record)
    record = db.session.get(JobRecord, record.id)
    assert (record.status, record.attempts) == (JobStatus.done, 2)
    assert len(_projects(world.a, "Later")) == 1


def test_job_done_is_not_run_again(ctx, world):
    job_id = jobs.enqueue(fn.add_project, company=world.a, name="Once").id
    for _ in range(2):  # delivered twice more, as after a worker died past its commit
        with ctx.app_context():
            runner.execute(job_id)
    db.session.expire_all()
    assert len(_projects(world.a, "Once")) == 1
    assert db.session.get(JobRecord, job_id).attempts == 1


def test_job_failure_of_a_superseded_attempt_leaves_the_later_attempts_record(world):
    """An attempt given up for lost (a later one started) that then fails must not mark the
    job failed or queued under the later attempt."""
    job_id = jobs.enqueue(fn.superseded_then_fails, company=world.a, max_attempts=1).id
    db.session.expire_all()
    record = db.session.get(JobRecord, job_id)
    assert (record.status, record.attempts, record.error) == (JobStatus.started, 2, None)


def test_job_failure_visible_in_admin(client, world):
    from tests.conftest import login

    jobs.enqueue(fn.flaky, company=world.a, max_attempts=1, name="Shown")
    login(client, "admin-a@example.com")
    page = client.get("/admin/jobs/")
    assert page.status_code == 200
    assert "failed" in page.text and "flaky" in page.text
