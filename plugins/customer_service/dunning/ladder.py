"""The daily dunning scan (CS-10): every open instalment of a signed or registered contract
takes the ladder's steps that are due, in order, once each.

The decision is one set-based query (:func:`due_query`): the open instalments whose *next*
step is due on the scan's day, read through the partial index on unpaid rows; only those
cases are loaded. A scan run late takes every step due by its day, one after the other, each
letter dated that day; the letters are produced by the ``letters`` queue's workers.
"""

from collections import Counter
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import joinedload

from core.extensions import db
from core.jobs.runner import now
from core.letters.production import produce_batch
from core.models import Company
from core.models.letters import Letter, Mailing
from core.plugins.state import get_settings
from plugins.customer_service.dunning.letters import DEMAND_KIND, LETTERS, OWNER
from plugins.customer_service.dunning.models import (
    LAST_STEP,
    DunningHold,
    DunningStep,
    DunningTask,
    Step,
    TaskKind,
)
from plugins.customer_service.models import Contract, ContractStatus, Household, Instalment
from plugins.customer_service.models.contracts import DUNNED
from plugins.sales.models import UnitState
from plugins.sales.orders.models import HOLDING, OrderStatus
from plugins.sales.units.services import RELEASABLE, take_unit

# CS-10: a contract without a termination clause may be terminated a proven demand + 3 months.
DEMAND_PROOF = relativedelta(months=3)
CHUNK = 500


def offsets(settings: dict) -> dict[Step, int]:
    """The day (relative to the due date; negative: before it) each step falls due."""
    return {
        Step.pre_due_call: -settings["dunning_pre_due_days"],
        Step.overdue_reminders: settings["dunning_reminder_days"],
        Step.investigation: settings["dunning_investigation_days"],
        # "More than N days": the day after the N-th.
        Step.reminder_letter: settings["dunning_reminder_letter_days"] + 1,
        Step.demand_letter: settings["dunning_demand_letter_days"] + 1,
        Step.lawyer_letter: settings["dunning_lawyer_letter_days"] + 1,
        Step.pre_release: settings["dunning_pre_release_days"] + 1,
        Step.release: settings["dunning_release_days"],
    }


def company_offsets(company: Company) -> dict[Step, int]:
    return offsets(get_settings(company, "customer_service"))


def on_hold():
    """SQL: the instalment's contract has an active hold."""
    return exists().where(
        DunningHold.contract_id == Instalment.contract_id, DunningHold.released_at.is_(None)
    )


def due_query(day: date, offs: dict[Step, int]):
    """(id, dunning_step, due_on) of every open instalment whose next step is due on ``day``:
    the scan's whole decision, in one statement (scoped to the current company)."""
    latest_due = case(
        {k: day - timedelta(days=offs[Step(k + 1)]) for k in range(LAST_STEP)},
        value=Instalment.dunning_step,
    )
    return (
        select(Instalment.id, Instalment.dunning_step, Instalment.due_on)
        .join(Contract, Contract.id == Instalment.contract_id)
        .where(
            Instalment.settled.is_(False),
            # The earliest step's bound keeps the read inside the partial index's range.
            Instalment.due_on <= day - timedelta(days=min(offs.values())),
            Instalment.dunning_step < LAST_STEP,
            Instalment.due_on <= latest_due,
            Contract.status.in_(DUNNED),
            ~on_hold(),
        )
        .order_by(Instalment.id)
    )


def proven_demand(instalment_ids: list[int]) -> dict[int, date]:
    """The first day a demand letter (催付函) was sent for each instalment: its mailing's
    sent date is the proof of demand (CS-10, CS-17)."""
    if not instalment_ids:
        return {}
    rows = db.session.execute(
        select(Letter.owner_id, func.min(Mailing.sent_on))
        .join(Mailing, Mailing.letter_id == Letter.id)
        .where(
            Letter.kind == DEMAND_KIND,
            Letter.owner_type == OWNER,
            Letter.owner_id.in_(instalment_ids),
            Mailing.sent_on.is_not(None),
        )
        .group_by(Letter.owner_id)
    )
    return {owner_id: sent for owner_id, sent in rows if sent is not None}


def termination_from(
    instalment: Instalment, contract: Contract, demand: date | None
) -> date | None:
    """The first day the contract may be terminated for this instalment (CS-10): the contract
    clause's days after the due date, else a proven demand plus 3 months; None: not yet
    provable (no demand letter sent)."""
    if contract.termination_days is not None:
        return instalment.due_on + timedelta(days=contract.termination_days)
    return demand + DEMAND_PROOF if demand else None


