"""One rep per household (CS-01) and balanced assignment inside each project (CS-02).

Balance: within a project the reps serving it hold loads differing by at most one household.
A new household goes to the least-loaded rep, so adding customers never moves existing ones;
only a change of the project's reps (one leaves, one joins) moves households, and then as few
as keep the balance. Every assignment first locks the project row (``FOR UPDATE``): two
households sold at once are assigned one after the other, each seeing the other's load. The
project row, not the pool rows, is the lock because a project on the default pool has none.

``assign_household`` only flushes (its caller's transaction commits); the other entry points
are a unit of work each and commit.
"""

from datetime import UTC, datetime

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import delete, func, select, update

from core.extensions import db
from core.models import Company, Membership, Project, Role, User
from core.models.auth import membership_role
from core.services.transaction import company_transaction
from core.tenancy import company_scope
from plugins.customer_service.models import Contract, Household
from plugins.customer_service.staffing.models import RepPool
from plugins.sales.models import Building, Unit, UnitState

REP_ROLE = "cs_rep"
# A household counts in a rep's load while its unit is sold; a unit back on sale (cancelled,
# released) leaves the load until it is sold again.
SOLD = (
    UnitState.subscribed,
    UnitState.contracted,
    UnitState.registered,
    UnitState.pre_release,
    UnitState.delivered,
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _lock_project(project_id: int) -> None:
    db.session.execute(select(Project.id).where(Project.id == project_id).with_for_update())


def cs_rep_ids(company_id: int) -> list[int]:
    """Active users holding the cs_rep role in the company: the default pool."""
    return list(
        db.session.scalars(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .join(membership_role, membership_role.c.membership_id == Membership.id)
            .join(Role, Role.id == membership_role.c.role_id)
            .where(Membership.company_id == company_id, Role.code == REP_ROLE, User.active)
            .distinct()
            .order_by(User.id)
        )
    )


def named_pool(project_id: int) -> list[int]:
    """The reps a manager named for the project (empty: the default pool applies)."""
    query = select(RepPool.user_id).where(RepPool.project_id == project_id)
    return list(db.session.scalars(query.order_by(RepPool.user_id)))


def pool_ids(company_id: int, project_id: int) -> list[int]:
    """The reps serving the project: the named ones still active members of the company,
    else every active cs_rep member."""
    named = named_pool(project_id)
    if not named:
        return cs_rep_ids(company_id)
    return list(
        db.session.scalars(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(User.id.in_(named), Membership.company_id == company_id, User.active)
            .order_by(User.id)
        )
    )


def sold_households(project_id: int):
    """SELECT of the project's households whose unit is sold."""
    return (
        select(Household)
        .join(Unit, Unit.id == Household.unit_id)
        .where(Household.project_id == project_id, Unit.state.in_(SOLD))
    )


def loads(project_id: int) -> dict[int | None, int]:
    """Sold households per rep id (``None``: not assigned) in the project."""
    sold = sold_households(project_id).subquery()
    rows = db.session.execute(select(sold.c.rep_id, func.count()).group_by(sold.c.rep_id))
    return {rep_id: n for rep_id, n in rows}


def least_loaded(pool: list[int], load: dict) -> int | None:
    """The rep with the fewest households; ties go to the earliest user (stable)."""
    return min(pool, key=lambda rep_id: (load.get(rep_id, 0), rep_id), default=None)


def _project_of(unit: Unit) -> int:
    return db.session.get(Building, unit.building_id).project_id


def assign_household(company: Company, order) -> Household:
    """The household of the order's unit, created with the least-loaded rep of the project
    (CS-01/02) or returned as it is when it already belongs to this order. A unit sold again
    to someone else (after a cancellation or release) is a new customer: it is assigned
    afresh. Flushes; the caller commits."""
    with company_scope(company.id):
        unit = db.session.get(Unit, order.unit_id)
        project_id = _project_of(unit)
        _lock_project(project_id)
        household = db.session.scalars(
            select(Household)
            .where(Household.unit_id == unit.id)
            .execution_options(populate_existing=True)
        ).one_or_none()
        if household is not None and household.order_id == order.id:
            return household
        load, pool = loads(project_id), pool_ids(company.id, project_id)
        if household is None:
            household = Household(company_id=company.id, project_id=project_id, unit_id=unit.id)
            db.session.add(household)
        elif unit.state in SOLD and household.rep_id is not None:
            load[household.rep_id] -= 1  # its old count is this very household
        household.customer_id, household.order_id = order.customer_id, order.id
        household.rep_id, household.assigned_at = least_loaded(pool, load), _now()
        db.session.flush()
        return household


def _give(household: Household, rep_id: int) -> None:
    """Hand the household to ``rep_id``; its live contract follows (CS-01: one rep for
    everything), so the contract's rep never goes stale after a reassignment."""
    household.rep_id, household.assigned_at = rep_id, _now()
    if household.order_id is not None:
        db.session.execute(
            update(Contract)
            .where(Contract.unit_id == household.unit_id, Contract.order_id == household.order_id)
            .values(rep_id=rep_id)
        )


def rep_of(unit_id: int) -> User | None:
    """The customer-service rep of a unit's household (CS-01), if any."""
    household = db.session.scalars(
        select(Household).where(Household.unit_id == unit_id)
    ).one_or_none()
    return household.rep if household is not None else None


def _spread(project_id: int, pool: list[int]) -> int:
    """Give households held outside the pool to the pool, then move the newest households of
    the most-loaded reps to the least-loaded until loads differ by at most one. Returns the
    number of households moved (the fewest that reach balance)."""
    if not pool:
        return 0
    households = db.session.scalars(
        sold_households(project_id).order_by(Household.assigned_at, Household.id)
    ).all()
    by_rep = {rep_id: [] for rep_id in pool}
    strays = []
    for household in households:
        by_rep.get(household.rep_id, strays).append(household)
    moved = 0

    def move(household, rep_id):
        nonlocal moved
        _give(household, rep_id)
        by_rep[rep_id].append(household)
        moved += 1

    for household in strays:
        move(household, least_loaded(pool, {r: len(h) for r, h in by_rep.items()}))
    while True:
        high = max(pool, key=lambda r: (len(by_rep[r]), -r))
        low = least_loaded(pool, {r: len(h) for r, h in by_rep.items()})
        if len(by_rep[high]) - len(by_rep[low]) <= 1:
            break
        move(by_rep[high].pop(), low)
    db.session.flush()
    return moved


def rebalance(company: Company, project: Project) -> int:
    """Restore the balance of a project (after reps joined or left): the fewest moves."""
    with company_transaction(company):
        _lock_project(project.id)
        return _spread(project.id, pool_ids(company.id, project.id))


def set_pool(company: Company, project: Project, user_ids: list[int] | None) -> int:
    """Name the reps serving a project (``None`` or empty: back to every cs_rep), then
    rebalance it. Returns the number of households moved."""
    with company_transaction(company):
        _lock_project(project.id)
        ids = sorted(set(user_ids or ()))
        members = set(
            db.session.scalars(
                select(Membership.user_id).where(
                    Membership.company_id == company.id, Membership.user_id.in_(ids)
                )
            )
        )
        if set(ids) - members:
            raise ValidationError({"user_ids": [_("Only members of the company can serve.")]})
        db.session.execute(delete(RepPool).where(RepPool.project_id == project.id))
        db.session.add_all(
            RepPool(company_id=company.id, project_id=project.id, user_id=i) for i in ids
        )
        db.session.flush()
        return _spread(project.id, pool_ids(company.id, project.id))


def rep_leaves(company: Company, rep: User) -> int:
    """A rep leaves customer service: out of every project's reps, their households spread
    over the others keeping the balance. A project on the default pool gets the remaining
    cs_reps named, so the leaver stays out even while still holding the role. Returns the
    number of households moved."""
    moved = 0
    with company_transaction(company):
        projects = set(
            db.session.scalars(select(Household.project_id).where(Household.rep_id == rep.id))
        ) | set(db.session.scalars(select(RepPool.project_id).where(RepPool.user_id == rep.id)))
        for project_id in sorted(projects):
            _lock_project(project_id)
            pool = [r for r in pool_ids(company.id, project_id) if r != rep.id]
            if not pool:
                continue  # nobody to take over: the staffing screen shows it understaffed
            db.session.execute(delete(RepPool).where(RepPool.project_id == project_id))
            db.session.add_all(
                RepPool(company_id=company.id, project_id=project_id, user_id=r) for r in pool
            )
            db.session.flush()
            moved += _spread(project_id, pool)
    return moved


def reassign(company: Company, household: Household, rep: User) -> Household:
    """A manager gives a household to another rep serving its project (CS-01). The balance
    may then be off by more than one: the staffing screen shows it and offers Rebalance."""
    with company_transaction(company):
        _lock_project(household.project_id)
        if rep.id not in pool_ids(company.id, household.project_id):
            raise ValidationError({"rep_id": [_("This rep does not serve the project.")]})
        _give(household, rep.id)
    return household
