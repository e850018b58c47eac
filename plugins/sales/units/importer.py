"""Importing a price list (价目表) of units from CSV or Excel: all rows or none.

Every row is checked before anything is written; any bad row refuses the whole file with a
report naming each bad row and column. Headers may be English or Chinese.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from core.models import Project, User
from plugins.sales.models.units import Building, Unit, UnitState
from plugins.sales.units.pricing import CENT, first_price

# Column → accepted headers (lower-cased). Required columns have no default.
COLUMNS = {
    "building": ("building", "楼栋"),
    "entrance": ("entrance", "单元"),
    "floor": ("floor", "楼层"),
    "room": ("room", "房号"),
    "layout": ("layout", "户型"),
    "orientation": ("orientation", "朝向"),
    "built_area": ("built_area", "建筑面积"),
    "usable_area": ("usable_area", "套内面积"),
    "list_unit_price": ("list_unit_price", "单价"),
    "list_total": ("list_total", "总价"),
    "presale_permit": ("presale_permit", "预售证"),
}
REQUIRED = ("building", "floor", "room", "built_area", "usable_area", "list_unit_price")
DEFAULTS = {
    "entrance": "1",
    "layout": "",
    "orientation": "",
    "list_total": "",
    "presale_permit": "",
}
# A typed total may differ from unit price × area by rounding only.
TOTAL_TOLERANCE = Decimal("1.00")


@dataclass(frozen=True)
class RowError:
    row: int  # the row number in the file, the header being row 1
    column: str
    message: str

    def __str__(self):
        return _("row %(row)d, column %(column)s: %(message)s", **vars(self))


class ImportRefused(Exception):
    """The file was refused; ``errors`` lists every bad row and column."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors[:20]))
        self.errors = errors


def read_rows(filename: str, data: bytes) -> list[list]:
    """The file's rows (header first) as lists of cell values."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    if filename.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")  # Excel's CSV on a Chinese Windows
        return list(csv.reader(io.StringIO(text)))
    raise ImportRefused([RowError(0, "file", _("only .csv and .xlsx files are read"))])


def _header(cells: list) -> tuple[dict[int, str], list[RowError]]:
    names = {h: key for key, headers in COLUMNS.items() for h in headers}
    found = {}
    for i, cell in enumerate(cells):
        key = names.get(str(cell or "").strip().lower())
        if key:
            found[i] = key
    missing = [k for k in REQUIRED if k not in found.values()]
    return found, [RowError(1, k, _("column missing from the header")) for k in missing]


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def _decimal(value: str) -> Decimal:
    amount = Decimal(value.replace(",", "")).quantize(CENT)
    if amount <= 0:
        raise ValueError
    return amount


def _parse(number: int, raw: dict[str, str]) -> tuple[dict, list[RowError]]:
    values, errors = {}, []
    for key in COLUMNS:
        text = raw.get(key, "")
        if not text and key in REQUIRED:
            errors.append(RowError(number, key, _("a value is required")))
            continue
        values[key] = text or DEFAULTS.get(key, "")
    for key in ("built_area", "usable_area", "list_unit_price", "list_total"):
        if values.get(key):
            try:
                values[key] = _decimal(values[key])
            except (InvalidOperation, ValueError):
                errors.append(RowError(number, key, _("not a positive number: %(v)s", v=raw[key])))
                values[key] = None
    if values.get("floor"):
        try:
            values["floor"] = int(values["floor"])
        except ValueError:
            errors.append(RowError(number, "floor", _("not a whole number: %(v)s", v=raw["floor"])))
    for key, limit in (("building", 50), ("entrance", 10), ("room", 10), ("layout", 20)):
        if len(str(values.get(key) or "")) > limit:
            errors.append(RowError(number, key, _("longer than %(n)d characters", n=limit)))
    area, usable, price = (
        values.get("built_area"),
        values.get("usable_area"),
        values.get("list_unit_price"),
    )
    if area and usable and usable > area:
        errors.append(RowError(number, "usable_area", _("larger than the built-up area")))
    if area and price:
        computed = (area * price).quantize(CENT)
        if not values.get("list_total"):
            values["list_total"] = computed
        elif abs(values["list_total"] - computed) > TOTAL_TOLERANCE:
            errors.append(
                RowError(
                    number, "list_total", _("differs from unit price × area (%(c)s)", c=computed)
                )
            )
    return values, errors


def parse(rows: list[list]) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Checked rows ``(row number, values)`` and every error found (file-level checks only)."""
    if not rows:
        return [], [RowError(1, "file", _("the file is empty"))]
    columns, errors = _header(rows[0])
    if errors:
        return [], errors
    parsed, seen = [], {}
    for number, cells in enumerate(rows[1:], start=2):
        raw = {key: _text(cells[i]) for i, key in columns.items() if i < len(cells)}
        if not any(raw.values()):
            continue  # a blank line
        values, row_errors = _parse(number, raw)
        errors += row_errors
        if row_errors:
            continue
        key = (values["building"], values["entrance"], values["floor"], values["room"])
        if key in seen:
            errors.append(RowError(number, "room", _("same unit as row %(r)d", r=seen[key])))
            continue
        seen[key] = number
        parsed.append((number, values))
    return parsed, errors


def import_units(project: Project, filename: str, data: bytes, user: User | None) -> int:
    """Create the units of a price list under ``project``; returns how many. Raises
    :class:`ImportRefused` (nothing written) when any row is bad. Flushes; the caller commits."""
    rows, errors = parse(read_rows(filename, data))
    buildings = {
        b.name: b
        for b in db.session.scalars(select(Building).where(Building.project_id == project.id))
    }
    existing = {
        tuple(row)
        for row in db.session.execute(
            select(Building.name, Unit.entrance, Unit.floor, Unit.room)
            .join(Unit, Unit.building_id == Building.id)
            .where(Building.project_id == project.id)
        )
    }
    permits: dict[str, tuple[int, str]] = {}
    for number, v in rows:
        if (v["building"], v["entrance"], v["floor"], v["room"]) in existing:
            errors.append(RowError(number, "room", _("this unit already exists")))
        permit = v["presale_permit"]
        known = buildings.get(v["building"])
        first = permits.setdefault(v["building"], (number, permit))
        if permit and known is not None and known.presale_permit not in (None, "", permit):
            errors.append(
                RowError(
                    number,
                    "presale_permit",
                    _("the building's permit is %(p)s", p=known.presale_permit),
                )
            )
        elif first[1] != permit:
            errors.append(
                RowError(
                    number,
                    "presale_permit",
                    _("differs from row %(r)d of the same building", r=first[0]),
                )
            )
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e.row, e.column)))
    if not rows:
        raise ImportRefused([RowError(2, "file", _("no unit rows"))])
    reason = _("Price list import")
    for _number, v in rows:
        building = buildings.get(v["building"])
        if building is None:
            building = buildings[v["building"]] = Building(
                company_id=project.company_id, project_id=project.id, name=v["building"]
            )
            db.session.add(building)
        if v["presale_permit"] and not building.presale_permit:
            building.presale_permit = v["presale_permit"]
        unit = Unit(
            company_id=project.company_id,
            building=building,
            state=UnitState.not_released,
            **{k: v[k] for k in COLUMNS if k not in ("building", "presale_permit")},
        )
        db.session.add(unit)
        db.session.add(first_price(unit, user, reason))
    db.session.flush()
    return len(rows)
