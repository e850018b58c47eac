"""A rep's authority (CS-03): what they decide alone, what needs approval."""

import pytest

from plugins.customer_service.staffing.authority import Decision, needs_approval, within_authority


@pytest.mark.parametrize("kind", list(Decision))
def test_cs03_rep_decides_alone_without_financial_effect(kind):
    assert within_authority(kind, financial_effect=False)
    assert not needs_approval(kind, financial_effect=False)


@pytest.mark.parametrize("kind", list(Decision))
def test_cs03_financial_effect_needs_approval(kind):
    assert not within_authority(kind, financial_effect=True)
    assert needs_approval(kind, financial_effect=True)


@pytest.mark.parametrize("kind", ["cancellation", "payment_method", "refund", ""])
def test_cs03_decisions_outside_a_reps_list_need_approval_even_at_no_cost(kind):
    assert needs_approval(kind, financial_effect=False)
