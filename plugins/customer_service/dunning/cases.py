"""Dunning cases as staff see them (CS-10): where each stands, the VP's hold, the reps' tasks
and the investigation's outcome.

Service functions validate, change, and commit (each is a unit of work of a screen or the
API); a refused change raises ``ValidationError`` naming the field, or ``PermissionDenied``.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.extensions import db
from core.models import Company, User
from core.permissions import PermissionDenied, permissions_of
from core.services.transaction import company_transaction
from plugins.customer_service.dunning.ladder import (
    DUNNED,
    company_offsets,
    proven_demand,
    termination_from,
)
from plugins.customer_service.dunning.models import (
    LAST_STEP,
    Cause,
    DunningHold,
    DunningTask,
    Step,
    TaskKind,
)
from plugins.customer_service.models import Contract, Instalment

HOLD = "customer_service.dunning.hold"
WORK = "customer_service.dunning.work"
RESOLVE = "customer_service.dunning.resolve"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _require(user: User, company: Company, permission: str) -> None:
    if permission not in permissions_of(user, company):
        raise PermissionDenied(permission)


@dataclass(frozen=True)
class Case:
    """One instalment under dunning, as the cases screen and the API show it."""

    instalment: Instalment
    days_overdue: int
    step: Step | None
    next_step: Step | None
    next_on: date | None
    termination_from: date | None
    hold: DunningHold | None


def active_holds(contract_ids) -> dict[int, DunningHold]:
    holds = db.session.scalars(
        select(DunningHold).where(
            DunningHold.contract_id.in_(set(contract_ids)), DunningHold.released_at.is_(None)
        )
    )
    return {h.contract_id: h for h in holds}


def describe(company: Company, instalments: list[Instalment], day: date) -> list[Case]:
    """Where each instalment stands on ``day``: its last and next step (with the day it
    falls due), from when its contract may be terminated, and the hold (CS-10)."""
    offs = company_offsets(company)
    holds = active_holds(i.contract_id for i in instalments)
    demands = proven_demand([i.id for i in instalments])
    cases = []
    for i in instalments:
        step = Step(i.dunning_step) if i.dunning_step else None
        ahead = None
        if not i.settled and i.contract.status in DUNNED and i.dunning_step < LAST_STEP:
            ahead = Step(i.dunning_step + 1)
        cases.append(
            Case(
                instalment=i,
                days_overdue=(day - i.due_on).days,
                step=step,
                next_step=ahead,
                next_on=i.due_on + timedelta(days=offs[ahead]) if ahead else None,
                termination_from=termination_from(i, i.contract, demands.get(i.id)),
                hold=holds.get(i.contract_id),
            )
        )
    return cases


def cases_query(meeting_only: bool = False):
    """The instalments under dunning: open, of a dunned contract, at a step already (the
    meeting's: from the demand letter on), the most overdue first."""
    first = Step.demand_letter if meeting_only else Step.pre_due_call
    return (
        select(Instalment)
        .join(Contract, Contract.id == Instalment.contract_id)
        .where(
            Instalment.settled.is_(False),
            Contract.status.in_(DUNNED),
            Instalment.dunning_step >= first,
        )
        .order_by(Instalment.due_on, Instalment.id)
    )


# --- the VP's hold (CS-10) --------------------------------------------------------------


def hold(company: Company, user: User, contract: Contract, reason: str) -> DunningHold:
    """The VP stops the ladder for every instalment of ``contract`` until released."""
    _require(user, company, HOLD)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("A reason is required to hold a case.")]})
    if contract.status not in DUNNED:
        raise ValidationError({"contract_id": [_("This contract is not under dunning.")]})
    if active_holds([contract.id]):
        raise ValidationError({"contract_id": [_("This case is on hold already.")]})
    with company_transaction(company):
        record = DunningHold(
            company_id=company.id,
            contract_id=contract.id,
            reason=reason,
            held_by_id=user.id,
            held_at=_now(),
        )
        db.session.add(record)
    return record


def release_hold(company: Company, user: User, record: DunningHold, note: str = "") -> DunningHold:
    """The ladder resumes with the next scan, catching up the steps due meanwhile."""
    _require(user, company, HOLD)
    if record.released_at is not None:
        raise ValidationError({"hold_id": [_("This hold was released already.")]})
    with company_transaction(company):
        record.released_at, record.released_by_id = _now(), user.id
        record.release_note = (note or "").strip()
    return record


# --- the reps' tasks ---------------------------------------------------------------------


def complete_task(company: Company, user: User, task: DunningTask, note: str, day: date):
    """A phone call or reminder done; the investigation needs :func:`record_outcome`."""
    _require(user, company, WORK)
    if task.kind == TaskKind.investigation:
        raise ValidationError({"cause": [_("Record the investigation's cause.")]})
    if task.done_on is not None:
        raise ValidationError({"task_id": [_("This task is done already.")]})
    with company_transaction(company):
        task.done_on, task.done_by_id, task.note = day, user.id, (note or "").strip()
    return task


def record_outcome(company, user: User, task: DunningTask, cause: Cause, note: str, day: date):
    """CS-10: the rep found out why the payment is late; a company cause is flagged for
    resolution by the CS manager."""
    _require(user, company, WORK)
    if task.kind != TaskKind.investigation:
        raise ValidationError({"task_id": [_("Only an investigation has an outcome.")]})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say what you found out.")]})
    with company_transaction(company):
        task.cause, task.note = Cause(cause), note
        task.done_on, task.done_by_id = day, user.id
        task.needs_resolution = task.cause == Cause.company
    return task


def resolve(company: Company, user: User, task: DunningTask, resolution: str, day: date):
    """The company's cause of a late payment was dealt with."""
    _require(user, company, RESOLVE)
    if not task.needs_resolution or task.resolved_on is not None:
        raise ValidationError({"task_id": [_("Nothing to resolve on this task.")]})
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": [_("Say how it was resolved.")]})
    with company_transaction(company):
        task.resolution, task.resolved_on, task.resolved_by_id = resolution, day, user.id
    return task


def tasks_query(assignee: User | None = None, open_only=True, kind=None, to_resolve=False):
    """The dunning tasks, soonest first: a rep's own, the open ones, of one kind, or those
    whose company cause awaits resolution."""
    query = select(DunningTask).order_by(DunningTask.due_on, DunningTask.id)
    if assignee is not None:
        query = query.where(DunningTask.assignee_id == assignee.id)
    if open_only:
        query = query.where(DunningTask.done_on.is_(None))
    if kind:
        query = query.where(DunningTask.kind == TaskKind(kind))
    if to_resolve:
        query = query.where(DunningTask.needs_resolution, DunningTask.resolved_on.is_(None))
    return query
