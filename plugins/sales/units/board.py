"""The sales-control board (销控表): a building's units as floors × (entrance, room).

One query fetches the building's units as plain rows; the grid is built in Python so the
template only loops. Colours follow the state, so the board shows each unit's true state.
"""

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.admin import labels
from core.extensions import db
from plugins.sales.models.units import Building, Unit, UnitState

S = UnitState
# State → (label, CSS background colour): the legend and the cells.
LEGEND = {
    S.not_released: (_l("Not released"), "#d6d8db"),
    S.available: (_l("Available"), "#c3e6cb"),
    S.held: (_l("Held"), "#ffeeba"),
    S.subscribed: (_l("Subscribed"), "#f5c6cb"),
    S.contracted: (_l("Contracted"), "#e4606d"),
    S.registered: (_l("Registered"), "#b8daff"),
    S.pre_release: (_l("Pre-release"), "#fd7e14"),
    S.delivered: (_l("Delivered"), "#6c757d"),
}
labels.register({state: text for state, (text, _colour) in LEGEND.items()})
COLUMNS = (
    Unit.id,
    Unit.entrance,
    Unit.floor,
    Unit.room,
    Unit.state,
    Unit.layout,
    Unit.built_area,
    Unit.list_unit_price,
    Unit.list_total,
)


@dataclass
class Grid:
    building: Building
    columns: list[tuple[str, str]]  # (entrance, room), left to right
    floors: list[int]  # high to low
    cells: dict[tuple[int, str, str], object]  # (floor, entrance, room) → unit row
    counts: dict[str, int] = field(default_factory=dict)  # state → units

    def row(self, floor: int) -> list:
        """The cells of one floor, left to right (None where the floor has no such room)."""
        return [self.cells.get((floor, e, r)) for e, r in self.columns]

    def as_dict(self) -> dict:
        """The JSON shape of the API's board."""
        return {
            "building": {"id": self.building.id, "name": self.building.name},
            "columns": [{"entrance": e, "room": r} for e, r in self.columns],
            "floors": [
                {"floor": floor, "cells": [_cell(c) for c in self.row(floor)]}
                for floor in self.floors
            ],
            "counts": self.counts,
        }


def _sort_key(text: str):
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def grid(building: Building) -> Grid:
    """The building's board, from one query."""
    rows = db.session.execute(select(*COLUMNS).where(Unit.building_id == building.id)).all()
    cells, counts = {}, {}
    for row in rows:
        cells[(row.floor, row.entrance, row.room)] = row
        counts[str(row.state)] = counts.get(str(row.state), 0) + 1
    columns = sorted(
        {(e, r) for _f, e, r in cells}, key=lambda c: (_sort_key(c[0]), _sort_key(c[1]))
    )
    floors = sorted({f for f, _e, _r in cells}, reverse=True)
    return Grid(building, columns, floors, cells, counts)


def _cell(row) -> dict | None:
    if row is None:
        return None
    return {
        "id": row.id,
        "state": str(row.state),
        "layout": row.layout,
        "built_area": str(row.built_area),
        "list_unit_price": str(row.list_unit_price),
        "list_total": str(row.list_total),
    }


def board_cell_link(unit_id: int) -> str:
    """Where a board cell leads: the unit's page (which links to its orders when the orders
    area is there)."""
    return url_for("sales_board.unit", unit_id=unit_id)
