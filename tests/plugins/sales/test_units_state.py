"""SAL-12 states, SAL-13/15 taking a unit (one winner under concurrency), SAL-14 the log and
the weekly reconciliation."""

import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.app import create_app
from core.duties import duties_of, run_due
from core.extensions import db
from core.models import User
from core.plugins import state
from core.tenancy import company_scope
from plugins.sales.models.units import Unit, UnitState, UnitStateChange
from plugins.sales.units import services
from plugins.sales.units.duties import KEY
from tests.conftest import login
from tests.plugins.sales.units_setup import site_fixture  # noqa: F401

S = UnitState
FRIDAY = date(2026, 11, 27)


def changes(unit_id=None) -> list[UnitStateChange]:
    query = select(UnitStateChange).order_by(UnitStateChange.id)
    if unit_id is not None:
        query = query.where(UnitStateChange.unit_id == unit_id)
    return list(db.session.scalars(query))


def released(site) -> list[Unit]:
    services.release_permit(site.project_a, "YS-2026-01", site.controller)
    db.session.commit()
    return [u for u in site.units if u.building.name == "1#"]


def test_sal12_illegal_transition_refused(site):
    unit = site.units[0]
    with pytest.raises(services.IllegalTransition) as refused:
        services.change_state(unit, S.contracted, site.controller, "skip the order")
    assert "not_released" in str(refused.value) and "contracted" in str(refused.value)
    with pytest.raises(services.IllegalTransition):
        services.take_unit(unit.id, {S.not_released}, S.delivered, site.controller)
    db.session.rollback()
    assert unit.state == S.not_released and changes() == []


def test_sal12_allowed_manual_changes_and_no_manual_sale(site):
    unit = released(site)[0]
    services.change_state(unit, S.held, site.controller, "customer on the way")
    services.change_state(unit, S.available, site.controller, "customer left")
    # SAL-29: the board shows the true state: only an order makes a unit sold.
    with pytest.raises(services.IllegalTransition, match="only through an order"):
        services.change_state(unit, S.subscribed, site.controller, "mark sold")
    db.session.commit()
    assert [(c.from_state, c.to_state) for c in changes(unit.id)][1:] == [
        (S.available, S.held),
        (S.held, S.available),
    ]


def test_sal13_second_taker_loses_and_the_log_names_the_true_from_state(site):
    unit = released(site)[0]
    assert services.take_unit(unit.id, {S.available, S.held}, S.subscribed, site.rep_a, "order 1")
    assert not services.take_unit(unit.id, {S.available, S.held}, S.subscribed, site.rep_a, "2")
    db.session.commit()
    db.session.refresh(unit)
    assert unit.state == S.subscribed
    last = changes(unit.id)[-1]
    assert (last.from_state, last.to_state, last.reason) == (S.available, S.subscribed, "order 1")
    assert services.release_unit(unit.id, site.admin_a, "order voided")
    db.session.commit()
    assert changes(unit.id)[-1].from_state == S.subscribed


def test_sal15_take_unit_rolls_back_with_the_callers_transaction(site):
    unit = released(site)[0]
    before = len(changes())
    assert services.take_unit(unit.id, {S.available}, S.held, site.rep_a, "order failed")
    db.session.rollback()  # the order could not be written: the unit is not taken
    db.session.refresh(unit)
    assert unit.state == S.available and len(changes()) == before


def test_sal13_twenty_concurrent_takers_one_winner(site, app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: the race is only real on PostgreSQL")
    unit_id, company_id, rep_id = released(site)[0].id, site.a.id, site.rep_a.id
    before = len(changes(unit_id))
    # Its own app: a pool with a connection per taker, so all 20 really race.
    race = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20},
            "TESTING": True,
        }
    )
    barrier, results, errors = threading.Barrier(20, timeout=30), [], []

    def taker():
        try:
            with race.app_context(), company_scope(company_id):
                user = db.session.get(User, rep_id)
                barrier.wait()
                won = services.take_unit(unit_id, {S.available}, S.subscribed, user, "order")
                db.session.commit()
                results.append(won)
        except Exception as exc:  # reported below: a thread's error must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=taker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with race.app_context():
        db.engine.dispose()
    assert errors == []
    assert sorted(results) == [False] * 19 + [True]
    db.session.expire_all()
    assert len(changes(unit_id)) - before == 1
    assert db.session.get(Unit, unit_id).state == S.subscribed


