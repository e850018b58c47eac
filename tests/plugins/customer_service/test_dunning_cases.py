"""Dunning cases (CS-10): paying undoes a pre-release, the VP's hold, the reps' tasks and the
investigation's outcome, and where each case stands."""

from datetime import date, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core.extensions import db
from core.permissions import PermissionDenied
from core.tenancy import company_scope
from plugins.customer_service.dunning import cases, ladder
from plugins.customer_service.dunning.models import (
    Cause,
    DunningStep,
    DunningTask,
    Step,
    TaskKind,
)
from plugins.customer_service.models import Contract, ContractStatus, Instalment
from plugins.customer_service.payments.services import apply_payment
from plugins.sales.models import Unit, UnitState, UnitStateChange
from tests.plugins.customer_service.cs_setup import make_sale

DUE = date(2026, 12, 1)
PRE_RELEASED = DUE + timedelta(days=61)


def sale(cs, n, dues=(DUE,), unit_state=UnitState.contracted, termination_days=60):
    schedule = [(due, "100000.00") for due in dues] + [(date(2028, 1, 1), "900000.00")]
    contract = make_sale(cs, n, schedule=schedule, unit_state=unit_state)
    with company_scope(cs.a.id):
        row = db.session.get(Contract, contract.id)
        row.termination_days = termination_days
        if unit_state == UnitState.registered:
            row.status = ContractStatus.registered
        db.session.commit()
    return contract


def instalments(contract) -> list[Instalment]:
    return db.session.scalars(
        select(Instalment).where(Instalment.contract_id == contract.id).order_by(Instalment.seq)
    ).all()


def unit_state(contract) -> UnitState:
    return db.session.scalar(select(Unit.state).where(Unit.id == contract.unit_id))


@pytest.mark.parametrize("before", [UnitState.contracted, UnitState.registered])
def test_cs10_paying_moves_a_pre_released_unit_back_to_its_state_before(cs, before):
    contract = sale(cs, 1, unit_state=before)
    with company_scope(cs.a.id):
        ladder.scan(cs.a, PRE_RELEASED)
        db.session.commit()
        assert unit_state(contract) == UnitState.pre_release
        first = instalments(contract)[0]
        apply_payment(first, first.amount, PRE_RELEASED + timedelta(days=2))
        db.session.commit()
        assert unit_state(contract) == before
        last = db.session.scalars(
            select(UnitStateChange)
            .where(UnitStateChange.unit_id == contract.unit_id)
            .order_by(UnitStateChange.id.desc())
        ).first()
        assert (last.from_state, last.to_state) == (UnitState.pre_release, before)
        assert "paid" in last.reason
        record = db.session.scalar(select(DunningStep).where(DunningStep.step == Step.pre_release))
        assert record.reverted_on == PRE_RELEASED + timedelta(days=2)
        # Paid: no later step for it, the unit stays where it is.
        ladder.scan(cs.a, DUE + timedelta(days=90))
        assert unit_state(contract) == before


def test_cs10_unit_stays_pre_released_while_another_instalment_is_past_that_step(cs):
    contract = sale(cs, 1, dues=(DUE, DUE + timedelta(days=1)))
    with company_scope(cs.a.id):
        ladder.scan(cs.a, PRE_RELEASED + timedelta(days=1))
        db.session.commit()
        first, second, _rest = instalments(contract)
        assert (first.dunning_step, second.dunning_step) == (Step.pre_release, Step.pre_release)
        apply_payment(first, first.amount, PRE_RELEASED + timedelta(days=2))
        db.session.commit()
        assert unit_state(contract) == UnitState.pre_release
        apply_payment(second, second.amount, PRE_RELEASED + timedelta(days=3))
        db.session.commit()
        assert unit_state(contract) == UnitState.contracted


def test_cs10_paying_closes_the_open_reminders(cs):
    contract = sale(cs, 1)
    with company_scope(cs.a.id):
        ladder.scan(cs.a, DUE + timedelta(days=2))
        first = instalments(contract)[0]
        apply_payment(first, first.amount, DUE + timedelta(days=3))
        db.session.commit()
        tasks = db.session.scalars(select(DunningTask)).all()
        assert tasks and all(t.done_on == DUE + timedelta(days=3) for t in tasks)


