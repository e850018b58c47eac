"""Shared set-up of the customer-service tests: company A with sales and customer service,
the department's people, a building, and helpers making sold units, contracts and
instalments directly (each area's own services are tested in its own files)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core.extensions import db
from core.plugins import state
from core.services.companies import add_member, create_user
from core.tenancy import company_scope
from plugins.customer_service.models import Contract, ContractStatus, Household, Instalment
from plugins.sales.models import Building, Customer, Unit, UnitState
from plugins.sales.orders.models import Order, OrderStatus, PaymentMethod
from tests.conftest import PASSWORD

D = Decimal
TODAY = date(2026, 11, 24)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def person(w, email: str, *roles: str):
    user = create_user(email, PASSWORD)
    add_member(user, w.a, list(roles))
    return user


@pytest.fixture(name="cs")
def cs_fixture(world):
    """Sales and customer service enabled in A; ``cs_rep``/``cs_rep2``, ``cs_manager``,
    ``clerk`` (archive), ``finance``, ``vp``, ``gm``; the sales rep ``rep``; building ``1#``
    of ``project_a`` (residential)."""
    w = world
    state.enable(w.a, "sales")
    state.enable(w.a, "customer_service")
    w.rep = w.rep_a
    w.cs_rep = person(w, "csrep-a@example.com", "cs_rep")
    w.cs_rep2 = person(w, "csrep2-a@example.com", "cs_rep")
    w.cs_manager = person(w, "csmgr-a@example.com", "cs_manager")
    w.clerk = person(w, "clerk-a@example.com", "archive_clerk")
    w.finance = person(w, "finance-a@example.com", "finance")
    w.vp = person(w, "vp-a@example.com", "vp")
    w.gm = person(w, "gm-a@example.com", "gm")
    with company_scope(w.a.id):
        w.building = Building(company_id=w.a.id, project=w.project_a, name="1#")
        db.session.add(w.building)
        db.session.commit()
    return w


def make_unit(w, room: str, total="1000000.00", state=UnitState.contracted, floor=5) -> Unit:
    with company_scope(w.a.id):
        unit = Unit(
            company_id=w.a.id,
            building=w.building,
            floor=floor,
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


def make_customer(w, n: int, name: str | None = None) -> Customer:
    with company_scope(w.a.id):
        customer = Customer(
            company_id=w.a.id,
            code=f"LY-ZW{n:03d}",
            name=name or f"张伟{n}",
            phone=f"1380000{n:04d}",
            rep_id=w.rep.id,
            project_id=w.project_a.id,
            created_at=_now(),
        )
        db.session.add(customer)
        db.session.commit()
    return customer


def make_sale(
    w,
    n: int,
    price="1000000.00",
    method=PaymentMethod.instalments,
    schedule=((date(2026, 12, 1), "300000.00"), (date(2027, 3, 1), "700000.00")),
    signed_on: date | None = TODAY,
    rep=None,
    unit_state=UnitState.contracted,
):
    """A sold unit ``n``: unit, customer, active order, household (with ``rep``, default
    ``cs_rep``), a contract (signed on ``signed_on`` unless None: a draft) and its
    instalments ``(due, amount)``. Returns the contract."""
    unit = make_unit(w, f"{n:02d}", price, unit_state)
    customer = make_customer(w, n)
    rep = rep or w.cs_rep
    with company_scope(w.a.id):
        order = Order(
            company_id=w.a.id,
            unit_id=unit.id,
            customer_id=customer.id,
            rep_id=w.rep.id,
            status=OrderStatus.active,
            ordered_on=TODAY,
            signing_date=signed_on or TODAY,
            buyer_name=customer.name,
            created_at=_now(),
        )
        db.session.add(order)
        db.session.flush()
        db.session.add(
            Household(
                company_id=w.a.id,
                project_id=w.project_a.id,
                unit_id=unit.id,
                customer_id=customer.id,
                order_id=order.id,
                rep_id=rep.id,
                assigned_at=_now(),
            )
        )
        contract = Contract(
            company_id=w.a.id,
            number=f"HT-{n:04d}",
            order_id=order.id,
            unit_id=unit.id,
            customer_id=customer.id,
            rep_id=rep.id,
            status=ContractStatus.signed if signed_on else ContractStatus.draft,
            price=D(price),
            payment_method=method,
            buyer_name=customer.name,
            address="河南省洛阳市洛龙区开元大道218号",
            signed_on=signed_on,
            created_at=_now(),
        )
        db.session.add(contract)
        db.session.flush()
        for seq, (due, amount) in enumerate(schedule, 1):
            db.session.add(
                Instalment(
                    company_id=w.a.id,
                    contract_id=contract.id,
                    customer_id=customer.id,
                    unit_id=unit.id,
                    seq=seq,
                    what=f"第{seq}期房款",
                    due_on=due,
                    amount=D(amount),
                )
            )
        db.session.commit()
    return contract
