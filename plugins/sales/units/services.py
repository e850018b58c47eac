"""The unit state machine (SAL-12), taking a unit (SAL-13/15), the sales-control log and the
weekly reconciliation (SAL-14), and releasing a pre-sale permit's units together (SAL-29).

Functions flush, never commit: the caller's entry point (a view, the orders area, a duty)
commits, so a unit taken for an order commits or rolls back with that order.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from core.extensions import db
from core.models import Company, Project, User
from plugins.sales.models.units import TRANSITIONS, Building, Unit, UnitState, UnitStateChange

CHINA = ZoneInfo("Asia/Shanghai")
S = UnitState
# Sold states: a unit enters them only through an order (take_unit), never by hand (SAL-29).
SOLD = frozenset({S.subscribed, S.contracted, S.registered})
# States an order may be voided, refunded or swapped from, back to available.
RELEASABLE = frozenset({S.held, S.subscribed, S.contracted, S.registered, S.pre_release})


class IllegalTransition(Exception):
    """A state change outside the SAL-12 graph, or a manual change into a sold state."""


class ReleaseRefused(Exception):
    """A release of a pre-sale permit's units that is not all of them, or not priced."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def check_transition(before: UnitState, after: UnitState) -> None:
    """Raise :class:`IllegalTransition` naming both states unless SAL-12 allows it."""
    if after not in TRANSITIONS[before]:
        allowed = ", ".join(sorted(TRANSITIONS[before])) or _("none")
        raise IllegalTransition(
            _(
                "A unit cannot go from %(before)s to %(after)s (allowed from %(before)s: "
                "%(allowed)s).",
                before=before,
                after=after,
                allowed=allowed,
            )
        )


def _log(company_id: int, unit_id: int, before, after, user: User | None, reason: str) -> None:
    db.session.add(
        UnitStateChange(
            company_id=company_id,
            unit_id=unit_id,
            from_state=before,
            to_state=after,
            user_id=user.id if user is not None else None,
            at=_now(),
            reason=reason or "",
        )
    )


def take_unit(
    unit_id: int,
    from_states: Iterable,
    to_state,
    user: User | None,
    reason: str = "",
    *,
    current: UnitState | None = None,
) -> bool:
    """Move unit ``unit_id`` to ``to_state`` if it is in one of ``from_states``; True when this
    caller won (SAL-13/15), False when the unit was not (or no longer) in those states.

    The check and the change are one conditional UPDATE, so of any number of concurrent
    callers exactly one wins; the log row (SAL-14) is added to the session, written with the
    caller's next flush in the same transaction. With several ``from_states`` the UPDATE is
    conditional on exactly the current state, so the log names the true ``from``: ``current``
    is the state the caller has just read (saving a SELECT; when it is stale the UPDATE
    matches nothing and the state is read again), else the state is read here.
    """
    after = S(to_state)
    froms = {S(s) for s in from_states}
    for before in froms:
        check_transition(before, after)
    known = S(current) if current is not None else None
    # Each retry means another transaction moved the unit meanwhile; the graph is small.
    for _attempt in range(len(TRANSITIONS)):
        if len(froms) == 1:
            (before,) = froms
        elif known in froms:
            before, known = known, None
        else:
            before = db.session.scalar(select(Unit.state).where(Unit.id == unit_id))
        if before not in froms:
            return False
        won = db.session.execute(
            update(Unit)
            .where(Unit.id == unit_id, Unit.state == before)
            .values(state=after)
            .returning(Unit.company_id)
        ).first()
        if won is not None:
            _log(won.company_id, unit_id, before, after, user, reason)
            return True
        if len(froms) == 1:
            return False
    return False


def release_unit(unit_id: int, user: User | None, reason: str) -> bool:
    """Put a held or sold unit back on sale (voided order, refund, swap, cancellation)."""
    return take_unit(unit_id, RELEASABLE, S.available, user, reason)


def change_state(unit: Unit, to, user: User | None, reason: str) -> Unit:
    """A sales controller's manual change (hold, un-hold, withdraw from sale), logged.

    Refuses a change outside the SAL-12 graph, and any change into a sold state: a unit is
    sold only by an order (SAL-29: the board can never show an unsold unit as sold)."""
    after = S(to)
    check_transition(unit.state, after)
    if after in SOLD:
        raise IllegalTransition(_("A unit becomes %(state)s only through an order.", state=after))
    if not take_unit(unit.id, {unit.state}, after, user, reason):
        raise IllegalTransition(
            _("Unit %(unit)s changed meanwhile; reload and try again.", unit=unit.label)
        )
    return unit


# --- pre-sale permits (SAL-29) ------------------------------------------------------------


