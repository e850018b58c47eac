"""The archive of the demo company (``erp demo``), after the contracts and payments demos: an
address change told by phone (letters to both addresses), one confirmed in writing with the
letter to the lawyer, a customer's letter answered and one waiting, a letter that came back
filed whole, and archives holding scans, the customer card and a deletion waiting for the VP.
Everything goes through the services; a second run finds the first change and stops."""

import io
from datetime import timedelta

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from core import approvals
from core.duties import today
from core.extensions import db
from core.letters.fonts import FONT_NAME, letter_font
from core.letters.mailing import record_mailing
from core.letters.production import NOTICE, produce_letter
from core.models import Company, User
from core.plugins.state import get_settings, update_settings
from core.tenancy import company_scope
from plugins.customer_service.archive import card, index, services
from plugins.customer_service.archive.models import AddressChange, IncomingLetter
from plugins.customer_service.models import Contract

LAWYER = {
    "address_change_lawyer_name": "河南洛神律师事务所 王建国律师",
    "address_change_lawyer_address": "河南省洛阳市洛龙区开元大道166号洛神律师事务所",
}
MOVED = ("河南省郑州市金水区花园路88号", "河南省洛阳市西工区中州中路12号")


def _scan(*lines: str) -> bytes:
    """A one-page PDF standing for a scanned paper document."""
    letter_font()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.setFont(FONT_NAME, 14)
    for n, line in enumerate(lines):
        canvas.drawString(72, 760 - 28 * n, line)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _scans(contract: Contract, clerk: User | None) -> None:
    customer = contract.customer
    for kind, title in (("order", "认购书"), ("contract", "商品房买卖合同")):
        text = _scan(f"{title}（扫描件）", f"{customer.code} {customer.name}", contract.number)
        index.file_document(customer, kind, f"{title} {contract.number}.pdf", text, clerk)


def _notice(company: Company, contract: Contract, clerk, step: str, body: str):
    context = {
        "title": "通知函",
        "addressee": contract.buyer_name,
        "addresses": services.letter_addresses(contract),
        "body": [body, "特此通知。"],
        "archive": [services.ARCHIVE, contract.customer_id],
    }
    return produce_letter(company, NOTICE, "cs_contract", contract.id, step, context, clerk)


def _returned_letter(company: Company, contract: Contract, clerk) -> None:
    """A notice to both addresses: the old address sends it back (filed whole), the other
    one's express receipt is filed with the archive copy."""
    letter = _notice(
        company, contract, clerk, "demo", "请于十五日内携带身份证原件到客户服务中心核对资料。"
    )
    db.session.flush()
    day = today()
    for n, mailing in enumerate(letter.mailings, 1):
        receipt = (
            f"EMS{n}.pdf",
            _scan("EMS 邮件详情单", f"运单号 EMS10{n}2026CN", mailing.address),
        )
        record_mailing(
            mailing, {"sent_on": day, "tracking_number": f"EMS10{n}2026CN"}, receipt, user=clerk
        )
    back = letter.mailings[0]
    envelope = _scan("退回信封及原函（整件扫描）", "退回原因：原址查无此人", back.address)
    record_mailing(back, {"returned_on": day}, returned_letter=("退件.pdf", envelope), user=clerk)


def load(company: Company) -> dict:
    """Create the archive showcase once; returns what it holds."""
    with company_scope(company.id):
        done = db.session.scalar(select(AddressChange.id).limit(1))
        contracts = db.session.scalars(
            select(Contract)
            .where(Contract.status.not_in(services.CLOSED), Contract.address != "")
            .order_by(Contract.id)
            .limit(4)
        ).all()
    if done is not None or len(contracts) < 4:
        return summary(company)
    approvals.install_default_flows(company)  # the VP's deletion flow (core)
    if not get_settings(company, services.PLUGIN)["address_change_lawyer_address"].strip():
        update_settings(company, services.PLUGIN, LAWYER)
        db.session.commit()
    clerk = _user("archive-clerk@ly.example.com")
    day = today()
    with company_scope(company.id):
        phoned, written, asked, filed = contracts
        services.record_address_change(
            company, clerk, phoned, MOVED[0], day - timedelta(days=3), "客户电话告知，尚未书面确认"
        )
        services.record_address_change(
            company,
            clerk,
            written,
            MOVED[1],
            day - timedelta(days=6),
            "客户来函确认",
            confirmed_on=day - timedelta(days=2),
            file=("地址变更确认书.pdf", _scan("地址变更确认书", written.buyer_name, MOVED[1])),
        )
        for contract in contracts:
            _scans(contract, clerk)
            card.produce_card(company, contract.customer, clerk)
        customer = asked.customer
        question = services.record_incoming_letter(
            company,
            clerk,
            customer,
            day - timedelta(days=5),
            customer.name,
            "关于交房时间及车位的询问",
            file=("来函.pdf", _scan("来函", "请问交房时间及车位购买事宜。", customer.name)),
        )
        services.answer_letter(
            company,
            clerk,
            question,
            [
                "本项目计划于2027年6月30日前交付，届时将另行寄送入伙通知书。",
                "车位销售方案将于明年一季度公布。",
            ],
        )
        services.record_incoming_letter(
            company,
            clerk,
            phoned.customer,
            day - timedelta(days=1),
            phoned.customer.name,
            "申请变更付款日期",
            file=("来函.pdf", _scan("来函", "申请将第二期房款付款日期推迟一个月。")),
        )
        _returned_letter(company, phoned, clerk)
        duplicate = index.file_document(
            filed.customer, "other", "身份证复印件（重复扫描）.pdf", _scan("身份证复印件"), clerk
        )
        db.session.commit()
        manager = _user("cs-manager@ly.example.com")
        if manager is not None:
            index.ask_deletion(
                filed.customer_id, duplicate.id, manager, "与已归档的身份证复印件重复"
            )
    return summary(company)


def summary(company: Company) -> dict:
    with company_scope(company.id):
        changes = db.session.scalars(select(AddressChange)).all()
        letters = db.session.scalars(select(IncomingLetter)).all()
        return {
            "address_changes": len(changes),
            "confirmed": sum(1 for c in changes if c.confirmed),
            "customer_letters": len(letters),
            "unanswered": sum(1 for x in letters if x.answer_letter_id is None),
        }
