"""The OpenAPI description of the payments API (``/api/v1/cs/payments``)."""

from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from plugins.customer_service.payments.schemas import (
    AdvanceInput,
    AdvanceSchema,
    ContractCardSchema,
    CustomerCardSchema,
    IdentifyInput,
    InstalmentSchema,
    JournalLineSchema,
    LedgerRowSchema,
    NoticeInput,
    NoticeLineInput,
    NoticeLineSchema,
    NoticeSchema,
    ReasonInput,
    ReceiptInput,
    ReceiptSchema,
    RefundInput,
    TransferInput,
    TransferSchema,
)

# Nested schemas first: apispec then refers to these names instead of inventing its own.
SCHEMAS = {
    "CsNoticeLineInput": NoticeLineInput,
    "CsNoticeLine": NoticeLineSchema,
    "CsInstalment": InstalmentSchema,
    "CsLedgerRow": LedgerRowSchema,
    "CsAdvance": AdvanceSchema,
    "CsNotice": NoticeSchema,
    "CsReceipt": ReceiptSchema,
    "CsJournalLine": JournalLineSchema,
    "CsContractCard": ContractCardSchema,
    "CsCustomerCard": CustomerCardSchema,
    "CsTransferInput": TransferInput,
    "CsTransfer": TransferSchema,
    "CsIdentifyInput": IdentifyInput,
    "CsNoticeInput": NoticeInput,
    "CsReceiptInput": ReceiptInput,
    "CsReasonInput": ReasonInput,
    "CsRefundInput": RefundInput,
    "CsAdvanceInput": AdvanceInput,
}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def _query(*names: str) -> list[dict]:
    return [{"name": n, "in": "query", "schema": {"type": "string"}} for n in names]


def _op(summary, ok, *codes, body=None, params=(), ok_code="200") -> dict:
    """An operation; 409 (the record's state refuses it) is this module's own response."""
    answers = responses(ok, *(c for c in codes if c != "409"), ok_code=ok_code)
    if "409" in codes:
        answers["409"] = {"$ref": "#/components/responses/CsConflict"}
    operation = {"summary": summary, "parameters": list(params), "responses": answers}
    if body:
        operation["requestBody"] = _body(body)
    return operation


def register_openapi(spec):
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    p = "/cs/payments"
    one = json_content
    conflict = ("403", "404", "409", "422")
    spec.components.response(
        "CsConflict", one(ref("Error"), "The record's state refuses it (e.g. already received)")
    )
    paths = {
        "/transfers": {
            "get": _op(
                "Bank transfers (filter status)",
                one(page_of("CsTransfer")),
                "403",
                params=PAGE_PARAMETERS + _query("status"),
            ),
            "post": _op(
                "Finance records an incoming bank transfer (CS-08)",
                one(ref("CsTransfer")),
                "403",
                "422",
                body="CsTransferInput",
                ok_code="201",
            ),
        },
        "/transfers/{transfer_id}/identify": {
            "post": _op(
                "The rep identifies the payer's contract",
                one(ref("CsTransfer")),
                *conflict,
                body="CsIdentifyInput",
                params=path_id("transfer_id"),
            ),
        },
        "/notices": {
            "get": _op(
                "Payment notices (filters contract_id, customer_id, status)",
                one(page_of("CsNotice")),
                "403",
                params=PAGE_PARAMETERS + _query("contract_id", "customer_id", "status"),
            ),
            "post": _op(
                "Issue a payment notice stating what the money pays (CS-08)",
                one(ref("CsNotice")),
                "403",
                "422",
                body="CsNoticeInput",
                ok_code="201",
            ),
        },
        "/notices/{notice_id}": {
            "get": _op(
                "One notice", one(ref("CsNotice")), "403", "404", params=path_id("notice_id")
            ),
        },
        "/notices/{notice_id}/cancel": {
            "post": _op(
                "Cancel a notice not yet received",
                one(ref("CsNotice")),
                *conflict,
                body="CsReasonInput",
                params=path_id("notice_id"),
            ),
        },
        "/notices/{notice_id}/receipt": {
            "post": _op(
                "Finance's receipt: the money is applied, ledger and journal updated",
                one(ref("CsReceipt")),
                *conflict,
                body="CsReceiptInput",
                params=path_id("notice_id"),
                ok_code="201",
            ),
        },
        "/receipts": {
            "get": _op("Receipts", one(page_of("CsReceipt")), "403", params=PAGE_PARAMETERS),
        },
        "/receipts/{receipt_id}/reverse": {
            "post": _op(
                "Reverse a receipt (finance manager): instalments reopened exactly",
                one(ref("CsReceipt")),
                *conflict,
                body="CsReasonInput",
                params=path_id("receipt_id"),
            ),
        },
        "/contracts/{contract_id}/credit/apply": {
            "post": _op(
                "Move the contract's credit onto its next instalments",
                one({"type": "object"}),
                *conflict,
                params=path_id("contract_id"),
            ),
        },
        "/contracts/{contract_id}/credit/refund": {
            "post": _op(
                "Refund the contract's credit (finance)",
                one(ref("CsJournalLine")),
                *conflict,
                body="CsRefundInput",
                params=path_id("contract_id"),
                ok_code="201",
            ),
        },
        "/receivables": {
            "get": _op(
                "Receivables ledger (CS-09; filters overdue, due_by, open, project_id, "
                "rep_id, contract_id, customer_id, kind)",
                one(page_of("CsInstalment")),
                "403",
                "422",
                params=PAGE_PARAMETERS
                + _query(
                    "overdue",
                    "due_by",
                    "open",
                    "project_id",
                    "rep_id",
                    "contract_id",
                    "customer_id",
                    "kind",
                ),
            ),
        },
        "/ledger": {
            "get": _op(
                "Sales ledger (销售台帐): per contract price, received, outstanding",
                one(
                    {
                        "type": "object",
                        "properties": {
                            "items": {"type": "array", "items": ref("CsLedgerRow")},
                            "total": {"type": "integer"},
                        },
                    }
                ),
                "403",
                "422",
                params=_query("project_id", "rep_id", "contract_id"),
            ),
        },
        "/journal": {
            "get": _op(
                "Cash journal (销售流水帐; filters from, to, project_id, contract_id)",
                one(page_of("CsJournalLine")),
                "403",
                "422",
                params=PAGE_PARAMETERS + _query("from", "to", "project_id", "contract_id"),
            ),
        },
        "/customers/{customer_id}/card": {
            "get": _op(
                "The customer card: schedule and money per contract (CS-09)",
                one(ref("CsCustomerCard")),
                "403",
                "404",
                params=path_id("customer_id"),
            ),
        },
        "/advances": {
            "get": _op(
                "Advanced mortgage instalments (CS-20)",
                one(page_of("CsAdvance")),
                "403",
                params=PAGE_PARAMETERS,
            ),
            "post": _op(
                "Ask to advance a mortgage instalment (finance manager → VP → GM) or "
                "all remaining ones (CFO → GM)",
                one(ref("CsAdvance")),
                "403",
                "422",
                body="CsAdvanceInput",
                ok_code="201",
            ),
        },
        "/advances/{advance_id}": {
            "get": _op(
                "One advance", one(ref("CsAdvance")), "403", "404", params=path_id("advance_id")
            ),
        },
    }
    for path, operations in paths.items():
        spec.path(path=p + path, operations=operations)