def test_sal14_state_change_logged_with_who_when_why(site):
    unit = released(site)[0]
    services.change_state(unit, S.held, site.controller, "deposit being taken")
    db.session.commit()
    change = changes(unit.id)[-1]
    assert change.user_id == site.controller.id
    assert (change.from_state, change.to_state) == (S.available, S.held)
    assert change.reason == "deposit being taken"
    assert change.at is not None and change.company_id == site.a.id
    # Releasing the permit logged every one of its units.
    assert db.session.scalar(select(func.count()).select_from(UnitStateChange)) == 13


def test_sal14_log_screen_filters_by_building_and_state(site, client):
    unit = released(site)[0]
    services.change_state(unit, S.held, site.controller, "a hold")
    db.session.commit()
    login(client, "rep-a@example.com")
    page = client.get(f"/admin/sales_unit_log/?state=held&project={site.project_a.id}")
    assert page.status_code == 200 and "a hold" in page.text
    assert "Released under" not in page.text
    other = [u for u in site.units if u.building.name == "2#"][0]
    page = client.get(f"/admin/sales_unit_log/?building={other.building_id}")
    assert "a hold" not in page.text


def _move_log_to(day: date):
    """Date the log's changes at noon China time on ``day`` (04:00 UTC)."""
    for change in changes():
        change.at = datetime(day.year, day.month, day.day, 4)
    db.session.commit()


def reconciliations(company, day) -> list[dict]:
    return [r for r in run_due(company, day)["runs"] if r["duty"] == KEY]


def test_sal14_weekly_reconciliation_default_friday(site):
    released(site)
    _move_log_to(FRIDAY - timedelta(days=2))
    (duty,) = [d for d in duties_of(site.a) if d.key == KEY]
    assert duty.schedule.weekday == 4  # Friday
    assert reconciliations(site.a, FRIDAY - timedelta(days=1)) == []  # Thursday: not due
    (run,) = reconciliations(site.a, FRIDAY)
    assert (run["duty"], run["status"]) == (KEY, "done")
    (project,) = run["outcome"]["projects"]
    assert project["project"] == "Peony Garden" and project["changes"] == 12
    assert project["by_state"] == {"available": 12}
    assert run["outcome"]["from"] == "2026-11-21"  # the seven days ending on Friday


def test_sal14_weekly_reconciliation_on_a_changed_weekday(site):
    state.update_settings(site.a, "sales", {"reconciliation_weekday": "monday"})
    released(site)
    monday = FRIDAY + timedelta(days=3)
    _move_log_to(monday)
    assert reconciliations(site.a, FRIDAY) == []
    (run,) = reconciliations(site.a, monday)
    assert run["outcome"]["total"] == 12
    # A change outside the week is not in it.
    _move_log_to(monday - timedelta(days=7))
    assert services.reconciliation(site.a, monday)["total"] == 0


def test_sal14_reconciliation_screen_and_csv(site, client):
    released(site)
    login(client, "rep-a@example.com")
    today = date.today()
    page = client.get(f"/admin/sales_reconciliation/?week_end={today + timedelta(days=1)}")
    assert page.status_code == 200 and "Peony Garden" in page.text
    csv = client.get(f"/admin/sales_reconciliation/csv?week_end={today + timedelta(days=1)}")
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "project,at,unit,from,to,user,reason"
    assert len(lines) == 13 and ",ctl-a," in lines[1]  # the name, not the e-mail
