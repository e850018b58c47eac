"""The approval engine's services: routing by condition (SAL-20), who may decide, quorum,
versioned flows, immutability, withdrawal, history and overdue steps in working days."""

from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import select, update

from core.approvals import (
    ApprovalDecision,
    ApprovalRefused,
    ConditionError,
    ImmutableDecision,
    approve,
    current_flow,
    history,
    install_default_flows,
    overdue,
    pending_for,
    reject,
    save_flow,
    submit,
    withdraw,
)
from core.approvals import service as approval_service
from core.approvals.conditions import evaluate, normalize
from core.extensions import db
from core.models.audit import AuditEntry
from core.tenancy import company_scope
from tests.core.approval_setup import SAL20, discount, people_fixture, sal20_fixture  # noqa: F401


def step_names(request) -> list[str]:
    return [s["name"] for s in request.steps if s["applies"]]


def test_sal20_discount_within_rep_authority_is_approved_at_once(sal20):
    request = discount(sal20, "0")
    assert request.status == "approved"
    assert step_names(request) == []
    assert request.data["discount_pct"] == "0"


def test_sal20_discount_beyond_authority_routes_to_vp(sal20):
    w = sal20
    request = discount(w, "2.50")
    assert step_names(request) == ["Site manager", "VP"]  # GM skipped: 2.5 <= 3
    assert request.data["discount_pct"] == "2.50"  # the Decimal kept exactly, as text
    assert request.current_step["name"] == "Site manager"
    assert pending_for(w.vp, w.a) == []
    approve(request, w.sm, "ok within budget")
    assert request.status == "pending" and request.current_step["name"] == "VP"
    assert pending_for(w.vp, w.a) == [request]
    assert pending_for(w.gm, w.a) == []
    approve(request, w.vp)
    assert request.status == "approved"


def test_sal20_gm_needed_only_above_three_percent_compared_as_decimals(sal20):
    assert step_names(discount(sal20, "3.00")) == ["Site manager", "VP"]
    assert step_names(discount(sal20, "3.01", order_id=2)) == ["Site manager", "VP", "GM"]
    assert step_names(discount(sal20, "0.5", order_id=3)) == ["Site manager"]


def test_conditions_are_safe_comparisons_over_data():
    assert evaluate({"field": "n", "op": ">", "value": "9"}, {"n": "10"})  # text would say no
    assert evaluate({"field": "n", "op": "==", "value": "1.0"}, {"n": Decimal("1.00")})
    assert evaluate({"field": "r", "op": "in", "value": "fault, resale"}, {"r": "resale"})
    assert evaluate({"field": "r", "op": "!=", "value": "breach"}, {"r": "fault"})
    assert not evaluate({"field": "n", "op": "<=", "value": "1"}, {"n": 2})
    with pytest.raises(ConditionError, match="no 'n'"):
        evaluate({"field": "n", "op": ">", "value": "1"}, {})
    with pytest.raises(ConditionError, match="not a number"):
        evaluate({"field": "n", "op": ">", "value": "1"}, {"n": "lots"})
    with pytest.raises(ConditionError, match="unknown operator"):
        normalize({"field": "n", "op": "__import__", "value": "1"})
    with pytest.raises(ConditionError, match="not a number"):
        normalize({"field": "n", "op": ">", "value": "abc"})


def test_approval_flow_edit_does_not_change_request_in_flight(sal20):
    w = sal20
    request = discount(w, "2")
    edited = {**SAL20, "steps": [{"name": "GM only", "roles": ["gm"]}]}
    assert save_flow(w.a, edited).version == 2
    db.session.expire_all()
    assert (request.flow_version, step_names(request)) == (1, ["Site manager", "VP"])
    approve(request, w.sm)
    approve(request, w.vp)
    assert request.status == "approved"
    later = discount(w, "2", order_id=2)
    assert (later.flow_version, step_names(later)) == (2, ["GM only"])
    assert current_flow(w.a, "sales.discount").version == 2


def test_user_cannot_approve_own_request(sal20):
    w = sal20
    request = discount(w, "0.5", requester=w.sm)  # the site manager asks for their own order
    with pytest.raises(ApprovalRefused, match="your own request"):
        approve(request, w.sm)
    assert pending_for(w.sm, w.a) == []
    approve(request, w.sm2)
    assert request.status == "approved"


