"""Signing a contract (CS-04): booking the signing with the customer, telling the lawyer, the
annex checklist, the check that the contract matches its order, and the signing itself (the
unit goes subscribed → contracted), then the company's stamp.

Each entry point is one transaction and commits; a refusal changes nothing.
"""

from collections import Counter
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from core.admin.labels import label
from core.duties import today
from core.models import User
from core.services.transaction import company_transaction
from plugins.customer_service.contracts.services import ContractRefused, buyer_of, company_of
from plugins.customer_service.models import Contract, ContractStatus, InstalmentKind
from plugins.customer_service.models.contracts import ANNEXES
from plugins.sales.models import UnitState
from plugins.sales.orders.models import OrderStatus

ANNEX_LABELS = {
    "floor_plan": _l("Floor plan"),
    "payment_terms": _l("Payment terms annex"),
    "fitout_equipment_list": _l("Fit-out and equipment list"),
    "supplementary_agreement": _l("Supplementary agreement"),
}
# The instalments that come from the order's schedule (the others are added later: CS-19/20).
FROM_ORDER = (InstalmentKind.payment, InstalmentKind.fee)


def require_status(contract: Contract, *statuses: ContractStatus) -> None:
    if contract.status not in statuses:
        raise ContractRefused(
            _(
                "Contract %(number)s is %(status)s.",
                number=contract.number,
                status=label(contract.status),
            ),
            {"status": [_("Not allowed in this status.")]},
        )


def _check_within_validity(contract: Contract, day: date, field: str) -> None:
    if day > contract.order.signing_date:
        raise ValidationError(
            {
                field: [
                    _(
                        "After the order's signing date %(day)s: extend the order first.",
                        day=contract.order.signing_date.isoformat(),
                    )
                ]
            }
        )


def book_signing(contract: Contract, user: User, on: date, lawyer_told_on: date | None = None):
    """Record the signing day agreed with the customer (within the order's validity) and, if
    given, the day the lawyer was told."""
    require_status(contract, ContractStatus.draft)
    _check_within_validity(contract, on, "signing_booked_on")
    with company_transaction(company_of(contract)):
        contract.signing_booked_on = on
        if lawyer_told_on is not None:
            contract.lawyer_told_on = lawyer_told_on
    return contract


def tell_lawyer(contract: Contract, user: User, on: date | None = None) -> Contract:
    """Record the day the lawyer was told of the booked signing."""
    require_status(contract, ContractStatus.draft)
    if contract.signing_booked_on is None:
        raise ValidationError({"signing_booked_on": [_("Book the signing first.")]})
    with company_transaction(company_of(contract)):
        contract.lawyer_told_on = on or today()
    return contract


def set_annexes(contract: Contract, user: User, present: dict) -> Contract:
    """Tick the annexes present (``{"floor_plan": True, ...}``); unknown keys are refused."""
    unknown = sorted(set(present) - set(ANNEXES))
    if unknown:
        raise ValidationError({"annexes": [_("Unknown annex: %(k)s.", k=", ".join(unknown))]})
    require_status(contract, ContractStatus.draft, ContractStatus.signed)
    with company_transaction(company_of(contract)):
        contract.annexes = {
            key: bool(present.get(key, (contract.annexes or {}).get(key))) for key in ANNEXES
        }
    return contract


def missing_annexes(contract: Contract) -> list[str]:
    annexes = contract.annexes or {}
    return [key for key in ANNEXES if not annexes.get(key)]


