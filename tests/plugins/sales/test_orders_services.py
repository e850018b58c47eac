"""Orders (SAL-13, 15, 17–20): taking the unit, deposits, versions, voiding, validity,
cooling-off and discount authority. Fixtures here are shared by the other order tests."""

import threading
import types
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import event, func, select

from core import approvals
from core.app import create_app
from core.duties import Period
from core.extensions import db
from core.permissions import PermissionDenied
from core.plugins import state
from core.services.companies import add_member, create_user
from core.tenancy import company_scope
from plugins.sales.models import Building, Customer, Unit, UnitState, UnitStateChange
from plugins.sales.orders import past_signing, services
from plugins.sales.orders.models import Deposit, Order, OrderStatus, OrderVersion
from tests.conftest import PASSWORD

D = Decimal
TODAY = date(2026, 11, 24)


def make_unit(site, room: str, total="1000000.00", state=UnitState.available) -> Unit:
    with company_scope(site.a.id):
        unit = Unit(
            company_id=site.a.id,
            building=site.building,
            floor=5,
            room=room,
            built_area=D("100.00"),
            usable_area=D("80.00"),
            list_unit_price=D(total) / 100,
            list_total=D(total),
            state=state,
        )
        db.session.add(unit)
        db.session.commit()
    return unit


def make_customer(site, n: int) -> Customer:
    with company_scope(site.a.id):
        customer = Customer(
            company_id=site.a.id,
            code=f"LY-ZW{n:03d}",
            name=f"张伟{n}",
            phone="13800000000",
            rep_id=site.rep.id,
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
        db.session.add(customer)
        db.session.commit()
    return customer


@pytest.fixture
def site(world):
    """Sales enabled in A; a building with one available unit; a customer; roles for SAL-20."""
    state.enable(world.a, "sales")
    world.rep = world.rep_a
    world.manager = world.admin_a  # site_manager in A
    world.vp = create_user("vp-a@example.com", PASSWORD)
    world.gm = create_user("gm-a@example.com", PASSWORD)
    world.cs = create_user("cs-a@example.com", PASSWORD)
    add_member(world.vp, world.a, ["vp"])
    add_member(world.gm, world.a, ["gm"])
    add_member(world.cs, world.a, ["cs_rep"])
    with company_scope(world.a.id):
        world.building = Building(company_id=world.a.id, project=world.project_a, name="1#")
        db.session.add(world.building)
        db.session.commit()
    world.unit = make_unit(world, "01")
    world.customer = make_customer(world, 1)
    return world


def order_data(site, **kw) -> dict:
    return {
        "unit_id": site.unit.id,
        "customer_id": site.customer.id,
        "payment_method": "mortgage",
        "deposit_kind": "large",
        "deposit": D("50000.00"),
        "discount_pct": D("0"),
        "ordered_on": TODAY,
    } | kw


def place(site, user=None, **kw) -> Order:
    return services.place_order(site.a, user or site.rep, order_data(site, **kw))


def counts(site) -> types.SimpleNamespace:
    with company_scope(site.a.id):
        n = lambda model: db.session.scalar(select(func.count(model.id)))  # noqa: E731
        return types.SimpleNamespace(
            orders=n(Order), versions=n(OrderVersion), deposits=n(Deposit), log=n(UnitStateChange)
        )


def unit_state(unit) -> UnitState:
    db.session.expire_all()
    return db.session.get(Unit, unit.id).state


# --- SAL-13 / SAL-15 -----------------------------------------------------------------------


def test_sal15_order_takes_the_unit_with_its_log_in_one_transaction(site):
    order = place(site)
    assert order.status == OrderStatus.active
    assert unit_state(site.unit) == UnitState.subscribed
    assert vars(counts(site)) == {"orders": 1, "versions": 1, "deposits": 1, "log": 1}


def test_sal13_place_order_takes_the_unit_without_avoidable_statements(site):
    """The hot path of the sales office (bench/sales_orders.py): the state just read is not
    read again, the log is written in the order's one flush (one audit insert), and an order
    without discount looks up no discount authority."""
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        place(site)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert not [s for s in statements if s.startswith("SELECT sales_unit.state ")]
    assert len([s for s in statements if s.startswith("INSERT INTO audit_entry")]) == 1
    assert not [s for s in statements if "FROM role " in s]
    assert len([s for s in statements if s.startswith("UPDATE sales_unit ")]) == 1


def test_sal13_second_order_for_a_taken_unit_refused_and_nothing_written(site):
    place(site)
    before = counts(site)
    with pytest.raises(services.UnitUnavailable, match="no longer available"):
        place(site, customer_id=make_customer(site, 2).id)
    assert counts(site) == before


def test_sal13_twenty_concurrent_orders_one_winner(site, app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: the race is only real on PostgreSQL")
    attempts = [order_data(site, customer_id=make_customer(site, 10 + i).id) for i in range(20)]
    company_id, rep_id = site.a.id, site.rep.id
    barrier, results = threading.Barrier(20, timeout=30), []
    # Its own app: a pool big enough for 20 connections at once (the default holds 15).
    race = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TESTING": True,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 0},
        }
    )

    def attempt(data):
        with race.app_context():
            from core.models import Company, User

            try:
                company, rep = db.session.get(Company, company_id), db.session.get(User, rep_id)
                barrier.wait()
                services.place_order(company, rep, data)
                results.append("won")
            except services.UnitUnavailable as exc:
                results.append(str(exc))
            except Exception as exc:  # reported by the assertions below
                results.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(data,)) for data in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with race.app_context():
        db.engine.dispose()
    assert results.count("won") == 1, results
    assert all("no longer available" in r for r in results if r != "won")
    assert vars(counts(site)) == {"orders": 1, "versions": 1, "deposits": 1, "log": 1}
    assert unit_state(site.unit) == UnitState.subscribed


