"""The demo sales site: idempotent, with units and orders in every state, a discount waiting
in the site manager's inbox, graded customers with overdue follow-ups, a weekly plan with
actuals and after-contract tasks."""

from sqlalchemy import func, select

from core import approvals, demo
from core.duties import today
from core.extensions import db
from core.models import Company, Project, User
from core.tenancy import company_scope
from plugins.sales.leads.models import FollowUp, RosterEntry
from plugins.sales.models import Customer, Unit, UnitState, UnitStateChange
from plugins.sales.orders.models import Order, OrderStatus
from plugins.sales.reports import services as reports
from plugins.sales.reports.models import AfterSaleTask, WeeklyPlan

TABLES = (Unit, UnitStateChange, Customer, FollowUp, RosterEntry, Order, WeeklyPlan, AfterSaleTask)


def _counts(company) -> dict:
    with company_scope(company.id):
        return {m.__name__: db.session.scalar(select(func.count(m.id))) for m in TABLES}


def test_sales_demo_is_idempotent_and_has_every_state(ctx):
    demo.load("http://demo")
    ly = db.session.scalar(select(Company).where(Company.code == "LY"))
    first = _counts(ly)
    demo.load("http://demo")
    assert _counts(ly) == first
    assert first["Unit"] >= 300 and first["RosterEntry"] > 0
    with company_scope(ly.id):
        assert set(db.session.scalars(select(Unit.state).distinct())) == set(UnitState)
        # Every status an order reaches without a change request (swaps are SAL-22's).
        statuses = set(db.session.scalars(select(Order.status).distinct()))
        assert statuses >= set(OrderStatus) - {OrderStatus.withdrawn}
        assert db.session.scalar(select(func.count(Unit.building_id.distinct()))) >= 2
        assert {str(g) for g in db.session.scalars(select(Customer.grade).distinct())} == set("ABC")
        overdue = select(func.count(Customer.id)).where(Customer.follow_up_due_on < today())
        assert db.session.scalar(overdue) > 0
        # Every state change went through the services, so each sold unit has its log.
        logged = select(func.count(UnitStateChange.unit_id.distinct())).where(
            UnitStateChange.to_state == UnitState.subscribed
        )
        assert db.session.scalar(logged) == first["Order"]
        project = db.session.scalar(select(Project).where(Project.name == "牡丹园"))
        progress = reports.progress(project, *reports.quarter_of(today()))
        assert progress["rows"][-1]["cum_plan_units"] > 0
        assert sum(r["units"] for r in progress["rows"]) > 0
        assert first["AfterSaleTask"] > 0
        assert reports.lost_customer_report(reports.Filters())
        manager = db.session.scalar(select(User).where(User.email == "site-manager@ly.example.com"))
        inbox = approvals.pending_for(manager, ly)
        assert any(r.doc_type == "sales.discount" for r in inbox)
