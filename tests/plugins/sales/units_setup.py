"""Shared set-up of the units tests: a price list generated as CSV or XLSX, and a site."""

import csv
import io

import pytest

from core.extensions import db
from core.plugins import state
from core.services.companies import add_member, create_user
from plugins.sales.models.units import Building, Unit
from plugins.sales.units.importer import import_units
from tests.conftest import PASSWORD

HEADER = [
    "building", "entrance", "floor", "room", "layout", "orientation",
    "built_area", "usable_area", "list_unit_price", "list_total", "presale_permit",
]  # fmt: skip


def price_list(building="1#", permit="YS-2026-01", floors=3, entrances=2, rooms=2, price=10000):
    """Rows of a price list: ``floors`` × ``entrances`` × ``rooms`` units of 100 m²."""
    return [
        [building, str(e), str(f), f"0{r}", "3/2", "S", "100.00", "80.00", str(price), "", permit]
        for f in range(1, floors + 1)
        for e in range(1, entrances + 1)
        for r in range(1, rooms + 1)
    ]


def as_csv(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows, header=HEADER) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in [header, *rows]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def units_of(building_name=None) -> list[Unit]:
    query = db.select(Unit).join(Building).order_by(Unit.id)
    if building_name:
        query = query.where(Building.name == building_name)
    return list(db.session.scalars(query))


@pytest.fixture(name="site")
def site_fixture(world):
    """Company A with sales enabled, a sales controller, a GM, and two buildings of 12 units
    (``1#`` under permit YS-2026-01, ``2#`` under YS-2026-02), not yet released."""
    w = world
    state.enable(w.a, "sales")
    w.controller = create_user("ctl-a@example.com", PASSWORD)
    add_member(w.controller, w.a, ["sales_controller"])
    w.gm = create_user("gm-a@example.com", PASSWORD)
    add_member(w.gm, w.a, ["gm"])
    rows = price_list("1#", "YS-2026-01") + price_list("2#", "YS-2026-02", price=12000)
    import_units(w.project_a, "list.csv", as_csv(rows), w.controller)
    db.session.commit()
    w.units = units_of()
    return w
