"""The weekly dunning list with the CS manager's sign-off, and the dunning meeting (CS-11)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core import approvals
from core.approvals import ApprovalRefused
from core.duties import run_due
from core.extensions import db
from core.plugins import state
from core.tenancy import company_scope
from plugins.customer_service.dunning.duties import LIST, MEETING, SCAN
from plugins.customer_service.dunning.models import DunningList, Step
from plugins.customer_service.dunning.weekly import DOC_TYPE
from plugins.customer_service.models import Contract, ContractStatus, Instalment
from tests.plugins.customer_service.cs_setup import make_sale

FRIDAY = date(2026, 12, 18)
NEXT_THURSDAY = date(2026, 12, 24)
LATER = date(2028, 1, 1)


def sale(cs, n, due):
    return make_sale(cs, n, schedule=((due, "100000.00"), (LATER, "900000.00")))


def dunning_runs(result) -> list[dict]:
    """The runs of this area's duties (the other areas' duties run too)."""
    return [r for r in result["runs"] if r["duty"] in (SCAN, LIST, MEETING)]


def listed(dunning_list) -> list[str]:
    return [row.contract_number for row in dunning_list.rows]


def test_cs11_friday_list_has_the_overdue_and_those_due_by_next_thursday_for_sign_off(cs):
    overdue = sale(cs, 1, date(2026, 12, 1))
    due_thursday = sale(cs, 2, NEXT_THURSDAY)
    sale(cs, 3, NEXT_THURSDAY + timedelta(days=1))  # after the meeting: next week's list
    paid = sale(cs, 4, date(2026, 12, 1))
    cancelled = sale(cs, 5, date(2026, 12, 1))
    with company_scope(cs.a.id):
        first = db.session.scalar(
            select(Instalment).where(Instalment.contract_id == paid.id, Instalment.seq == 1)
        )
        first.paid, first.settled = first.amount, True
        db.session.get(Contract, cancelled.id).status = ContractStatus.cancelled
        db.session.commit()
    runs = run_due(cs.a, FRIDAY)["runs"]
    assert [r["duty"] for r in runs if r["duty"] == LIST] == [LIST]
    with company_scope(cs.a.id):
        dunning_list = db.session.scalar(select(DunningList))
        assert (dunning_list.week, dunning_list.list_date, dunning_list.until) == (
            "2026-W51",
            FRIDAY,
            NEXT_THURSDAY,
        )
        assert listed(dunning_list) == [overdue.number, due_thursday.number]
        first_row, second_row = dunning_list.rows
        assert (first_row.days_overdue, first_row.step) == (17, Step.reminder_letter)
        assert (second_row.days_overdue, second_row.step) == (-6, 0)
        assert first_row.rep_name == (
            cs.cs_rep.name or cs.cs_rep.email
        ) and first_row.unit_label.startswith("1#")
        assert dunning_list.total_outstanding == 200000
        request = dunning_list.approval_request
        assert (request.doc_type, request.status) == (DOC_TYPE, approvals.RequestStatus.pending)
        assert request.requester_id == cs.clerk.id  # the archive clerk's list
        with pytest.raises(ApprovalRefused):
            approvals.approve(request, cs.cs_rep)
        approvals.approve(request, cs.cs_manager, "signed off")
        assert request.status == approvals.RequestStatus.approved
    # Once a week: a second run the same day (or later that week) adds no list.
    assert dunning_runs(run_due(cs.a, FRIDAY)) == []
    run_due(cs.a, FRIDAY + timedelta(days=3))
    with company_scope(cs.a.id):
        assert db.session.scalar(select(func.count(DunningList.id))) == 1


def test_cs11_list_weekday_and_meeting_day_are_settings(cs):
    state.update_settings(
        cs.a,
        "customer_service",
        {"dunning_list_weekday": "monday", "dunning_meeting_weekday": "wednesday"},
    )
    sale(cs, 1, date(2026, 12, 1))
    sale(cs, 2, date(2026, 12, 23))
    sale(cs, 3, date(2026, 12, 24))
    monday = date(2026, 12, 21)
    assert [r["duty"] for r in run_due(cs.a, FRIDAY)["runs"] if r["duty"] == LIST] == []
    run_due(cs.a, monday)
    with company_scope(cs.a.id):
        dunning_list = db.session.scalar(select(DunningList))
        assert (dunning_list.list_date, dunning_list.until) == (monday, date(2026, 12, 23))
        assert len(dunning_list.rows) == 2


def test_cs11_thursday_meeting_lists_the_cases_from_the_demand_letter_on(cs):
    at_demand = sale(cs, 1, date(2026, 11, 20))  # 41 days late on 31 December
    sale(cs, 2, date(2026, 12, 10))  # only a reminder letter by then
    runs = run_due(cs.a, date(2026, 12, 31))["runs"]
    [meeting] = [r for r in runs if r["duty"] == MEETING]
    assert meeting["outcome"]["count"] == 1
    [case] = meeting["outcome"]["cases"]
    assert (case["contract_number"], case["step"]) == (at_demand.number, "demand_letter")
    assert case["days_overdue"] == 41
