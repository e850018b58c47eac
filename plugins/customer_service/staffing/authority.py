"""What a customer-service rep may decide alone (CS-03).

A rep settles on the spot: a service promise that costs the company nothing, a contract
change with no financial effect, the handling of a customer's breach within the contract's
own terms. Anything with a financial effect, and any other kind of decision (a cancellation,
a major term change), needs approval (CS-05, CS-07). Other areas ask :func:`needs_approval`
before deciding and route the case to their approval flow when it answers True.
"""

import enum

from flask_babel import lazy_gettext as _l

from core.admin import labels


class Decision(enum.StrEnum):
    service_promise = "service_promise"
    contract_change = "contract_change"
    breach_handling = "breach_handling"  # a customer's breach handled by the contract's terms


labels.register(
    {
        Decision.service_promise: _l("Service promise"),
        Decision.contract_change: _l("Contract change"),
        Decision.breach_handling: _l("Handling of a customer's breach"),
    }
)


def within_authority(kind: str, financial_effect: bool) -> bool:
    """True when a rep may decide a ``kind`` decision alone (CS-03)."""
    return kind in Decision.__members__ and not financial_effect


def needs_approval(kind: str, financial_effect: bool) -> bool:
    return not within_authority(kind, financial_effect)
