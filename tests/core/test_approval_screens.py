"""The approval screens and API: the inbox (admin and JSON), deciding through them, CSRF, the
flow editor, tenant isolation; the outcome hook; concurrent approvers on PostgreSQL."""

import re
import threading
import types

import pytest

from core.app import create_app
from core.approvals import (
    ApprovalRefused,
    ApprovalRequest,
    approve,
    current_flow,
    reject,
    save_flow,
    submit,
    withdraw,
)
from core.auth.services import create_token
from core.extensions import db
from core.hookspecs import hookimpl
from core.models import Company, User
from core.plugins import Manifest, state
from core.services.companies import add_member, create_user
from tests.conftest import PASSWORD, login
from tests.core.approval_setup import discount, people_fixture, sal20_fixture  # noqa: F401

INBOX = "/admin/approvals/"


def browser(client, email):
    login(client, email)
    with client.session_transaction() as session:
        session["locale"] = "en"
    return client


def bearer(user, company) -> dict:
    return {"Authorization": f"Bearer {create_token(user, company, 'test')}"}


def request_in_b(w):
    save_flow(w.b, {"doc_type": "sales.discount", "steps": [{"name": "SM", "roles": ["gm"]}]})
    return submit(w.b, "sales.discount", "sales.order", 5, {}, w.admin_b)


# --- admin ---------------------------------------------------------------------------------


def test_inbox_admin_lists_and_approves(sal20, client):
    w = sal20
    request = discount(w, "2")
    browser(client, "admin-a@example.com")
    page = client.get(INBOX)
    assert page.status_code == 200
    assert f'id="approval-{request.id}"' in page.text and "3-1-201" in page.text
    done = client.post(
        f"{INBOX}{request.id}/decide",
        data={"action": "approve", "step": "0", "comment": "ok"},
        follow_redirects=True,
    )
    assert f"Request #{request.id} approved." in done.text
    assert f'id="approval-{request.id}"' not in done.text
    db.session.expire_all()
    assert request.current_step["name"] == "VP"
    assert request.decisions[0].comment == "ok"


def test_inbox_admin_rejection_needs_a_comment(sal20, client):
    request = discount(sal20, "2")
    browser(client, "admin-a@example.com")
    url = f"{INBOX}{request.id}/decide"
    refused = client.post(url, data={"action": "reject", "step": "0"}, follow_redirects=True)
    assert "A comment is required to reject." in refused.text
    db.session.expire_all()
    assert request.status == "pending"
    client.post(url, data={"action": "reject", "step": "0", "comment": "over budget"})
    db.session.expire_all()
    assert request.status == "rejected"


def test_inbox_admin_refusal_says_why(sal20, client):
    request = discount(sal20, "2")
    browser(client, "vp-a@example.com")
    assert f'id="approval-{request.id}"' not in client.get(INBOX).text
    page = client.post(
        f"{INBOX}{request.id}/decide", data={"action": "approve"}, follow_redirects=True
    )
    assert "needs one of the roles site_manager" in page.text
    db.session.expire_all()
    assert request.status == "pending" and request.decisions == []


def test_admin_other_company_request_is_not_found(sal20, client):
    other = request_in_b(sal20)
    browser(client, "admin-a@example.com")
    assert client.post(f"{INBOX}{other.id}/decide", data={"action": "approve"}).status_code == 404
    assert client.post(f"{INBOX}{other.id}/withdraw").status_code == 404
    page = client.get(f"{INBOX}history?owner_type=sales.order&owner_id=5")
    assert f'id="approval-{other.id}"' not in page.text


def test_history_view_shows_steps_and_decisions_and_lets_requester_withdraw(sal20, client):
    w = sal20
    first = discount(w, "2")
    reject(first, w.sm, "ask for less")
    second = discount(w, "0.5")
    browser(client, "rep-a@example.com")
    url = f"{INBOX}history?owner_type=sales.order&owner_id=1"
    page = client.get(url)
    assert page.status_code == 200
    assert "ask for less" in page.text and "Skipped (condition not met)" in page.text
    assert f"{INBOX}{second.id}/withdraw" in page.text
    assert f"{INBOX}{first.id}/withdraw" not in page.text  # decided: nothing to withdraw
    client.post(f"{INBOX}{second.id}/withdraw", data={"next": url})
    db.session.expire_all()
    assert second.status == "withdrawn"


