"""SAL-18: an order past its signing date without a contract is flagged to customer service,
who see it as a task in "Flagged orders" until they handle it or it settles by itself."""

from datetime import timedelta

from sqlalchemy import select

from core.duties import Period
from core.extensions import db
from core.tenancy import company_scope
from plugins.sales.models import Unit, UnitState
from plugins.sales.orders import past_signing, services
from plugins.sales.orders.models import ServiceTask
from tests.conftest import login
from tests.plugins.sales import test_orders_services as base
from tests.plugins.sales.test_orders_services import make_unit, place

site = base.site  # the shared fixture
SCREEN = "/admin/sales_flagged_orders/"


def run_duty(site, day):
    with company_scope(site.a.id):
        result = past_signing.flag_past_signing(site.a, Period(str(day), day))
        db.session.commit()
    return result


def tasks(site) -> list[ServiceTask]:
    db.session.expire_all()
    with company_scope(site.a.id):
        return list(db.session.scalars(select(ServiceTask).order_by(ServiceTask.id)))


def test_sal18_flag_notifies_customer_service(site, client):
    order = place(site)
    on_time = place(site, unit_id=make_unit(site, "02").id)
    late = order.signing_date + timedelta(days=1)
    run_duty(site, order.signing_date)
    assert tasks(site) == []  # the signing day itself is not late
    with company_scope(site.a.id):
        services.revise_order(
            on_time, site.rep, {"signing_date": late + timedelta(days=5)}, "extension"
        )
    assert run_duty(site, late)["flagged"] == 1
    (task,) = tasks(site)
    assert (task.order_id, task.raised_on, task.done_on) == (order.id, late, None)
    assert run_duty(site, late + timedelta(days=1))["flagged"] == 0  # once per order
    # Customer service sees the order, its customer and rep on its screen...
    login(client, site.cs.email)
    page = client.get(SCREEN)
    assert page.status_code == 200 and site.unit.label in page.text
    assert site.customer.name in page.text and site.customer.phone in page.text
    assert f"/admin/sales_orders/{order.id}" in page.text
    # ...and records what was done about it.
    refused = client.post(f"{SCREEN}{task.id}/done", data={"note": " "})
    assert refused.status_code == 302 and tasks(site)[0].done_on is None
    client.post(f"{SCREEN}{task.id}/done", data={"note": "约了周五签约"})
    (task,) = tasks(site)
    assert task.done_on is not None and task.done_by_id == site.cs.id
    assert "约了周五签约" not in client.get(SCREEN).text  # open tasks only, by default
    assert "约了周五签约" in client.get(SCREEN, query_string={"shown": "done"}).text


def test_sal18_flagged_orders_screen_is_customer_services(site, client):
    login(client, site.rep.email)
    assert client.get(SCREEN).status_code == 403
    client.post("/logout")
    login(client, site.cs.email)
    assert client.get(SCREEN).status_code == 200


def test_sal18_task_settles_by_itself_on_contract_or_extension(site):
    signed, extended = place(site), place(site, unit_id=make_unit(site, "02").id)
    late = signed.signing_date + timedelta(days=1)
    assert run_duty(site, late)["flagged"] == 2
    with company_scope(site.a.id):
        db.session.get(Unit, signed.unit_id).state = UnitState.contracted
        db.session.commit()
        services.revise_order(
            extended, site.rep, {"signing_date": late + timedelta(days=30)}, "extension"
        )
    assert extended.flagged_on is None  # valid again
    assert run_duty(site, late + timedelta(days=1))["settled"] == 2
    assert all(t.done_on == late + timedelta(days=1) and t.done_by_id is None for t in tasks(site))
