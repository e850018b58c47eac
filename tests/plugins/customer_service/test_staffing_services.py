"""One rep per household (CS-01) and balanced assignment within the ratio (CS-02)."""

import threading

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core.app import create_app
from core.extensions import db
from core.plugins import state
from core.services.companies import create_project
from core.tenancy import company_scope
from plugins.customer_service.models import Contract, Household
from plugins.customer_service.staffing import services
from plugins.customer_service.staffing.report import ratio, required_reps, staffing
from plugins.sales.models import Unit, UnitState
from plugins.sales.orders.models import Order, OrderStatus
from tests.plugins.customer_service.cs_setup import (
    TODAY,
    _now,
    make_customer,
    make_sale,
    make_unit,
    person,
)

# --- helpers (the screen and CS-21 tests use them too) -----------------------------------


def order_for(w, n: int, unit_id: int | None = None) -> Order:
    """An active order of a new customer ``n`` on unit ``unit_id`` (default a new unit ``n``
    of the fixture's building), no household yet."""
    unit_id = unit_id or make_unit(w, f"{n:03d}").id
    customer = make_customer(w, n)
    with company_scope(w.a.id):
        order = Order(
            company_id=w.a.id,
            unit_id=unit_id,
            customer_id=customer.id,
            rep_id=w.rep.id,
            status=OrderStatus.active,
            ordered_on=TODAY,
            signing_date=TODAY,
            created_at=_now(),
        )
        db.session.add(order)
        db.session.commit()
    return order


def sell(w, *numbers: int) -> list[Household]:
    """Sell units ``numbers`` one after the other, each assigned by ``assign_household``."""
    households = []
    for n in numbers:
        order = order_for(w, n)
        with company_scope(w.a.id):
            households.append(services.assign_household(w.a, order))
            db.session.commit()
    return households


def loads(w, project=None) -> dict[int, int]:
    """Households per rep id in the project (reps serving it with none show 0)."""
    project = project or w.project_a
    with company_scope(w.a.id):
        load = services.loads(project.id)
        for rep_id in services.pool_ids(w.a.id, project.id):
            load.setdefault(rep_id, 0)
        return load


def reps_of(w) -> dict[int, int]:
    """Unit id → rep id of every household."""
    with company_scope(w.a.id):
        db.session.expire_all()
        return {h.unit_id: h.rep_id for h in db.session.scalars(select(Household))}


def spread(load: dict) -> int:
    values = [n for rep_id, n in load.items() if rep_id is not None]
    return max(values) - min(values)


# --- CS-01 ---------------------------------------------------------------------------------


def test_cs01_each_household_has_one_rep_and_keeps_it(cs):
    order = order_for(cs, 1)
    with company_scope(cs.a.id):
        household = services.assign_household(cs.a, order)
        db.session.commit()
        assert household.rep_id in (cs.cs_rep.id, cs.cs_rep2.id)
        assert household.customer_id == order.customer_id
        assert household.project_id == cs.project_a.id
        assert services.rep_of(order.unit_id).id == household.rep_id
        # Asked again (e.g. by the contract), the same household and rep come back.
        assert services.assign_household(cs.a, order) is household
        assert services.rep_of(999999) is None


def test_cs01_unit_sold_again_is_a_new_customer_assigned_afresh(cs):
    [household] = sell(cs, 1)
    first_order = household.order_id
    with company_scope(cs.a.id):  # the order is cancelled: the unit is back on sale
        db.session.get(Order, first_order).status = OrderStatus.voided
        db.session.get(Unit, household.unit_id).state = UnitState.available
        db.session.commit()
    [other] = sell(cs, 2)  # both reps hold none now: the first rep takes it
    resale = order_for(cs, 3, unit_id=household.unit_id)
    with company_scope(cs.a.id):
        db.session.get(Unit, household.unit_id).state = UnitState.subscribed
        again = services.assign_household(cs.a, resale)
        db.session.commit()
        assert again.id == household.id and again.order_id == resale.id
        assert again.customer_id == resale.customer_id
        assert {again.rep_id, other.rep_id} == {cs.cs_rep.id, cs.cs_rep2.id}
        assert db.session.query(Household).count() == 2


