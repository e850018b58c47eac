"""The ladder's letters (CS-10, CS-17): reminder, demand, lawyer's letter, pre-release and
release notices. Each is about one instalment (the letter's subject), goes to the contract's
addresses (the archive area's CS-17 rule) and is filed in the customer's archive (CS-18).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from core.duties import today
from core.letters import LetterData, LetterKind
from core.letters.production import LetterDraft
from core.models.letters import MailingMethod
from core.plugins.state import get_settings
from plugins.customer_service.dunning.models import Step
from plugins.customer_service.models import Instalment

OWNER = "cs_instalment"  # the letters' subject record: the dunned instalment


@dataclass(frozen=True)
class Ladder:
    kind: str
    title: str  # the letter's Chinese title, as printed
    method: MailingMethod


LETTERS = {
    Step.reminder_letter: Ladder(
        "customer_service.dunning_reminder", "提醒付款通知函", MailingMethod.express
    ),
    Step.demand_letter: Ladder("customer_service.dunning_demand", "催付函", MailingMethod.express),
    Step.lawyer_letter: Ladder(
        "customer_service.dunning_lawyer", "律师函", MailingMethod.by_lawyer
    ),
    Step.pre_release: Ladder(
        "customer_service.dunning_pre_release", "预放通知书", MailingMethod.registered
    ),
    Step.release: Ladder("customer_service.dunning_release", "放房通知书", MailingMethod.express),
}
KIND_LABELS = {
    Step.reminder_letter: _l("Dunning: reminder letter"),
    Step.demand_letter: _l("Dunning: demand letter"),
    Step.lawyer_letter: _l("Dunning: lawyer's letter"),
    Step.pre_release: _l("Dunning: pre-release notice"),
    Step.release: _l("Dunning: release notice"),
}
DEMAND_KIND = LETTERS[Step.demand_letter].kind


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}元"


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _paragraphs(step: Step, facts: dict, company, settings: dict) -> list[str]:
    owed = (
        f"您于{facts['signed']}与我公司签订《商品房买卖合同》（合同编号{facts['contract']}），"
        f"购买{facts['unit']}。按合同约定，{facts['what']}{facts['amount']}应于{facts['due']}前"
        f"付清，截至{facts['today']}，尚欠{facts['outstanding']}，已逾期{facts['late']}日。"
    )
    pay = "请您于收到本函之日起七日内将上述款项付至我公司账户，或到客户服务中心办理。"
    paid = "如您已付款，请携付款凭证到客户服务中心核对，并请忽略本函。"
    if step == Step.reminder_letter:
        return [owed, pay, paid, "特此通知。"]
    if step == Step.demand_letter:
        return [
            owed,
            pay + "逾期未付的，我公司将依合同约定追究您的违约责任，直至解除合同。",
            paid,
            "特此函告。",
        ]
    if step == Step.lawyer_letter:
        firm = settings["dunning_law_firm"] or "本律师"
        return [
            f"{firm}受{company.name}委托，就您拖欠房款一事致函如下：",
            owed,
            "我公司已多次催告，您至今仍未付清。请您于收到本函之日起七日内付清欠款及违约金；"
            "否则委托人将依合同约定解除合同，并保留通过法律途径追究您违约责任的权利。",
            "特此函告。",
        ]
    if step == Step.pre_release:
        return [
            owed,
            f"鉴于您长期未付清上述款项，我公司已将{facts['unit']}列为预放房源。请您于收到本"
            "通知之日起十日内付清欠款；逾期仍未付清的，我公司将依合同约定解除合同，另行出售"
            "该房屋。",
            "特此通知。",
        ]
    return [
        owed,
        f"我公司已多次书面催告，您仍未付清欠款。依合同约定，我公司自{facts['today']}起解除"
        f"与您签订的《商品房买卖合同》（合同编号{facts['contract']}），{facts['unit']}"
        "将另行出售；您已付款项按合同违约条款结算。",
        "请您于收到本通知之日起十五日内到客户服务中心办理退房结算手续。",
        "特此通知。",
    ]


def build(instalment: Instalment, *, company, step: str = "", day: str = "", **_ignored):
    """The letter of ladder step ``step`` about ``instalment``, dated ``day`` (ISO: the day
    the scan produced it, CS-10)."""
    from plugins.customer_service.archive.services import letter_addresses

    ladder_step = Step[step]
    ladder = LETTERS[ladder_step]
    settings = get_settings(company, "customer_service")
    contract = instalment.contract
    unit = contract.unit
    date = dt.date.fromisoformat(day) if day else today()
    project = unit.building.project.name if unit.building and unit.building.project else ""
    facts = {
        "signed": _cn(contract.signed_on or contract.created_at.date()),
        "contract": contract.number,
        "unit": f"{project}{unit.label}室",
        "what": instalment.what,
        "amount": _money(instalment.amount),
        "due": _cn(instalment.due_on),
        "today": _cn(date),
        "outstanding": _money(instalment.outstanding),
        "late": max((date - instalment.due_on).days, 0),
    }
    letter = LetterData(
        company_name=company.name,
        title=ladder.title,
        addressee=f"{contract.buyer_name} 先生/女士",
        address="",
        body=_paragraphs(ladder_step, facts, company, settings),
        date=date,
        signer=settings["dunning_law_firm"] if ladder_step == Step.lawyer_letter else "",
    )
    return LetterDraft(
        letter,
        addresses=letter_addresses(contract),
        archive=("sales_customer", instalment.customer_id),
        method=ladder.method,
    )


def letter_kinds(company) -> list[LetterKind]:
    return [LetterKind(LETTERS[s].kind, KIND_LABELS[s], build) for s in LETTERS]
