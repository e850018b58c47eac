"""Units API: the list (filters building, state; paginated), one unit, a building's board."""

from flask import Blueprint, request
from sqlalchemy import select

from core.api import get_or_404, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from plugins.sales.models.units import Building, Unit
from plugins.sales.units import board
from plugins.sales.units.schemas import BoardSchema, UnitFilterSchema, UnitSchema

bp = Blueprint("sales_units", __name__, url_prefix="/sales")
VIEW = "sales.view"


@bp.get("/units")
@require_permission(VIEW)
def list_units():
    filters = UnitFilterSchema().load(request.args.to_dict())
    query = select(Unit).order_by(Unit.building_id, Unit.entrance, Unit.floor, Unit.room)
    if "building" in filters:
        query = query.where(Unit.building_id == filters["building"])
    if "state" in filters:
        query = query.where(Unit.state == filters["state"])
    return paginate(query, UnitSchema())


@bp.get("/units/<int:unit_id>")
@require_permission(VIEW)
def get_unit(unit_id):
    return UnitSchema().dump(get_or_404(Unit, unit_id))


@bp.get("/buildings/<int:building_id>/board")
@require_permission(VIEW)
def get_board(building_id):
    return BoardSchema().dump(board.grid(get_or_404(Building, building_id)).as_dict())


def openapi(spec) -> None:
    spec.components.schema("SalesUnit", schema=UnitSchema)
    spec.components.schema("SalesBoard", schema=BoardSchema)
    filters = [
        {"name": "building", "in": "query", "schema": {"type": "integer"}},
        {"name": "state", "in": "query", "schema": {"type": "string"}},
    ]
    spec.path(
        path="/sales/units",
        operations={
            "get": {
                "summary": "List units, by building and state",
                "parameters": filters + PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("SalesUnit")), "403", "422"),
            }
        },
    )
    spec.path(
        path="/sales/units/{unit_id}",
        parameters=path_id("unit_id"),
        operations={
            "get": {
                "summary": "One unit with its state and published price",
                "responses": responses(json_content(ref("SalesUnit")), "403", "404"),
            }
        },
    )
    spec.path(
        path="/sales/buildings/{building_id}/board",
        parameters=path_id("building_id"),
        operations={
            "get": {
                "summary": "A building's sales-control board: floors (high to low) × rooms",
                "responses": responses(json_content(ref("SalesBoard")), "403", "404"),
            }
        },
    )
