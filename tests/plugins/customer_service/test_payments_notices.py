"""Payments (CS-08): notices state what the money is for, finance's receipt makes it count,
bank transfers are identified first, and every receipt updates the card, the sales ledger and
the cash journal, exactly, in one transaction."""

from datetime import date

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.documents import documents_of
from core.extensions import db
from core.permissions import PermissionDenied
from core.tenancy import company_scope
from plugins.customer_service.models import Instalment
from plugins.customer_service.payments import notices, receipts
from plugins.customer_service.payments.ledger import sales_ledger
from plugins.customer_service.payments.models import (
    JournalLine,
    NoticeLine,
    NoticeStatus,
    PaymentEntry,
    PaymentNotice,
    Receipt,
    TransferStatus,
)
from tests.plugins.customer_service.cs_setup import D, make_sale, person

ON = date(2026, 12, 1)


@pytest.fixture
def pay(cs):
    """The ``cs`` world plus a finance manager and a CFO."""
    cs.finance_manager = person(cs, "finmgr-a@example.com", "finance_manager")
    cs.cfo = person(cs, "cfo-a@example.com", "cfo")
    return cs


def notice(w, contract, amount=None, user=None, **data):
    values = {"contract_id": contract.id, "issued_on": ON} | data
    if amount is not None:
        values["amount"] = D(amount)
    return notices.issue_notice(w.a, user or w.cs_rep, values)


def receive(w, notice_, user=None, **data):
    return receipts.issue_receipt(notice_, user or w.finance, {"received_on": ON} | data)


def paid(w, contract) -> list:
    db.session.expire_all()
    with company_scope(w.a.id):
        rows = db.session.scalars(
            select(Instalment).where(Instalment.contract_id == contract.id).order_by(Instalment.seq)
        )
        return [(i.paid, i.settled, i.settled_on) for i in rows]


def ledger(w, contract):
    with company_scope(w.a.id):
        (row,) = sales_ledger({"contract_id": str(contract.id)}, ON)
        return row


def journal(w, contract) -> list:
    with company_scope(w.a.id):
        return [
            (line.booked_on, line.amount, str(line.kind))
            for line in db.session.scalars(
                select(JournalLine)
                .where(JournalLine.contract_id == contract.id)
                .order_by(JournalLine.id)
            )
        ]


def archive(w, contract, kind) -> list:
    with company_scope(w.a.id):
        return [
            d.name for d in documents_of("sales_customer", contract.customer_id) if d.kind == kind
        ]


def counts(w) -> tuple:
    with company_scope(w.a.id):
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Receipt, JournalLine, PaymentEntry)
        )


# --- notice, then receipt -------------------------------------------------------------------


def test_cs08_notice_states_instalments_oldest_first_and_is_archived(pay):
    contract = make_sale(pay, 1)
    issued = notice(pay, contract, "400000.00")
    with company_scope(pay.a.id):
        assert [(ln.instalment.seq, ln.amount) for ln in issued.lines] == [
            (1, D("300000.00")),
            (2, D("100000.00")),
        ]
        assert issued.number.startswith("LY-JK-2026-") and issued.excess_amount == 0
    assert archive(pay, contract, "payment_notice") == [f"{issued.number}.pdf"]
    # Nothing counts before finance's receipt.
    assert paid(pay, contract) == [(D("0.00"), False, None), (D("0.00"), False, None)]
    assert journal(pay, contract) == []