def test_admin_decide_form_needs_csrf_token(sal20, database_url):
    request = discount(sal20, "0.5")
    guarded = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    try:
        client = guarded.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(sal20.sm.id)
            session["_fresh"] = True
        page = client.get(INBOX)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        url = f"{INBOX}{request.id}/decide"
        assert client.post(url, data={"action": "approve", "step": "0"}).status_code == 400
        ok = client.post(url, data={"action": "approve", "step": "0", "csrf_token": token})
        assert ok.status_code == 302
    finally:
        with guarded.app_context():
            db.engine.dispose()
    db.session.expire_all()
    assert request.status == "approved"


def test_flow_editor_saves_a_new_version_for_company_admins(sal20, client):
    w = sal20
    in_flight = discount(w, "2")
    browser(client, "rep-a@example.com")
    assert client.get("/admin/approval_flows/").status_code == 403
    client.post("/logout")
    browser(client, "admin-a@example.com")
    assert "sales.discount" in client.get("/admin/approval_flows/").text
    editor = client.get("/admin/approval_flows/edit?doc_type=sales.discount")
    assert 'value="Site manager"' in editor.text
    row = {
        "steps-0-name": "GM",
        "steps-0-roles": "gm",
        "steps-0-quorum": "1",
        "steps-0-due_days": "3",
        "steps-0-cond_field": "discount_pct",
        "steps-0-cond_op": ">",
        "steps-0-cond_value": "5",
        "steps-1-name": "",
        "steps-1-quorum": "1",
        "steps-1-due_days": "2",
    }
    url = "/admin/approval_flows/edit?doc_type=sales.discount"
    bad = client.post(url, data={**row, "steps-0-roles": "gmm"})
    assert bad.status_code == 400 and "unknown role(s) in LY: gmm" in bad.text
    assert client.post(url, data={**row, "name": "Big discounts"}).status_code == 302
    flow = current_flow(w.a, "sales.discount")
    assert flow.version == 2 and [s.as_dict() for s in flow.steps] == [
        {
            "name": "GM",
            "roles": ["gm"],
            "permission": "",
            "quorum": 1,
            "due_days": 3,
            "condition": {"field": "discount_pct", "op": ">", "value": "5"},
        }
    ]
    db.session.expire_all()
    assert in_flight.flow_version == 1 and in_flight.current_step["name"] == "Site manager"


# --- JSON API ------------------------------------------------------------------------------


def test_api_inbox_and_decisions(sal20, client):
    w = sal20
    request = discount(w, "2")
    sm, vp, gm = bearer(w.sm, w.a), bearer(w.vp, w.a), bearer(w.gm, w.a)
    inbox = client.get("/api/v1/approvals/inbox", headers=sm).json
    assert [r["id"] for r in inbox["items"]] == [request.id]
    assert inbox["items"][0]["data"] == {"discount_pct": "2", "unit": "3-1-201"}
    assert client.get("/api/v1/approvals/inbox", headers=vp).json["items"] == []
    url = f"/api/v1/approvals/{request.id}"
    refused = client.post(f"{url}/approve", json={}, headers=gm)
    assert refused.status_code == 403 and "site_manager" in refused.json["error"]["message"]
    done = client.post(f"{url}/approve", json={"comment": "ok", "step": 0}, headers=sm)
    assert done.status_code == 200 and done.json["step_index"] == 1
    stale = client.post(f"{url}/approve", json={"step": 0}, headers=vp)
    assert stale.status_code == 409
    invalid = client.post(f"{url}/reject", json={"comment": " "}, headers=vp)
    assert invalid.status_code == 422 and "comment" in invalid.json["error"]["fields"]
    assert client.post(f"{url}/reject", json={"comment": "no"}, headers=vp).json["status"] == (
        "rejected"
    )
    read = client.get(url, headers=sm).json
    assert [(d["user"], d["decision"]) for d in read["decisions"]] == [
        ("admin-a@example.com", "approve"),
        ("vp-a@example.com", "reject"),
    ]
    assert client.post(f"{url}/approve", headers=vp).status_code == 409


