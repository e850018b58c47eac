"""Running periodic duties (SPEC CAL-02): once per period per company, even when run late, twice
or concurrently; failures retried before later periods; disabled plugins skip a company.

A probe plugin (installed in this module's app, enabled for company A only) declares whatever
duties a test puts in ``DUTIES``; each run records the call and adds a project named after the
period, an effect that must commit exactly once with the run's ``done`` mark.
"""

import json
import threading
import time
import types
from calendar import FRIDAY
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_admin.contrib.sqla.filters import EnumEqualFilter
from sqlalchemy import func, select

from core.app import create_app
from core.cli import build_cli
from core.duties import Daily, Duty, Weekly, YearlyLunar, describe, run_due, today
from core.duties.scheduler import tick
from core.extensions import db
from core.hookspecs import hookimpl
from core.jobs.runner import now
from core.models import Company, Project
from core.models.duties import DutyRun, DutyStatus
from core.models.jobs import JobRecord
from core.plugins import Manifest, state
from core.plugins.registry import discover
from core.tenancy import company_scope
from tests.conftest import login

CALLS: list = []
DUTIES: list = []
FAIL: set = set()  # period keys whose run raises
BROKEN: set = set()  # company codes where the probe declares a non-duty
SLOW = {"seconds": 0.0}


def recorder(name):
    def run(company, period):
        time.sleep(SLOW["seconds"])
        if period.key in FAIL:
            raise RuntimeError(f"cannot do {period.key}")
        CALLS.append((name, company.code, period.key))
        db.session.add(Project(name=f"{name} {period.key}", type="villa", region_code="LY"))
        return {"period": period.key, "amount": Decimal("1.50")}

    return run


def erp_duties(company):
    return ["not a duty"] if company.code in BROKEN else list(DUTIES)


PROBE = types.ModuleType("duty_probe")
PROBE.manifest = Manifest(name="duty_probe", version="1.0", label="Duty probe")
PROBE.erp_duties = hookimpl(erp_duties)
DAILY = Duty("probe.daily", Daily(), recorder("daily"), "Daily scan")
FRIDAY_LIST = Duty("probe.friday", Weekly(FRIDAY), recorder("friday"), "Friday list")


@pytest.fixture(scope="module")
def app(database_url):
    """Overrides the session app: the same database, with the probe plugin installed."""
    probed = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False},
        plugin_modules=[*discover(), PROBE],
    )
    with probed.app_context():
        db.create_all()
    yield probed
    with probed.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def probe(world):
    """The probe enabled for company A only; ``use(*duties)`` sets what it declares."""
    state.enable(world.a, "duty_probe")
    CALLS.clear()
    FAIL.clear()
    BROKEN.clear()
    SLOW["seconds"] = 0.0

    def use(*duties):
        DUTIES[:] = duties

    world.use = use
    yield world
    DUTIES.clear()


def runs(company, key=None) -> dict:
    query = select(DutyRun).where(DutyRun.company_id == company.id).order_by(DutyRun.id)
    if key:
        query = query.where(DutyRun.duty_key == key)
    return {r.period_key: r for r in db.session.scalars(query)}


def effects(company, name) -> list[str]:
    with company_scope(company.id):
        query = select(Project.name).where(Project.name.like(f"{name} %")).order_by(Project.id)
        return list(db.session.scalars(query))


def test_cal02_each_duty_runs_once_per_period_even_when_run_twice(probe):
    probe.use(DAILY)
    day = date(2026, 11, 24)
    first = run_due(probe.a, day)
    second = run_due(probe.a, day)
    assert CALLS == [("daily", "LY", "2026-11-24")]
    assert first["runs"] == [
        {
            "duty": "probe.daily",
            "period": "2026-11-24",
            "date": "2026-11-24",
            "status": "done",
            "outcome": {"period": "2026-11-24", "amount": "1.50"},
        }
    ]
    assert second["runs"] == []
    record = runs(probe.a)["2026-11-24"]
    assert (record.status, record.attempts, record.due_date) == (DutyStatus.done, 1, day)
    assert effects(probe.a, "daily") == ["daily 2026-11-24"]


def test_cal02_late_run_catches_up_missed_periods_in_order(probe):
    probe.use(FRIDAY_LIST)
    run_due(probe.a, date(2026, 11, 6))
    late = run_due(probe.a, date(2026, 11, 29))  # the scheduler was down for three weeks
    assert [(r["period"], r["date"]) for r in late["runs"]] == [
        ("2026-W46", "2026-11-13"),
        ("2026-W47", "2026-11-20"),
        ("2026-W48", "2026-11-27"),
    ]
    assert [c[2] for c in CALLS] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert effects(probe.a, "friday") == [f"friday 2026-W{w}" for w in (45, 46, 47, 48)]