class _Scan:
    """One scan of one company for one day: takes the due steps of the loaded cases."""

    def __init__(self, company: Company, day: date, offs: dict[Step, int]):
        self.company, self.day, self.offs = company, day, offs
        self.taken: Counter = Counter()
        self.waiting = 0

    def _task(self, instalment, kind: TaskKind, assignee_id) -> None:
        db.session.add(
            DunningTask(
                company_id=instalment.company_id,
                instalment_id=instalment.id,
                contract_id=instalment.contract_id,
                kind=kind,
                assignee_id=assignee_id,
                due_on=self.day,
            )
        )

    def _pre_release(self, contract: Contract) -> None:
        reason = _("Dunning: pre-release, contract %(c)s overdue", c=contract.number)
        # The contract says which state the unit is in (a stale guess only costs a re-read).
        likely = (
            UnitState.registered
            if contract.status == ContractStatus.registered
            else UnitState.contracted
        )
        take_unit(
            contract.unit_id,
            {UnitState.contracted, UnitState.registered},
            UnitState.pre_release,
            None,
            reason,
            current=likely,
        )

    def _terminate(self, contract: Contract) -> None:
        """75 days unpaid: the unit back on sale, the contract terminated, the order closed
        under its breach terms."""
        reason = _(
            "Dunning: released for non-payment, contract %(c)s terminated", c=contract.number
        )
        take_unit(
            contract.unit_id,
            RELEASABLE,
            UnitState.available,
            None,
            reason,
            current=UnitState.pre_release,
        )
        contract.status = ContractStatus.terminated
        contract.closed_on, contract.close_reason = self.day, reason
        order = contract.order
        if order.status in HOLDING:
            order.status = OrderStatus.terminated
            order.closed_at, order.close_reason = now(), reason

    def _take(self, instalment: Instalment, step: Step, rep_id, demand) -> bool:
        contract = instalment.contract
        if step == Step.release:
            allowed = termination_from(instalment, contract, demand)
            if allowed is None or allowed > self.day:
                self.waiting += 1
                return False
        if step == Step.pre_due_call:
            self._task(instalment, TaskKind.pre_due_call, rep_id)
        elif step == Step.overdue_reminders:
            self._task(instalment, TaskKind.overdue_call, rep_id)
            self._task(instalment, TaskKind.sales_rep_reminder, contract.order.rep_id)
        elif step == Step.investigation:
            self._task(instalment, TaskKind.investigation, rep_id)
        elif step == Step.pre_release:
            self._pre_release(contract)
        elif step == Step.release:
            self._terminate(contract)
        db.session.add(
            DunningStep(
                company_id=instalment.company_id,
                instalment_id=instalment.id,
                contract_id=contract.id,
                step=step,
                taken_on=self.day,
                letter_kind=LETTERS[step].kind if step in LETTERS else None,
            )
        )
        instalment.dunning_step = step
        self.taken[step.name] += 1
        return True

    def advance(self, instalment: Instalment, rep_id, demand) -> None:
        """Every step due by the day, in order; a terminated contract stops its others."""
        while instalment.dunning_step < LAST_STEP and instalment.contract.status in DUNNED:
            step = Step(instalment.dunning_step + 1)
            if instalment.due_on + timedelta(days=self.offs[step]) > self.day:
                return
            if not self._take(instalment, step, rep_id, demand):
                return

    def run(self, ids: list[int]) -> None:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            instalments = db.session.scalars(
                select(Instalment)
                .where(Instalment.id.in_(chunk))
                .options(joinedload(Instalment.contract).joinedload(Contract.order))
                .order_by(Instalment.id)
            ).all()
            units = {i.unit_id for i in instalments}
            reps = dict(
                db.session.execute(
                    select(Household.unit_id, Household.rep_id).where(Household.unit_id.in_(units))
                ).all()
            )
            late = [i.id for i in instalments if i.dunning_step >= Step.demand_letter]
            demands = proven_demand(late)
            # One flush per chunk: the new rows go to the database in batches.
            with db.session.no_autoflush:
                for instalment in instalments:
                    rep_id = reps.get(instalment.unit_id) or instalment.contract.rep_id
                    self.advance(instalment, rep_id, demands.get(instalment.id))
            db.session.flush()


def _letters_to_make(day: date) -> dict[Step, list[int]]:
    """Instalments whose letter step was taken on ``day`` and whose letter is not produced
    yet: the new ones, and any a crash kept from the queue (producing is idempotent)."""
    made = exists().where(
        Letter.kind == DunningStep.letter_kind,
        Letter.owner_type == OWNER,
        Letter.owner_id == DunningStep.instalment_id,
    )
    rows = db.session.execute(
        select(DunningStep.step, DunningStep.instalment_id)
        .where(DunningStep.taken_on == day, DunningStep.letter_kind.is_not(None), ~made)
        .order_by(DunningStep.step, DunningStep.instalment_id)
    )
    letters: dict[Step, list[int]] = {}
    for step, instalment_id in rows:
        letters.setdefault(Step(step), []).append(instalment_id)
    return letters


def scan(company: Company, day: date) -> dict:
    """Run the ladder for ``day``: take every due step (tasks, unit states, contract
    termination, step records) in the caller's transaction, then hand the day's letters to
    the ``letters`` queue in step order, queued when the caller commits. Returns a summary."""
    offs = company_offsets(company)
    ids = [row.id for row in db.session.execute(due_query(day, offs))]
    work = _Scan(company, day, offs)
    work.run(ids)
    letters = _letters_to_make(day)
    for step, instalment_ids in letters.items():
        subjects = [(OWNER, i, {"day": day.isoformat()}) for i in instalment_ids]
        produce_batch(company, LETTERS[step].kind, subjects, step=step.name)
    return {
        "day": day.isoformat(),
        "cases": len(ids),
        "steps": dict(work.taken),
        "waiting_for_termination": work.waiting,
        "letters": {step.name: len(i) for step, i in letters.items()},
    }
