"""Reception rotation, ownership and commission (SAL-08–11).

The roster lists the reps on duty at a site on a day in a fixed order; :func:`next_rep` hands a
walk-in to the next rep after the last one served, skipping reps who are away. The turn row of
(site, day) is locked while the choice is made, so two visitors arriving together never go to
the same rep out of turn.
"""

import heapq
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core import approvals
from core.extensions import db
from core.models import Company, Membership, Project, Role
from core.models.auth import membership_role
from core.plugins import state as plugin_state
from core.tenancy import company_scope
from plugins.sales.leads.models import (
    AwayReason,
    RepAway,
    RosterEntry,
    RotationTurn,
    Task,
    TaskKind,
)
from plugins.sales.models.customers import Customer

_INSERT = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
REP_CHANGE = "sales.rep_change"
# SAL-10: the original rep was travelling or on leave, or agreed to share.
SHARED_REASONS = {AwayReason.travel.value, AwayReason.leave.value, "agreed"}


class NoRepOnDuty(ValidationError):
    """No rep of the roster can take a visitor (none on duty, or all away)."""


def set_roster(company: Company, project: Project, day: date, rep_ids: list[int]) -> None:
    """The reps on duty at ``project`` on ``day``, in rotation order."""
    with company_scope(company.id):
        for entry in db.session.scalars(
            select(RosterEntry).where(RosterEntry.project_id == project.id, RosterEntry.day == day)
        ):
            db.session.delete(entry)
        db.session.flush()
        for position, rep_id in enumerate(rep_ids, start=1):
            db.session.add(
                RosterEntry(
                    company_id=company.id,
                    project_id=project.id,
                    day=day,
                    position=position,
                    rep_id=rep_id,
                )
            )
        db.session.flush()


def away_reason(rep_id: int, day: date) -> AwayReason | None:
    """Why ``rep_id`` is away on ``day`` (a rep-away record covers it), or ``None``."""
    return db.session.scalar(
        select(RepAway.reason)
        .where(RepAway.rep_id == rep_id, RepAway.start_on <= day, RepAway.end_on >= day)
        .limit(1)
    )