def test_cs01_contract_follows_its_household_to_the_new_rep(cs):
    contract = make_sale(cs, 1, rep=cs.cs_rep)
    with company_scope(cs.a.id):
        household = db.session.scalar(
            select(Household).where(Household.unit_id == contract.unit_id)
        )
        services.reassign(cs.a, household, cs.cs_rep2)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Contract, contract.id).rep_id == cs.cs_rep2.id
        services.rep_leaves(cs.a, cs.cs_rep2)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Contract, contract.id).rep_id == cs.cs_rep.id


# --- CS-02: required reps, under- and over-staffing ----------------------------------------


def test_cs02_required_reps_from_the_upper_bound_default_ratios(cs):
    assert required_reps(1000, 200) == 5  # 1,000 residential households → 5 reps
    assert required_reps(1001, 200) == 6
    assert required_reps(0, 200) == 0
    with company_scope(cs.a.id):
        villa = create_project(cs.a, {"name": "Villas", "type": "villa", "region_code": "LY"})
        flats = create_project(cs.a, {"name": "Flats", "type": "apartment", "region_code": "LY"})
        assert ratio(cs.a, cs.project_a) == (160, 200)
        assert ratio(cs.a, villa) == (60, 80)
        assert ratio(cs.a, flats) == (120, 140)
    assert required_reps(1000, 80) == 13 and required_reps(1000, 140) == 8


def test_cs02_staffing_default_ratio_two_reps_for_five_households_is_overstaffed(cs):
    sell(cs, 1, 2, 3, 4, 5)
    with company_scope(cs.a.id):
        report = staffing(cs.a, cs.project_a)
    assert (report.households, report.required, report.actual) == (5, 1, 2)
    assert report.overstaffed and not report.understaffed and report.balanced
    assert all(r.below_min and not r.above_max for r in report.reps)


def test_cs02_changed_ratio_setting_understaffed_then_fixed_by_a_third_rep(cs):
    state.update_settings(
        cs.a, "customer_service", {"ratio_residential_min": 2, "ratio_residential_max": 3}
    )
    sell(cs, *range(1, 8))  # 7 households, 3 per rep at most → 3 reps required
    with company_scope(cs.a.id):
        report = staffing(cs.a, cs.project_a)
        assert (report.per_rep_min, report.per_rep_max) == (2, 3)
        assert (report.households, report.required, report.actual) == (7, 3, 2)
        assert report.understaffed and not report.overstaffed
        assert sorted(r.households for r in report.reps) == [3, 4]
        assert [r.above_max for r in report.reps if r.households == 4] == [True]
    third = person(cs, "csrep3-a@example.com", "cs_rep")
    with company_scope(cs.a.id):
        moved = services.rebalance(cs.a, cs.project_a)
        report = staffing(cs.a, cs.project_a)
    assert moved == 2  # 4/3/0 → 3/2/2 moves two households, no more
    assert loads(cs)[third.id] == 2
    assert report.actual == 3 and not report.understaffed and not report.overstaffed
    assert report.balanced and not any(r.above_max for r in report.reps)


# --- CS-02: balanced, stable assignment -----------------------------------------------------


def test_cs02_households_spread_evenly_difference_at_most_one(cs):
    person(cs, "csrep3-a@example.com", "cs_rep")
    for n in range(1, 11):
        sell(cs, n)
        assert spread(loads(cs)) <= 1
    assert sorted(loads(cs).values()) == [3, 3, 4]


def test_cs02_new_household_goes_to_least_loaded_and_never_moves_others(cs):
    sell(cs, 1, 2, 3)
    before = reps_of(cs)
    light = min(loads(cs).items(), key=lambda kv: kv[1])[0]
    [new] = sell(cs, 4)
    assert new.rep_id == light
    after = reps_of(cs)
    assert {u: r for u, r in after.items() if u in before} == before


