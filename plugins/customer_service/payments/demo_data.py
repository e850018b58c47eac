"""Payments of the demo company (``erp demo``), after the contracts demo: through the services,
customers pay what has fallen due, some in full (registered contracts always), some partly,
some by bank transfer, some not at all (for the dunning ladder); one overpays (a credit on the
contract), one cheque bounces (a reversed receipt), one bank transfer waits to be identified.
An engineering change and a mortgage advance wait on their approval routes. A second run
changes nothing."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from core.duties import today
from core.extensions import db
from core.models import Company, Membership, Role, User
from core.models.auth import membership_role
from core.tenancy import company_scope
from plugins.customer_service.models import Contract, ContractStatus, Instalment
from plugins.customer_service.payments import advances, notices, receipts
from plugins.customer_service.payments.models import BankTransfer, PaymentNotice
from plugins.sales.orders.models import PaymentMethod

PAID = (ContractStatus.signed, ContractStatus.registered)


def _member(company: Company, role: str) -> User | None:
    """The company's first user holding ``role`` (the demo has one per role)."""
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(membership_role, membership_role.c.membership_id == Membership.id)
        .join(Role, Role.id == membership_role.c.role_id)
        .where(Membership.company_id == company.id, Role.code == role)
        .order_by(User.id)
        .limit(1)
    )


def _due(contract: Contract) -> Decimal:
    """What the customer owes today on ``contract``."""
    rows = db.session.scalars(
        select(Instalment).where(
            Instalment.contract_id == contract.id,
            Instalment.settled.is_(False),
            Instalment.due_on <= today(),
        )
    )
    return sum((i.outstanding for i in rows), Decimal("0.00"))


def _pay(company, contract, amount, people, method="cash", **notice) -> None:
    """A notice for ``amount`` (None: a transfer's), received by finance."""
    if amount is not None and amount <= 0:
        return
    values = {"contract_id": contract.id, "amount": amount, "method": method} | notice
    issued = notices.issue_notice(company, people["rep"], values)
    receipts.issue_receipt(issued, people["finance"], {"invoice_no": f"FP{issued.id:08d}"})


def _by_transfer(company, contract, amount, people) -> None:
    if amount <= 0:
        return
    transfer = notices.record_transfer(
        company,
        people["finance"],
        {
            "amount": amount,
            "payer": f"{contract.buyer_name} 6222****{contract.id:04d}",
            "received_on": today() - timedelta(days=1),
            "bank_ref": f"HX{contract.id:010d}",
        },
    )
    notices.identify_transfer(transfer, people["rep"], contract.id)
    _pay(company, contract, None, people, "transfer", transfer_id=transfer.id)


PLANS = ("full", "part", "transfer", "none", "card")


def _outstanding(contract: Contract) -> Decimal:
    rows = db.session.scalars(select(Instalment).where(Instalment.contract_id == contract.id))
    return sum((i.outstanding for i in rows), Decimal("0.00"))


def _payments(company: Company, contracts: list[Contract], people: dict) -> None:
    overpaid = bounced = False
    for n, contract in enumerate(contracts):
        due = _due(contract)
        plan = "full" if contract.status == ContractStatus.registered else PLANS[n % len(PLANS)]
        if plan == "full" and not overpaid:
            # Everything owed and 1,000 more: the contract keeps a credit.
            overpaid = True
            amount = _outstanding(contract) + Decimal("1000.00")
            _pay(company, contract, amount, people, note="多交部分存入合同余款")
        elif plan == "full":
            _pay(company, contract, due, people)
        elif plan == "part":
            _pay(company, contract, (due / 2).quantize(Decimal("100")), people)
            if not bounced:
                bounced = True
                issued = notices.issue_notice(
                    company,
                    people["rep"],
                    {"contract_id": contract.id, "amount": Decimal("10000.00"), "method": "cheque"},
                )
                receipt = receipts.issue_receipt(issued, people["finance"], {})
                receipts.reverse_receipt(receipt, people["finance_manager"], "支票退票（存款不足）")
        elif plan == "transfer":
            _by_transfer(company, contract, due, people)
        elif plan == "card":
            _pay(company, contract, due, people, "card")
    notices.record_transfer(
        company,
        people["finance"],
        {"amount": Decimal("8800.00"), "payer": "王** 6217****5678", "bank_ref": "HX-UNKNOWN"},
    )


def _approvals(company: Company, contracts: list[Contract], people: dict) -> None:
    from plugins.customer_service.engineering import services as engineering

    if contracts:
        change = engineering.request_change(
            company,
            people["rep"],
            {"contract_id": contracts[0].id, "description": "主卧与次卧之间隔墙改为推拉门"},
        )
        if people["engineering"] is not None:
            from core import approvals

            with company_scope(company.id):
                request = db.session.get(approvals.ApprovalRequest, change.approval_request_id)
            approvals.approve(request, people["engineering"], "结构允许")
    mortgage = [c for c in contracts if c.payment_method == PaymentMethod.mortgage]
    if mortgage:
        advances.request_advance(
            company,
            people["rep"],
            {
                "contract_id": mortgage[-1].id,
                "kind": "instalment",
                "amount": Decimal("3778.71"),
                "advance_on": today(),
                "what": f"{today().year}年{today().month}月月供",
                "bank": "中国建设银行洛阳分行",
                "reason": "客户月供逾期，公司承担阶段性担保",
            },
        )


def load(company: Company) -> None:
    with company_scope(company.id):
        if db.session.scalar(select(PaymentNotice.id).limit(1)) or db.session.scalar(
            select(BankTransfer.id).limit(1)
        ):
            return
        contracts = db.session.scalars(
            select(Contract).where(Contract.status.in_(PAID)).order_by(Contract.id)
        ).all()
    with company_scope(company.id):
        people = {
            name: _member(company, role)
            for name, role in (
                ("rep", "cs_rep"),
                ("finance", "finance"),
                ("finance_manager", "finance_manager"),
                ("engineering", "engineering"),
            )
        }
    if None in (people["rep"], people["finance"], people["finance_manager"]) or not contracts:
        return
    _payments(company, contracts, people)
    _approvals(company, contracts, people)
