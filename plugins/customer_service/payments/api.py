"""JSON API of payments under ``/api/v1/cs/payments``: bank transfers, notices, receipts and
reversals, the contract's credit, the receivables and sales ledgers, the cash journal, the
customer card (CS-08, CS-09) and advanced mortgage instalments (CS-20). Approving an advance
goes through the core approvals API."""

from flask import Blueprint, g, request
from sqlalchemy import select

from core.api import error, get_or_404, load_json, paginate, require_permission
from core.extensions import db
from plugins.customer_service.models import Contract
from plugins.customer_service.payments import (
    ADVANCE,
    FINANCE,
    NOTICE,
    REVERSE,
    VIEW,
    advances,
    receipts,
)
from plugins.customer_service.payments import notices as svc
from plugins.customer_service.payments.ledger import (
    customer_card,
    journal_query,
    receivables_query,
    sales_ledger,
)
from plugins.customer_service.payments.models import (
    Advance,
    BankTransfer,
    PaymentNotice,
    Receipt,
    TransferStatus,
)
from plugins.customer_service.payments.schemas import (
    AdvanceInput,
    AdvanceSchema,
    CustomerCardSchema,
    IdentifyInput,
    InstalmentSchema,
    JournalLineSchema,
    LedgerRowSchema,
    NoticeInput,
    NoticeSchema,
    ReasonInput,
    ReceiptInput,
    ReceiptSchema,
    RefundInput,
    TransferInput,
    TransferSchema,
)
from plugins.sales.models import Customer

bp = Blueprint("cs_payments", __name__, url_prefix="/cs/payments")


@bp.errorhandler(svc.PaymentRefused)
def _refused(exc):
    db.session.rollback()
    return error(exc.status, str(exc))


# --- transfers ---------------------------------------------------------------------------


@bp.get("/transfers")
@require_permission(VIEW)
def list_transfers():
    query = select(BankTransfer).order_by(BankTransfer.received_on.desc(), BankTransfer.id)
    status = request.args.get("status")
    if status in [str(s) for s in TransferStatus]:
        query = query.where(BankTransfer.status == status)
    return paginate(query, TransferSchema())


@bp.post("/transfers")
@require_permission(FINANCE)
def record_transfer():
    transfer = svc.record_transfer(g.erp_company, g.erp_user, load_json(TransferInput()))
    return TransferSchema().dump(transfer), 201


@bp.post("/transfers/<int:transfer_id>/identify")
@require_permission(NOTICE)
def identify_transfer(transfer_id):
    contract_id = load_json(IdentifyInput())["contract_id"]
    transfer = svc.identify_transfer(get_or_404(BankTransfer, transfer_id), g.erp_user, contract_id)
    return TransferSchema().dump(transfer)


# --- notices and receipts ----------------------------------------------------------------


@bp.get("/notices")
@require_permission(VIEW)
def list_notices():
    query = select(PaymentNotice).order_by(PaymentNotice.id.desc())
    for name in ("contract_id", "customer_id"):
        if request.args.get(name, type=int):
            query = query.where(getattr(PaymentNotice, name) == request.args.get(name, type=int))
    if request.args.get("status"):
        query = query.where(PaymentNotice.status == request.args["status"])
    return paginate(query, NoticeSchema())


@bp.post("/notices")
@require_permission(NOTICE)
def issue_notice():
    notice = svc.issue_notice(g.erp_company, g.erp_user, load_json(NoticeInput()))
    return NoticeSchema().dump(notice), 201


@bp.get("/notices/<int:notice_id>")
@require_permission(VIEW)
def get_notice(notice_id):
    return NoticeSchema().dump(get_or_404(PaymentNotice, notice_id))


@bp.post("/notices/<int:notice_id>/cancel")
@require_permission(NOTICE)
def cancel_notice(notice_id):
    reason = load_json(ReasonInput())["reason"]
    notice = svc.cancel_notice(get_or_404(PaymentNotice, notice_id), g.erp_user, reason)
    return NoticeSchema().dump(notice)


@bp.post("/notices/<int:notice_id>/receipt")
@require_permission(FINANCE)
def issue_receipt(notice_id):
    values = load_json(ReceiptInput())
    receipt = receipts.issue_receipt(get_or_404(PaymentNotice, notice_id), g.erp_user, values)
    return ReceiptSchema().dump(receipt), 201


@bp.get("/receipts")
@require_permission(VIEW)
def list_receipts():
    return paginate(select(Receipt).order_by(Receipt.id.desc()), ReceiptSchema())


@bp.post("/receipts/<int:receipt_id>/reverse")
@require_permission(REVERSE)
def reverse_receipt(receipt_id):
    values = load_json(ReasonInput())
    receipt = receipts.reverse_receipt(
        get_or_404(Receipt, receipt_id), g.erp_user, values["reason"], values["on"]
    )
    return ReceiptSchema().dump(receipt)


# --- the contract's credit -----------------------------------------------------------------


@bp.post("/contracts/<int:contract_id>/credit/apply")
@require_permission(NOTICE)
def apply_credit(contract_id):
    moved = receipts.use_credit(get_or_404(Contract, contract_id), g.erp_user)
    return {"applied": str(moved)}


@bp.post("/contracts/<int:contract_id>/credit/refund")
@require_permission(FINANCE)
def refund_credit(contract_id):
    values = load_json(RefundInput())
    line = receipts.refund_credit(
        get_or_404(Contract, contract_id),
        g.erp_user,
        values["amount"],
        values["reason"],
        values["on"],
    )
    return JournalLineSchema().dump(line), 201


# --- ledgers -------------------------------------------------------------------------------


@bp.get("/receivables")
@require_permission(VIEW)
def receivables():
    return paginate(receivables_query(request.args), InstalmentSchema())


@bp.get("/ledger")
@require_permission(VIEW)
def ledger():
    rows = sales_ledger(request.args)
    return {"items": LedgerRowSchema(many=True).dump(rows), "total": len(rows)}


@bp.get("/journal")
@require_permission(VIEW)
def journal():
    return paginate(journal_query(request.args), JournalLineSchema())


@bp.get("/customers/<int:customer_id>/card")
@require_permission(VIEW)
def card(customer_id):
    return CustomerCardSchema().dump(customer_card(get_or_404(Customer, customer_id)))


# --- advances (CS-20) ------------------------------------------------------------------------


@bp.get("/advances")
@require_permission(VIEW)
def list_advances():
    return paginate(select(Advance).order_by(Advance.id.desc()), AdvanceSchema())


@bp.post("/advances")
@require_permission(ADVANCE)
def request_advance():
    advance = advances.request_advance(g.erp_company, g.erp_user, load_json(AdvanceInput()))
    return AdvanceSchema().dump(advance), 201


@bp.get("/advances/<int:advance_id>")
@require_permission(VIEW)
def get_advance(advance_id):
    return AdvanceSchema().dump(get_or_404(Advance, advance_id))
