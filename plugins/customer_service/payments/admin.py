"""Payment screens (CS-08): payment notices with their receipt, cancellation and reversal;
the receipts; bank transfers to record and identify. The ledgers, the customer card and the
advances are in ``ledger_views``."""

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core.admin.views import ErpView, forbidden
from core.extensions import db
from core.permissions import PermissionDenied, has_permission
from plugins.customer_service.models import Contract, ContractStatus
from plugins.customer_service.payments import FINANCE, NOTICE, REVERSE, VIEW, receipts
from plugins.customer_service.payments import notices as svc
from plugins.customer_service.payments.models import (
    BankTransfer,
    Excess,
    NoticeStatus,
    PaymentNotice,
    PayMethod,
    Receipt,
    TransferStatus,
)
from plugins.customer_service.payments.schemas import (
    IdentifyInput,
    NoticeInput,
    ReasonInput,
    ReceiptInput,
    TransferInput,
)
from plugins.customer_service.payments.services import payable

CATEGORY = _l("Customer service")
T = "customer_service/payments/"


def require(permission: str) -> None:
    if not has_permission(permission):
        forbidden(permission)


def form_values(*skip: str) -> dict:
    """The submitted form, blank fields dropped (the schema's defaults apply)."""
    return {
        k: v for k, v in request.form.items() if k not in ("csrf_token", *skip) and v.strip() != ""
    }


def flash_errors(exc: ValidationError) -> None:
    for name, messages in exc.normalized_messages().items():
        for message in messages if isinstance(messages, list) else [messages]:
            flash(f"{name}: {message}", "error")


def row_or_404(model, row_id: int):
    row = db.session.get(model, row_id)
    if row is None or row.company_id != g.erp_company.id:
        abort(404)
    return row


def open_contracts() -> list[Contract]:
    return db.session.scalars(
        select(Contract)
        .where(Contract.status.not_in((ContractStatus.cancelled, ContractStatus.terminated)))
        .order_by(Contract.number)
        .limit(1000)
    ).all()


def act(action, back: str):
    """Run a service step from a form; refusals become messages on the page ``back``."""
    try:
        action()
    except PermissionDenied as exc:
        forbidden(exc.permission)
    except ValidationError as exc:
        db.session.rollback()
        flash_errors(exc)
    except svc.PaymentRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Done."), "success")
    return redirect(back)