def test_user_cannot_decide_step_of_role_they_lack(sal20):
    w = sal20
    request = discount(w, "2")
    with pytest.raises(ApprovalRefused, match="site_manager") as refused:
        approve(request, w.vp)  # the VP's turn has not come: the step is the site manager's
    assert refused.value.status == 403
    with pytest.raises(ApprovalRefused, match="site_manager"):
        reject(request, w.gm, "no")
    # Roles are per company: B's site manager holds no role in A.
    with pytest.raises(ApprovalRefused, match="do not hold"):
        approve(request, w.admin_b)
    assert request.status == "pending" and request.decisions == []


def test_any_one_of_several_roles_decides(people):
    w = people
    save_flow(w.a, {"doc_type": "x.any", "steps": [{"name": "VP or GM", "roles": ["vp", "gm"]}]})
    first = submit(w.a, "x.any", "x", 1, {}, w.rep_a)
    second = submit(w.a, "x.any", "x", 2, {}, w.rep_a)
    assert pending_for(w.vp, w.a) == pending_for(w.gm, w.a) == [first, second]
    approve(first, w.gm)
    approve(second, w.vp)
    assert first.status == second.status == "approved"


def test_quorum_two_approvals(people):
    w = people
    flow = {"doc_type": "x.quorum", "steps": [{"name": "Two SMs", "roles": ["site_manager"]}]}
    flow["steps"][0]["quorum"] = 2
    save_flow(w.a, flow)
    request = submit(w.a, "x.quorum", "x", 1, {}, w.rep_a)
    approve(request, w.sm)
    assert request.status == "pending"
    assert pending_for(w.sm, w.a) == []  # decided their part
    with pytest.raises(ApprovalRefused, match="already approved"):
        approve(request, w.sm)
    assert pending_for(w.sm2, w.a) == [request]
    approve(request, w.sm2)
    assert request.status == "approved"


def test_permission_step_is_decided_by_holders_of_the_permission(people):
    w = people
    save_flow(
        w.a, {"doc_type": "x.perm", "steps": [{"name": "Admin", "permission": "core.roles.manage"}]}
    )
    request = submit(w.a, "x.perm", "x", 1, {}, w.rep_a)
    with pytest.raises(ApprovalRefused, match="core.roles.manage"):
        approve(request, w.vp)
    assert pending_for(w.admin_a, w.a) == [request]
    approve(request, w.admin_a)
    assert request.status == "approved"


def test_rejection_needs_a_comment(sal20):
    w = sal20
    request = discount(w, "2")
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as invalid:
            reject(request, w.sm, blank)
        assert "comment" in invalid.value.messages
    assert request.status == "pending" and request.decisions == []
    reject(request, w.sm, "beyond this month's budget")
    assert request.status == "rejected"
    assert request.decisions[0].comment == "beyond this month's budget"


def test_decided_request_cannot_be_decided_again(sal20):
    w = sal20
    request = discount(w, "0.5")
    approve(request, w.sm)
    with pytest.raises(ApprovalRefused, match="already approved") as refused:
        reject(request, w.sm2, "too late")
    assert refused.value.status == 409
    assert len(request.decisions) == 1


def test_step_seen_before_it_moved_on_is_refused(sal20):
    w = sal20
    request = discount(w, "2")
    approve(request, w.sm, step=0)
    with pytest.raises(ApprovalRefused, match="already decided"):
        approve(request, w.sm2, step=0)  # they opened step 0; it is now the VP's step
    assert request.current_step["name"] == "VP"


def test_withdraw_only_by_the_requester_while_pending(sal20):
    w = sal20
    request = discount(w, "2")
    with pytest.raises(ApprovalRefused, match="Only the requester"):
        withdraw(request, w.sm)
    withdraw(request, w.rep_a)
    assert request.status == "withdrawn"
    assert pending_for(w.sm, w.a) == []
    with pytest.raises(ApprovalRefused, match="already withdrawn"):
        withdraw(request, w.rep_a)


def test_decisions_are_immutable(sal20):
    w = sal20
    request = discount(w, "0.5")
    approve(request, w.sm, "fine")
    decision = request.decisions[0]
    decision.comment = "rewritten"
    with pytest.raises(ImmutableDecision):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(ApprovalDecision, decision.id))
    with pytest.raises(ImmutableDecision):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(ImmutableDecision):
        db.session.execute(update(ApprovalDecision).values(comment="bulk"))
    db.session.rollback()
    assert db.session.scalars(select(ApprovalDecision.comment)).all() == ["fine"]


