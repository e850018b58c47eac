"""Payment screens: transfers identified, a notice issued, finance's receipt, the reversal,
and the ledgers, journal and customer card showing the result."""

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.payments.models import (
    BankTransfer,
    NoticeStatus,
    PaymentNotice,
    TransferStatus,
)
from tests.conftest import login
from tests.plugins.customer_service import test_payments_notices as base
from tests.plugins.customer_service.cs_setup import D, make_sale
from tests.plugins.customer_service.test_payments_notices import _ids, notice, paid, receive

pay = base.pay  # the shared fixture


def _notices(w):
    db.session.expire_all()
    with company_scope(w.a.id):
        return db.session.scalars(select(PaymentNotice).order_by(PaymentNotice.id)).all()


def test_cs08_screens_transfer_identified_noticed_received_reversed(pay, client):
    contract = make_sale(pay, 1)
    login(client, pay.finance.email)
    answer = client.post(
        "/admin/cs_bank_transfers/",
        data={"amount": "300000.00", "payer": "张伟 6222", "received_on": "2026-11-30"},
    )
    assert answer.status_code == 302, answer.text
    with company_scope(pay.a.id):
        transfer = db.session.scalar(select(BankTransfer))
    assert transfer.status == TransferStatus.unidentified
    page = client.get("/admin/cs_bank_transfers/")
    assert "张伟 6222" in page.text and "Unidentified" in page.text
    client.post("/logout")

    login(client, pay.cs_rep.email)
    client.post(
        f"/admin/cs_bank_transfers/{transfer.id}/identify", data={"contract_id": contract.id}
    )
    form = client.get(f"/admin/cs_payment_notices/new?transfer_id={transfer.id}")
    assert form.status_code == 200 and "HT-0001" in form.text and "第1期房款" in form.text
    answer = client.post(
        "/admin/cs_payment_notices/new",
        data={"transfer_id": transfer.id, "contract_id": contract.id, "excess": "credit"},
    )
    assert answer.status_code == 302, answer.text
    (issued,) = _notices(pay)
    assert issued.amount == D("300000.00") and issued.method == "transfer"
    page = client.get(answer.headers["Location"])
    assert issued.number in page.text and "Money received" not in page.text  # not finance
    client.post("/logout")

    login(client, pay.finance.email)
    answer = client.post(
        f"/admin/cs_payment_notices/{issued.id}/receipt", data={"invoice_no": "FP-1"}
    )
    assert answer.status_code == 302
    (issued,) = _notices(pay)
    assert issued.status == NoticeStatus.received
    assert paid(pay, contract)[0] == (D("300000.00"), True, date(2026, 11, 30))
    for url, text in (
        ("/admin/cs_sales_ledger/", "300000.00"),
        ("/admin/cs_cash_journal/?from=2026-11-01", "300000.00"),
        (f"/admin/cs_cards/{contract.customer_id}", "700000.00"),
        ("/admin/cs_receipts/", "FP-1"),
        ("/admin/cs_receivables/?open=1", "第2期房款"),
        ("/admin/cs_payment_notices/?status=received", issued.number),
        ("/admin/cs_cards/?q=HT-0001", "张伟1"),
    ):
        page = client.get(url)
        assert page.status_code == 200 and text in page.text, url
    # Finance may not reverse; the finance manager does.
    client.post(f"/admin/cs_payment_notices/{issued.id}/reverse", data={"reason": "认错"})
    assert _notices(pay)[0].status == NoticeStatus.received
    client.post("/logout")
    login(client, pay.finance_manager.email)
    client.post(f"/admin/cs_payment_notices/{issued.id}/reverse", data={"reason": "付款人认错"})
    assert _notices(pay)[0].status == NoticeStatus.reversed
    assert paid(pay, contract)[0] == (D("0.00"), False, None)


def test_cs08_notice_form_with_stated_lines_and_errors(pay, client):
    contract = make_sale(pay, 1)
    first, second = _ids(pay, contract)
    login(client, pay.cs_rep.email)
    url = "/admin/cs_payment_notices/new"
    bad = client.post(url, data={"contract_id": contract.id, "amount": "10.001"})
    assert bad.status_code == 200 and "two decimal places" in bad.text
    over = client.post(
        url, data={"contract_id": contract.id, "amount": "100", f"line_{first}": "300000.01"}
    )
    assert "at most 300000.00" in over.text and _notices(pay) == []
    client.post(url, data={"contract_id": contract.id, "amount": "500", f"line_{second}": "500"})
    (issued,) = _notices(pay)
    with company_scope(pay.a.id):
        assert [(ln.instalment_id, ln.amount) for ln in issued.lines] == [(second, D("500.00"))]
    page = client.get(f"/admin/cs_payment_notices/{issued.id}")
    assert "Cancel the notice" in page.text
    client.post(f"/admin/cs_payment_notices/{issued.id}/cancel", data={"reason": "写错"})
    assert _notices(pay)[0].status == NoticeStatus.cancelled


def test_cs09_receivables_screen_filters_and_permissions(pay, client):
    late = make_sale(pay, 1, schedule=((date(2026, 11, 1), "300000.00"),))
    make_sale(pay, 2, schedule=((date(2027, 1, 1), "300000.00"),))
    login(client, pay.cs_rep.email)
    page = client.get("/admin/cs_receivables/?overdue=1")
    assert late.number in page.text and "HT-0002" not in page.text
    page = client.get("/admin/cs_receivables/?due_by=2027-01-31")
    assert "HT-0002" in page.text
    bad = client.get("/admin/cs_receivables/?due_by=soon")
    assert bad.status_code == 200 and "must be a date" in bad.text
    assert client.get("/admin/cs_bank_transfers/").status_code == 200
    # A rep may not record transfers (finance's step).
    refused = client.post("/admin/cs_bank_transfers/", data={"amount": "1", "payer": "x"})
    assert refused.status_code == 403


def test_cs08_card_credit_applied_and_refunded_on_screen(pay, client):
    contract = make_sale(pay, 1)
    receive(pay, notice(pay, contract, "1000100.00"))
    login(client, pay.finance.email)
    card = f"/admin/cs_cards/{contract.customer_id}"
    assert "Refund the credit" in client.get(card).text
    client.post(
        f"/admin/cs_cards/contract/{contract.id}/credit",
        data={"action": "refund", "amount": "40.00", "reason": "退还"},
    )
    page = client.get("/admin/cs_cash_journal/")
    assert "-40.00" in page.text


def test_cs20_advance_screens(pay, client):
    from plugins.sales.orders.models import PaymentMethod

    contract = make_sale(pay, 1, method=PaymentMethod.mortgage)
    login(client, pay.cs_rep.email)
    form = client.get(f"/admin/cs_advances/new?contract_id={contract.id}")
    assert contract.number in form.text
    answer = client.post(
        "/admin/cs_advances/new",
        data={
            "contract_id": contract.id,
            "kind": "instalment",
            "amount": "4490.45",
            "advance_on": "2026-12-15",
            "what": "2026年11月月供",
            "reason": "客户逾期",
        },
    )
    assert answer.status_code == 302, answer.text
    page = client.get(answer.headers["Location"])
    assert "customer_service.advance_instalment" in page.text and "finance_manager" in page.text
    assert "4490.45" in client.get("/admin/cs_advances/").text
