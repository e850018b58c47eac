"""Dunning in the demo company (``erp demo``), after the contracts and payments demos: the
ladder is run for the last 100 days in turn (the days a step fell due), as the daily duty
would have, so every letter exists dated the day it was produced. Where no unpaid instalment
would reach a step, a contract gets a fee instalment (代收税费) due long enough ago, so every
step shows. Then the reps have done their older calls, one investigation found a company
cause, a demand letter's mailing is recorded, the VP holds one case and last Friday's list
awaits the CS manager's sign-off. A second run changes nothing."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from core.duties import Period, Weekly, today
from core.extensions import db
from core.models import Company, Membership, Role, User
from core.models.auth import membership_role
from core.models.letters import Letter
from core.tenancy import company_scope
from plugins.customer_service.dunning import cases, ladder, weekly
from plugins.customer_service.dunning.letters import DEMAND_KIND
from plugins.customer_service.dunning.models import (
    Cause,
    DunningStep,
    DunningTask,
    Step,
    TaskKind,
)
from plugins.customer_service.models import Contract, Instalment

HISTORY = 100  # days of daily scans replayed
# Days past due today of the fee instalment that shows a step nobody else reaches.
LATENESS = {
    Step.pre_due_call: -2,
    Step.overdue_reminders: 4,
    Step.investigation: 10,
    Step.reminder_letter: 20,
    Step.demand_letter: 35,
    Step.lawyer_letter: 50,
    Step.pre_release: 65,
    Step.release: 95,
}
FEE = "代收契税及维修基金"


def _member(company: Company, role: str) -> User | None:
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(membership_role, membership_role.c.membership_id == Membership.id)
        .join(Role, Role.id == membership_role.c.role_id)
        .where(Membership.company_id == company.id, Role.code == role)
        .order_by(User.id)
        .limit(1)
    )


def _reached(offs: dict, late: int) -> int:
    return max((int(s) for s, o in offs.items() if o <= late), default=0)


def _fill_gaps(company: Company, day) -> None:
    """A fee instalment on a contract with nothing overdue for each step no open instalment
    would reach by ``day`` (the release also needs the contract's termination date)."""
    from plugins.customer_service.payments.services import create_schedule

    offs = ladder.company_offsets(company)
    open_rows = db.session.execute(
        select(Instalment.contract_id, Instalment.due_on, Contract.termination_days)
        .join(Contract, Contract.id == Instalment.contract_id)
        .where(Instalment.settled.is_(False), Contract.status.in_(ladder.DUNNED))
    ).all()
    reached = set()
    for _contract, due_on, clause in open_rows:
        step = _reached(offs, (day - due_on).days)
        if step == Step.release and (clause is None or (day - due_on).days < clause):
            step = Step.pre_release
        reached.add(step)
    late = {c for c, due_on, _clause in open_rows if due_on <= day}
    spare = db.session.scalars(
        select(Contract)
        .where(Contract.status.in_(ladder.DUNNED), Contract.id.not_in(late or {0}))
        .order_by(Contract.id)
    ).all()
    for step in Step:
        if step in reached or not spare:
            continue
        contract = spare.pop(0)
        days = LATENESS[step]
        if step == Step.release:
            days = max(days, (contract.termination_days or 0) + 5)
            contract.termination_days = contract.termination_days or 90
        line = {
            "what": FEE,
            "due": (day - timedelta(days=days)).isoformat(),
            "amount": Decimal("18600.00"),
            "kind": "fee",
        }
        create_schedule(contract, [line])


def _step_days(company: Company, day) -> list:
    """The days of the last ``HISTORY`` on which some step fell due: a daily scan changes
    nothing on the others, so scanning these alone gives the same history."""
    offs = ladder.company_offsets(company)
    rows = db.session.execute(
        select(Instalment.due_on, Contract.termination_days)
        .join(Contract, Contract.id == Instalment.contract_id)
        .where(Instalment.settled.is_(False), Contract.status.in_(ladder.DUNNED))
    ).all()
    days = {due_on + timedelta(days=o) for due_on, _clause in rows for o in offs.values()}
    days |= {due_on + timedelta(days=clause) for due_on, clause in rows if clause is not None}
    return sorted(d for d in days if day - timedelta(days=HISTORY) <= d <= day)


def _staff_work(company: Company, day) -> None:
    """What the reps, the CS manager and the VP did with the cases meanwhile."""
    rep = _member(company, "cs_rep")
    for task in db.session.scalars(
        select(DunningTask).where(
            DunningTask.done_on.is_(None),
            DunningTask.kind != TaskKind.investigation,
            DunningTask.due_on < day - timedelta(days=2),
        )
    ):
        task.done_on, task.done_by_id = task.due_on, rep.id if rep else None
        task.note = "已电话提醒，客户表示将尽快付款"
    investigations = db.session.scalars(
        select(DunningTask)
        .where(DunningTask.kind == TaskKind.investigation, DunningTask.done_on.is_(None))
        .order_by(DunningTask.due_on)
    ).all()
    outcomes = [
        (Cause.company, "客户称未收到我司开具的首付款收据，银行因此暂缓放款"),
        (Cause.customer, "客户资金周转困难，承诺月底前付清"),
    ]
    for task, (cause, note) in zip(investigations, outcomes, strict=False):
        task.cause, task.note, task.done_on = cause, note, task.due_on + timedelta(days=1)
        task.done_by_id = task.assignee_id
        task.needs_resolution = cause == Cause.company
    demand = db.session.scalar(select(Letter).where(Letter.kind == DEMAND_KIND).limit(1))
    if demand is not None:
        mailing = demand.mailings[0]
        mailing.sent_on = demand.date + timedelta(days=1)
        mailing.tracking_number = f"SF{demand.id:010d}"
    db.session.commit()
    vp = _member(company, "vp")
    meeting = db.session.scalars(cases.cases_query(meeting_only=True).limit(1)).first()
    if vp is not None and meeting is not None:
        cases.hold(company, vp, meeting.contract, "客户已申请公积金贷款，待银行审批，暂缓催收")


def _last_list(company: Company, day) -> None:
    schedule = Weekly(weekly.weekday(company, "dunning_list_weekday"))
    due = schedule.due_dates(day - timedelta(days=6), day)
    if due:
        key, list_day = due[-1]
        weekly.produce_list(company, Period(key, list_day))
        db.session.commit()


def load(company: Company) -> None:
    day = today()
    with company_scope(company.id):
        if db.session.scalar(select(DunningStep.id).limit(1)) is not None:
            return
        if db.session.scalar(select(Contract.id).limit(1)) is None:
            return  # no sale to dun (the contracts demo did not run)
        _fill_gaps(company, day)
        db.session.commit()
        for scan_day in _step_days(company, day):
            ladder.scan(company, scan_day)
            db.session.commit()
        _staff_work(company, day)
        _last_list(company, day)
