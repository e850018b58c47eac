"""The payments API (``/api/v1/cs/payments``): the CS-08 flow end to end, bad input named,
refusals as 409, the ledgers and the card, the advances (CS-20), every route documented."""

from core.auth.services import create_token
from tests.plugins.customer_service import test_payments_notices as base
from tests.plugins.customer_service.cs_setup import make_sale
from tests.plugins.customer_service.test_payments_notices import _ids

pay = base.pay  # the shared fixture
API = "/api/v1/cs/payments"


def bearer(user, company) -> dict:
    return {"Authorization": f"Bearer {create_token(user, company, 'test')}"}


def test_cs08_api_transfer_notice_receipt_reversal(pay, client):
    contract = make_sale(pay, 1)
    finance, rep = bearer(pay.finance, pay.a), bearer(pay.cs_rep, pay.a)
    answer = client.post(
        f"{API}/transfers",
        json={"amount": "300000.50", "payer": "张伟", "received_on": "2026-11-30"},
        headers=finance,
    )
    assert answer.status_code == 201, answer.text
    transfer = answer.json["id"]
    assert client.post(f"{API}/transfers", json={"amount": "1"}, headers=rep).status_code == 403
    answer = client.post(
        f"{API}/transfers/{transfer}/identify", json={"contract_id": contract.id}, headers=rep
    )
    assert answer.json["status"] == "identified"
    answer = client.post(
        f"{API}/notices",
        json={"contract_id": contract.id, "transfer_id": transfer, "method": "transfer"},
        headers=rep,
    )
    assert answer.status_code == 201, answer.text
    notice = answer.json
    assert [line["amount"] for line in notice["lines"]] == ["300000.00", "0.50"]
    assert notice["excess_amount"] == "0.00" and notice["method"] == "transfer"
    answer = client.post(f"{API}/notices/{notice['id']}/receipt", json={}, headers=finance)
    assert answer.status_code == 201, answer.text
    receipt = answer.json
    assert receipt["received_on"] == "2026-11-30"
    again = client.post(f"{API}/notices/{notice['id']}/receipt", json={}, headers=finance)
    assert again.status_code == 409
    ledger = client.get(f"{API}/ledger?contract_id={contract.id}", headers=rep).json["items"]
    assert ledger[0]["received"] == "300000.50" and ledger[0]["outstanding"] == "699999.50"
    journal = client.get(f"{API}/journal?from=2026-11-30&to=2026-11-30", headers=rep).json
    assert [line["amount"] for line in journal["items"]] == ["300000.50"]
    card = client.get(f"{API}/customers/{contract.customer_id}/card", headers=rep).json
    assert [i["paid"] for i in card["contracts"][0]["instalments"]] == ["300000.00", "0.50"]
    manager = bearer(pay.finance_manager, pay.a)
    answer = client.post(
        f"{API}/receipts/{receipt['id']}/reverse", json={"reason": "认错"}, headers=manager
    )
    assert answer.status_code == 200 and answer.json["reversed_on"]
    open_rows = client.get(f"{API}/receivables?open=1", headers=rep).json
    assert [i["paid"] for i in open_rows["items"]] == ["0.00", "0.00"]


def test_cs08_api_bad_input_names_the_field_and_writes_nothing(pay, client):
    contract = make_sale(pay, 1)
    first, _second = _ids(pay, contract)
    rep = bearer(pay.cs_rep, pay.a)
    for body, field in (
        ({"contract_id": contract.id, "amount": "1.234"}, "amount"),
        ({"contract_id": contract.id, "amount": "abc"}, "amount"),
        ({"contract_id": 999999, "amount": "1"}, "contract_id"),
        ({"contract_id": contract.id, "amount": "-5"}, "amount"),
        (
            {
                "contract_id": contract.id,
                "amount": "5",
                "lines": [{"instalment_id": first, "amount": "6"}],
            },
            "lines",
        ),
        ({"contract_id": contract.id, "amount": "5", "excess": "keep"}, "excess"),
    ):
        answer = client.post(f"{API}/notices", json=body, headers=rep)
        assert answer.status_code == 422, (body, answer.text)
        assert field in answer.json["error"]["fields"], (body, answer.json)
    assert client.get(f"{API}/notices", headers=rep).json["total"] == 0
    bad = client.get(f"{API}/receivables?due_by=tomorrow", headers=rep)
    assert bad.status_code == 422 and "due_by" in bad.json["error"]["fields"]


def test_cs20_api_advance_and_credit_routes(pay, client):
    from plugins.sales.orders.models import PaymentMethod

    contract = make_sale(pay, 1, method=PaymentMethod.mortgage)
    rep = bearer(pay.cs_rep, pay.a)
    answer = client.post(
        f"{API}/advances",
        json={
            "contract_id": contract.id,
            "kind": "remaining",
            "amount": "612345.67",
            "advance_on": "2026-12-15",
            "what": "剩余贷款",
            "reason": "客户逾期",
        },
        headers=rep,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json["status"] == "pending" and answer.json["approval_request_id"]
    one = client.get(f"{API}/advances/{answer.json['id']}", headers=rep).json
    assert one["amount"] == "612345.67"
    applied = client.post(f"{API}/contracts/{contract.id}/credit/apply", json={}, headers=rep)
    assert applied.json == {"applied": "0.00"}
    refund = client.post(
        f"{API}/contracts/{contract.id}/credit/refund",
        json={"amount": "1.00", "reason": "x"},
        headers=bearer(pay.finance, pay.a),
    )
    assert refund.status_code == 422 and "amount" in refund.json["error"]["fields"]


def test_payments_api_is_documented(pay, client):
    doc = client.get("/api/v1/openapi.json").json
    for path in ("/cs/payments/notices", "/cs/payments/ledger", "/cs/payments/advances"):
        assert path in doc["paths"]
    from flask import current_app

    from core.api.openapi import undocumented

    missing = [m for m in undocumented(current_app, doc) if "/cs/payments" in m]
    assert missing == []