def test_api_withdraw_by_requester_only(sal20, client):
    request = discount(sal20, "2")
    url = f"/api/v1/approvals/{request.id}/withdraw"
    assert client.post(url, headers=bearer(sal20.sm, sal20.a)).status_code == 403
    done = client.post(url, headers=bearer(sal20.rep_a, sal20.a))
    assert done.status_code == 200 and done.json["status"] == "withdrawn"


def test_api_other_company_request_is_not_found(sal20, client):
    other = request_in_b(sal20)
    headers = bearer(sal20.gm, sal20.a)
    assert client.get(f"/api/v1/approvals/{other.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/approvals/{other.id}/approve", headers=headers).status_code == 404
    db.session.expire_all()
    assert other.status == "pending"


def test_api_approvals_documented_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/approvals/inbox", "/approvals/{request_id}", "/approvals/{request_id}/reject"):
        assert path in paths
    assert "ApprovalRequest" in client.get("/api/v1/openapi.json").json["components"]["schemas"]


# --- the outcome hook ----------------------------------------------------------------------


def test_hook_erp_approval_decided(people, database_url):
    """Fires once when a request ends (approved, also at once; rejected; withdrawn), never
    while pending, and only for plugins enabled in the request's company."""
    heard = []
    probe = types.ModuleType("approval_probe")
    probe.manifest = Manifest(name="approval_probe", version="1.0", label="Probe")
    probe.erp_approval_decided = hookimpl(
        lambda request: heard.append((request.company.code, request.owner_id, request.status))
    )
    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, plugin_modules=[probe])
    try:
        with other.app_context():
            a, b = db.session.get(Company, people.a.id), db.session.get(Company, people.b.id)
            rep, vp = db.session.get(User, people.rep_a.id), db.session.get(User, people.vp.id)
            state.enable(a, "approval_probe")
            submit(a, "x.none", "x", 1, {}, rep)  # no flow: approved at once
            save_flow(a, {"doc_type": "x.vp", "steps": [{"name": "VP", "roles": ["vp"]}]})
            approved = submit(a, "x.vp", "x", 2, {}, rep)
            rejected = submit(a, "x.vp", "x", 3, {}, rep)
            withdrawn = submit(a, "x.vp", "x", 4, {}, rep)
            assert heard == [("LY", 1, "approved")]
            approve(approved, vp)
            reject(rejected, vp, "no")
            withdraw(withdrawn, rep)
            submit(b, "x.none", "x", 5, {}, db.session.get(User, people.admin_b.id))
    finally:
        with other.app_context():
            db.engine.dispose()
    assert heard == [
        ("LY", 1, "approved"),
        ("LY", 2, "approved"),
        ("LY", 3, "rejected"),
        ("LY", 4, "withdrawn"),
    ]


# --- concurrency ---------------------------------------------------------------------------


def test_concurrent_approvals_advance_once(people, app, backend):
    if backend != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) are tested on PostgreSQL")
    w = people
    deciders = [w.sm, w.sm2]
    for n in (3, 4, 5):
        user = create_user(f"sm{n}-a@example.com", PASSWORD)
        add_member(user, w.a, ["site_manager"])
        deciders.append(user)
    steps = [{"name": "SM", "roles": ["site_manager"]}, {"name": "VP", "roles": ["vp"]}]
    save_flow(w.a, {"doc_type": "x.race", "steps": steps})
    request = submit(w.a, "x.race", "x", 1, {}, w.rep_a)
    barrier = threading.Barrier(len(deciders))
    outcomes = []

    def decide(user_id):
        with app.app_context():
            try:
                mine = db.session.get(ApprovalRequest, request.id)
                user = db.session.get(User, user_id)
                barrier.wait()
                approve(mine, user)
                outcomes.append("approved")
            except ApprovalRefused as exc:
                outcomes.append(exc.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(u.id,)) for u in deciders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes, key=str) == sorted(["approved"] + [409] * 4, key=str)
    db.session.expire_all()
    assert request.step_index == 1 and request.status == "pending"
    assert len(request.decisions) == 1