def test_cal02_first_run_of_a_duty_does_not_replay_history(probe, app, monkeypatch):
    probe.use(DAILY, FRIDAY_LIST)
    run_due(probe.a, date(2026, 11, 26))  # a Thursday: nothing of the Friday list yet
    assert CALLS == [("daily", "LY", "2026-11-26")]
    monkeypatch.setitem(app.config, "DUTY_FIRST_LOOKBACK_DAYS", 7)
    run_due(probe.b, date(2026, 11, 26))  # not enabled in B: still nothing there
    state.enable(probe.b, "duty_probe")
    run_due(probe.b, date(2026, 11, 26))
    assert [c[2] for c in CALLS if c[1] == "ZZ"] == [
        *(f"2026-11-{d}" for d in range(19, 27)),
        "2026-W47",
    ]


def test_cal02_failed_period_is_retried_before_later_ones(probe):
    probe.use(DAILY, FRIDAY_LIST)
    run_due(probe.a, date(2026, 11, 1))
    FAIL.add("2026-11-02")
    result = run_due(probe.a, date(2026, 11, 6))
    # The daily duty stops at its failure; the other duty goes on.
    assert [(r["duty"], r["period"], r["status"]) for r in result["runs"]] == [
        ("probe.daily", "2026-11-02", "failed"),
        ("probe.friday", "2026-W45", "done"),
    ]
    daily = runs(probe.a, "probe.daily")
    assert set(daily) == {"2026-11-01", "2026-11-02"}
    assert daily["2026-11-02"].status == DutyStatus.failed
    assert daily["2026-11-02"].outcome["error"] == "RuntimeError: cannot do 2026-11-02"
    assert effects(probe.a, "daily") == ["daily 2026-11-01"]

    run_due(probe.a, date(2026, 11, 6))  # still failing: recorded again, nothing later runs
    assert runs(probe.a, "probe.daily")["2026-11-02"].attempts == 2
    FAIL.clear()
    retried = run_due(probe.a, date(2026, 11, 6))
    assert [r["period"] for r in retried["runs"]] == [f"2026-11-0{d}" for d in range(2, 7)]
    db.session.expire_all()
    daily = runs(probe.a, "probe.daily")
    assert (daily["2026-11-02"].status, daily["2026-11-02"].attempts) == (DutyStatus.done, 3)
    assert effects(probe.a, "daily") == [f"daily 2026-11-0{d}" for d in range(1, 7)]


def test_cal02_disabled_plugin_duties_skip_the_company(probe):
    probe.use(DAILY)
    assert run_due(probe.b, date(2026, 11, 24))["runs"] == []
    assert describe(probe.b, date(2026, 11, 24)) == []
    run_due(probe.a, date(2026, 11, 24))
    state.disable(probe.a, "duty_probe")
    assert run_due(probe.a, date(2026, 11, 25))["runs"] == []
    assert CALLS == [("daily", "LY", "2026-11-24")]
    assert runs(probe.b) == {}


def test_cal02_concurrent_runs_never_duplicate(probe, app, backend):
    if backend != "postgresql":
        pytest.skip("concurrency is proved on PostgreSQL (SQLite serialises writers)")
    probe.use(DAILY)
    run_due(probe.a, date(2026, 11, 1))
    SLOW["seconds"] = 0.01
    company_id, threads, results, errors = probe.a.id, 6, [], []
    barrier = threading.Barrier(threads)

    def runner():
        try:
            with app.app_context():
                company = db.session.get(Company, company_id)
                barrier.wait()
                results.append(run_due(company, date(2026, 11, 12)))
                db.session.remove()
        except Exception as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    pool = [threading.Thread(target=runner) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    expected = [f"2026-11-{d:02d}" for d in range(1, 13)]
    assert [c[2] for c in CALLS] == expected  # each period once, in order
    assert effects(probe.a, "daily") == [f"daily {k}" for k in expected]
    done = [r["period"] for res in results for r in res["runs"] if r["status"] == "done"]
    assert sorted(done) == expected[1:]


def test_cal02_stale_running_period_is_taken_over_a_live_one_is_not(probe, app, monkeypatch):
    probe.use(DAILY)
    with company_scope(probe.a.id):
        db.session.add(
            DutyRun(
                duty_key="probe.daily",
                period_key="2026-11-24",
                attempts=1,
                due_date=date(2026, 11, 24),
                started_at=now(),
            )
        )
        db.session.commit()
    busy = run_due(probe.a, date(2026, 11, 25))
    assert [(r["period"], r["status"]) for r in busy["runs"]] == [("2026-11-24", "busy")]
    assert CALLS == []  # a live runner has it: neither it nor the 25th ran here
    monkeypatch.setitem(app.config, "DUTY_STALE_AFTER", 0)  # its runner is now taken as dead
    taken = run_due(probe.a, date(2026, 11, 25))
    assert [r["period"] for r in taken["runs"]] == ["2026-11-24", "2026-11-25"]
    db.session.expire_all()
    assert runs(probe.a)["2026-11-24"].attempts == 2


def test_cal02_lunar_spring_festival_duty(probe):
    probe.use(Duty("probe.spring_cards", YearlyLunar("spring_festival"), recorder("cards")))
    for day in (date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 12, 31)):
        run_due(probe.a, day)
    assert CALLS == [("cards", "LY", "2026-spring_festival")]
    assert runs(probe.a)["2026-spring_festival"].due_date == date(2026, 2, 17)