def test_cs02_rep_leaving_spreads_their_households_keeping_balance(cs):
    third = person(cs, "csrep3-a@example.com", "cs_rep")
    sell(cs, *range(1, 10))  # 3 each
    theirs = {u for u, r in reps_of(cs).items() if r == cs.cs_rep.id}
    others = {u: r for u, r in reps_of(cs).items() if u not in theirs}
    with company_scope(cs.a.id):
        moved = services.rep_leaves(cs.a, cs.cs_rep)
        assert cs.cs_rep.id not in services.pool_ids(cs.a.id, cs.project_a.id)
    assert moved == 3
    load = loads(cs)
    assert load.get(cs.cs_rep.id, 0) == 0
    assert sorted([load[cs.cs_rep2.id], load[third.id]]) == [4, 5]
    assert {u: r for u, r in reps_of(cs).items() if u in others} == others  # untouched
    [new] = sell(cs, 10)
    assert new.rep_id != cs.cs_rep.id and spread(loads(cs)) <= 1


def test_cs02_project_rep_pool_limits_who_serves_and_rebalances_minimally(cs):
    with company_scope(cs.a.id):
        # Default: every cs_rep of the company serves the project.
        assert services.pool_ids(cs.a.id, cs.project_a.id) == sorted([cs.cs_rep.id, cs.cs_rep2.id])
        services.set_pool(cs.a, cs.project_a, [cs.cs_rep.id])
    households = sell(cs, 1, 2, 3, 4)
    assert {h.rep_id for h in households} == {cs.cs_rep.id}
    with company_scope(cs.a.id):
        moved = services.set_pool(cs.a, cs.project_a, [cs.cs_rep.id, cs.cs_rep2.id])
    assert moved == 2 and loads(cs) == {cs.cs_rep.id: 2, cs.cs_rep2.id: 2}
    with company_scope(cs.a.id), pytest.raises(ValidationError) as refused:
        services.set_pool(cs.a, cs.project_a, [cs.admin_b.id])  # not a member of A
    assert "user_ids" in refused.value.messages


def test_cs02_reassign_only_to_a_rep_serving_the_project(cs):
    [household] = sell(cs, 1)
    other = cs.cs_rep2 if household.rep_id == cs.cs_rep.id else cs.cs_rep
    with company_scope(cs.a.id):
        services.reassign(cs.a, household, other)
        assert services.rep_of(household.unit_id).id == other.id
        with pytest.raises(ValidationError) as refused:
            services.reassign(cs.a, household, cs.rep)  # a sales rep
    assert "rep_id" in refused.value.messages


def test_cs02_unit_back_on_sale_leaves_the_reps_load(cs):
    households = sell(cs, 1, 2)
    with company_scope(cs.a.id):
        db.session.get(Unit, households[0].unit_id).state = UnitState.available
        db.session.commit()
        assert staffing(cs.a, cs.project_a).households == 1
    [new] = sell(cs, 3)
    assert new.rep_id == households[0].rep_id  # that rep is the lighter one now


def test_cs02_twenty_households_sold_at_once_stay_balanced(cs, app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: the race is only real on PostgreSQL")
    orders = [order_for(cs, n) for n in range(1, 21)]
    company_id = cs.a.id
    barrier, results = threading.Barrier(20, timeout=30), []
    # Its own app: a pool big enough for 20 connections at once (the default holds 15).
    race = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TESTING": True,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 0},
        }
    )

    def attempt(order_id):
        with race.app_context():
            from core.models import Company
            from plugins.sales.orders.models import Order

            try:
                company = db.session.get(Company, company_id)
                with company_scope(company_id):
                    order = db.session.get(Order, order_id)
                    barrier.wait()
                    services.assign_household(company, order)
                    db.session.commit()
                results.append("ok")
            except Exception as exc:  # reported by the assertions below
                results.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(o.id,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with race.app_context():
        db.engine.dispose()
    assert results == ["ok"] * 20, results
    assert loads(cs) == {cs.cs_rep.id: 10, cs.cs_rep2.id: 10}
