"""The contract ledger (合同台帐, CS-06): contracts filtered by status, project, rep and
number, with their dates and the statutory filing clock."""

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from plugins.customer_service.models import Contract, ContractStatus
from plugins.sales.models import Building, Unit


def contract_query(args):
    """Contracts, newest first, filtered by ``status``, ``project_id``, ``rep_id`` and
    ``number`` (a part of it); a bad filter raises ``ValidationError`` naming it."""
    query = (
        select(Contract)
        .join(Unit, Unit.id == Contract.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .order_by(Contract.id.desc())
    )
    errors = {}
    for name, column in (("project_id", Building.project_id), ("rep_id", Contract.rep_id)):
        value = str(args.get(name) or "").strip()
        if value:
            if not value.isdigit():
                errors[name] = [_("Must be a whole number.")]
            else:
                query = query.where(column == int(value))
    status = str(args.get("status") or "").strip()
    if status:
        if status not in [str(s) for s in ContractStatus]:
            errors["status"] = [_("Unknown status.")]
        else:
            query = query.where(Contract.status == ContractStatus(status))
    number = str(args.get("number") or "").strip()
    if number:
        query = query.where(Contract.number.contains(number, autoescape=True))
    if errors:
        raise ValidationError(errors)
    return query