def next_rep(company: Company, project: Project, day: date) -> int:
    """The rep who takes the next walk-in at ``project`` on ``day`` (SAL-08)."""
    with company_scope(company.id):
        roster = db.session.execute(
            select(RosterEntry.position, RosterEntry.rep_id)
            .where(RosterEntry.project_id == project.id, RosterEntry.day == day)
            .order_by(RosterEntry.position)
        ).all()
        if not roster:
            raise NoRepOnDuty({"project_id": [_("No rep is on the duty roster today.")]})
        away = set(
            db.session.scalars(
                select(RepAway.rep_id).where(
                    RepAway.rep_id.in_([r for _p, r in roster]),
                    RepAway.start_on <= day,
                    RepAway.end_on >= day,
                )
            )
        )
        insert = _INSERT[db.session.get_bind().dialect.name]
        db.session.execute(
            insert(RotationTurn)
            .values(company_id=company.id, project_id=project.id, day=day, last_position=0)
            .on_conflict_do_nothing(index_elements=["project_id", "day"])
        )
        turn = db.session.scalars(
            select(RotationTurn)
            .where(RotationTurn.project_id == project.id, RotationTurn.day == day)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        after = [r for r in roster if r.position > turn.last_position]
        before = [r for r in roster if r.position <= turn.last_position]
        for position, rep_id in after + before:
            if rep_id not in away:
                turn.last_position = position
                db.session.flush()
                return rep_id
        raise NoRepOnDuty({"project_id": [_("Every rep on duty today is away.")]})


def server_for_visit(company, project, owner_id: int | None, day: date) -> tuple[int, bool]:
    """(rep who serves the visit, stood in?) (SAL-09): the original rep when reachable; when
    away, the rotation serves this visit and ownership stays; no owner yet: the rotation."""
    if owner_id is not None:
        if away_reason(owner_id, day) is None:
            return owner_id, False
        return next_rep(company, project, day), True
    return next_rep(company, project, day), False


def owner_for_deal(customer: Customer, closing_rep_id: int) -> int:
    """Who owns a deal closed by ``closing_rep_id`` (SAL-09): the original rep, except when
    the customer's family came on different days to different reps: then the closing rep."""
    head = customer.household_id or customer.id
    reps = set(
        db.session.scalars(
            select(Customer.rep_id).where(
                (Customer.id == head) | (Customer.household_id == head),
                Customer.rep_id.is_not(None),
            )
        )
    )
    if len(reps) > 1 or customer.rep_id is None:
        return closing_rep_id
    return customer.rep_id


def commission_split(
    deal_rep: int, original_rep: int | None, stand_in_reason: str | None, *, company: Company
) -> dict[int, Decimal]:
    """Shares of a deal's commission per rep (SAL-10): all to the original rep; a stand-in
    gets the ``stand_in_share`` setting (default 0.40) only when the original was travelling
    or on leave (``stand_in_reason`` ``travel``/``leave``) or agreed (``agreed``)."""
    if original_rep is None or original_rep == deal_rep:
        return {deal_rep: Decimal("1.00")}
    reason = getattr(stand_in_reason, "value", stand_in_reason)
    share = Decimal(str(plugin_state.get_settings(company, "sales")["stand_in_share"]))
    if reason not in SHARED_REASONS:
        share = Decimal("0.00")
    return {deal_rep: share, original_rep: Decimal("1.00") - share}


def sales_reps(company: Company) -> list[int]:
    """The ids of the users holding the sales_rep role in ``company``."""
    with company_scope(company.id):
        return list(
            db.session.scalars(
                select(Membership.user_id)
                .join(membership_role, membership_role.c.membership_id == Membership.id)
                .join(Role, Role.id == membership_role.c.role_id)
                .where(Role.code == "sales_rep", Membership.company_id == company.id)
                .distinct()
                .order_by(Membership.user_id)
            )
        )


def reassign_on_leave(
    company: Company, leaving_rep: int, day: date, rep_ids: list[int] | None = None
) -> dict[int, int]:
    """A rep leaves (SAL-11): each of their customers goes to the remaining rep with the
    fewest customers, with a contact task due within ``reassigned_contact_days`` (default 3);
    their open tasks follow the customer. Returns {new rep: customers given}."""
    remaining = [r for r in (rep_ids or sales_reps(company)) if r != leaving_rep]
    if not remaining:
        raise ValidationError({"rep_ids": [_("No other rep to take the customers.")]})
    days = plugin_state.get_settings(company, "sales")["reassigned_contact_days"]
    with company_scope(company.id):
        loads = dict(
            db.session.execute(
                select(Customer.rep_id, func.count(Customer.id))
                .where(Customer.rep_id.in_(remaining))
                .group_by(Customer.rep_id)
            ).all()
        )
        heap = [(loads.get(r, 0), r) for r in remaining]
        heapq.heapify(heap)
        given: dict[int, int] = {}
        customers = db.session.scalars(
            select(Customer).where(Customer.rep_id == leaving_rep).order_by(Customer.id)
        ).all()
        for customer in customers:
            load, rep = heapq.heappop(heap)
            customer.rep_id = rep
            db.session.add(
                Task(
                    company_id=company.id,
                    customer=customer,
                    rep_id=rep,
                    kind=TaskKind.contact_reassigned,
                    due_on=day + timedelta(days=days),
                )
            )
            db.session.execute(
                update(Task)
                .where(
                    Task.customer_id == customer.id,
                    Task.rep_id == leaving_rep,
                    Task.done_on.is_(None),
                )
                .values(rep_id=rep),
                execution_options={"synchronize_session": False},
            )
            given[rep] = given.get(rep, 0) + 1
            heapq.heappush(heap, (load + 1, rep))
        db.session.flush()
        return given


# --- change of rep (SAL-09): the site manager decides through the approval engine ----------


def request_rep_change(company: Company, customer: Customer, to_rep: int, reason: str, user):
    """A customer asks for another rep; the request goes to the site manager."""
    if to_rep == customer.rep_id:
        raise ValidationError({"to_rep_id": [_("That rep already serves the customer.")]})
    if to_rep not in sales_reps(company):
        raise ValidationError({"to_rep_id": [_("Not a sales rep of this company.")]})
    data = {"customer_id": customer.id, "from_rep_id": customer.rep_id, "to_rep_id": to_rep}
    return approvals.submit(
        company, REP_CHANGE, "sales_customer", customer.id, {**data, "reason": reason}, user
    )


def on_approval_decided(request) -> None:
    """An approved change of rep takes effect (runs in the deciding transaction)."""
    if request.doc_type != REP_CHANGE or request.status != approvals.RequestStatus.approved:
        return
    with company_scope(request.company_id):
        customer = db.session.get(Customer, request.owner_id)
        if customer is not None:
            customer.rep_id = int(request.data["to_rep_id"])


def approval_flows(company) -> list[dict]:
    return [
        {
            "doc_type": REP_CHANGE,
            "name": "Change of a customer's rep",
            "steps": [{"name": "Site manager", "roles": ["site_manager"]}],
        }
    ]
