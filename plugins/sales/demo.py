"""The sales site of the demo company (``erp demo``): buildings and units in every state,
reps on the roster, customers in every grade with follow-ups (some overdue), orders in every
state (one waiting for the site manager's discount approval), a weekly plan and the
after-contract delivery date. Everything goes through the services, so the sales-control log,
customer codes and approvals are real. A second run finds the site and changes nothing."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core import approvals
from core.duties import today
from core.extensions import db
from core.models import Company, Project, User
from core.services import companies as svc
from core.tenancy import company_scope
from plugins.sales.leads import rotation
from plugins.sales.leads import services as leads
from plugins.sales.models import Building, Customer, SourceChannel, Unit, UnitState
from plugins.sales.orders import services as orders
from plugins.sales.orders.discounts import DISCOUNT
from plugins.sales.orders.models import Order
from plugins.sales.reports import services as reports
from plugins.sales.reports.models import BuildingDelivery
from plugins.sales.units import services as units
from plugins.sales.units.importer import import_units

PROJECT = "牡丹园"
# (building, pre-sale permit, floors); two entrances of four rooms a floor. 3# is not released.
BUILDINGS = (("1#", "洛预售字2026-101", 18), ("2#", "洛预售字2026-102", 18), ("3#", "", 12))
LAYOUTS = (("3/2", "南北", "118.50", "96.20"), ("2/2", "南", "89.30", "72.10"))
EXTRA_REPS = ("sales-rep-2@ly.example.com", "sales-rep-3@ly.example.com")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "强")
OBJECTIONS = (["unit_price"], ["location", "floor"], ["total_price"], ["layout"], ["view"], [])
REASONS = ("总价超出预算", "更看好新区楼盘", "对学区不满意", "家人意见不统一", "贷款未批")
CUSTOMERS, DEALS = 96, 46
HISTORY = timedelta(days=56)  # customers came in over the last eight weeks


def _price_list() -> bytes:
    lines = ["building,entrance,floor,room,layout,orientation,built_area,usable_area,"
             "list_unit_price,presale_permit"]  # fmt: skip
    for name, permit, floors in BUILDINGS:
        for floor in range(1, floors + 1):
            for entrance in (1, 2):
                for room in range(1, 5):
                    layout, facing, built, usable = LAYOUTS[room % 2]
                    price = 8200 + 40 * floor + (300 if room in (1, 4) else 0)
                    lines.append(
                        f"{name},{entrance},{floor},0{room},{layout},{facing},{built},{usable},"
                        f"{price},{permit}"
                    )
    return ("\n".join(lines) + "\n").encode()


def _user(company: Company, email: str, name: str, role: str) -> User:
    from core.demo import DEMO_PASSWORD

    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = svc.create_user(email, DEMO_PASSWORD, name=name)
        svc.add_member(user, company, [role])
        db.session.commit()
    return user


def _by_email(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _units(company: Company, project: Project, controller: User) -> None:
    import_units(project, "价目表.csv", _price_list(), controller)
    db.session.commit()
    for _name, permit, _floors in BUILDINGS:
        if permit:
            units.release_permit(project, permit, controller)
    db.session.commit()


def _customers(company, project, reps, start) -> list[Customer]:
    """Walk-ins and calls spread over the weeks since ``start``, graded and followed up."""
    days = (today() - start).days
    for n in range(days + 1):
        rotation.set_roster(company, project, start + timedelta(n), [r.id for r in reps])
    found = []
    for i in range(CUSTOMERS):
        day = start + timedelta(days=i * days // CUSTOMERS)
        entry = leads.register(
            company,
            {
                "kind": "walk_in" if i % 4 else "call",
                "project_id": project.id,
                "caller_name": SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)],
                "phone": f"1390379{i:04d}",
                "source": list(SourceChannel)[i % len(SourceChannel)],
                "at": datetime.combine(day, time(10 + i % 7)),
                "questions": "咨询户型和价格",
            },
            reps[i % len(reps)],
        )
        customer = entry.customer
        leads.update_customer(
            company,
            customer,
            {
                "purpose": ("own_use", "family", "investment")[i % 3],
                "objections": OBJECTIONS[i % 6],
            },
        )
        # Every grade, and some follow-ups left overdue (the older C and B customers).
        follow = {
            "on": day + timedelta(days=1),
            "channel": "phone",
            "content": "电话回访，介绍最新房源",
            "grade": "ABC"[i % 3],
        }
        leads.record_follow_up(company, customer, follow, reps[i % len(reps)])
        db.session.commit()
        found.append(customer)
    return found


def _order(company, customer, unit, rep, day, discount="0") -> Order:
    data = {
        "unit_id": unit.id,
        "customer_id": customer.id,
        "payment_method": "full",
        "deposit_kind": "large",
        "deposit": Decimal("50000.00"),
        "discount_pct": Decimal(discount),
        "ordered_on": day,
    }
    order = orders.place_order(company, rep, data)
    leads.update_customer(company, customer, {"outcome": "deposit", "outcome_on": day})
    db.session.commit()
    return order


# What happens to each deal after the order, by position: later states pass the earlier ones.
AFTER = {
    "contracted": (UnitState.contracted,),
    "registered": (UnitState.contracted, UnitState.registered),
    "pre_release": (UnitState.contracted, UnitState.pre_release),
    "delivered": (UnitState.contracted, UnitState.registered, UnitState.delivered),
}
PLAN = ["registered"] * 8 + ["contracted"] * 10 + ["pre_release"] * 2 + ["delivered"] * 3
PLAN += ["voided"] * 3 + ["refunded"] * 3 + ["rejected", "pending", "pending"]


def _deals(company, customers, reps, manager, controller) -> None:
    with company_scope(company.id):
        free = db.session.scalars(
            select(Unit)
            .where(Unit.state == UnitState.available)
            .order_by(Unit.building_id, Unit.floor, Unit.entrance, Unit.room)
        ).all()
    step = max(1, len(free) // (DEALS + 8))
    picked = free[::step]
    for i, customer in enumerate(customers[:DEALS]):
        rep = db.session.get(User, customer.rep_id) if customer.rep_id else reps[0]
        day = min(today(), customer.first_visit_on or customer.created_at.date())
        day = min(today(), day + timedelta(days=3))
        what = PLAN[i] if i < len(PLAN) else "active"
        discount = "0.5" if what in ("pending", "rejected") else "0"
        order = _order(company, customer, picked[i], rep, day, discount)
        with company_scope(company.id):
            for state in AFTER.get(what, ()):
                units.take_unit(order.unit_id, {order.unit.state}, state, controller, "签约进度")
                db.session.refresh(order.unit)
            db.session.commit()
        if what == "voided":
            orders.void_order(order, manager, "客户资料有误，重新下单")
        elif what == "refunded":
            orders.cooling_off_refund(order, rep, on=min(today(), day + timedelta(days=1)))
        elif what == "rejected":
            with company_scope(company.id):
                request = db.session.scalar(
                    select(approvals.ApprovalRequest).where(
                        approvals.ApprovalRequest.doc_type == DISCOUNT,
                        approvals.ApprovalRequest.owner_id == order.id,
                    )
                )
                approvals.reject(request, manager, "折扣超出本期政策")
                db.session.commit()
    with company_scope(company.id):  # a few units held by the controller
        for unit in picked[DEALS : DEALS + 4]:
            units.change_state(unit, UnitState.held, controller, "客户预留")
        db.session.commit()


def _lost(company, customers, reps) -> None:
    for i, customer in enumerate(customers[DEALS : DEALS + 20]):
        day = min(today(), (customer.first_visit_on or customer.created_at.date()) + timedelta(10))
        follow = {"on": day, "channel": "phone", "reaction": REASONS[i % len(REASONS)]}
        leads.record_follow_up(company, customer, follow, reps[i % len(reps)])
        leads.update_customer(company, customer, {"outcome": "gave_up", "outcome_on": day})
        db.session.commit()


def _plan(company, project) -> None:
    year, quarter = reports.quarter_of(today())
    with company_scope(company.id):
        for n, week in enumerate(reports.quarter_weeks(year, quarter)):
            units_planned = 4 + n % 3
            reports.save_plan(
                company, project, week, units_planned, Decimal(units_planned) * 950000
            )
        first = db.session.scalar(select(Building).where(Building.name == BUILDINGS[0][0]))
        db.session.add(
            BuildingDelivery(
                company_id=company.id,
                building_id=first.id,
                delivery_on=today() + timedelta(days=20),
            )
        )
        db.session.commit()


def summary(company: Company) -> dict:
    with company_scope(company.id):
        count = lambda model: db.session.scalar(select(func.count(model.id)))  # noqa: E731
        return {
            "project": PROJECT,
            "units": count(Unit),
            "customers": count(Customer),
            "orders": count(Order),
            "pending_approval_inbox": "site-manager@ly.example.com",
        }


def load(company: Company) -> dict:
    """Create the sales site once; returns what it holds."""
    with company_scope(company.id):
        project = db.session.scalar(select(Project).where(Project.name == PROJECT))
        done = db.session.scalar(select(Building.id).where(Building.project_id == project.id))
    if done is not None:
        return summary(company)
    approvals.install_default_flows(company)
    reps = [_by_email("sales-rep@ly.example.com")]
    reps += [
        _user(company, email, f"置业顾问{n}", "sales_rep") for n, email in enumerate(EXTRA_REPS, 2)
    ]
    manager = _by_email("site-manager@ly.example.com")
    controller = _by_email("sales-controller@ly.example.com")
    with company_scope(company.id):
        _units(company, project, controller)
    customers = _customers(company, project, reps, today() - HISTORY)
    _deals(company, customers, reps, manager, controller)
    _lost(company, customers, reps)
    _plan(company, project)
    return summary(company)
