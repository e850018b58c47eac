"""The dunning ladder (CS-10): every step once, in order, on its day; a late scan catching
up; thresholds as settings; termination resting on the contract's clause or a proven demand."""

from datetime import date, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.admin.labels import label
from core.duties import run_due
from core.extensions import db
from core.models.letters import Letter, MailingMethod
from core.plugins import state
from core.tenancy import company_scope
from plugins.customer_service.dunning import ladder
from plugins.customer_service.dunning.duties import SCAN
from plugins.customer_service.dunning.letters import LETTERS
from plugins.customer_service.dunning.models import DunningStep, DunningTask, Step, TaskKind
from plugins.customer_service.models import Contract, ContractStatus, Instalment
from plugins.sales.models import Unit, UnitState, UnitStateChange
from plugins.sales.orders.models import Order, OrderStatus
from tests.plugins.customer_service.cs_setup import make_sale

DUE = date(2026, 12, 1)
PREFIX = "customer_service.dunning_"
DEFAULT_DAYS = {
    Step.pre_due_call: -3,
    Step.overdue_reminders: 1,
    Step.investigation: 7,
    Step.reminder_letter: 16,
    Step.demand_letter: 31,
    Step.lawyer_letter: 46,
    Step.pre_release: 61,
    Step.release: 75,
}


def sale(cs, n, due=DUE, termination_days=60, **kw):
    contract = make_sale(
        cs, n, schedule=((due, "300000.00"), (date(2028, 3, 1), "700000.00")), **kw
    )
    with company_scope(cs.a.id):
        db.session.get(Contract, contract.id).termination_days = termination_days
        db.session.commit()
    return contract


def first_instalment(cs, contract) -> Instalment:
    return db.session.scalar(
        select(Instalment).where(Instalment.contract_id == contract.id, Instalment.seq == 1)
    )


def steps_taken(instalment) -> dict[Step, date]:
    rows = db.session.scalars(
        select(DunningStep)
        .where(DunningStep.instalment_id == instalment.id)
        .order_by(DunningStep.id)
    )
    return {Step(r.step): r.taken_on for r in rows}


def letters_of(instalment) -> list[Letter]:
    return db.session.scalars(
        select(Letter)
        .where(Letter.owner_type == "cs_instalment", Letter.owner_id == instalment.id)
        .order_by(Letter.id)
    ).all()


def test_cs10_ladder_takes_every_step_once_in_order_on_its_day(cs):
    contract = sale(cs, 1)
    start = DUE - timedelta(days=4)
    run_due(cs.a, start)
    # The duty service runs every day's scan in turn, each for its own day.
    ran = run_due(cs.a, start + timedelta(days=80))["runs"]
    assert [r["date"] for r in ran if r["duty"] == SCAN] == [
        (start + timedelta(days=n)).isoformat() for n in range(1, 81)
    ]
    with company_scope(cs.a.id):
        instalment = first_instalment(cs, contract)
        expected = {step: DUE + timedelta(days=days) for step, days in DEFAULT_DAYS.items()}
        assert steps_taken(instalment) == expected
        assert list(steps_taken(instalment)) == list(Step)  # recorded in ladder order
        letters = letters_of(instalment)
        assert [(x.kind, x.step, x.date) for x in letters] == [
            (LETTERS[s].kind, s.name, expected[s]) for s in LETTERS
        ]
        assert [x.title for x in letters] == [
            "提醒付款通知函",
            "催付函",
            "律师函",
            "预放通知书",
            "放房通知书",
        ]
        assert [x.mailings[0].method for x in letters] == [
            MailingMethod.express,
            MailingMethod.express,
            MailingMethod.by_lawyer,
            MailingMethod.registered,
            MailingMethod.express,
        ]
        # Filed in the customer's archive (CS-18), one copy per letter.
        assert {x.document_id for x in letters}.__len__() == 5
        tasks = {
            t.kind: (t.assignee_id, t.due_on)
            for t in db.session.scalars(
                select(DunningTask).where(DunningTask.instalment_id == instalment.id)
            )
        }
        assert tasks == {
            TaskKind.pre_due_call: (cs.cs_rep.id, DUE - timedelta(days=3)),
            TaskKind.overdue_call: (cs.cs_rep.id, DUE + timedelta(days=1)),
            TaskKind.sales_rep_reminder: (cs.rep.id, DUE + timedelta(days=1)),
            TaskKind.investigation: (cs.cs_rep.id, DUE + timedelta(days=7)),
        }
        # Sales control: pre_release on day 61, back on sale on day 75, both logged.
        log = db.session.execute(
            select(UnitStateChange.from_state, UnitStateChange.to_state, UnitStateChange.at)
            .where(UnitStateChange.unit_id == contract.unit_id)
            .order_by(UnitStateChange.id)
        ).all()
        assert [(f, t) for f, t, _ in log] == [
            (UnitState.contracted, UnitState.pre_release),
            (UnitState.pre_release, UnitState.available),
        ]
        assert db.session.get(Unit, contract.unit_id).state == UnitState.available
        terminated = db.session.get(Contract, contract.id)
        assert terminated.status == ContractStatus.terminated
        assert terminated.closed_on == expected[Step.release]
        order = db.session.get(Order, contract.order_id)
        assert order.status == OrderStatus.terminated and order.close_reason
        # The terminated contract's later instalment is no longer dunned.
        second = db.session.scalar(
            select(Instalment).where(Instalment.contract_id == contract.id, Instalment.seq == 2)
        )
        assert second.dunning_step == 0