def test_cs08_receipt_is_finance_step_updates_card_ledger_and_journal(pay):
    contract = make_sale(pay, 1)
    issued = notice(pay, contract, "400000.00")
    with pytest.raises(PermissionDenied):
        receive(pay, issued, pay.cs_rep)
    with pytest.raises(PermissionDenied):
        notice(pay, contract, "1.00", pay.finance)
    receipt = receive(pay, issued, invoice_no="No.00012345")
    assert paid(pay, contract) == [(D("300000.00"), True, ON), (D("100000.00"), False, None)]
    row = ledger(pay, contract)
    assert (row.price, row.received, row.outstanding) == (
        D("1000000.00"),
        D("400000.00"),
        D("600000.00"),
    )
    assert journal(pay, contract) == [(ON, D("400000.00"), "receipt")]
    assert archive(pay, contract, "receipt") == [f"{receipt.number}.pdf"]
    with company_scope(pay.a.id):
        assert db.session.get(type(issued), issued.id).status == NoticeStatus.received
    with pytest.raises(notices.PaymentRefused):
        receive(pay, issued)  # a notice is received once


def test_cs08_receipt_number_unique_per_company(pay):
    one, two = make_sale(pay, 1), make_sale(pay, 2)
    receive(pay, notice(pay, one, "1000.00"), number="SJ-0001")
    second = notice(pay, two, "1000.00")
    before = counts(pay)
    with pytest.raises(ValidationError) as refused:
        receive(pay, second, number="SJ-0001")
    assert "number" in refused.value.messages
    assert counts(pay) == before
    assert receive(pay, second, number="SJ-0002").number == "SJ-0002"


def test_cs08_bank_transfer_identified_by_rep_before_notice(pay):
    contract = make_sale(pay, 1)
    with pytest.raises(PermissionDenied):
        notices.record_transfer(pay.a, pay.cs_rep, {"amount": D("5000"), "payer": "张伟"})
    transfer = notices.record_transfer(
        pay.a,
        pay.finance,
        {
            "amount": D("300000.00"),
            "payer": "ZHANG WEI 6222****1234",
            "received_on": date(2026, 11, 30),
        },
    )
    assert transfer.status == TransferStatus.unidentified
    with pytest.raises(ValidationError) as refused:
        notice(pay, contract, method="transfer", transfer_id=transfer.id)
    assert "transfer_id" in refused.value.messages
    notices.identify_transfer(transfer, pay.cs_rep, contract.id)
    with pytest.raises(ValidationError) as wrong:
        notice(pay, contract, "299999.99", transfer_id=transfer.id)
    assert "amount" in wrong.value.messages
    issued = notice(pay, contract, transfer_id=transfer.id)
    assert issued.amount == D("300000.00") and transfer.status == TransferStatus.noticed
    receipt = receive(pay, issued, received_on=None)
    assert receipt.received_on == date(2026, 11, 30)  # the day the money arrived
    assert paid(pay, contract)[0] == (D("300000.00"), True, date(2026, 11, 30))


def test_cs08_cancelled_notice_frees_its_transfer_and_claims(pay):
    contract = make_sale(pay, 1)
    first = notice(pay, contract, "300000.00")
    second = notice(pay, contract, "100000.00")
    with company_scope(pay.a.id):  # the second notice does not pay the first's money again
        assert [(ln.instalment.seq, ln.amount) for ln in second.lines] == [(2, D("100000.00"))]
    with pytest.raises(ValidationError):
        notices.cancel_notice(first, pay.cs_rep, "")
    notices.cancel_notice(first, pay.cs_rep, "客户改为转账")
    third = notice(pay, contract, "300000.00")
    with company_scope(pay.a.id):
        assert [(ln.instalment.seq, ln.amount) for ln in third.lines] == [(1, D("300000.00"))]
    with pytest.raises(notices.PaymentRefused):
        receive(pay, first)


# --- partial payments, overpayments, reversals: exact ------------------------------------


def test_cs08_partial_payments_exact_to_the_fen(pay):
    contract = make_sale(
        pay, 1, schedule=((date(2026, 12, 1), "333333.33"), (date(2027, 3, 1), "666666.67"))
    )
    for amount in ("0.01", "333333.31", "0.01"):
        receive(pay, notice(pay, contract, amount))
    assert paid(pay, contract) == [(D("333333.33"), True, ON), (D("0.00"), False, None)]
    stated = notice(
        pay, contract, "0.02", lines=[{"instalment_id": _ids(pay, contract)[1], "amount": "0.02"}]
    )
    receive(pay, stated)
    assert paid(pay, contract)[1] == (D("0.02"), False, None)
    row = ledger(pay, contract)
    assert row.received == D("333333.35") and row.outstanding == D("666666.65")
    assert row.received + row.outstanding == row.billed == D("1000000.00")