# --- SAL-17 -------------------------------------------------------------------------------


def test_sal17_deposit_over_20_percent_refused(site):
    with pytest.raises(ValidationError) as exc:
        place(site, deposit=D("200000.01"))
    assert "20" in str(exc.value.messages["deposit"])
    assert vars(counts(site)) == {"orders": 0, "versions": 0, "deposits": 0, "log": 0}
    assert unit_state(site.unit) == UnitState.available
    assert place(site, deposit=D("200000.00")).status == OrderStatus.active


def test_sal17_deposit_limit_follows_the_setting(site):
    state.update_settings(site.a, "sales", {"deposit_max_pct": "10"})
    with pytest.raises(ValidationError):
        place(site, deposit=D("100000.01"))


def test_sal17_small_deposit_range_and_top_up_date(site):
    for amount in ("299.99", "5000.01"):
        with pytest.raises(ValidationError, match="small deposit"):
            place(site, deposit_kind="small", deposit=D(amount))
    order = place(site, deposit_kind="small", deposit=D("5000.00"))
    assert order.current.top_up_date == TODAY + timedelta(days=3)
    assert order.signing_date == TODAY + timedelta(days=7)  # SAL-18 default


def test_sal17_small_deposit_range_changed(site):
    state.update_settings(
        site.a, "sales", {"small_deposit_min": "1000", "small_deposit_max": "2000"}
    )
    with pytest.raises(ValidationError):
        place(site, deposit_kind="small", deposit=D("500"))
    assert place(site, deposit_kind="small", deposit=D("1500")).current.deposit == D("1500")


def test_sal17_change_is_a_new_version_and_old_one_read_only(site):
    order = place(site)
    later = TODAY + timedelta(days=14)
    services.revise_order(order, site.rep, {"signing_date": later}, "customer travels")
    assert [v.number for v in order.versions] == [1, 2]
    assert order.versions[0].signing_date == TODAY + timedelta(days=7)
    assert order.signing_date == later and order.current.change_reason == "customer travels"
    order.versions[0].deposit = D("1")
    with pytest.raises(Exception, match="read-only"):
        db.session.flush()
    db.session.rollback()


def test_sal17_rep_may_not_void_manager_voids_with_reason(site):
    order = place(site)
    with pytest.raises(PermissionDenied):
        services.void_order(order, site.rep, "wrong unit")
    with pytest.raises(ValidationError):
        services.void_order(order, site.manager, " ")
    services.void_order(order, site.manager, "wrong unit")
    assert order.status == OrderStatus.voided and order.close_reason == "wrong unit"
    assert order.closed_by_id == site.manager.id
    assert unit_state(site.unit) == UnitState.available


