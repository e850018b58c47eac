"""JSON API of the customer archive (CS-18) and of letters and addresses (CS-17), under
``/api/v1/cs/archive``. Files are uploaded to ``/api/v1/documents`` (owner ``sales_customer``)
and linked here by id."""

import logging
from io import BytesIO

from flask import Blueprint, g, send_file
from marshmallow import ValidationError
from sqlalchemy import select

from core.api import error, get_or_404, load_json, require_permission
from core.api.openapi import json_content, path_id, ref, responses
from core.documents.service import read_content
from core.documents.storage import DocumentCorrupted
from core.extensions import db
from plugins.customer_service.archive import DELETE, FILE, VIEW, card, index, services
from plugins.customer_service.archive.models import AddressChange, IncomingLetter
from plugins.customer_service.archive.schemas import (
    AddressChangeInput,
    AddressChangeSchema,
    AnswerInput,
    ArchiveSchema,
    ConfirmInput,
    ContractAddressesSchema,
    DeletionInput,
    IncomingLetterInput,
    IncomingLetterSchema,
    ItemSchema,
    MissingSchema,
)
from plugins.customer_service.models import Contract
from plugins.sales.models import Customer

log = logging.getLogger("erp.documents")
bp = Blueprint("cs_archive", __name__, url_prefix="/cs/archive")


def _customer(customer_id: int) -> Customer:
    return get_or_404(Customer, customer_id)


def archive_of(customer: Customer) -> dict:
    """The customer's archive: index, missing items, and where letters go per contract."""
    contracts = db.session.scalars(
        select(Contract).where(Contract.customer_id == customer.id).order_by(Contract.id)
    ).all()
    return {
        "customer_id": customer.id,
        "code": customer.code,
        "name": customer.name,
        "items": index.archive_items(customer.id),
        "missing": index.missing_items([customer.id]),
        "contracts": [
            {
                "id": c.id,
                "number": c.number,
                "address": c.address,
                "letter_addresses": services.letter_addresses(c),
            }
            for c in contracts
        ],
    }


@bp.get("/<int:customer_id>")
@require_permission(VIEW)
def get_archive(customer_id):
    return ArchiveSchema().dump(archive_of(_customer(customer_id)))


@bp.get("/<int:customer_id>/documents/<int:document_id>/content")
@require_permission(VIEW)
def download(customer_id, document_id):
    try:
        document = index.archive_document(_customer(customer_id).id, document_id)
    except ValidationError:
        return error(404, f"no document {document_id} in this archive")
    try:
        data = read_content(document)
    except DocumentCorrupted as exc:
        log.error("%s", exc)
        return error(500, str(exc))
    return send_file(
        BytesIO(data),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.name,
    )


@bp.post("/<int:customer_id>/customer-card")
@require_permission(FILE)
def customer_card(customer_id):
    document = card.produce_card(g.erp_company, _customer(customer_id), g.erp_user)
    db.session.commit()
    item = next(i for i in index.archive_items(customer_id) if i.document.id == document.id)
    return ItemSchema().dump(item), 201


@bp.post("/<int:customer_id>/documents/<int:document_id>/deletion")
@require_permission(DELETE)
def ask_deletion(customer_id, document_id):
    reason = load_json(DeletionInput())["reason"]
    request_ = index.ask_deletion(_customer(customer_id).id, document_id, g.erp_user, reason)
    return {"approval_request_id": request_.id, "status": str(request_.status)}, 202


@bp.post("/address-changes")
@require_permission(FILE)
def record_address_change():
    values = load_json(AddressChangeInput())
    contract = get_or_404(Contract, values.pop("contract_id"))
    change = services.record_address_change(g.erp_company, g.erp_user, contract, **values)
    db.session.commit()
    return AddressChangeSchema().dump(change), 201


@bp.post("/address-changes/<int:change_id>/confirm")
@require_permission(FILE)
def confirm_address_change(change_id):
    values = load_json(ConfirmInput())
    change = get_or_404(AddressChange, change_id)
    services.confirm_address_change(
        g.erp_company, g.erp_user, change, values["confirmed_on"], None, values["document_id"]
    )
    db.session.commit()
    return AddressChangeSchema().dump(change)


@bp.get("/incoming-letters")
@require_permission(VIEW)
def list_unanswered():
    return {"items": IncomingLetterSchema(many=True).dump(services.unanswered_letters())}


