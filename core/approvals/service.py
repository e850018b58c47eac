"""Approval requests: submit, decide, withdraw, the inbox, history and overdue steps.

Every state change runs in one transaction holding a row lock on the request (``SELECT ... FOR
UPDATE`` on PostgreSQL), so two approvers at once cannot both advance the same step. The owning
plugin hears the outcome through ``erp_approval_decided`` inside that transaction; each
decision is written to the audit log.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import selectinload

from core import permissions  # a module: core.models imports this package early
from core.approvals.conditions import evaluate, snapshot
from core.approvals.flows import current_flow
from core.audit import actor, record_decision
from core.calendar import add_working_days
from core.extensions import db
from core.models import Company, Membership, Role, User
from core.models.approvals import ApprovalDecision, ApprovalRequest, Decision, RequestStatus
from core.models.auth import membership_role
from core.plugins import state as plugin_state
from core.services.transaction import company_transaction
from core.tenancy import company_scope

CHINA = ZoneInfo("Asia/Shanghai")
FORBIDDEN, CONFLICT = 403, 409


class ApprovalRefused(Exception):
    """A decision the user may not take; the message says why. ``status`` is 403 (not theirs
    to decide) or 409 (the request is no longer in the state the user saw)."""

    def __init__(self, message: str, status: int = FORBIDDEN):
        super().__init__(message)
        self.status = status


def business_today() -> date:
    """Today in China time: due dates are business dates."""
    return datetime.now(CHINA).date()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- who may decide ----------------------------------------------------------------------


def role_codes(user: User, company: Company) -> frozenset[str]:
    """The codes of the roles ``user`` holds in ``company``."""
    with company_scope(company.id):
        return frozenset(
            db.session.scalars(
                select(Role.code)
                .join(membership_role, membership_role.c.role_id == Role.id)
                .join(Membership, Membership.id == membership_role.c.membership_id)
                .where(Membership.user_id == user.id, Membership.company_id == company.id)
            )
        )


def _deciders(step: dict) -> str:
    if step["permission"]:
        return _("the permission %(p)s", p=step["permission"])
    return _("one of the roles %(r)s", r=", ".join(step["roles"]))


def _holds(user: User, company: Company, step: dict) -> bool:
    if step["permission"]:
        return step["permission"] in permissions.permissions_of(user, company)
    return bool(role_codes(user, company) & set(step["roles"]))


def _approvals(request: ApprovalRequest, user: User | None = None) -> int:
    query = select(func.count(ApprovalDecision.id)).where(
        ApprovalDecision.request_id == request.id,
        ApprovalDecision.step_index == request.step_index,
        ApprovalDecision.decision == Decision.approve,
    )
    if user is not None:
        query = query.where(ApprovalDecision.user_id == user.id)
    return db.session.scalar(query)


def refusal(request: ApprovalRequest, user: User, step: int | None = None):
    """Why ``user`` may not decide ``request`` now (an :class:`ApprovalRefused`), or ``None``.
    ``step`` is the step the user saw; a request that moved on since is refused."""
    if request.status != RequestStatus.pending:
        return ApprovalRefused(
            _("Request #%(id)d is already %(status)s.", id=request.id, status=request.status),
            CONFLICT,
        )
    if step is not None and step != request.step_index:
        return ApprovalRefused(
            _("That step of request #%(id)d was already decided.", id=request.id), CONFLICT
        )
    if user.id == request.requester_id:
        return ApprovalRefused(_("You cannot decide your own request."))
    current = request.current_step
    if not _holds(user, request.company, current):
        return ApprovalRefused(
            _(
                "Step “%(step)s” needs %(who)s in %(company)s, which you do not hold.",
                step=current["name"],
                who=_deciders(current),
                company=request.company.name,
            )
        )
    if _approvals(request, user):
        return ApprovalRefused(_("You already approved this step."), CONFLICT)
    return None


# --- moving through the steps ------------------------------------------------------------


def _next_step(steps: list[dict], after: int) -> int | None:
    """The index of the first step after ``after`` whose condition held at submission."""
    return next((i for i in range(after + 1, len(steps)) if steps[i]["applies"]), None)


def _enter(request: ApprovalRequest, index: int | None) -> None:
    """Make step ``index`` current, due ``due_days`` working days from today; ``None``: every
    step is done, the request is approved."""
    if index is None:
        _close(request, RequestStatus.approved)
        return
    step = request.steps[index]
    request.step_index = index
    request.step_started_on = business_today()
    request.due_on = add_working_days(request.step_started_on, step["due_days"])
    request.current_roles = "".join(f",{r}" for r in step["roles"]) + "," if step["roles"] else ""
    request.current_permission = step["permission"]


def _close(request: ApprovalRequest, status: RequestStatus) -> None:
    request.status = status
    request.closed_at = _now()
    request.due_on = None
    request.current_roles = request.current_permission = ""


def _lock(request: ApprovalRequest) -> None:
    """Lock the request's row and reload it: a concurrent decision is seen, or waits."""
    db.session.scalars(
        select(ApprovalRequest)
        .where(ApprovalRequest.id == request.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _record(request: ApprovalRequest, user: User, decision: Decision, comment: str) -> None:
    db.session.add(
        ApprovalDecision(
            company_id=request.company_id,
            request=request,
            step_index=request.step_index,
            user_id=user.id,
            decision=decision,
            comment=comment,
            decided_at=_now(),
        )
    )
    step = request.current_step
    with actor(user.id):
        record_decision(request, str(decision), comment, step["name"] if step else "")


def _outcome(request: ApprovalRequest) -> None:
    if request.status != RequestStatus.pending:
        db.session.flush()
        plugin_state.hooks(request.company).erp_approval_decided(request=request)


# --- services ----------------------------------------------------------------------------


def submit(
    company: Company, doc_type: str, owner_type: str, owner_id: int, data: dict, requester: User
) -> ApprovalRequest:
    """Ask for approval of a record under ``company``'s current flow for ``doc_type``.

    ``data`` is kept as a snapshot (Decimal as text) and each step's condition is evaluated on
    it now. With no flow, or every step skipped, the request is approved at once (and the
    outcome hook still fires).
    """
    data = snapshot(data or {})
    with company_transaction(company):
        flow = current_flow(company, doc_type)
        steps = [
            {**step.as_dict(), "applies": evaluate(step.condition, data)}
            for step in (flow.steps if flow else [])
        ]
        request = ApprovalRequest(
            company_id=company.id,
            doc_type=doc_type,
            owner_type=owner_type,
            owner_id=owner_id,
            requester=requester,
            data=data,
            flow_id=flow.id if flow else None,
            flow_version=flow.version if flow else None,
            steps=steps,
            status=RequestStatus.pending,
            created_at=_now(),
        )
        db.session.add(request)
        _enter(request, _next_step(steps, -1))
        _outcome(request)
    return request


def _decide(request, user, decision: Decision, comment: str, step: int | None):
    seen = request.step_index if step is None else step
    with company_transaction(request.company):
        _lock(request)
        refused = refusal(request, user, seen)
        if refused is not None:
            raise refused
        approvals = _approvals(request)
        _record(request, user, decision, comment)
        if decision == Decision.reject:
            _close(request, RequestStatus.rejected)
        elif approvals + 1 >= request.current_step["quorum"]:
            _enter(request, _next_step(request.steps, request.step_index))
        _outcome(request)
    return request


def approve(request: ApprovalRequest, user: User, comment: str = "", step: int | None = None):
    """Approve the current step (``step``: the one the user saw). Refused with
    :class:`ApprovalRefused` naming why; the quorum-th approval moves to the next step."""
    return _decide(request, user, Decision.approve, (comment or "").strip(), step)


def reject(request: ApprovalRequest, user: User, comment: str, step: int | None = None):
    """Reject the request at its current step; a comment saying why is required."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("A comment is required to reject.")]})
    return _decide(request, user, Decision.reject, comment, step)


def withdraw(request: ApprovalRequest, user: User) -> ApprovalRequest:
    """The requester takes a pending request back."""
    with company_transaction(request.company):
        _lock(request)
        if request.status != RequestStatus.pending:
            raise ApprovalRefused(
                _("Request #%(id)d is already %(status)s.", id=request.id, status=request.status),
                CONFLICT,
            )
        if user.id != request.requester_id:
            raise ApprovalRefused(_("Only the requester may withdraw a request."))
        _record(request, user, Decision.withdraw, "")
        _close(request, RequestStatus.withdrawn)
        _outcome(request)
    return request


def get_request(company: Company, request_id: int) -> ApprovalRequest | None:
    """``company``'s request ``request_id``; another company's id is simply not found."""
    found = db.session.get(ApprovalRequest, request_id)
    # Checked here too: a row already in the session's identity map skips the ORM's scoping.
    return found if found is not None and found.company_id == company.id else None


def inbox_query(user: User, company: Company):
    """A select of ``company``'s pending requests whose current step ``user`` may decide and
    has not yet approved, oldest due first."""
    codes, perms = role_codes(user, company), permissions.permissions_of(user, company)
    deciders = [ApprovalRequest.current_roles.contains(f",{c},") for c in codes]
    if perms:
        deciders.append(ApprovalRequest.current_permission.in_(perms))
    already = (
        select(ApprovalDecision.id)
        .where(
            ApprovalDecision.request_id == ApprovalRequest.id,
            ApprovalDecision.step_index == ApprovalRequest.step_index,
            ApprovalDecision.user_id == user.id,
        )
        .exists()
    )
    return (
        select(ApprovalRequest)
        .where(
            ApprovalRequest.company_id == company.id,
            ApprovalRequest.status == RequestStatus.pending,
            ApprovalRequest.requester_id != user.id,
            or_(*deciders) if deciders else false(),
            ~already,
        )
        .order_by(ApprovalRequest.due_on, ApprovalRequest.id)
    )


def pending_for(user: User, company: Company) -> list[ApprovalRequest]:
    """The user's inbox in ``company``."""
    with company_scope(company.id):
        return list(db.session.scalars(inbox_query(user, company)))


def history(owner_type: str, owner_id: int) -> list[ApprovalRequest]:
    """Every request about one record, oldest first, with its decisions (current company)."""
    return list(
        db.session.scalars(
            select(ApprovalRequest)
            .where(ApprovalRequest.owner_type == owner_type, ApprovalRequest.owner_id == owner_id)
            .options(selectinload(ApprovalRequest.decisions))
            .order_by(ApprovalRequest.id)
        )
    )


def overdue(company: Company, today: date | None = None) -> list[ApprovalRequest]:
    """Pending requests of ``company`` whose current step was due before ``today``."""
    today = today or business_today()
    with company_scope(company.id):
        return list(
            db.session.scalars(
                select(ApprovalRequest)
                .where(
                    ApprovalRequest.company_id == company.id,
                    ApprovalRequest.status == RequestStatus.pending,
                    ApprovalRequest.due_on < today,
                )
                .order_by(ApprovalRequest.due_on, ApprovalRequest.id)
            )
        )
