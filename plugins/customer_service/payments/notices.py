"""Money coming in (CS-08): bank transfers finance records and the rep identifies, payment
notices (交款通知单) customer service issues, and numbering and printing of notices and
receipts. Each entry point is one transaction and commits (or rolls back everything)."""

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.admin.labels import label
from core.documents import add_document
from core.duties import today
from core.extensions import db
from core.letters import LetterData, LetterTable, render_letter
from core.models import Company, User
from core.permissions import PermissionDenied, permissions_of
from core.services.transaction import company_transaction
from core.tenancy import company_scope
from plugins.customer_service.models import Contract, ContractStatus, Instalment
from plugins.customer_service.payments import FINANCE, NOTICE
from plugins.customer_service.payments.models import (
    BankTransfer,
    Excess,
    NoticeLine,
    NoticeStatus,
    PaymentNotice,
    PaymentSequence,
    PayMethod,
    TransferStatus,
)
from plugins.customer_service.payments.services import ZERO, money, now, oldest_first, payable
from plugins.sales.models import Customer

CLOSED = (ContractStatus.cancelled, ContractStatus.terminated)
_INSERT = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
ARCHIVE = "sales_customer"  # CS-18: every customer document belongs to the customer


class PaymentRefused(Exception):
    """A payment step the record's state refuses (HTTP 409)."""

    status = 409


def require(user: User, company: Company, permission: str) -> None:
    """The service checks the permission itself: a receipt is finance's act whichever
    screen, API or script calls it."""
    if permission not in permissions_of(user, company):
        raise PermissionDenied(permission)


def company_of(row) -> Company:
    return db.session.get(Company, row.company_id)


def next_number(company: Company, kind: str, year: int) -> str:
    """The next number of ``kind`` (JK notices, SK receipts) in ``year``, e.g.
    ``LY-JK-2026-000007``; one ``UPDATE ... RETURNING`` so two users never share one."""
    bump = (
        update(PaymentSequence)
        .where(
            PaymentSequence.company_id == company.id,
            PaymentSequence.kind == kind,
            PaymentSequence.year == year,
        )
        .values(last_number=PaymentSequence.last_number + 1)
        .returning(PaymentSequence.last_number)
    )
    options = {"synchronize_session": False}
    with company_scope(company.id):
        number = db.session.execute(bump, execution_options=options).scalar()
        if number is None:
            insert = _INSERT[db.session.get_bind().dialect.name]
            db.session.execute(
                insert(PaymentSequence)
                .values(company_id=company.id, kind=kind, year=year, last_number=0)
                .on_conflict_do_nothing(index_elements=["company_id", "kind", "year"])
            )
            number = db.session.execute(bump, execution_options=options).scalar_one()
    return f"{company.code}-{kind}-{year}-{number:06d}"


def get_contract(company: Company, contract_id, field: str = "contract_id") -> Contract:
    contract = db.session.get(Contract, contract_id or 0)
    if contract is None or contract.company_id != company.id:
        raise ValidationError({field: [_("No such contract.")]})
    if contract.status in CLOSED:
        raise ValidationError({field: [_("The contract is %(s)s.", s=contract.status)]})
    return contract


# --- bank transfers ------------------------------------------------------------------------


def record_transfer(company: Company, user: User, data: dict) -> BankTransfer:
    """Finance records money seen on the bank statement; the payer is identified later."""
    require(user, company, FINANCE)
    amount = money(data["amount"])
    if amount <= 0:
        raise ValidationError({"amount": [_("The amount must be more than zero.")]})
    payer = (data.get("payer") or "").strip()
    if not payer:
        raise ValidationError({"payer": [_("Copy the payer from the bank statement.")]})
    with company_transaction(company):
        transfer = BankTransfer(
            company_id=company.id,
            amount=amount,
            received_on=data.get("received_on") or today(),
            payer=payer[:200],
            bank_ref=(data.get("bank_ref") or "").strip()[:60],
            status=TransferStatus.unidentified,
            recorded_by_id=user.id,
            recorded_at=now(),
        )
        db.session.add(transfer)
    return transfer


