"""The contract screens and API (CS-04–07): permissions, the refusal answers naming the fields,
the list filters, the filing-at-risk list, and the demo contracts."""

from datetime import timedelta

from sqlalchemy import select

from core import approvals
from core.api.openapi import undocumented
from core.auth.services import create_token
from core.duties import today
from core.extensions import db
from core.services.companies import add_member, create_user
from core.tenancy import company_scope
from plugins.customer_service.contracts import cancellation as cancellations
from plugins.customer_service.contracts import changes, registration
from plugins.customer_service.contracts.demo_data import demo_contracts
from plugins.customer_service.contracts.models import ChangeStatus, ContractChange
from plugins.customer_service.models import Contract, ContractStatus
from plugins.sales.models import Unit, UnitState
from plugins.sales.units.services import take_unit
from tests.conftest import PASSWORD, login
from tests.plugins.customer_service.test_contracts_prepare import (
    ADDRESS,
    ANNEXES,
    cs_fixture,
    pay,
    place,
    prepare,
    reload,
    signed,
)

__all__ = ["cs_fixture"]
API = "/api/v1/cs/contracts"


def bearer(user, company) -> dict:
    return {"Authorization": f"Bearer {create_token(user, company, 'test')}"}


def test_cs04_api_prepares_books_and_signs_a_contract(cs, client):
    order = place(cs, 1, method="full")
    auth = bearer(cs.cs_rep, cs.a)
    answer = client.post(API, json={"order_id": order.id, "address": ADDRESS}, headers=auth)
    assert answer.status_code == 201, answer.text
    body = answer.json
    assert body["status"] == "draft" and body["price"] == "1000000.00"
    assert body["payment_method"] == "full" and body["instalments"]
    url = f"{API}/{body['id']}"
    refused = client.post(f"{url}/sign", json={}, headers=auth)
    assert refused.status_code == 409
    assert {"annexes", "signing_booked_on", "lawyer_told_on"} <= set(
        refused.json["error"]["fields"]
    )
    day = today().isoformat()
    booked = {"signing_booked_on": day, "lawyer_told_on": day}
    assert client.post(f"{url}/booking", json=booked, headers=auth).status_code == 200
    annexes = {"annexes": dict.fromkeys(ANNEXES, True)}
    assert client.post(f"{url}/annexes", json=annexes, headers=auth).status_code == 200
    answer = client.post(f"{url}/sign", json={}, headers=auth)
    assert answer.status_code == 200 and answer.json["status"] == "signed"
    assert answer.json["filing_deadline"] == (today() + timedelta(days=30)).isoformat()


def test_cs04_api_bad_input_names_the_field(cs, client):
    order = place(cs, 1)
    auth = bearer(cs.cs_rep, cs.a)
    answer = client.post(API, json={"order_id": order.id}, headers=auth)
    assert answer.status_code == 422 and "address" in answer.json["error"]["fields"]
    contract = prepare(cs, order)
    answer = client.post(
        f"{API}/{contract.id}/annexes", json={"annexes": {"garage": True}}, headers=auth
    )
    assert answer.status_code == 422 and "annexes" in answer.json["error"]["fields"]


def test_cs06_api_registration_check_register_and_at_risk(cs, client):
    contract = signed(cs, 1, method="mortgage")
    auth = bearer(cs.cs_rep, cs.a)
    check = client.get(f"{API}/{contract.id}/registration", headers=auth).json
    assert check["part"] == "down_payment" and "paid" in check["problems"]
    refused = client.post(f"{API}/{contract.id}/register", json={}, headers=auth)
    assert refused.status_code == 409 and "paid" in refused.json["error"]["fields"]
    with company_scope(cs.a.id):
        late = reload(Contract, contract.id)
        late.signed_on = today() - timedelta(days=28)
        db.session.commit()
    risk = client.get(f"{API}/filing-at-risk", headers=auth).json
    assert [(r["number"], r["days_left"]) for r in risk["items"]] == [(contract.number, 2)]
    pay(cs, contract, None, None)
    answer = client.post(f"{API}/{contract.id}/register", json={}, headers=auth)
    assert answer.status_code == 200 and answer.json["status"] == "registered"
    assert client.get(f"{API}/filing-at-risk", headers=auth).json["total"] == 0