def test_cs10_release_ends_the_order_as_terminated(cs):
    contract = sale(cs, 1)
    day = DUE + timedelta(days=75)
    with company_scope(cs.a.id):
        ladder.scan(cs.a, day)
        db.session.commit()
        assert first_instalment(cs, contract).dunning_step == Step.release
        order = db.session.get(Order, contract.order_id)
        # Terminated for the customer's breach: not "voided", the site manager's act (SAL-17).
        assert order.status == OrderStatus.terminated
        assert label(order.status) == "Terminated" != label(OrderStatus.voided)
        assert contract.number in order.close_reason and order.closed_at is not None
        assert db.session.get(Unit, contract.unit_id).state == UnitState.available


def test_cs10_late_scan_catches_up_step_by_step_with_letters_dated_that_day(cs):
    contract = sale(cs, 1)
    day = DUE + timedelta(days=50)
    with company_scope(cs.a.id):
        summary = ladder.scan(cs.a, day)
        db.session.commit()
        instalment = first_instalment(cs, contract)
        taken = steps_taken(instalment)
        assert list(taken) == [Step(n) for n in range(1, 7)]  # none skipped, none beyond
        assert set(taken.values()) == {day}
        letters = letters_of(instalment)
        assert [x.step for x in letters] == ["reminder_letter", "demand_letter", "lawyer_letter"]
        assert {x.date for x in letters} == {day}
        assert [x.reference for x in letters] == sorted(x.reference for x in letters)
        assert summary["steps"] == {Step(n).name: 1 for n in range(1, 7)}
        # A second scan of the same day changes nothing.
        again = ladder.scan(cs.a, day)
        db.session.commit()
        assert again["steps"] == {} and again["letters"] == {}
        assert db.session.scalar(select(func.count(Letter.id))) == 3
        assert db.session.scalar(select(func.count(DunningStep.id))) == 6


def test_cs10_second_duty_run_on_the_same_day_is_a_no_op(cs):
    sale(cs, 1)
    day = DUE + timedelta(days=20)
    first = run_due(cs.a, day)
    assert [r["outcome"]["steps"] for r in first["runs"] if r["duty"] == SCAN] == [
        {Step(n).name: 1 for n in range(1, 5)}
    ]
    assert [r for r in run_due(cs.a, day)["runs"] if r["duty"].startswith(PREFIX)] == []
    with company_scope(cs.a.id):
        assert db.session.scalar(select(func.count(DunningStep.id))) == 4
        assert db.session.scalar(select(func.count(Letter.id))) == 1


def test_cs10_changed_thresholds_move_the_steps(cs):
    state.update_settings(
        cs.a,
        "customer_service",
        {"dunning_pre_due_days": 5, "dunning_reminder_letter_days": 20},
    )
    contract = sale(cs, 1)
    with company_scope(cs.a.id):
        ladder.scan(cs.a, DUE - timedelta(days=5))
        ladder.scan(cs.a, DUE + timedelta(days=20))
        instalment = first_instalment(cs, contract)
        assert Step.reminder_letter not in steps_taken(instalment)
        ladder.scan(cs.a, DUE + timedelta(days=21))
        db.session.commit()
        taken = steps_taken(instalment)
        assert taken[Step.pre_due_call] == DUE - timedelta(days=5)
        assert taken[Step.reminder_letter] == DUE + timedelta(days=21)


def test_cs10_thresholds_must_keep_the_ladder_in_order(cs):
    with pytest.raises(ValidationError) as refused:
        state.update_settings(cs.a, "customer_service", {"dunning_demand_letter_days": 10})
    assert "dunning_demand_letter_days" in refused.value.messages


def test_cs10_without_a_clause_termination_waits_for_a_proven_demand_plus_3_months(cs):
    contract = sale(cs, 1, termination_days=None)
    with company_scope(cs.a.id):
        ladder.scan(cs.a, DUE + timedelta(days=80))
        db.session.commit()
        instalment = first_instalment(cs, contract)
        assert instalment.dunning_step == Step.pre_release  # release waits: no proof yet
        demand = next(x for x in letters_of(instalment) if x.step == "demand_letter")
        demand.mailings[0].sent_on = DUE + timedelta(days=80)
        db.session.commit()
        proof = date(2027, 5, 19)  # sent 2027-02-19, plus 3 months
        assert ladder.scan(cs.a, proof - timedelta(days=1))["waiting_for_termination"] == 1
        assert first_instalment(cs, contract).dunning_step == Step.pre_release
        ladder.scan(cs.a, proof)
        db.session.commit()
        assert first_instalment(cs, contract).dunning_step == Step.release
        assert db.session.get(Contract, contract.id).status == ContractStatus.terminated


def test_cs10_clause_later_than_75_days_delays_the_release(cs):
    contract = sale(cs, 1, termination_days=90)
    with company_scope(cs.a.id):
        ladder.scan(cs.a, DUE + timedelta(days=89))
        assert first_instalment(cs, contract).dunning_step == Step.pre_release
        ladder.scan(cs.a, DUE + timedelta(days=90))
        db.session.commit()
        assert steps_taken(first_instalment(cs, contract))[Step.release] == DUE + timedelta(90)


def test_cs10_cancelled_or_paid_instalments_are_not_dunned(cs):
    cancelled = sale(cs, 1)
    paid = sale(cs, 2)
    with company_scope(cs.a.id):
        db.session.get(Contract, cancelled.id).status = ContractStatus.cancelled
        settled = first_instalment(cs, paid)
        settled.paid, settled.settled = settled.amount, True
        db.session.commit()
        assert ladder.scan(cs.a, DUE + timedelta(days=40))["cases"] == 0
        assert db.session.scalar(select(func.count(DunningStep.id))) == 0