def _schedule_differences(contract: Contract) -> list[str]:
    """The order's schedule lines and the contract's instalments from it, compared by what,
    due date and amount, in due-date order."""
    lines = sorted(contract.order.current.schedule, key=lambda line: str(line["due"]))
    expected = [(str(ln["what"]), str(ln["due"]), Decimal(str(ln["amount"]))) for ln in lines]
    actual = [
        (i.what, i.due_on.isoformat(), i.amount)
        for i in contract.instalments
        if i.kind in FROM_ORDER
    ]
    missing, extra = Counter(expected) - Counter(actual), Counter(actual) - Counter(expected)
    return [
        _(
            "Order line %(what)s due %(due)s: %(amount)s is not in the contract.",
            what=what,
            due=due,
            amount=amount,
        )
        for what, due, amount in sorted(missing.elements())
    ] + [
        _(
            "Contract instalment %(what)s due %(due)s: %(amount)s is not in the order.",
            what=what,
            due=due,
            amount=amount,
        )
        for what, due, amount in sorted(extra.elements())
    ]


def signing_problems(contract: Contract, on: date) -> dict[str, list[str]]:
    """Everything that stops ``contract`` being signed on ``on``, by field (empty: none):
    booking and lawyer, the four annexes, and price, payment method, buyer and dates matching
    the order's current version within its validity."""
    order, version = contract.order, contract.order.current
    problems: dict[str, list[str]] = {}

    def add(field, message):
        problems.setdefault(field, []).append(message)

    if contract.signing_booked_on is None:
        add("signing_booked_on", _("The signing was not booked with the customer."))
    if contract.lawyer_told_on is None:
        add("lawyer_told_on", _("The lawyer was not told."))
    for key in missing_annexes(contract):
        add("annexes", _("Missing: %(annex)s.", annex=ANNEX_LABELS[key]))
    if contract.price != version.price:
        add("price", _("Contract %(c)s, order %(o)s.", c=contract.price, o=version.price))
    if contract.payment_method != version.payment_method:
        add(
            "payment_method",
            _(
                "Contract %(c)s, order %(o)s.",
                c=label(contract.payment_method),
                o=label(version.payment_method),
            ),
        )
    if contract.buyer_name != buyer_of(order):
        add(
            "buyer_name",
            _("Contract %(c)s, order %(o)s.", c=contract.buyer_name, o=buyer_of(order)),
        )
    for message in _schedule_differences(contract):
        add("instalments", message)
    if order.status != OrderStatus.active:
        add("order_id", _("The order is %(status)s.", status=label(order.status)))
    if on > order.signing_date:
        add(
            "signing_date",
            _("The order was valid until %(day)s.", day=order.signing_date.isoformat()),
        )
    return problems


def sign_contract(contract: Contract, user: User, on: date | None = None) -> Contract:
    """Sign: refused with :class:`ContractRefused` listing every problem by field; otherwise
    the unit goes subscribed → contracted (sales control, logged) and the contract is signed,
    in one transaction."""
    # Imported when used: the units area owns the state machine and its log.
    from plugins.sales.units.services import take_unit

    on = on or today()
    require_status(contract, ContractStatus.draft)
    problems = signing_problems(contract, on)
    if problems:
        raise ContractRefused(
            _(
                "Contract %(number)s cannot be signed: %(what)s",
                number=contract.number,
                what="; ".join(f"{k}: {' '.join(v)}" for k, v in problems.items()),
            ),
            problems,
        )
    with company_transaction(company_of(contract)):
        reason = _("Contract %(number)s signed", number=contract.number)
        if not take_unit(
            contract.unit_id, {UnitState.subscribed}, UnitState.contracted, user, reason
        ):
            raise ContractRefused(
                _(
                    "Unit %(unit)s is %(state)s, not subscribed.",
                    unit=contract.unit.label,
                    state=label(contract.unit.state),
                ),
                {"unit": [_("The unit is not subscribed.")]},
            )
        contract.status, contract.signed_on = ContractStatus.signed, on
    return contract


def stamp_contract(contract: Contract, user: User, on: date | None = None) -> Contract:
    """Record the company's stamp on a signed contract (needed for registration, CS-06)."""
    require_status(contract, ContractStatus.signed)
    with company_transaction(company_of(contract)):
        contract.stamped, contract.stamped_on = True, on or today()
    return contract