def test_cs05_cs07_api_changes_and_cancellations(cs, client):
    contract = signed(cs, 1)
    auth = bearer(cs.cs_rep, cs.a)
    change = {"terms": {"property_fee": "2.50"}, "reason": "new fee"}
    answer = client.post(f"{API}/{contract.id}/changes", json=change, headers=auth)
    assert answer.status_code == 201 and answer.json["major"] and answer.json["status"] == "pending"
    again = client.post(f"{API}/{contract.id}/changes", json=change, headers=auth)
    assert again.status_code == 409
    assert client.get(f"{API}/{contract.id}/changes", headers=auth).json["total"] == 1
    cancel = {"reason_kind": "resale", "reason": "sold to a staff member"}
    answer = client.post(f"{API}/{contract.id}/cancellations", json=cancel, headers=auth)
    assert answer.status_code == 201 and answer.json["status"] == "pending"
    bad = client.post(
        f"{API}/{contract.id}/cancellations",
        json={"reason_kind": "whim", "reason": "x"},
        headers=auth,
    )
    assert bad.status_code == 422 and "reason_kind" in bad.json["error"]["fields"]


def test_cs04_api_permissions_and_filters(cs, client):
    signed(cs, 1)
    prepare(cs, place(cs, 2))
    clerk = bearer(cs.clerk, cs.a)
    assert client.get(API, headers=clerk).json["total"] == 2
    assert client.get(f"{API}?status=draft", headers=clerk).json["total"] == 1
    assert client.get(f"{API}?status=nonsense", headers=clerk).status_code == 422
    project = f"{API}?project_id={cs.project_a.id}&rep_id={cs.cs_rep.id}"
    assert client.get(project, headers=clerk).json["total"] in (0, 1, 2)
    order = place(cs, 3)
    denied = client.post(API, json={"order_id": order.id, "address": ADDRESS}, headers=clerk)
    assert denied.status_code == 403  # the archive clerk reads, the reps prepare


def test_cs04_every_contract_route_is_documented(cs, client):
    doc = client.get("/api/v1/openapi.json", headers=bearer(cs.cs_rep, cs.a)).json
    missing = [m for m in undocumented(client.application, doc) if " /cs/contracts" in m]
    assert missing == []
    assert "/cs/contracts/{contract_id}/sign" in doc["paths"]


def test_cs04_screens_list_contract_page_ledger_and_at_risk(cs, client):
    contract = signed(cs, 1)
    draft = prepare(cs, place(cs, 2))
    login(client, "csrep-a@example.com")
    page = client.get("/admin/cs_contracts/")
    assert page.status_code == 200 and contract.number in page.text and draft.number in page.text
    page = client.get(f"/admin/cs_contracts/{draft.id}")
    assert page.status_code == 200 and "Fit-out and equipment list" in page.text
    assert "The lawyer was not told." in page.text
    page = client.get(f"/admin/cs_contracts/{contract.id}")
    assert "Down payment paid" in page.text and "Statutory filing deadline" in page.text
    assert client.get("/admin/cs_contract_ledger/").status_code == 200
    assert client.get("/admin/cs_contract_ledger/at-risk").status_code == 200
    assert client.get("/admin/cs_contracts/new").status_code == 200
    # The refused signing comes back as a message on the page, nothing changed.
    answer = client.post(f"/admin/cs_contracts/{draft.id}/sign", follow_redirects=True)
    assert "cannot be signed" in answer.text
    with company_scope(cs.a.id):
        assert reload(Contract, draft.id).status == ContractStatus.draft
    # A registered and a cancelled contract's pages show their history.
    pay(cs, contract, None, None)
    registration.register_contract(contract, cs.cs_rep)
    assert "Registered on" in client.get(f"/admin/cs_contracts/{contract.id}").text
    cancellation = cancellations.request_cancellation(
        draft, cs.cs_rep, {"reason_kind": "id_change", "reason": "证件变更"}
    )
    approvals.approve(
        db.session.get(approvals.ApprovalRequest, cancellation.approval_request_id), cs.cs_manager
    )
    page = client.get(f"/admin/cs_contracts/{draft.id}")
    assert page.status_code == 200 and "证件变更" in page.text and "ID change" in page.text


def test_cs04_screen_prepares_from_an_order_and_ticks_annexes(cs, client):
    order = place(cs, 1)
    login(client, "csrep-a@example.com")
    answer = client.post("/admin/cs_contracts/new", data={"order_id": order.id, "address": ADDRESS})
    assert answer.status_code == 302
    with company_scope(cs.a.id):
        contract = db.session.scalar(select(Contract).where(Contract.order_id == order.id))
    client.post(f"/admin/cs_contracts/{contract.id}/annexes", data={"floor_plan": "1"})
    with company_scope(cs.a.id):
        assert reload(Contract, contract.id).annexes["floor_plan"] is True


