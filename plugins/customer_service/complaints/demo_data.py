"""Demo complaints (CS-13) of the demo company, made through the services: one open within its
answer clock and one past it, one answered with a written reply waiting for the VP, one
resolved with its follow-up call overdue, one closed after the call, one become a legal
dispute. A second run finds complaints and adds nothing."""

from datetime import timedelta

from sqlalchemy import select

from core import approvals
from core.duties import today
from core.extensions import db
from core.models import Company, User
from core.tenancy import company_scope
from plugins.customer_service.complaints import replies, services
from plugins.customer_service.complaints.models import Complaint
from plugins.customer_service.models import Contract, ContractStatus
from plugins.sales.orders.models import Order, OrderStatus

DAY = timedelta(days=1)


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _subjects() -> list[Order]:
    """Active orders, those whose unit has a contract with an address first (a written reply
    goes to the contract's address)."""
    contracted = select(Contract.unit_id).where(
        Contract.status.not_in((ContractStatus.cancelled, ContractStatus.terminated)),
        Contract.address != "",
    )
    orders = db.session.scalars(
        select(Order).where(Order.status == OrderStatus.active).order_by(Order.id)
    ).all()
    units = set(db.session.scalars(contracted))
    return sorted(orders, key=lambda o: o.unit_id not in units)[:6]


def demo(company: Company) -> None:
    with company_scope(company.id):
        if db.session.scalar(select(Complaint.id).limit(1)) is not None:
            return
        orders = _subjects()
        rep, lawyer = _user("cs-rep@ly.example.com"), _user("lawyer@ly.example.com")
        if len(orders) < 6 or rep is None:
            return
        approvals.install_default_flows(company)
        now, day = services.now_utc(), today()

        def record(order, hours_ago, channel, category, section, content, **extra):
            data = {
                "unit_id": order.unit_id,
                "customer_id": order.customer_id,
                "channel": channel,
                "category": category,
                "section": section,
                "content": content,
                "received_at": (now - timedelta(hours=hours_ago)).isoformat() + "+00:00",
                **extra,
            }
            return services.record(company, rep, data)

        letter = record(
            orders[0], 40, "letter", "quality", "一标段", "来信反映卫生间墙面渗水，要求书面答复。"
        )
        record(orders[1], 10, "phone", "service", "", "来电询问按揭放款进度，对答复时效不满。")
        record(orders[2], 72, "in_person", "delivery", "二标段", "到访反映交房时间一再推迟。")
        resolved = record(
            orders[3],
            150,
            "phone",
            "property",
            "",
            "反映小区夜间噪音。",
            answer="已通知物业加强巡查。",
        )
        services.resolve(resolved, rep, {"resolution": "物业已调整施工时间。", "on": day - 6 * DAY})
        closed = record(
            orders[4], 300, "at_handover", "quality", "一标段", "验房发现窗框密封不严。"
        )
        services.resolve(closed, rep, {"resolution": "施工单位已返修。", "on": day - 10 * DAY})
        services.record_follow_up(
            closed,
            rep,
            {"called_on": day - 8 * DAY, "reached": True, "satisfaction": "satisfied"},
        )
        dispute = record(orders[5], 500, "letter", "contract", "", "对面积差价结算有异议，拟起诉。")
        services.open_dispute(
            dispute,
            rep,
            {
                "reason": "lawsuit",
                "lawyer_id": lawyer.id if lawyer else None,
                "court": "洛龙区人民法院",
            },
        )
        db.session.commit()
        services.answer(letter, rep, {"text": "已电话联系业主，安排工程部上门查看。"})
        if replies.live_contract(letter) is not None:
            replies.submit_reply(
                letter,
                rep,
                {"text": "经工程部现场查勘，渗水系防水层局部破损所致，我司将于七日内完成维修。"},
            )
        db.session.commit()
