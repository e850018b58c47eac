"""Demo staffing: a second customer-service rep, and every active order's household assigned
to the reps in balance (CS-01/02). Idempotent: an assigned household is kept."""

from sqlalchemy import select

from core.extensions import db
from core.models import Company, User
from core.services import companies as svc
from core.tenancy import company_scope
from plugins.customer_service.staffing.services import assign_household
from plugins.sales.orders.models import Order, OrderStatus

SECOND_REP = ("cs-rep-2@ly.example.com", "客服专员2")


def _second_rep(company: Company) -> None:
    from core.demo import DEMO_PASSWORD

    email, name = SECOND_REP
    if db.session.scalar(select(User.id).where(User.email == email)) is None:
        user = svc.create_user(email, DEMO_PASSWORD, name=name)
        svc.add_member(user, company, ["cs_rep"])
        db.session.commit()


def load(company: Company) -> None:
    _second_rep(company)
    with company_scope(company.id):
        orders = db.session.scalars(
            select(Order).where(Order.status == OrderStatus.active).order_by(Order.id)
        ).all()
        for order in orders:
            assign_household(company, order)
        db.session.commit()