@bp.post("/incoming-letters")
@require_permission(FILE)
def record_incoming_letter():
    values = load_json(IncomingLetterInput())
    customer = _customer(values.pop("customer_id"))
    letter = services.record_incoming_letter(g.erp_company, g.erp_user, customer, **values)
    db.session.commit()
    return IncomingLetterSchema().dump(letter), 201


@bp.post("/incoming-letters/<int:letter_id>/answer")
@require_permission(FILE)
def answer(letter_id):
    values = load_json(AnswerInput())
    incoming = get_or_404(IncomingLetter, letter_id)
    services.answer_letter(g.erp_company, g.erp_user, incoming, values["body"], values["title"])
    db.session.commit()
    return IncomingLetterSchema().dump(incoming)


def _schema(spec, name, schema):
    spec.components.schema(name, schema=schema)
    return json_content(ref(name))


def register_openapi(spec):
    item = _schema(spec, "CsArchiveItem", ItemSchema)
    _schema(spec, "CsArchiveMissing", MissingSchema)
    _schema(spec, "CsContractAddresses", ContractAddressesSchema)
    archive = _schema(spec, "CsArchive", ArchiveSchema)
    change = _schema(spec, "CsAddressChange", AddressChangeSchema)
    incoming = _schema(spec, "CsIncomingLetter", IncomingLetterSchema)
    body = {}
    for name, schema in (
        ("CsAddressChangeInput", AddressChangeInput),
        ("CsConfirmInput", ConfirmInput),
        ("CsIncomingLetterInput", IncomingLetterInput),
        ("CsAnswerInput", AnswerInput),
        ("CsDeletionInput", DeletionInput),
    ):
        spec.components.schema(name, schema=schema)
        body[name] = {"content": {"application/json": {"schema": ref(name)}}}
    customer = path_id("customer_id")
    document = customer + path_id("document_id")
    p = "/cs/archive"
    spec.path(
        path=p + "/{customer_id}",
        operations={
            "get": {
                "summary": "A customer's archive (CS-18): index, missing items, letter addresses",
                "parameters": customer,
                "responses": responses(archive, "403", "404"),
            }
        },
    )
    spec.path(
        path=p + "/{customer_id}/documents/{document_id}/content",
        operations={
            "get": {
                "summary": "Download a document of the customer's archive",
                "parameters": document,
                "responses": responses({"description": "the file's bytes"}, "403", "404", "422"),
            }
        },
    )
    spec.path(
        path=p + "/{customer_id}/customer-card",
        operations={
            "post": {
                "summary": "Produce the customer card (PDF) into the archive",
                "parameters": customer,
                "responses": responses(item, "403", "404", ok_code="201"),
            }
        },
    )
    accepted = json_content({"type": "object"}, "Sent to the VP for approval")
    spec.path(
        path=p + "/{customer_id}/documents/{document_id}/deletion",
        operations={
            "post": {
                "summary": "Ask for a document's deletion: only after VP approval (CS-18)",
                "parameters": document,
                "requestBody": body["CsDeletionInput"],
                "responses": responses(accepted, "403", "404", "422", ok_code="202"),
            }
        },
    )
    spec.path(
        path=p + "/address-changes",
        operations={
            "post": {
                "summary": "Record an address change (CS-17); with a document: confirmed",
                "requestBody": body["CsAddressChangeInput"],
                "responses": responses(change, "403", "404", "422", ok_code="201"),
            }
        },
    )
    spec.path(
        path=p + "/address-changes/{change_id}/confirm",
        operations={
            "post": {
                "summary": "Confirm in writing: letters go to the new address, lawyer told",
                "parameters": path_id("change_id"),
                "requestBody": body["CsConfirmInput"],
                "responses": responses(change, "403", "404", "422"),
            }
        },
    )
    unanswered = json_content(
        {
            "type": "object",
            "properties": {"items": {"type": "array", "items": ref("CsIncomingLetter")}},
        }
    )
    spec.path(
        path=p + "/incoming-letters",
        operations={
            "get": {
                "summary": "Customers' letters without their written answer, by due date",
                "responses": responses(unanswered, "403"),
            },
            "post": {
                "summary": "File a customer's letter (document kind letter_in)",
                "requestBody": body["CsIncomingLetterInput"],
                "responses": responses(incoming, "403", "404", "422", ok_code="201"),
            },
        },
    )
    spec.path(
        path=p + "/incoming-letters/{letter_id}/answer",
        operations={
            "post": {
                "summary": "Answer a customer's letter in writing (a produced letter)",
                "parameters": path_id("letter_id"),
                "requestBody": body["CsAnswerInput"],
                "responses": responses(incoming, "403", "404", "422"),
            }
        },
    )