def identify_transfer(transfer: BankTransfer, user: User, contract_id: int) -> BankTransfer:
    """The rep names the contract a transfer pays (CS-08: before the notice)."""
    company = company_of(transfer)
    require(user, company, NOTICE)
    if transfer.status == TransferStatus.noticed:
        raise PaymentRefused(_("A notice was already issued from this transfer."))
    with company_transaction(company):
        contract = get_contract(company, contract_id)
        transfer.contract_id = contract.id
        transfer.status = TransferStatus.identified
        transfer.identified_by_id, transfer.identified_at = user.id, now()
    return transfer


# --- payment notices -----------------------------------------------------------------------


def _stated(contract: Contract, lines: list[dict]) -> list[tuple]:
    """The lines a rep typed, checked: this contract's open instalments, each paid at most
    what is still payable on it."""
    room = {i.id: left for i, left in payable(contract)}
    parts, errors = [], []
    for n, line in enumerate(lines, 1):
        instalment = db.session.get(Instalment, line.get("instalment_id") or 0)
        amount = money(line.get("amount") or 0, "lines")
        if instalment is None or instalment.contract_id != contract.id:
            errors.append(_("Line %(n)d: not an instalment of this contract.", n=n))
        elif amount <= 0:
            errors.append(_("Line %(n)d: the amount must be more than zero.", n=n))
        elif amount > room.get(instalment.id, ZERO):
            errors.append(
                _(
                    "Line %(n)d: at most %(max)s is still payable on %(what)s.",
                    n=n,
                    max=room.get(instalment.id, ZERO),
                    what=instalment.what,
                )
            )
        else:
            room[instalment.id] -= amount
            parts.append((instalment, amount))
    if errors:
        raise ValidationError({"lines": errors})
    return parts


def _transfer_for(company: Company, data: dict, contract: Contract) -> BankTransfer | None:
    if not data.get("transfer_id"):
        if data.get("method") == PayMethod.transfer:
            raise ValidationError({"transfer_id": [_("Choose the bank transfer identified.")]})
        return None
    transfer = db.session.get(BankTransfer, data["transfer_id"])
    if transfer is None or transfer.company_id != company.id:
        raise ValidationError({"transfer_id": [_("No such bank transfer.")]})
    if transfer.status != TransferStatus.identified or transfer.contract_id != contract.id:
        raise ValidationError(
            {"transfer_id": [_("The transfer must first be identified as this contract's.")]}
        )
    return transfer


def issue_notice(company: Company, user: User, data: dict) -> PaymentNotice:
    """A payment notice (CS-08) for ``data``: contract_id, amount, method, transfer_id (the
    amount is then the transfer's), lines ``[{instalment_id, amount}]`` (none: the money goes
    to the oldest instalments first), excess (credit or refund: what becomes of money beyond
    the lines), issued_on, note. Stored as a PDF in the customer's archive."""
    require(user, company, NOTICE)
    with company_transaction(company):
        contract = get_contract(company, data.get("contract_id"))
        transfer = _transfer_for(company, data, contract)
        if transfer is not None:
            if data.get("amount") is not None and money(data["amount"]) != transfer.amount:
                raise ValidationError({"amount": [_("A transfer's notice is for its amount.")]})
            amount, method = transfer.amount, PayMethod.transfer
        else:
            if data.get("amount") is None:
                raise ValidationError({"amount": [_("Give the amount paid.")]})
            amount, method = money(data["amount"]), PayMethod(data.get("method") or "cash")
        if amount <= 0:
            raise ValidationError({"amount": [_("The amount must be more than zero.")]})
        lines = data.get("lines") or []
        parts = _stated(contract, lines) if lines else oldest_first(contract, amount)
        if sum((p for _i, p in parts), ZERO) > amount:
            raise ValidationError({"lines": [_("The lines add up to more than the amount.")]})
        issued_on = data.get("issued_on") or today()
        notice = PaymentNotice(
            company_id=company.id,
            number=next_number(company, "JK", issued_on.year),
            contract_id=contract.id,
            customer_id=contract.customer_id,
            amount=amount,
            method=method,
            transfer_id=transfer.id if transfer else None,
            excess=Excess(data.get("excess") or Excess.credit),
            status=NoticeStatus.issued,
            issued_on=issued_on,
            issued_by_id=user.id,
            issued_at=now(),
            note=(data.get("note") or "").strip(),
        )
        db.session.add(notice)
        for instalment, part in parts:
            notice.lines.append(
                NoticeLine(company_id=company.id, instalment_id=instalment.id, amount=part)
            )
        if transfer is not None:
            transfer.status = TransferStatus.noticed
        db.session.flush()
        notice.document_id = archive_pdf(
            contract, "payment_notice", notice.number, notice_letter(company, notice), user
        )
    return notice


