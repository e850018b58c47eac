"""Contracts of the demo company (``erp demo``): one for each active sales order. Sales that
the sales demo already moved past subscription get their contract as it would have been
(signed, stamped; registered where the unit is); orders still subscribed go through the
services: one stays a draft with its signing booked, the others are signed, one of them has
a major term change waiting for the CS manager and, given enough, one is cancelled for an ID
change (CS-07). A second run changes nothing."""

from datetime import timedelta

from sqlalchemy import select

from core import approvals
from core.duties import today
from core.extensions import db
from core.models import Company, User
from core.tenancy import company_scope
from plugins.customer_service.contracts import cancellation, changes, services, signing
from plugins.customer_service.models import Contract, ContractStatus
from plugins.customer_service.models.contracts import ANNEXES
from plugins.sales.models import UnitState
from plugins.sales.orders import services as orders
from plugins.sales.orders.models import Order, OrderStatus

# Where the sales demo left the unit → the contract's status.
HISTORIC = {
    UnitState.contracted: ContractStatus.signed,
    UnitState.pre_release: ContractStatus.signed,
    UnitState.registered: ContractStatus.registered,
    UnitState.delivered: ContractStatus.registered,
}
STREETS = ("洛龙区开元大道", "西工区中州中路", "涧西区建设路", "老城区中州东路", "瀍河区启明南路")


def _address(n: int) -> str:
    return f"河南省洛阳市{STREETS[n % len(STREETS)]}{18 + n * 7}号"


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _historic(company: Company, order: Order, n: int, rep: User) -> None:
    """The contract of a sale the sales demo moved on without one, dated as it happened."""
    from plugins.customer_service.payments.services import create_schedule
    from plugins.customer_service.staffing.services import assign_household

    with company_scope(company.id):
        signed_on = min(order.signing_date, today())
        status = HISTORIC[order.unit.state]
        household = assign_household(company, order)
        contract = Contract(
            company_id=company.id,
            number=services.next_number(company, signed_on),
            order_id=order.id,
            unit_id=order.unit_id,
            customer_id=order.customer_id,
            rep_id=household.rep_id,
            status=status,
            price=order.current.price,
            payment_method=order.current.payment_method,
            buyer_name=services.buyer_of(order),
            address=_address(n),
            termination_days=90,
            signing_booked_on=signed_on,
            lawyer_told_on=signed_on,
            signed_on=signed_on,
            stamped=True,
            stamped_on=signed_on,
            annexes=dict.fromkeys(ANNEXES, True),
            registered_on=(
                min(signed_on + timedelta(days=12), today())
                if status == ContractStatus.registered
                else None
            ),
            created_at=services.now(),
        )
        db.session.add(contract)
        db.session.flush()
        schedule = create_schedule(contract, list(order.current.schedule))
        services.credit_deposits(contract, schedule, rep)
        db.session.commit()


def _through_services(company: Company, order: Order, n: int, rep: User, first: bool) -> Contract:
    if order.signing_date < today():
        # SAL-18: the customer asked for more time; the extension is a new order version.
        orders.revise_order(
            order, order.rep, {"signing_date": today() + timedelta(days=5)}, "客户申请延期签约"
        )
    contract = services.prepare_contract(
        company, rep, order, {"address": _address(n), "termination_days": 90}
    )
    signing.book_signing(contract, rep, today(), lawyer_told_on=None if first else today())
    if first:
        return contract  # the draft: booked, the lawyer not yet told, annexes not ticked
    signing.set_annexes(contract, rep, dict.fromkeys(ANNEXES, True))
    signing.sign_contract(contract, rep)
    return contract


def demo_contracts(company: Company) -> None:
    with company_scope(company.id):
        if db.session.scalar(select(Contract.id).limit(1)) is not None:
            return
        active = db.session.scalars(
            select(Order).where(Order.status == OrderStatus.active).order_by(Order.id)
        ).all()
    rep = _user("cs-rep@ly.example.com")
    if rep is None or not active:
        return
    fresh = []
    for n, order in enumerate(active):
        if order.unit.state in HISTORIC:
            _historic(company, order, n, rep)
        elif order.unit.state == UnitState.subscribed:
            fresh.append((n, order))
    made = [_through_services(company, o, n, rep, i == 0) for i, (n, o) in enumerate(fresh)]
    signed = [c for c in made if c.status == ContractStatus.signed]
    if signed:
        signing.stamp_contract(signed[0], rep)
        changes.request_change(
            signed[-1],
            rep,
            {"terms": {"property_fee": "2.80"}, "reason": "业主委员会成立前物业费按新标准执行"},
        )
    if len(signed) > 2:
        _cancel(signed[1], rep)


def _cancel(contract: Contract, rep: User) -> None:
    """CS-07: an ID change cancels the contract on the CS manager's word; its order ends
    ``cancelled`` and the unit is back on sale."""
    manager = _user("cs-manager@ly.example.com")
    if manager is None:
        return
    values = {"reason_kind": "id_change", "reason": "买受人身份证件号码有误，解除合同后重新签约"}
    asked = cancellation.request_cancellation(contract, rep, values)
    approvals.approve(db.session.get(approvals.ApprovalRequest, asked.approval_request_id), manager)