@dataclass(frozen=True)
class Permit:
    project: Project
    number: str
    units: int
    not_released: int
    unpriced: int


def permits(project: Project) -> list[Permit]:
    """The project's pre-sale permits with how many units each covers and holds back."""
    rows = db.session.execute(
        select(
            Building.presale_permit,
            func.count(Unit.id),
            func.count(Unit.id).filter(Unit.state == S.not_released),
            func.count(Unit.id).filter(Unit.list_total <= 0),
        )
        .join(Unit, Unit.building_id == Building.id)
        .where(Building.project_id == project.id, Building.presale_permit.is_not(None))
        .group_by(Building.presale_permit)
        .order_by(Building.presale_permit)
    )
    return [Permit(project, *row) for row in rows]


def release_permit(
    project: Project, permit: str, user: User | None, unit_ids: Iterable[int] | None = None
) -> int:
    """Put on sale every not-yet-released unit under ``permit`` at once; returns how many.

    ``unit_ids`` (what the caller means to release) must be exactly those units: a partial
    release is refused, as is a permit with an unpriced unit."""
    units = db.session.scalars(
        select(Unit)
        .join(Building)
        .where(
            Building.project_id == project.id,
            Building.presale_permit == permit,
            Unit.state == S.not_released,
        )
        .order_by(Unit.id)
    ).all()
    if not units:
        raise ReleaseRefused(_("Permit %(p)s has no unit waiting for release.", p=permit))
    if unit_ids is not None and set(unit_ids) != {u.id for u in units}:
        raise ReleaseRefused(
            _(
                "All %(n)d units under permit %(p)s are released together; a partial release "
                "is refused.",
                n=len(units),
                p=permit,
            )
        )
    unpriced = [u.label for u in units if not u.list_total or u.list_total <= 0]
    if unpriced:
        raise ReleaseRefused(
            _("Units without a published price: %(units)s.", units=", ".join(unpriced[:10]))
        )
    reason = _("Released under pre-sale permit %(p)s", p=permit)
    for unit in units:
        if not take_unit(unit.id, {S.not_released}, S.available, user, reason):
            raise ReleaseRefused(_("Unit %(u)s changed meanwhile.", u=unit.label))
    return len(units)


# --- the log and the weekly reconciliation (SAL-14) ---------------------------------------


def utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants bounding the China business days ``first``..``last``."""
    start = datetime.combine(first, time(), CHINA).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(last + timedelta(days=1), time(), CHINA).astimezone(UTC)
    return start, end.replace(tzinfo=None)


def log_query(project_id=None, building_id=None, state=None, first: date | None = None, last=None):
    """The sales-control log, newest first, filtered as the log screen and CSV do."""
    query = (
        select(UnitStateChange, Unit, Building, Project)
        .join(Unit, Unit.id == UnitStateChange.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Project, Project.id == Building.project_id)
        .order_by(UnitStateChange.at.desc(), UnitStateChange.id.desc())
    )
    if project_id:
        query = query.where(Building.project_id == project_id)
    if building_id:
        query = query.where(Unit.building_id == building_id)
    if state:
        query = query.where(
            (UnitStateChange.to_state == S(state)) | (UnitStateChange.from_state == S(state))
        )
    if first or last:
        start, end = utc_bounds(first or date(2000, 1, 1), last or date(2999, 12, 31))
        query = query.where(UnitStateChange.at >= start, UnitStateChange.at < end)
    return query


def reconciliation(company: Company, week_end: date) -> dict:
    """Every unit state change of the seven days ending ``week_end`` (China dates), per
    project: the count, the count per new state, and each change."""
    first = week_end - timedelta(days=6)
    projects: dict[str, dict] = {}
    rows = db.session.execute(log_query(first=first, last=week_end)).all()
    ids = {change.user_id for change, *_ in rows}
    people = {
        user_id: name or email
        for user_id, name, email in db.session.execute(
            select(User.id, User.name, User.email).where(User.id.in_(ids))
        )
    }
    for change, unit, _building, project in reversed(rows):
        entry = projects.setdefault(
            project.name, {"project": project.name, "changes": 0, "by_state": {}, "rows": []}
        )
        entry["changes"] += 1
        entry["by_state"][str(change.to_state)] = entry["by_state"].get(str(change.to_state), 0) + 1
        entry["rows"].append(
            {
                "at": change.at.replace(tzinfo=UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
                "unit": unit.label,
                "from": str(change.from_state),
                "to": str(change.to_state),
                "user": people.get(change.user_id, ""),
                "reason": change.reason,
            }
        )
    return {
        "company": company.code,
        "from": first.isoformat(),
        "to": week_end.isoformat(),
        "total": len(rows),
        "projects": [projects[name] for name in sorted(projects)],
    }
