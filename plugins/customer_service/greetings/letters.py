"""The letter kinds of CS-16: birthday cards, holiday cards and the monthly newsletter, in
Chinese, each filed in the customer's archive and sent to the contract's address (CS-17)."""

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core.duties import today
from core.extensions import db
from core.letters import LetterData, LetterKind
from core.letters.production import LetterDraft
from plugins.customer_service.archive.services import letter_addresses
from plugins.customer_service.greetings.models import Newsletter, Relation
from plugins.customer_service.greetings.services import (
    NEWSLETTER,
    customer_contract,
    household_contract,
)
from plugins.customer_service.models import Contract

BIRTHDAY = "customer_service.birthday_card"
HOLIDAY = "customer_service.holiday_card"
SIGNER = "客户服务部"
HOLIDAYS = {
    "new_year": ("新年贺卡", "值此新年到来之际，{company}全体员工恭祝您新年快乐，万事如意！"),
    "spring_festival": (
        "春节贺卡",
        "值此新春佳节，{company}全体员工给您拜年，祝您阖家幸福，身体健康，万事顺意！",
    ),
    "mid_autumn": ("中秋贺卡", "月圆人团圆。值此中秋佳节，{company}祝您和家人团圆美满，幸福安康！"),
    "national_day": ("国庆贺卡", "值此国庆佳节，{company}全体员工祝您节日愉快，生活美满！"),
    "christmas": ("圣诞贺卡", "值此圣诞佳节，{company}全体员工祝您圣诞快乐，平安喜乐！"),
}


def _required(contract: Contract | None) -> Contract:
    if contract is None:
        raise ValidationError({"customer_id": ["the customer has no contract to write to"]})
    return contract


def _draft(company, contract: Contract, title: str, addressee: str, body: list[str]):
    letter = LetterData(
        company_name=company.name,
        title=title,
        addressee=addressee,
        address="",
        body=body,
        date=today(),  # dated the day it is produced, also when a duty catches up late
        salutation=f"尊敬的{addressee}",
        signer=f"{company.name}{SIGNER}",
    )
    return LetterDraft(
        letter, letter_addresses(contract), archive=("sales_customer", contract.customer_id)
    )


def build_birthday(person, *, company, step: str = "", **_ignored) -> LetterDraft:
    """A birthday card to ``person`` (the customer or a family member), at the customer's
    contract address."""
    contract = _required(customer_contract(person.customer_id))
    wish = "祝您生日快乐，身体健康，万事如意！"
    if person.relation == Relation.child:
        wish = "祝您生日快乐，健康成长，学业进步！"
    body = [f"在您生日到来之际，{company.name}全体员工向您致以最诚挚的祝福。", wish]
    return _draft(company, contract, "生日贺卡", person.name, body)


def build_holiday(customer, *, company, step: str = "", holiday: str = "", **_ignored):
    """A holiday card (``holiday``: a key of :data:`HOLIDAYS`) to a customer."""
    title, text = HOLIDAYS[holiday]
    contract = _required(customer_contract(customer.id))
    body = [text.format(company=company.name), "感谢您一直以来对我们工作的理解与支持。"]
    return _draft(company, contract, title, customer.name, body)


def build_newsletter(household, *, company, step: str = "", **_ignored) -> LetterDraft:
    """The newsletter of ``step`` (a month, 2026-11) of the household's project."""
    newsletter = db.session.scalar(
        select(Newsletter).where(
            Newsletter.project_id == household.project_id, Newsletter.month == step
        )
    )
    if newsletter is None:
        raise ValidationError({"month": [f"no newsletter for {step}"]})
    contract = _required(household_contract(household.unit_id))
    year, month = step.split("-")
    heading = (
        f"现将{newsletter.project.name}{int(year)}年{int(month)}月的项目进展通报如下"
        f"（房号：{household.unit}）："
    )
    paragraphs = [p.strip() for p in newsletter.body.split("\n\n") if p.strip()]
    return _draft(
        company, contract, newsletter.title, household.customer.name, [heading, *paragraphs]
    )


def letter_kinds(company) -> list[LetterKind]:
    return [
        LetterKind(BIRTHDAY, _l("Birthday card"), build_birthday),
        LetterKind(HOLIDAY, _l("Holiday card"), build_holiday),
        LetterKind(NEWSLETTER, _l("Customer newsletter"), build_newsletter),
    ]
