"""The sales-control board (销控表) as a screen and JSON, and the units API."""

from decimal import Decimal

from sqlalchemy import event

from core.api.openapi import undocumented
from core.auth.services import create_token
from core.extensions import db
from plugins.sales.models.units import Building, UnitState
from plugins.sales.units import board, services
from plugins.sales.units.models import PriceAdjustmentPlan
from tests.conftest import login
from tests.plugins.sales.units_setup import site_fixture  # noqa: F401

S = UnitState


def bearer(user, company) -> dict:
    return {"Authorization": f"Bearer {create_token(user, company, 'test')}"}


def first_building(site) -> Building:
    return site.units[0].building


def test_board_grid_floors_high_to_low_columns_entrance_room_in_one_query(site):
    building = first_building(site)
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        grid = board.grid(building)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert len(statements) == 1
    assert grid.floors == [3, 2, 1]
    assert grid.columns == [("1", "01"), ("1", "02"), ("2", "01"), ("2", "02")]
    top = grid.row(3)
    assert [(c.floor, c.entrance, c.room) for c in top] == [
        (3, "1", "01"), (3, "1", "02"), (3, "2", "01"), (3, "2", "02"),
    ]  # fmt: skip
    assert grid.counts == {"not_released": 12}


def test_board_screen_colours_each_cell_by_true_state_with_price_area_and_link(site, client):
    services.release_permit(site.project_a, "YS-2026-01", site.controller)
    unit = site.units[0]
    services.take_unit(unit.id, {S.available}, S.subscribed, site.rep_a, "order")
    db.session.commit()
    login(client, "rep-a@example.com")
    page = client.get(f"/admin/sales_board/?building={unit.building_id}")
    assert page.status_code == 200
    cell = f'<td class="s-subscribed"><a href="/admin/sales_board/unit/{unit.id}"'
    assert cell in page.text
    assert page.text.count('<td class="s-available">') == 11
    assert "1000000.00" in page.text and "100.00㎡" in page.text
    assert "Subscribed 1" in page.text  # the legend with counts
    assert client.get(f"/admin/sales_board/unit/{unit.id}").status_code == 200


def test_board_filters_by_project_and_hides_other_companies_buildings(site, client):
    other = Building(company_id=site.b.id, project_id=site.project_b.id, name="B-1")
    db.session.add(other)
    db.session.commit()
    login(client, "rep-a@example.com")
    page = client.get(f"/admin/sales_board/?project={site.project_a.id}")
    assert "2#" in page.text and "B-1" not in page.text
    assert client.get(f"/admin/sales_board/?building={other.id}").status_code == 404


def test_units_api_lists_with_filters_and_pages(site, client):
    services.release_permit(site.project_a, "YS-2026-02", site.controller)
    db.session.commit()
    headers = bearer(site.rep_a, site.a)
    body = client.get("/api/v1/sales/units?state=available&per_page=5", headers=headers).json
    assert body["total"] == 12 and len(body["items"]) == 5
    assert {i["building"] for i in body["items"]} == {"2#"}
    one = body["items"][0]
    assert one["list_unit_price"] == "12000.00" and one["state"] == "available"
    building_id = site.units[0].building_id
    body = client.get(f"/api/v1/sales/units?building={building_id}", headers=headers).json
    assert body["total"] == 12 and {i["state"] for i in body["items"]} == {"not_released"}
    bad = client.get("/api/v1/sales/units?state=sold", headers=headers)
    assert bad.status_code == 422 and "state" in bad.json["error"]["fields"]
    got = client.get(f"/api/v1/sales/units/{one['id']}", headers=headers).json
    assert got["label"] == one["label"] and Decimal(got["built_area"]) == 100


def test_units_api_board_and_another_companys_unit(site, client):
    headers = bearer(site.rep_a, site.a)
    building_id = site.units[0].building_id
    body = client.get(f"/api/v1/sales/buildings/{building_id}/board", headers=headers).json
    assert [f["floor"] for f in body["floors"]] == [3, 2, 1]
    assert body["columns"][0] == {"entrance": "1", "room": "01"}
    assert body["floors"][0]["cells"][0]["state"] == "not_released"
    other = bearer(site.admin_b, site.b)
    assert client.get(f"/api/v1/sales/units/{site.units[0].id}", headers=other).status_code == 404


def test_units_api_routes_are_documented(site, client):
    doc = client.get("/api/v1/openapi.json").json
    assert not [r for r in undocumented(client.application, doc) if "/sales/units" in r]
    assert not [r for r in undocumented(client.application, doc) if "/board" in r]
    assert "SalesUnit" in doc["components"]["schemas"]


def test_sales_control_screens_open_for_the_site_manager(site, client):
    login(client, "admin-a@example.com")
    for url in (
        "/admin/sales_board/",
        "/admin/sales_units/",
        "/admin/sales_buildings/",
        "/admin/sales_units_import/",
        "/admin/sales_permits/",
        "/admin/sales_price_plans/",
        "/admin/sales_unit_log/",
        "/admin/sales_reconciliation/",
    ):
        assert client.get(url).status_code == 200, url


def test_sal29_price_plan_screen_submits_one_request_for_the_building(site, client):
    login(client, "ctl-a@example.com")
    building_id = site.units[0].building_id
    response = client.post(
        "/admin/sales_price_plans/new",
        data={"building": building_id, "percent": "3", "reason": "strong demand"},
    )
    assert response.status_code == 302
    (plan,) = db.session.scalars(db.select(PriceAdjustmentPlan)).all()
    assert len(plan.lines) == 12 and plan.lines[0].new_unit_price == Decimal("10300.00")
    assert plan.approval_request_id is not None
    assert "strong demand" in client.get("/admin/sales_price_plans/").text
