"""The customer card (客户资料卡, CS-08/CS-18): a PDF summary of the customer read from the shared
tables (order, contract, instalments and what was paid), produced into the customer's archive
as the next version of its card."""

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from core.documents.service import add_document
from core.duties import today
from core.extensions import db
from core.letters.fonts import FONT_NAME, letter_font
from core.letters.layout import CJKParagraph
from core.letters.render import chinese_date
from core.models import Company, User
from core.models.documents import Document
from plugins.customer_service.archive.services import ARCHIVE, letter_addresses
from plugins.customer_service.models import Contract, Household, Instalment
from plugins.sales.models import Customer
from plugins.sales.orders.models import Order

KIND = "customer_card"
# The card is a Chinese business document, like the letters: its words are fixed Chinese.
ORDER_STATES = {
    "pending_approval": "待审批",
    "active": "有效",
    "voided": "作废",
    "refunded": "已退定",
    "rejected": "未批准",
    "withdrawn": "已换房",
    "terminated": "违约终止",
    "cancelled": "合同解除",
}
CONTRACT_STATES = {
    "draft": "待签约",
    "signed": "已签约",
    "registered": "已备案",
    "cancelled": "已解除",
    "terminated": "已终止",
}
METHODS = {"full": "一次性付款", "instalments": "分期付款", "mortgage": "按揭"}


def _style(name: str, size: float, **kw) -> ParagraphStyle:
    return ParagraphStyle(
        name, fontName=FONT_NAME, fontSize=size, leading=size * 1.45, wordWrap="CJK", **kw
    )


TITLE = _style("card_title", 18, alignment=TA_CENTER, spaceAfter=6)
HEAD = _style("card_head", 12, spaceBefore=8, spaceAfter=4)
CELL = _style("card_cell", 9.5)
COMPANY = _style("card_company", 11, alignment=TA_CENTER)


def _money(value: Decimal | None) -> str:
    return f"{Decimal(value or 0):,.2f}"


def _table(rows: list[list[str]], widths: list[float], header: bool = True) -> Table:
    cells = [[CJKParagraph(escape(str(c)).replace("\n", "<br/>"), CELL) for c in r] for r in rows]
    table = Table(cells, colWidths=[w * 155 * mm for w in widths], repeatRows=int(header))
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")))
    table.setStyle(TableStyle(style))
    return table


def _order_rows(orders: list[Order]) -> list[list[str]]:
    rows = [["订单", "房号", "认购日期", "状态", "成交价（元）"]]
    for order in orders:
        version = next((v for v in order.versions if v.number == order.version), None)
        price = _money(version.price) if version else ""
        state = ORDER_STATES.get(str(order.status), str(order.status))
        rows.append([f"#{order.id}", order.unit.label, str(order.ordered_on), state, price])
    return rows


def _contract_rows(contracts: list[Contract]) -> list[list[str]]:
    rows = [["合同编号", "房号", "状态", "付款方式", "合同价（元）", "签约日期", "函件地址"]]
    for c in contracts:
        rows.append(
            [
                c.number,
                c.unit.label,
                CONTRACT_STATES.get(str(c.status), str(c.status)),
                METHODS.get(str(c.payment_method), str(c.payment_method)),
                _money(c.price),
                str(c.signed_on or ""),
                "\n".join(letter_addresses(c)),
            ]
        )
    return rows


def _instalment_rows(instalments: list[Instalment]) -> list[list[str]]:
    rows = [["合同", "期", "款项", "应付日期", "应付（元）", "已付（元）", "结清日期"]]
    for i in instalments:
        rows.append(
            [
                i.contract.number,
                str(i.seq),
                i.what,
                str(i.due_on),
                _money(i.amount),
                _money(i.paid),
                str(i.settled_on or ""),
            ]
        )
    owed = sum((i.amount for i in instalments), Decimal("0"))
    paid = sum((i.paid or Decimal("0") for i in instalments), Decimal("0"))
    rows.append(["合计", "", f"未付 {_money(owed - paid)}", "", _money(owed), _money(paid), ""])
    return rows


def card_pdf(company: Company, customer: Customer) -> bytes:
    """The card as a PDF, with the letters' embedded font."""
    letter_font()
    orders = db.session.scalars(
        select(Order).where(Order.customer_id == customer.id).order_by(Order.id)
    ).all()
    contracts = db.session.scalars(
        select(Contract).where(Contract.customer_id == customer.id).order_by(Contract.id)
    ).all()
    instalments = db.session.scalars(
        select(Instalment)
        .where(Instalment.customer_id == customer.id)
        .order_by(Instalment.contract_id, Instalment.seq)
    ).all()
    household = db.session.scalar(select(Household).where(Household.customer_id == customer.id))
    rep = household.rep if household and household.rep else None
    identity = [
        ["客户编号", customer.code, "姓名", customer.name],
        ["电话", customer.phone or "", "客服专员", (rep.name or rep.email) if rep else ""],
    ]
    story = [
        CJKParagraph(escape(company.name), COMPANY),
        CJKParagraph("客户资料卡", TITLE),
        CJKParagraph(f"制卡日期：{chinese_date(today())}", CELL),
        Spacer(0, 4),
        _table(identity, [0.18, 0.32, 0.18, 0.32], header=False),
        CJKParagraph("认购", HEAD),
        _table(_order_rows(orders), [0.12, 0.2, 0.2, 0.2, 0.28]),
        CJKParagraph("合同", HEAD),
        _table(_contract_rows(contracts), [0.14, 0.14, 0.1, 0.13, 0.15, 0.13, 0.21]),
        CJKParagraph("应收款与交款", HEAD),
        _table(_instalment_rows(instalments), [0.14, 0.06, 0.2, 0.14, 0.16, 0.16, 0.14]),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"客户资料卡 {customer.code}",
        author=company.name,
        creator="erp-realestate",
        initialFontName=FONT_NAME,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    doc.build(story)
    return out.getvalue()


def produce_card(company: Company, customer: Customer, user: User | None) -> Document:
    """File the customer's card in the archive: one chain, a new version each time."""
    name = f"客户资料卡 {customer.code}.pdf"
    return add_document(ARCHIVE, customer.id, KIND, name, card_pdf(company, customer), user)