def _ids(w, contract) -> list[int]:
    with company_scope(w.a.id):
        return list(
            db.session.scalars(
                select(Instalment.id)
                .where(Instalment.contract_id == contract.id)
                .order_by(Instalment.seq)
            )
        )


def test_cs08_stated_lines_checked_against_what_is_payable(pay):
    contract = make_sale(pay, 1)
    first, second = _ids(pay, contract)
    with pytest.raises(ValidationError) as refused:
        notice(pay, contract, "400000.00", lines=[{"instalment_id": first, "amount": "300000.01"}])
    assert "lines" in refused.value.messages
    with pytest.raises(ValidationError):
        notice(pay, contract, "100.00", lines=[{"instalment_id": second, "amount": "200.00"}])
    other = make_sale(pay, 2)
    with pytest.raises(ValidationError):
        notice(
            pay, contract, "100.00", lines=[{"instalment_id": _ids(pay, other)[0], "amount": "1"}]
        )


def test_cs08_overpayment_kept_as_credit_applied_to_next_instalment(pay):
    contract = make_sale(pay, 1)
    first, _second = _ids(pay, contract)
    # The notice pays the first instalment; 50,000.10 more is the contract's credit, moved
    # onto the next instalment at once.
    issued = notice(
        pay, contract, "350000.10", lines=[{"instalment_id": first, "amount": "300000"}]
    )
    assert issued.excess_amount == D("50000.10")
    receive(pay, issued)
    assert paid(pay, contract) == [(D("300000.00"), True, ON), (D("50000.10"), False, None)]
    # Paying beyond everything owed: the rest stays as credit on the contract.
    receive(pay, notice(pay, contract, "649999.95"))
    assert paid(pay, contract)[1] == (D("700000.00"), True, ON)
    row = ledger(pay, contract)
    assert row.credit == D("0.05") and row.received == D("1000000.05") and row.outstanding == 0
    assert journal(pay, contract) == [
        (ON, D("350000.10"), "receipt"),
        (ON, D("649999.95"), "receipt"),
    ]


def test_cs08_overpayment_refunded_is_a_second_journal_line(pay):
    contract = make_sale(pay, 1)
    receive(pay, notice(pay, contract, "1000123.45", excess="refund"))
    assert journal(pay, contract) == [
        (ON, D("1000123.45"), "receipt"),
        (ON, D("-123.45"), "refund"),
    ]
    row = ledger(pay, contract)
    assert (row.received, row.credit, row.outstanding) == (D("1000000.00"), 0, 0)


def test_cs08_credit_refunded_by_finance(pay):
    contract = make_sale(pay, 1)
    receive(pay, notice(pay, contract, "1000010.00"))
    with pytest.raises(ValidationError):
        receipts.refund_credit(contract, pay.finance, D("10.01"), "客户要求退还")
    with pytest.raises(PermissionDenied):
        receipts.refund_credit(contract, pay.cs_rep, D("10.00"), "客户要求退还")
    receipts.refund_credit(contract, pay.finance, D("10.00"), "客户要求退还", ON)
    assert journal(pay, contract)[-1] == (ON, D("-10.00"), "refund")
    assert ledger(pay, contract).credit == 0


