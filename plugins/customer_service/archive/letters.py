"""The archive area's letter kinds (CS-17): telling the lawyer of a confirmed address change,
and the written answer to a customer's letter. Both are filed in the customer's archive."""

from flask_babel import lazy_gettext as _l

from core.duties import today
from core.letters import LetterData, LetterKind, LetterTable
from core.letters.production import LetterDraft
from core.letters.render import chinese_date
from core.models import Company
from plugins.customer_service.archive import services
from plugins.customer_service.archive.models import AddressChange, IncomingLetter


def lawyer_letter(change: AddressChange, *, company: Company, **_ignored) -> LetterDraft:
    """To the company's lawyer (a setting): the customer confirmed a new address in writing;
    letters about the contract go there from now on."""
    settings = services.lawyer_settings(company)
    contract, customer = change.contract, change.customer
    letter = LetterData(
        company_name=company.name,
        title="客户通讯地址变更告知函",
        addressee=settings["address_change_lawyer_name"],
        address=settings["address_change_lawyer_address"],
        body=[
            f"我公司客户{customer.name}（客户编号{customer.code}）已书面确认变更其《商品房买卖"
            f"合同》（合同编号{contract.number}，房号{contract.unit.label}）的通讯地址，"
            "具体如下：",
            LetterTable(
                [
                    ["项目", "内容"],
                    ["原通讯地址", services.previous_address(change) or "（无）"],
                    ["新通讯地址", change.new_address],
                    ["客户告知日期", chinese_date(change.reported_on)],
                    ["书面确认日期", chinese_date(change.confirmed_on)],
                ],
                col_widths=[0.3, 0.7],
            ),
            "自即日起，我公司致该客户的一切函件均寄往新通讯地址。书面确认文件已存入客户档案。",
            "特此告知。",
        ],
        date=today(),
    )
    archive = (services.ARCHIVE, change.customer_id)
    return LetterDraft(letter, [settings["address_change_lawyer_address"]], archive)


def answer(
    incoming: IncomingLetter, *, company: Company, body: list, title: str = "", **_ignored
) -> LetterDraft:
    """The written answer to a customer's letter, to the customer's letter addresses."""
    opening = (
        f"您于{chinese_date(incoming.received_on)}来函（{incoming.subject}）收悉。"
        "经研究，现答复如下："
    )
    letter = LetterData(
        company_name=company.name,
        title=title or "复函",
        addressee=incoming.sender,
        address="",  # the mailing addresses, joined (core.letters.production)
        body=[opening, *body, "如有疑问，请与我公司客户服务部联系。"],
        date=today(),
        signer=f"{company.name}客户服务部",
    )
    archive = (services.ARCHIVE, incoming.customer_id)
    return LetterDraft(letter, services.answer_addresses(incoming), archive)


def letter_kinds() -> list[LetterKind]:
    return [
        LetterKind(services.LAWYER_KIND, _l("Address change: letter to the lawyer"), lawyer_letter),
        LetterKind(services.ANSWER_KIND, _l("Answer to a customer's letter"), answer),
    ]