def test_cs10_vp_hold_stops_the_ladder_until_released(cs):
    contract = sale(cs, 1)
    with company_scope(cs.a.id):
        ladder.scan(cs.a, DUE + timedelta(days=31))
        db.session.commit()
        row = db.session.get(Contract, contract.id)
        with pytest.raises(PermissionDenied):
            cases.hold(cs.a, cs.cs_manager, row, "customer negotiating")
        with pytest.raises(ValidationError) as refused:
            cases.hold(cs.a, cs.vp, row, " ")
        assert "reason" in refused.value.messages
        held = cases.hold(cs.a, cs.vp, row, "Customer negotiating a mortgage with the bank")
        assert ladder.scan(cs.a, DUE + timedelta(days=70))["cases"] == 0
        first = instalments(contract)[0]
        assert first.dunning_step == Step.demand_letter
        assert unit_state(contract) == UnitState.contracted
        [case] = cases.describe(cs.a, [first], DUE + timedelta(days=70))
        assert case.hold.reason.startswith("Customer negotiating")
        cases.release_hold(cs.a, cs.vp, held, "talks failed")
        # Released: the next scan catches up the steps due meanwhile, in order.
        ladder.scan(cs.a, DUE + timedelta(days=71))
        db.session.commit()
        assert first.dunning_step == Step.pre_release
        assert unit_state(contract) == UnitState.pre_release


def test_cs10_case_shows_next_step_and_termination_date(cs):
    with_clause = sale(cs, 1)
    without = sale(cs, 2, termination_days=None)
    day = DUE + timedelta(days=20)
    with company_scope(cs.a.id):
        ladder.scan(cs.a, day)
        db.session.commit()
        found = db.session.scalars(cases.cases_query()).all()
        described = {c.instalment.contract_id: c for c in cases.describe(cs.a, found, day)}
        case = described[with_clause.id]
        assert (case.step, case.next_step) == (Step.reminder_letter, Step.demand_letter)
        assert case.next_on == DUE + timedelta(days=31)
        assert case.days_overdue == 20
        assert case.termination_from == DUE + timedelta(days=60)
        assert described[without.id].termination_from is None  # no proven demand yet
        assert db.session.scalars(cases.cases_query(meeting_only=True)).all() == []


def test_cs10_investigation_outcome_company_cause_is_flagged_for_resolution(cs):
    contract = sale(cs, 1)
    day = DUE + timedelta(days=7)
    with company_scope(cs.a.id):
        ladder.scan(cs.a, day)
        db.session.commit()
        tasks = {t.kind: t for t in db.session.scalars(select(DunningTask))}
        investigation = tasks[TaskKind.investigation]
        with pytest.raises(ValidationError) as refused:
            cases.complete_task(cs.a, cs.cs_rep, investigation, "called", day)
        assert "cause" in refused.value.messages
        with pytest.raises(ValidationError) as refused:
            cases.record_outcome(cs.a, cs.cs_rep, investigation, Cause.company, "", day)
        assert "note" in refused.value.messages
        cases.record_outcome(
            cs.a, cs.cs_rep, investigation, Cause.company, "Bank loan delayed by our papers", day
        )
        assert investigation.needs_resolution and investigation.done_on == day
        with pytest.raises(PermissionDenied):
            cases.resolve(cs.a, cs.cs_rep, investigation, "papers sent", day)
        cases.resolve(cs.a, cs.cs_manager, investigation, "Papers sent to the bank", day)
        assert investigation.resolved_on == day
        call = tasks[TaskKind.overdue_call]
        cases.complete_task(cs.a, cs.cs_rep, call, "Promised to pay Friday", day)
        assert call.done_by_id == cs.cs_rep.id
        assert instalments(contract)[0].dunning_step == Step.investigation


def test_cs10_investigation_other_cause_needs_no_resolution(cs):
    sale(cs, 1)
    day = DUE + timedelta(days=7)
    with company_scope(cs.a.id):
        ladder.scan(cs.a, day)
        db.session.commit()
        task = db.session.scalar(
            select(DunningTask).where(DunningTask.kind == TaskKind.investigation)
        )
        cases.record_outcome(cs.a, cs.cs_rep, task, Cause.customer, "Travelling abroad", day)
        assert not task.needs_resolution
