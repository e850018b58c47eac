"""Importing a price list: hundreds of units at once from CSV or Excel, all rows or none."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.plugins import state
from plugins.sales.models.units import Building, Unit, UnitState
from plugins.sales.units.importer import ImportRefused, import_units
from plugins.sales.units.models import UnitPrice
from tests.conftest import login
from tests.plugins.sales.units_setup import HEADER, as_csv, as_xlsx, price_list


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def sales(world):
    state.enable(world.a, "sales")
    return world


def test_import_csv_of_hundreds_of_units_with_buildings_and_first_prices(sales):
    rows = price_list("A1", "YS-1", floors=30, entrances=2, rooms=5)  # 300 units
    n = import_units(sales.project_a, "list.csv", as_csv(rows), sales.admin_a)
    db.session.commit()
    assert n == count(Unit) == count(UnitPrice) == 300
    building = db.session.scalar(select(Building))
    assert (building.name, building.presale_permit) == ("A1", "YS-1")
    unit = db.session.scalar(select(Unit).where(Unit.floor == 30, Unit.room == "05"))
    assert unit.state == UnitState.not_released
    assert unit.list_total == Decimal("1000000.00")  # 100 m² × 10,000, computed when blank
    assert (unit.layout, unit.built_area, unit.usable_area) == (
        "3/2",
        Decimal("100"),
        Decimal("80"),
    )


def test_import_xlsx_with_chinese_headers(sales):
    header = [
        "楼栋",
        "单元",
        "楼层",
        "房号",
        "户型",
        "朝向",
        "建筑面积",
        "套内面积",
        "单价",
        "总价",
    ]
    rows = [["5号楼", 1, 12, "01", "4/2", "南北", 143.5, 120, 9800, 1406300]]
    import_units(sales.project_a, "价目表.xlsx", as_xlsx(rows, header), sales.admin_a)
    unit = db.session.scalar(select(Unit))
    assert (unit.building.name, unit.floor, unit.room) == ("5号楼", 12, "01")
    assert unit.list_total == Decimal("1406300.00")


def test_import_bad_rows_named_by_row_and_column_and_nothing_imported(sales):
    rows = price_list("A1", "YS-1", floors=2, entrances=1, rooms=2)  # rows 2..5
    rows[1][2] = "two"  # row 3: floor
    rows[2][6] = "-5"  # row 4: built_area
    rows[3][9] = "1.00"  # row 5: a total far from price × area
    rows.append(list(rows[0]))  # row 6: the same unit as row 2
    with pytest.raises(ImportRefused) as refused:
        import_units(sales.project_a, "list.csv", as_csv(rows), sales.admin_a)
    assert [(e.row, e.column) for e in refused.value.errors] == [
        (3, "floor"),
        (4, "built_area"),
        (5, "list_total"),
        (6, "room"),
    ]
    assert "row 3, column floor" in str(refused.value)
    db.session.rollback()
    assert count(Unit) == count(Building) == count(UnitPrice) == 0


def test_import_refuses_a_missing_column_and_an_existing_unit(sales):
    header = [h for h in HEADER if h != "built_area"]
    with pytest.raises(ImportRefused) as refused:
        import_units(sales.project_a, "x.csv", as_csv([], header), sales.admin_a)
    assert [(e.row, e.column) for e in refused.value.errors] == [(1, "built_area")]
    rows = price_list("A1", "YS-1", floors=1, entrances=1, rooms=1)
    import_units(sales.project_a, "a.csv", as_csv(rows), sales.admin_a)
    db.session.commit()
    more = rows + price_list("A1", "YS-1", floors=2, entrances=1, rooms=1)[1:]
    with pytest.raises(ImportRefused) as refused:
        import_units(sales.project_a, "b.csv", as_csv(more), sales.admin_a)
    assert [(e.row, e.column) for e in refused.value.errors] == [(2, "room")]
    db.session.rollback()
    assert count(Unit) == 1


def test_import_screen_reports_errors_and_imports_a_good_file(sales, client):
    login(client, "admin-a@example.com")
    bad = price_list(floors=1, entrances=1, rooms=1)
    bad[0][8] = "abc"
    response = client.post(
        "/admin/sales_units_import/",
        data={"project": sales.project_a.id, "file": (io.BytesIO(as_csv(bad)), "bad.csv")},
    )
    assert response.status_code == 400
    assert "list_unit_price" in response.text and "Nothing was imported" in response.text
    good = price_list(floors=2, entrances=1, rooms=2)
    response = client.post(
        "/admin/sales_units_import/",
        data={"project": sales.project_a.id, "file": (io.BytesIO(as_xlsx(good)), "good.xlsx")},
    )
    assert response.status_code == 302
    assert count(Unit) == 4


def test_import_screen_needs_the_edit_permission(sales, client):
    login(client, "rep-a@example.com")
    response = client.get("/admin/sales_units_import/")
    assert response.status_code == 403 and "sales.units.edit" in response.text
