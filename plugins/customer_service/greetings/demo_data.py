"""Demo greetings: customers and family members with birthdays this week (the Tuesday cards),
this month's newsletter text of each project with households, and the half year's customer
forum. Idempotent: a company with family members is left alone."""

from datetime import date, timedelta

from sqlalchemy import func, select

from core.duties import today
from core.extensions import db
from core.models import Company, Project
from core.tenancy import company_scope
from plugins.customer_service.greetings import services
from plugins.customer_service.greetings.models import CustomerEvent, EventKind, Person
from plugins.customer_service.models import Household
from plugins.sales.models import Customer

FAMILY = (
    # (relation, name suffix, years old, days from this week's Monday)
    ("self", "", 42, 2),
    ("spouse", "（配偶）", 40, 4),
    ("child", "（子女）", 9, 40),
)
PROGRESS = (
    "本月1#、2#楼主体结构已全部封顶，外墙保温施工完成约六成。",
    "小区中心花园及儿童游乐场已开始施工，预计明年四月完工。",
    "交房前的分户验收将于明年三月进行，届时我们将提前通知您参加。",
)


def _born(monday: date, years: int, days: int) -> date:
    day = monday + timedelta(days=days)
    if (day.month, day.day) == (2, 29):  # not a date in most earlier years
        day -= timedelta(days=1)
    return day.replace(year=day.year - years)


def _family(company: Company) -> None:
    monday = today() - timedelta(days=today().weekday())
    customers = db.session.scalars(
        select(Customer)
        .where(Customer.id.in_(select(Household.customer_id)))
        .order_by(Customer.id)
        .limit(3)
    ).all()
    for customer in customers:
        for relation, suffix, years, days in FAMILY:
            services.save_person(
                company,
                {
                    "customer_id": customer.id,
                    "name": customer.name + suffix,
                    "relation": relation,
                    "birthday": _born(monday, years, days),
                },
            )


def _newsletters_and_forum(company: Company) -> None:
    month = today().strftime("%Y-%m")
    half = f"{today().year}-H{1 if today().month <= 6 else 2}"
    due_by = date(today().year, 6, 30) if today().month <= 6 else date(today().year, 12, 31)
    for project in db.session.scalars(
        select(Project).where(Project.id.in_(select(Household.project_id))).order_by(Project.id)
    ):
        services.save_newsletter(
            company,
            None,
            {
                "project_id": project.id,
                "month": month,
                "title": f"{project.name}业主通讯",
                "body": "\n\n".join(PROGRESS),
            },
        )
        forum = select(CustomerEvent.id).where(
            CustomerEvent.project_id == project.id,
            CustomerEvent.kind == EventKind.forum,
            CustomerEvent.period == half,
        )
        if db.session.scalar(forum) is not None:  # planned by the forum duty already
            continue
        services.plan_event(
            company,
            {
                "project_id": project.id,
                "kind": EventKind.forum,
                "period": half,
                "title": f"{project.name}客户座谈会",
                "due_by": due_by,
            },
        )


def load(company: Company) -> dict:
    with company_scope(company.id):
        if db.session.scalar(select(func.count(Person.id))) == 0:
            _family(company)
            _newsletters_and_forum(company)
            db.session.commit()
        return {"people": db.session.scalar(select(func.count(Person.id)))}
