"""JSON API of contracts (CS-04–07) under ``/api/v1/cs``: prepare, book, annexes, sign, stamp,
register, the statutory filing clock, term changes and cancellation. Approving changes and
cancellations goes through the core approvals API."""

from flask import Blueprint, g, request

from core.api import error, get_or_404, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.duties import today
from core.extensions import db
from plugins.customer_service.contracts import (
    EDIT,
    REGISTER,
    VIEW,
    changes,
    registration,
    services,
    signing,
)
from plugins.customer_service.contracts import cancellation as cancellations
from plugins.customer_service.contracts.ledger import contract_query
from plugins.customer_service.contracts.models import ContractCancellation, ContractChange
from plugins.customer_service.contracts.schemas import (
    AnnexesInput,
    BookingInput,
    CancellationSchema,
    ChangeSchema,
    ContractSchema,
    DayInput,
    FilingClockSchema,
    PrepareInput,
    RegistrationSchema,
)
from plugins.customer_service.models import Contract
from plugins.sales.orders.models import Order

bp = Blueprint("cs_contracts", __name__, url_prefix="/cs")


@bp.errorhandler(services.ContractRefused)
def _refused(exc):
    db.session.rollback()
    return error(exc.status, str(exc), exc.fields or None)


def _contract(contract_id: int) -> Contract:
    return get_or_404(Contract, contract_id)


def _dump(contract: Contract):
    db.session.refresh(contract)
    return ContractSchema().dump(contract)


@bp.get("/contracts")
@require_permission(VIEW)
def list_contracts():
    return paginate(contract_query(request.args), ContractSchema())


@bp.post("/contracts")
@require_permission(EDIT)
def prepare_contract():
    values = load_json(PrepareInput())
    order = get_or_404(Order, values.pop("order_id"))
    contract = services.prepare_contract(g.erp_company, g.erp_user, order, values)
    return _dump(contract), 201


@bp.get("/contracts/<int:contract_id>")
@require_permission(VIEW)
def get_contract(contract_id):
    return _dump(_contract(contract_id))


@bp.post("/contracts/<int:contract_id>/booking")
@require_permission(EDIT)
def book_signing(contract_id):
    values = load_json(BookingInput())
    contract = signing.book_signing(
        _contract(contract_id), g.erp_user, values["signing_booked_on"], values["lawyer_told_on"]
    )
    return _dump(contract)


@bp.post("/contracts/<int:contract_id>/lawyer")
@require_permission(EDIT)
def tell_lawyer(contract_id):
    on = load_json(DayInput())["on"]
    return _dump(signing.tell_lawyer(_contract(contract_id), g.erp_user, on))


@bp.post("/contracts/<int:contract_id>/annexes")
@require_permission(EDIT)
def set_annexes(contract_id):
    present = load_json(AnnexesInput())["annexes"]
    return _dump(signing.set_annexes(_contract(contract_id), g.erp_user, present))


@bp.post("/contracts/<int:contract_id>/sign")
@require_permission(EDIT)
def sign(contract_id):
    on = load_json(DayInput())["on"]
    return _dump(signing.sign_contract(_contract(contract_id), g.erp_user, on))


@bp.post("/contracts/<int:contract_id>/stamp")
@require_permission(EDIT)
def stamp(contract_id):
    on = load_json(DayInput())["on"]
    return _dump(signing.stamp_contract(_contract(contract_id), g.erp_user, on))


@bp.get("/contracts/<int:contract_id>/registration")
@require_permission(VIEW)
def registration_check(contract_id):
    contract = _contract(contract_id)
    position = registration.payment_position(contract)
    return RegistrationSchema().dump(
        {
            "contract_id": contract.id,
            "problems": registration.registration_problems(contract),
            "part": position.part,
            "due": position.due,
            "paid": position.paid,
        }
    )


@bp.post("/contracts/<int:contract_id>/register")
@require_permission(REGISTER)
def register(contract_id):
    on = load_json(DayInput())["on"]
    return _dump(registration.register_contract(_contract(contract_id), g.erp_user, on))


@bp.get("/contracts/filing-at-risk")
@require_permission(VIEW)
def filing_at_risk():
    clocks = registration.at_risk(g.erp_company, today())
    return {"items": FilingClockSchema(many=True).dump(clocks), "total": len(clocks)}


@bp.get("/contracts/<int:contract_id>/changes")
@require_permission(VIEW)
def list_changes(contract_id):
    contract = _contract(contract_id)
    query = (
        db.select(ContractChange)
        .where(ContractChange.contract_id == contract.id)
        .order_by(ContractChange.id.desc())
    )
    return paginate(query, ChangeSchema())


@bp.post("/contracts/<int:contract_id>/changes")
@require_permission(EDIT)
def request_change(contract_id):
    values = load_json(changes.ChangeInput())
    change = changes.request_change(_contract(contract_id), g.erp_user, values)
    return ChangeSchema().dump(change), 201