def test_cs04_screens_need_the_permission(cs, client):
    user = create_user("sales-only@example.com", PASSWORD)
    add_member(user, cs.a, ["sales_rep"])
    login(client, "sales-only@example.com")
    assert client.get("/admin/cs_contracts/").status_code == 403
    login(client, "clerk-a@example.com")
    contract = prepare(cs, place(cs, 1))
    assert client.get("/admin/cs_contracts/").status_code == 200
    assert client.post(f"/admin/cs_contracts/{contract.id}/sign").status_code == 403


def test_cs04_demo_contracts_for_the_active_orders(cs):
    add_member(create_user("cs-rep@ly.example.com", PASSWORD), cs.a, ["cs_rep"])  # the demo's
    moved = place(cs, 1, method="full")
    with company_scope(cs.a.id):
        for state in (UnitState.contracted, UnitState.registered):
            take_unit(moved.unit_id, {reload(Unit, moved.unit_id).state}, state, None)
        db.session.commit()
    fresh = [place(cs, n, method="full") for n in (2, 3, 4)]
    demo_contracts(cs.a)
    demo_contracts(cs.a)  # a second run changes nothing
    with company_scope(cs.a.id):
        contracts = {c.order_id: c for c in db.session.scalars(select(Contract))}
        assert len(contracts) == 4
        assert contracts[moved.id].status == ContractStatus.registered
        assert contracts[moved.id].instalments[0].settled  # its deposit, received at the order
        assert contracts[fresh[0].id].status == ContractStatus.draft
        assert {contracts[o.id].status for o in fresh[1:]} == {ContractStatus.signed}
        pending = db.session.scalars(select(ContractChange)).all()
        assert [c.status for c in pending] == [ChangeStatus.pending]


# --- CS-05 + CS-09: a rewritten schedule on the contract page and in the API ----------------


def method_changed(w) -> Contract:
    """A mortgage contract switched to full payment through the approval route: the unpaid
    due-at-signing (#2) and loan (#3) are superseded today, the balance (#7) replaces them."""
    contract = signed(w, 1)
    change = changes.request_change(
        contract, w.cs_rep, {"terms": {"payment_method": "full"}, "reason": "no loan"}
    )
    for approver in (w.cs_manager, w.vp):
        db.session.expire_all()
        approvals.approve(
            db.session.get(approvals.ApprovalRequest, change.approval_request_id), approver
        )
    return contract


def test_cs05_contract_page_marks_superseded_instalments_and_shows_the_rewritten_schedule(
    cs, client
):
    contract = method_changed(cs)
    signing = today() + timedelta(days=7)
    login(client, "csrep-a@example.com")
    page = client.get(f"/admin/cs_contracts/{contract.id}").text
    history = page[page.index("Term changes") : page.index("<h4>Receivables schedule")]
    # The change history names the schedule and lists its instalments one a line.
    assert "Receivables schedule: <ul" in history
    assert f"<li>#2 Due at signing {signing} 100000.00</li>" in history
    assert f"<li>#3 Loan (paid by the bank) {signing} 850000.00</li>" in history
    assert f"<li>#7 Due at signing {signing} 950000.00</li>" in history
    # The superseded instalments stay in the schedule, greyed and marked; the others not.
    table = page[page.index("<h4>Receivables schedule") :]
    rows = table.split("<tr")[2:]  # after the header
    marked = [row for row in rows if f"superseded on {today()}" in row]
    assert [row.split("<td>")[1].split("<")[0] for row in marked] == ["2", "3"]
    assert all(row.startswith(' class="text-muted"') for row in marked)
    assert not any("text-muted" in row or "superseded" in row for row in rows if row not in marked)


def test_cs05_api_lists_superseded_instalments_with_their_day(cs, client):
    contract = method_changed(cs)
    auth = bearer(cs.cs_rep, cs.a)
    body = client.get(f"{API}/{contract.id}", headers=auth).json
    price = [i for i in body["instalments"] if i["kind"] == "payment"]
    assert [(i["seq"], i["amount"], i["superseded_on"]) for i in price] == [
        (1, "50000.00", None),
        (2, "0.00", today().isoformat()),
        (3, "0.00", today().isoformat()),
        (7, "950000.00", None),
    ]
    doc = client.get("/api/v1/openapi.json", headers=auth).json
    instalment = doc["components"]["schemas"]["CsContract"]["properties"]["instalments"]
    schema = doc["components"]["schemas"][instalment["items"]["$ref"].rsplit("/", 1)[1]]
    assert "superseded_on" in schema["properties"]