def cli_run(app, *args):
    cli = build_cli(plugin_modules=[*discover(), PROBE])
    return app.test_cli_runner().invoke(cli, list(args))


def test_cal02_cli_run_and_list_with_json(probe, app):
    probe.use(DAILY, FRIDAY_LIST)
    result = cli_run(app, "duties", "run", "--date", "2026-11-20", "--company", "LY", "--json")
    assert result.exit_code == 0, result.output
    [ly] = json.loads(result.stdout)
    assert ly["company"] == "LY" and ly["until"] == "2026-11-20"
    assert {(r["duty"], r["period"], r["status"]) for r in ly["runs"]} == {
        ("probe.daily", "2026-11-20", "done"),
        ("probe.friday", "2026-W47", "done"),
    }
    again = cli_run(app, "duties", "run", "--date", "2026-11-20", "--json")
    assert [c["runs"] for c in json.loads(again.stdout)] == [[], []]  # LY, ZZ

    listed = cli_run(app, "duties", "list", "--company", "LY", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {d["key"]: d for d in json.loads(listed.stdout)[0]["duties"]}
    assert rows["probe.friday"]["label"] == "Friday list"
    assert rows["probe.friday"]["schedule"] == "Weekly(working_day=False, weekday=4)"
    assert rows["probe.friday"]["last"] == {
        "period": "2026-W47",
        "date": "2026-11-20",
        "status": "done",
    }
    assert rows["probe.daily"]["next"]["date"] == (today() + timedelta(days=1)).isoformat()

    bad = cli_run(app, "duties", "run", "--date", "20/11/2026")
    assert bad.exit_code == 2 and "--date" in bad.output
    ahead = (today() + timedelta(days=1)).isoformat()
    refused = cli_run(app, "duties", "run", "--date", ahead, "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["error"]["fields"] == {"--date": f"{ahead} is in the future"}
    unknown = cli_run(app, "duties", "run", "--company", "XX", "--json")
    assert unknown.exit_code == 1
    assert json.loads(unknown.stdout)["error"]["fields"] == {"--company": "no company with code XX"}


def test_cal02_scheduler_enqueues_a_job_per_company_with_a_duty_due(probe, app, monkeypatch):
    probe.use(DAILY)
    key = today().isoformat()
    first = cli_run(app, "scheduler", "--once", "--json")
    assert first.exit_code == 0, first.output
    [job] = json.loads(first.stdout)["enqueued"]  # company A only: B lacks the plugin
    assert (job["company"], job["duties"], job["job_status"]) == ("LY", 1, "done")
    assert [c[1:] for c in CALLS] == [("LY", key)]  # no REDIS_URL: the job ran in-process
    second = cli_run(app, "scheduler", "--once", "--json")
    assert json.loads(second.stdout)["enqueued"] == []  # safe to run twice
    assert db.session.scalar(select(func.count()).select_from(JobRecord)) == 1

    # A failed period is retried by a later tick, after DUTY_RETRY_DELAY, not every minute.
    db.session.execute(DutyRun.__table__.delete())
    db.session.commit()
    FAIL.add(key)
    tick(today())
    assert tick(today()) == []
    monkeypatch.setitem(app.config, "DUTY_RETRY_DELAY", 0)
    FAIL.clear()
    assert [r["company"] for r in tick(today())] == ["LY"]
    assert runs(probe.a)[key].status == DutyStatus.done


def test_cal02_scheduler_goes_on_past_a_company_with_broken_duties(probe):
    probe.use(DAILY)
    state.enable(probe.b, "duty_probe")
    BROKEN.add("LY")
    with pytest.raises(TypeError, match="'not a duty', not a core.duties.Duty"):
        run_due(probe.a, today())
    assert [r["company"] for r in tick(today())] == ["ZZ"]
    assert [c[1] for c in CALLS] == ["ZZ"]


def test_cal02_admin_lists_duty_runs_with_their_outcome(probe, client):
    probe.use(DAILY, FRIDAY_LIST)
    FAIL.add("2026-11-26")
    run_due(probe.a, date(2026, 11, 25))
    run_due(probe.a, date(2026, 11, 27))
    login(client, "rep-a@example.com")
    denied = client.get("/admin/duty_runs/")
    assert denied.status_code == 403 and "core.duties.view" in denied.text
    client.post("/logout")
    login(client, "admin-a@example.com")
    page = client.get("/admin/duty_runs/")
    assert page.status_code == 200
    assert "RuntimeError: cannot do 2026-11-26" in page.text
    assert "2026-W48" in page.text and "&#34;amount&#34;: &#34;1.50&#34;" in page.text
    views = client.application.extensions["admin"][0]._views
    view = next(v for v in views if getattr(v, "endpoint", "") == "duty_runs")
    by_status = next(
        i
        for i, f in enumerate(view._filters)
        if isinstance(f, EnumEqualFilter) and f.column.key == "status"
    )
    failed = client.get(f"/admin/duty_runs/?flt0_{by_status}=failed")
    assert "2026-11-26" in failed.text and "2026-W48" not in failed.text
    client.post("/logout")
    login(client, "admin-b@example.com")
    assert "2026-W48" not in client.get("/admin/duty_runs/").text