@bp.get("/contracts/<int:contract_id>/cancellations")
@require_permission(VIEW)
def list_cancellations(contract_id):
    contract = _contract(contract_id)
    query = (
        db.select(ContractCancellation)
        .where(ContractCancellation.contract_id == contract.id)
        .order_by(ContractCancellation.id.desc())
    )
    return paginate(query, CancellationSchema())


@bp.post("/contracts/<int:contract_id>/cancellations")
@require_permission(EDIT)
def request_cancellation(contract_id):
    values = load_json(cancellations.CancelInput())
    cancellation = cancellations.request_cancellation(_contract(contract_id), g.erp_user, values)
    return CancellationSchema().dump(cancellation), 201


def register_openapi(spec):
    for name, schema in (
        ("CsContract", ContractSchema),
        ("CsContractPrepareInput", PrepareInput),
        ("CsContractBookingInput", BookingInput),
        ("CsContractDayInput", DayInput),
        ("CsContractAnnexesInput", AnnexesInput),
        ("CsContractRegistration", RegistrationSchema),
        ("CsFilingClock", FilingClockSchema),
        ("CsContractChangeInput", changes.ChangeInput),
        ("CsContractChange", ChangeSchema),
        ("CsContractCancelInput", cancellations.CancelInput),
        ("CsContractCancellation", CancellationSchema),
    ):
        spec.components.schema(name, schema=schema)
    conflict = json_content(ref("Error"), "The contract's, order's or unit's state refuses it")
    contract = json_content(ref("CsContract"))
    one = path_id("contract_id")

    def body(name):
        return {"content": {"application/json": {"schema": ref(name)}}}

    spec.path(
        path="/cs/contracts",
        operations={
            "get": {
                "summary": "Contracts (filters: status, project_id, rep_id, number)",
                "parameters": PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("CsContract")), "403", "422"),
            },
            "post": {
                "summary": "Prepare a contract from an active order within its validity (CS-04)",
                "requestBody": body("CsContractPrepareInput"),
                "responses": {
                    **responses(contract, "403", "404", "422", ok_code="201"),
                    "409": conflict,
                },
            },
        },
    )
    spec.path(
        path="/cs/contracts/{contract_id}",
        operations={
            "get": {
                "summary": "One contract with its terms, annexes, dates and instalments",
                "parameters": one,
                "responses": responses(contract, "403", "404"),
            }
        },
    )
    actions = (
        ("booking", "Book the signing with the customer; the lawyer told (CS-04)", "Booking"),
        ("lawyer", "Record the day the lawyer was told (CS-04)", "Day"),
        ("annexes", "Tick the annexes present (CS-04)", "Annexes"),
        ("sign", "Sign: refused listing what is missing or differs from the order", "Day"),
        ("stamp", "Record the company's stamp (needed for registration)", "Day"),
        ("register", "Pre-sale registration (备案, CS-06): refused with the reasons", "Day"),
    )
    for action, summary, schema in actions:
        spec.path(
            path=f"/cs/contracts/{{contract_id}}/{action}",
            operations={
                "post": {
                    "summary": summary,
                    "parameters": one,
                    "requestBody": body(f"CsContract{schema}Input"),
                    "responses": {**responses(contract, "403", "404", "422"), "409": conflict},
                }
            },
        )
    spec.path(
        path="/cs/contracts/{contract_id}/registration",
        operations={
            "get": {
                "summary": "Can it be registered now (CS-06): payment position and problems",
                "parameters": one,
                "responses": responses(json_content(ref("CsContractRegistration")), "403", "404"),
            }
        },
    )
    spec.path(
        path="/cs/contracts/filing-at-risk",
        operations={
            "get": {
                "summary": "Signed contracts near or past the statutory 30-day filing deadline",
                "responses": responses(
                    json_content(
                        {
                            "type": "object",
                            "properties": {
                                "items": {"type": "array", "items": ref("CsFilingClock")},
                                "total": {"type": "integer"},
                            },
                        }
                    ),
                    "403",
                ),
            }
        },
    )
    for kind, name, summary in (
        (
            "changes",
            "Change",
            "Term changes (CS-05): general applied at once, major CS manager → VP",
        ),
        ("cancellations", "Cancellation", "Cancellation (CS-07): CS manager, or → VP"),
    ):
        spec.path(
            path=f"/cs/contracts/{{contract_id}}/{kind}",
            operations={
                "get": {
                    "summary": f"The contract's {kind}",
                    "parameters": one + PAGE_PARAMETERS,
                    "responses": responses(
                        json_content(page_of(f"CsContract{name}")), "403", "404"
                    ),
                },
                "post": {
                    "summary": summary,
                    "parameters": one,
                    "requestBody": body(
                        "CsContractChangeInput" if kind == "changes" else "CsContractCancelInput"
                    ),
                    "responses": {
                        **responses(
                            json_content(ref(f"CsContract{name}")),
                            "403",
                            "404",
                            "422",
                            ok_code="201",
                        ),
                        "409": conflict,
                    },
                },
            },
        )