class NoticesView(ErpView):
    """Payment notices (交款通知单): issue one, finance's receipt, cancel, reverse."""

    permission = VIEW

    @expose("/")
    def index(self):
        status = request.args.get("status", "")
        query = select(PaymentNotice).order_by(PaymentNotice.id.desc()).limit(300)
        if status in [str(s) for s in NoticeStatus]:
            query = query.where(PaymentNotice.status == status)
        return self.render(
            T + "notices.html",
            notices=db.session.scalars(query).all(),
            status=status,
            statuses=list(NoticeStatus),
            may_issue=has_permission(NOTICE),
        )

    @expose("/new", methods=("GET", "POST"))
    def new(self):
        require(NOTICE)
        transfer = None
        if request.values.get("transfer_id", type=int):
            transfer = row_or_404(BankTransfer, request.values.get("transfer_id", type=int))
        contract_id = request.values.get("contract_id", type=int) or (
            transfer.contract_id if transfer else None
        )
        contract = row_or_404(Contract, contract_id) if contract_id else None
        if request.method == "POST" and contract is not None:
            values = form_values()
            lines = [
                {"instalment_id": int(k[5:]), "amount": v}
                for k, v in values.items()
                if k.startswith("line_") and k[5:].isdigit()
            ]
            values = {k: v for k, v in values.items() if not k.startswith("line_")}
            try:
                data = NoticeInput().load(values | {"lines": lines})
                notice = svc.issue_notice(g.erp_company, g.erp_user, data)
            except ValidationError as exc:
                db.session.rollback()
                flash_errors(exc)
            else:
                flash(_("Notice %(n)s issued.", n=notice.number), "success")
                return redirect(url_for(".notice", notice_id=notice.id))
        return self.render(
            T + "notice_form.html",
            contract=contract,
            contracts=open_contracts(),
            payable=payable(contract) if contract else [],
            transfer=transfer,
            methods=[m for m in PayMethod if m != PayMethod.transfer],
            excesses=list(Excess),
            form=request.form,
        )

    @expose("/<int:notice_id>")
    def notice(self, notice_id):
        return self.render(
            T + "notice.html",
            notice=row_or_404(PaymentNotice, notice_id),
            may_issue=has_permission(NOTICE),
            may_receive=has_permission(FINANCE),
            may_reverse=has_permission(REVERSE),
        )

    def _back(self, notice_id):
        return url_for(".notice", notice_id=notice_id)

    @expose("/<int:notice_id>/receipt", methods=("POST",))
    def receipt(self, notice_id):
        notice = row_or_404(PaymentNotice, notice_id)
        return act(
            lambda: receipts.issue_receipt(notice, g.erp_user, ReceiptInput().load(form_values())),
            self._back(notice_id),
        )

    @expose("/<int:notice_id>/cancel", methods=("POST",))
    def cancel(self, notice_id):
        notice = row_or_404(PaymentNotice, notice_id)
        reason = request.form.get("reason", "")
        return act(lambda: svc.cancel_notice(notice, g.erp_user, reason), self._back(notice_id))

    @expose("/<int:notice_id>/reverse", methods=("POST",))
    def reverse(self, notice_id):
        notice = row_or_404(PaymentNotice, notice_id)
        if notice.receipt is None:
            abort(404)

        def reverse():
            values = ReasonInput().load(form_values())
            receipts.reverse_receipt(notice.receipt, g.erp_user, values["reason"], values["on"])

        return act(reverse, self._back(notice_id))


class ReceiptsView(ErpView):
    """Finance's receipts, newest first (the reversed ones marked)."""

    permission = VIEW

    @expose("/")
    def index(self):
        rows = db.session.scalars(select(Receipt).order_by(Receipt.id.desc()).limit(300)).all()
        return self.render(T + "receipts.html", receipts=rows)


class TransfersView(ErpView):
    """Bank transfers: finance records them, the rep identifies the payer, then issues the
    notice from the transfer."""

    permission = VIEW

    @expose("/", methods=("GET", "POST"))
    def index(self):
        if request.method == "POST":
            require(FINANCE)
            try:
                data = TransferInput().load(form_values())
                svc.record_transfer(g.erp_company, g.erp_user, data)
            except ValidationError as exc:
                db.session.rollback()
                flash_errors(exc)
            else:
                flash(_("Transfer recorded: the rep identifies the payer."), "success")
                return redirect(url_for(".index"))
        status = request.args.get("status", "unidentified")
        query = select(BankTransfer).order_by(BankTransfer.received_on.desc()).limit(300)
        if status in [str(s) for s in TransferStatus]:
            query = query.where(BankTransfer.status == status)
        return self.render(
            T + "transfers.html",
            transfers=db.session.scalars(query).all(),
            status=status,
            statuses=list(TransferStatus),
            contracts=open_contracts(),
            may_record=has_permission(FINANCE),
            may_identify=has_permission(NOTICE),
            form=request.form,
        )

    @expose("/<int:transfer_id>/identify", methods=("POST",))
    def identify(self, transfer_id):
        transfer = row_or_404(BankTransfer, transfer_id)

        def identify():
            contract_id = IdentifyInput().load(form_values())["contract_id"]
            svc.identify_transfer(transfer, g.erp_user, contract_id)

        return act(identify, url_for(".index", status="identified"))


def views():
    from plugins.customer_service.payments.ledger_views import ledger_views

    return [
        NoticesView(name=_l("Payment notices"), category=CATEGORY, endpoint="cs_payment_notices"),
        ReceiptsView(name=_l("Receipts"), category=CATEGORY, endpoint="cs_receipts"),
        TransfersView(name=_l("Bank transfers"), category=CATEGORY, endpoint="cs_bank_transfers"),
        *ledger_views(),
    ]