# --- SAL-18 -------------------------------------------------------------------------------


def test_sal18_order_past_signing_date_flagged(site):
    order = place(site)
    signed = place(site, unit_id=make_unit(site, "02").id)
    with company_scope(site.a.id):
        db.session.get(Unit, signed.unit_id).state = UnitState.contracted
        db.session.commit()
        due = order.signing_date
        assert past_signing.flag_past_signing(site.a, Period(str(due), due))["flagged"] == 0
        late = due + timedelta(days=1)
        result = past_signing.flag_past_signing(site.a, Period(str(late), late))
    assert result == {"flagged": 1, "orders": [order.id], "settled": 0}  # not the contracted
    assert order.flagged_on == late


def test_sal18_extension_is_a_recorded_change_and_not_flagged(site):
    order = place(site)
    later = order.signing_date + timedelta(days=10)
    services.revise_order(order, site.rep, {"signing_date": later}, "extension")
    day = later - timedelta(days=1)
    with company_scope(site.a.id):
        assert past_signing.flag_past_signing(site.a, Period(str(day), day))["flagged"] == 0


# --- SAL-19 -------------------------------------------------------------------------------


def test_sal19_cooling_off_default_3_days(site):
    order = place(site)
    with pytest.raises(services.OrderRefused, match="ended"):
        services.cooling_off_refund(order, site.rep, on=TODAY + timedelta(days=4))
    services.cooling_off_refund(order, site.rep, on=TODAY + timedelta(days=3))
    assert order.status == OrderStatus.refunded
    assert order.deposits[0].refunded_amount == D("50000.00")
    assert order.deposits[0].status == "refunded"
    assert unit_state(site.unit) == UnitState.available


def test_sal19_cooling_off_disabled(site):
    state.update_settings(site.a, "sales", {"cooling_off_enabled": False})
    order = place(site)
    with pytest.raises(services.OrderRefused, match="no cooling-off"):
        services.cooling_off_refund(order, site.rep, on=TODAY)
    assert unit_state(site.unit) == UnitState.subscribed


def test_sal19_cooling_off_days_changed(site):
    state.update_settings(site.a, "sales", {"cooling_off_days": 5})
    order = place(site)
    services.cooling_off_refund(order, site.rep, on=TODAY + timedelta(days=5))
    assert order.status == OrderStatus.refunded


# --- SAL-20 -------------------------------------------------------------------------------


def pending_request(order):
    with company_scope(order.company_id):
        return approvals.history("sales.order", order.id)[-1]


def test_sal20_discount_beyond_rep_authority_needs_approval(site):
    order = place(site, discount_pct=D("2"))
    assert order.status == OrderStatus.pending_approval
    assert unit_state(site.unit) == UnitState.subscribed  # held for this order meanwhile
    request = pending_request(order)
    assert [s["applies"] for s in request.steps] == [True, True, False]  # manager, VP, not GM
    approvals.approve(request, site.manager)
    assert order.status == OrderStatus.pending_approval
    approvals.approve(request, site.vp)
    db.session.refresh(order)
    assert order.status == OrderStatus.active
    # Within the site manager's own authority, no approval.
    other = place(site, site.manager, unit_id=make_unit(site, "02").id, discount_pct=D("1"))
    assert other.status == OrderStatus.active


def test_sal20_discount_with_changed_authority_table(site):
    table = {"sales_rep": "0.5", "site_manager": "2", "vp": "5", "gm": "100"}
    state.update_settings(site.a, "sales", {"discount_authority": table})  # rebuilds the flow
    assert place(site, discount_pct=D("0.5")).status == OrderStatus.active
    order = place(site, unit_id=make_unit(site, "02").id, discount_pct=D("4"))
    request = pending_request(order)
    assert [s["applies"] for s in request.steps] == [True, True, False]
    assert request.steps[1]["condition"]["value"] == "2"


def test_sal20_rejected_discount_releases_the_unit(site):
    order = place(site, discount_pct=D("0.5"))
    approvals.reject(pending_request(order), site.manager, "too much")
    db.session.refresh(order)
    assert order.status == OrderStatus.rejected
    assert unit_state(site.unit) == UnitState.available