def cancel_notice(notice: PaymentNotice, user: User, reason: str) -> PaymentNotice:
    """Withdraw a notice finance has not received; its transfer may be noticed again."""
    company = company_of(notice)
    require(user, company, NOTICE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the notice is cancelled.")]})
    with company_transaction(company):
        lock_notice(notice)
        if notice.status != NoticeStatus.issued:
            raise PaymentRefused(
                _("Notice %(n)s is %(s)s.", n=notice.number, s=_status(notice.status))
            )
        notice.status, notice.cancel_reason = NoticeStatus.cancelled, reason
        if notice.transfer is not None:
            notice.transfer.status = TransferStatus.identified
    return notice


def lock_notice(notice: PaymentNotice) -> None:
    """Lock and reload the notice: of two finance users, the second sees it received."""
    db.session.scalars(
        select(PaymentNotice)
        .where(PaymentNotice.id == notice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _status(status) -> str:
    return label(status)


# --- the printed notice and receipt --------------------------------------------------------
# Business documents handed to the customer: their words are fixed Chinese, like the letters.
METHODS = {"cash": "现金", "card": "刷卡", "transfer": "银行转账", "cheque": "支票"}


def archive_pdf(contract: Contract, kind: str, number: str, letter: LetterData, user) -> int:
    """Render ``letter`` and file it in the customer's archive (CS-18); the document id."""
    customer = db.session.get(Customer, contract.customer_id)
    pdf = render_letter(letter)
    document = add_document(
        ARCHIVE, customer.id, kind, f"{number}.pdf", pdf, user, owner=customer, new_chain=True
    )
    return document.id


def _yuan(amount) -> str:
    return f"{amount:,.2f}"


def _lines_table(notice: PaymentNotice) -> LetterTable:
    rows = [["款项", "应付日期", "金额（元）"]]
    rows += [
        [line.instalment.what, line.instalment.due_on.isoformat(), _yuan(line.amount)]
        for line in notice.lines
    ]
    if notice.excess_amount > 0:
        what = "存入合同余款（冲抵下期应付款）" if notice.excess == Excess.credit else "多付退还"
        rows.append([what, "", _yuan(notice.excess_amount)])
    rows.append(["合计", "", _yuan(notice.amount)])
    return LetterTable(rows, col_widths=[0.5, 0.2, 0.3])


def _letter(company, notice, title, reference, day, body) -> LetterData:
    contract = notice.contract
    return LetterData(
        company_name=company.name,
        title=title,
        addressee=contract.buyer_name,
        address=contract.address or "",
        body=body,
        date=day,
        reference=reference,
        signer=f"{company.name}客户服务部" if title == "交款通知单" else f"{company.name}财务部",
    )


def notice_letter(company: Company, notice: PaymentNotice) -> LetterData:
    contract = notice.contract
    intro = (
        f"您购买的{contract.unit.label}（合同编号{contract.number}），"
        f"请以{METHODS[str(notice.method)]}方式交纳下列款项，共计人民币{_yuan(notice.amount)}元："
    )
    body = [intro, _lines_table(notice)] + ([notice.note] if notice.note else [])
    body.append("款项到账后由财务部开具收据（发票）。特此通知。")
    return _letter(company, notice, "交款通知单", notice.number, notice.issued_on, body)


def receipt_letter(company: Company, receipt) -> LetterData:
    notice = receipt.notice
    contract = notice.contract
    body = [
        f"今收到{contract.buyer_name}交来{contract.unit.label}（合同编号{contract.number}）"
        f"房款人民币{_yuan(receipt.amount)}元（{METHODS[str(notice.method)]}），明细如下：",
        _lines_table(notice),
        f"交款通知单编号：{notice.number}"
        + (f"；发票号码：{receipt.invoice_no}" if receipt.invoice_no else "")
        + "。",
    ]
    return _letter(company, notice, "收款收据", receipt.number, receipt.received_on, body)
