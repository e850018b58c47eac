"""Letter kinds: what the enabled plugins of a company can write (dunning, move-in notice...).

A plugin returns :class:`LetterKind` objects from the per-company hook
``erp_letter_templates(company)``; ``build(subject, **ctx)`` turns its business object
(a contract, an order...) into the :class:`~core.letters.render.LetterData` to render.
"""

from collections.abc import Callable
from dataclasses import dataclass

from core.letters.render import LetterData
from core.models import Company
from core.plugins import state


@dataclass(frozen=True)
class LetterKind:
    key: str  # unique across plugins, e.g. "sales.dunning"
    title: str  # shown to staff choosing a letter; a lazy_gettext string is fine
    build: Callable[..., LetterData]


def letter_kinds(company: Company) -> dict[str, LetterKind]:
    """The letter kinds of the plugins enabled in ``company``, by key."""
    kinds: dict[str, LetterKind] = {}
    for result in state.hooks(company).erp_letter_templates(company=company):
        for kind in result:
            if kind.key in kinds:
                raise ValueError(f"two plugins declare the letter kind {kind.key}")
            kinds[kind.key] = kind
    return kinds
