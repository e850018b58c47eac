"""Demo contacts: a few weeks of the reps' work log (a matter referred to the CS manager, a
coordination request to engineering, last week's log waiting for the manager's signature)
and a planned visit round. Idempotent: a company with a work log is left alone."""

from datetime import timedelta

from sqlalchemy import func, select

from core.duties import Period, today
from core.extensions import db
from core.models import Company, User
from core.plugins.state import get_settings
from core.tenancy import company_scope
from plugins.customer_service.contacts import escalations, services, visits
from plugins.customer_service.contacts.models import ContactKind, LogEntry
from plugins.customer_service.models import Household

CONTACTS = (
    # (days ago, kind, summary, within the rep's authority)
    (9, ContactKind.call, "客户来电询问按揭放款进度，已告知银行审批中，预计下周放款。", True),
    (8, ContactKind.visit, "客户来访，要求将合同约定的交房日期提前一个月。", False),
    (6, ContactKind.call, "客户反映样板间展示的地板与合同附件不一致，需工程部核实。", True),
    (2, ContactKind.call, "提醒客户本月20日前缴纳第二期房款，客户表示按时缴纳。", True),
)


def _households() -> list[Household]:
    return list(
        db.session.scalars(
            select(Household).where(Household.rep_id.is_not(None)).order_by(Household.id).limit(8)
        )
    )


def _log(company: Company, households: list[Household]) -> None:
    day = today()
    for (days_ago, kind, summary, within), household in zip(CONTACTS, households, strict=False):
        rep = db.session.get(User, household.rep_id)
        entry = services.record_contact(
            company,
            rep,
            {
                "customer_id": household.customer_id,
                "household_id": household.id,
                "kind": kind,
                "summary": summary,
                "on": day - timedelta(days=days_ago),
                "within_authority": within,
            },
        )
        if "工程部" in summary:
            escalations.request_coordination(
                company,
                rep,
                {
                    "department": "engineering",
                    "subject": "请核实样板间地板与合同附件是否一致，并答复客户。",
                    "due_on": day + timedelta(days=3),
                    "entry_id": entry.id,
                },
            )
    services.list_signoffs(company, Period("demo", day))


def _round(company: Company) -> int:
    """A round of the rep with the most households due, in the next visit week."""
    settings = get_settings(company, "customer_service")
    key, monday = visits.schedule(settings).due_dates(today(), today() + timedelta(days=400))[0]
    planned_on = monday + timedelta(days=settings["visit_weekday"])
    due = visits.due_households(company, planned_on)
    counts: dict[int, list[int]] = {}
    for household in due:
        counts.setdefault(household.rep_id, []).append(household.id)
    if not counts:
        return 0
    rep_id, ids = max(counts.items(), key=lambda item: len(item[1]))
    if len(ids) < settings["visit_min_per_round"]:
        return 0
    visits.plan_round(company, rep_id, planned_on, ids[:6], key)
    return 1


def load(company: Company) -> dict:
    with company_scope(company.id):
        if db.session.scalar(select(func.count(LogEntry.id))) == 0:
            households = _households()
            if households:
                _log(company, households)
                _round(company)
            db.session.commit()
        return {"log_entries": db.session.scalar(select(func.count(LogEntry.id)))}