def test_history_lists_every_request_and_decision_of_the_record(sal20):
    w = sal20
    first = discount(w, "2")
    reject(first, w.sm, "ask for less")
    second = discount(w, "0.5")
    approve(second, w.sm2, "ok")
    discount(w, "0.5", order_id=99)
    with company_scope(w.a.id):
        found = history("sales.order", 1)
    assert found == [first, second]
    assert [(d.user.email, str(d.decision), d.comment) for r in found for d in r.decisions] == [
        ("admin-a@example.com", "reject", "ask for less"),
        ("sm2-a@example.com", "approve", "ok"),
    ]
    with company_scope(w.b.id):
        assert history("sales.order", 1) == []


def test_overdue_steps_listed_by_working_days(sal20, monkeypatch):
    w = sal20
    # Submitted on Wednesday 30 September 2026, the eve of the National Day holiday (1-7 Oct).
    monkeypatch.setattr(approval_service, "business_today", lambda: date(2026, 9, 30))
    request = discount(w, "2")
    assert request.due_on == date(2026, 10, 9)  # two working days: Thu 8 and Fri 9 October
    assert overdue(w.a, date(2026, 10, 5)) == []  # weekdays-only counting would list it here
    assert overdue(w.a, date(2026, 10, 9)) == []
    assert overdue(w.a, date(2026, 10, 10)) == [request]
    assert overdue(w.b, date(2026, 10, 10)) == []
    monkeypatch.setattr(approval_service, "business_today", lambda: date(2026, 10, 12))
    approve(request, w.sm)  # the VP's step starts its own clock
    assert request.due_on == date(2026, 10, 14)
    assert overdue(w.a, date(2026, 10, 10)) == []


def test_cs18_core_ships_document_deletion_flow_needing_vp(people):
    w = people
    # Installed when the company was created; installing again adds nothing.
    assert current_flow(w.a, "core.document_deletion") is not None
    assert install_default_flows(w.a) == []
    request = submit(w.a, "core.document_deletion", "core.document", 7, {}, w.admin_a)
    with pytest.raises(ApprovalRefused, match="vp"):
        approve(request, w.gm)
    approve(request, w.vp)
    assert request.status == "approved"


def test_install_default_flows_keeps_a_company_edited_flow(people):
    w = people
    mine = {"doc_type": "core.document_deletion", "steps": [{"name": "GM", "roles": ["gm"]}]}
    save_flow(w.a, mine)
    assert install_default_flows(w.a) == []
    assert current_flow(w.a, "core.document_deletion").steps[0].roles == ["gm"]
    # B got the core's default flow when it was created, and A's edit left it alone.
    assert current_flow(w.b, "core.document_deletion").steps[0].roles == ["vp"]


def test_flow_steps_name_known_roles_or_one_permission(people):
    w = people
    bad = [
        {"name": "Both", "roles": ["vp"], "permission": "core.roles.manage"},
        {"name": "Neither"},
        {"name": "Typo", "roles": ["vpp"]},
        {"name": "Bad op", "roles": ["vp"], "condition": {"field": "x", "op": "=~", "value": "1"}},
    ]
    for step in bad:
        with pytest.raises(ValidationError):
            save_flow(w.a, {"doc_type": "x.bad", "steps": [step]})
    assert current_flow(w.a, "x.bad") is None


def test_submit_with_missing_condition_field_is_refused_not_skipped(sal20):
    w = sal20
    with pytest.raises(ConditionError, match="discount_pct"):
        submit(w.a, "sales.discount", "sales.order", 1, {"unit": "1-1-101"}, w.rep_a)
    with company_scope(w.a.id):
        assert history("sales.order", 1) == []


def test_each_decision_is_audited_with_its_decider(sal20):
    w = sal20
    request = discount(w, "2")
    approve(request, w.sm, "ok")
    reject(request, w.vp, "too much")
    with company_scope(w.a.id):
        entries = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "approval", AuditEntry.record_id == request.id)
            .order_by(AuditEntry.id)
        ).all()
    assert [(e.user_id, e.model, e.changes) for e in entries] == [
        (
            w.sm.id,
            "approval_request",
            {
                "decision": [None, "approve"],
                "comment": [None, "ok"],
                "step": [None, "Site manager"],
            },
        ),
        (
            w.vp.id,
            "approval_request",
            {"decision": [None, "reject"], "comment": [None, "too much"], "step": [None, "VP"]},
        ),
    ]