def test_cs08_reversal_reopens_instalments_exactly_and_deletes_nothing(pay):
    contract = make_sale(pay, 1)
    receive(pay, notice(pay, contract, "100000.00"))
    bounced = receive(pay, notice(pay, contract, "250000.55"))
    assert paid(pay, contract) == [(D("300000.00"), True, ON), (D("50000.55"), False, None)]
    with pytest.raises(PermissionDenied):
        receipts.reverse_receipt(bounced, pay.finance, "支票退票")
    with pytest.raises(ValidationError):
        receipts.reverse_receipt(bounced, pay.finance_manager, " ")
    entries = counts(pay)[2]
    receipts.reverse_receipt(bounced, pay.finance_manager, "支票退票", date(2026, 12, 3))
    assert paid(pay, contract) == [(D("100000.00"), False, None), (D("0.00"), False, None)]
    assert journal(pay, contract) == [
        (ON, D("100000.00"), "receipt"),
        (ON, D("250000.55"), "receipt"),
        (date(2026, 12, 3), D("-250000.55"), "reversal"),
    ]
    assert counts(pay)[2] == entries * 2 - 1  # each entry of the receipt undone by a new one
    row = ledger(pay, contract)
    assert (row.received, row.outstanding) == (D("100000.00"), D("900000.00"))
    with pytest.raises(notices.PaymentRefused):
        receipts.reverse_receipt(bounced, pay.finance_manager, "again")


def test_cs08_reversal_takes_back_credit_moved_onto_later_instalments(pay):
    contract = make_sale(pay, 1)
    first, _second = _ids(pay, contract)
    over = receive(
        pay,
        notice(pay, contract, "300500.00", lines=[{"instalment_id": first, "amount": "300000"}]),
    )
    assert paid(pay, contract)[1] == (D("500.00"), False, None)
    receipts.reverse_receipt(over, pay.finance_manager, "转错账户", ON)
    assert paid(pay, contract) == [(D("0.00"), False, None), (D("0.00"), False, None)]
    assert ledger(pay, contract).credit == 0


def test_cs08_reversal_refused_when_its_credit_was_refunded(pay):
    contract = make_sale(pay, 1)
    over = receive(pay, notice(pay, contract, "1000200.00"))
    receipts.refund_credit(contract, pay.finance, D("200.00"), "退还多付", ON)
    before = (counts(pay), paid(pay, contract))
    with pytest.raises(notices.PaymentRefused):
        receipts.reverse_receipt(over, pay.finance_manager, "错账", ON)
    assert (counts(pay), paid(pay, contract)) == before


def test_cs08_reversed_transfer_goes_back_to_identify(pay):
    contract = make_sale(pay, 1)
    transfer = notices.record_transfer(pay.a, pay.finance, {"amount": D("1000"), "payer": "李"})
    notices.identify_transfer(transfer, pay.cs_rep, contract.id)
    receipt = receive(pay, notice(pay, contract, transfer_id=transfer.id))
    receipts.reverse_receipt(receipt, pay.finance_manager, "付款人认错", ON)
    assert transfer.status == TransferStatus.unidentified and transfer.contract_id is None


def test_cs08_failing_receipt_leaves_nothing_half_written(pay, monkeypatch):
    contract = make_sale(pay, 1)
    issued = notice(pay, contract, "400000.00")
    before = (counts(pay), paid(pay, contract))

    def broken(*args, **kwargs):
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(receipts, "archive_pdf", broken)
    with pytest.raises(RuntimeError):
        receive(pay, issued)
    assert (counts(pay), paid(pay, contract)) == before
    with company_scope(pay.a.id):
        assert db.session.get(type(issued), issued.id).status == NoticeStatus.issued
    assert journal(pay, contract) == [] and ledger(pay, contract).received == 0


def test_cs08_failing_notice_leaves_no_notice(pay, monkeypatch):
    contract = make_sale(pay, 1)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(notices, "archive_pdf", broken)
    with pytest.raises(RuntimeError):
        notice(pay, contract, "1000.00")
    with company_scope(pay.a.id):
        assert db.session.scalar(select(func.count(PaymentNotice.id))) == 0
        assert db.session.scalar(select(func.count(NoticeLine.id))) == 0
