"""Dunning services (CS-10) other areas call: a paid instalment undoing a pre-release, the
reminders of instalments with nothing left to ask closed.

Functions flush, never commit: they are steps of the caller's unit of work (a payment, a
rewritten schedule).
"""

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, update

from core.extensions import db
from plugins.customer_service.dunning.models import DunningStep, DunningTask, Step
from plugins.customer_service.models import Contract, ContractStatus, Instalment
from plugins.sales.models import Unit, UnitState, UnitStateChange
from plugins.sales.units.services import take_unit

S = UnitState


def state_before_pre_release(contract: Contract) -> UnitState:
    """The state the unit had when dunning put it in pre_release (the sales-control log's
    latest change into pre_release); without a log entry, what the contract implies."""
    before = db.session.scalar(
        select(UnitStateChange.from_state)
        .where(
            UnitStateChange.unit_id == contract.unit_id, UnitStateChange.to_state == S.pre_release
        )
        .order_by(UnitStateChange.at.desc(), UnitStateChange.id.desc())
        .limit(1)
    )
    if before in (S.contracted, S.registered):
        return before
    return S.registered if contract.status == ContractStatus.registered else S.contracted


def _still_past_pre_release(contract: Contract) -> bool:
    """Whether another open instalment of the contract has reached the pre-release step."""
    return bool(
        db.session.scalar(
            select(Instalment.id)
            .where(
                Instalment.contract_id == contract.id,
                Instalment.settled.is_(False),
                Instalment.dunning_step >= Step.pre_release,
            )
            .limit(1)
        )
    )


def close_tasks_of(instalment_ids: Iterable[int], on: date, note: str) -> None:
    """Close, on ``on`` with ``note``, the open dunning tasks (the rep's reminders and
    investigations) of the instalments ``instalment_ids``: nothing is left to chase on them
    (paid, or superseded by a new payment method, CS-05)."""
    ids = list(instalment_ids)
    if not ids:
        return
    db.session.execute(
        update(DunningTask)
        .where(DunningTask.instalment_id.in_(ids), DunningTask.done_on.is_(None))
        .values(done_on=on, note=note)
        .execution_options(synchronize_session=False)
    )


def instalment_settled(instalment: Instalment) -> None:
    """CS-10: an instalment was paid in full. Its open dunning tasks close; if the contract's
    unit is in pre_release because of dunning and no other open instalment of the contract
    is past the pre-release step, the unit goes back to the state it had before (logged by
    sales control, and the pre-release steps marked reverted)."""
    close_tasks_of([instalment.id], instalment.settled_on, _("Paid"))
    contract = db.session.get(Contract, instalment.contract_id)
    unit = db.session.get(Unit, contract.unit_id)
    if unit.state != S.pre_release or contract.status not in (
        ContractStatus.signed,
        ContractStatus.registered,
    ):
        return
    pre_releases = db.session.scalars(
        select(DunningStep).where(
            DunningStep.contract_id == contract.id,
            DunningStep.step == Step.pre_release,
            DunningStep.reverted_on.is_(None),
        )
    ).all()
    if not pre_releases or _still_past_pre_release(contract):
        return
    reason = _(
        "Instalment %(what)s of contract %(contract)s paid: pre-release withdrawn",
        what=instalment.what,
        contract=contract.number,
    )
    if take_unit(unit.id, {S.pre_release}, state_before_pre_release(contract), None, reason):
        for record in pre_releases:
            record.reverted_on = instalment.settled_on
        db.session.flush()
