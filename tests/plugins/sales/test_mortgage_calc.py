"""MTG-01: the mortgage calculator against known figures and an independent reference."""

from decimal import Decimal, localcontext

import pytest

from plugins.sales import mortgage_calc as mc

D = Decimal
MILLION = D("1000000")


def reference_instalment(principal: Decimal, annual_pct: Decimal, months: int) -> Decimal:
    """The annuity from its definition: the principal is the present value of the payments,
    P = M · Σ (1 + r)^-k, summed term by term (no closed form), at 60 digits."""
    with localcontext() as c:
        c.prec = 60
        r = annual_pct / 100 / 12
        discount = sum(1 / (1 + r) ** k for k in range(1, months + 1))
        return principal / discount


def test_mtg01_equal_instalments_known_figure():
    # 1,000,000 CNY over 30 years at 4.9 %: the widely quoted 5,307.27 a month.
    loan = mc.repayment(MILLION, D("4.9"), 30, mc.Method.equal_instalments)
    assert loan.first_payment == D("5307.27")
    assert set(loan.payments) == {D("5307.27")} and loan.months == 360
    assert loan.total_interest == D("5307.27") * 360 - MILLION


@pytest.mark.parametrize(
    ("principal", "rate", "years"),
    [(D("850000"), D("3.5"), 25), (D("123456.78"), D("2.6"), 10), (D("3000000"), D("4.2"), 30)],
)
def test_mtg01_equal_instalments_match_independent_reference(principal, rate, years):
    loan = mc.repayment(principal, rate, years, mc.Method.equal_instalments)
    expected = reference_instalment(principal, rate, years * 12)
    assert loan.first_payment == mc.fen(expected)


def test_mtg01_equal_principal_known_figures():
    # 1,000,000 over 30 years at 4.9 %: first month 6,861.11, falling 11.34 a month, and the
    # total interest P·r·(n+1)/2 = 737,041.67 (rounded each month, so within a few fen).
    loan = mc.repayment(MILLION, D("4.9"), 30, mc.Method.equal_principal)
    assert loan.first_payment == D("6861.11")
    assert loan.monthly_decrease == D("11.34")
    assert loan.payments[-1] == D("2789.12")
    assert abs(loan.total_interest - D("737041.67")) <= D("0.50")
    # Each month rounded on its own, from the unrounded figure P/n + (P - k·P/n)·r.
    with localcontext() as c:
        c.prec = 60
        r, part = D("4.9") / 1200, MILLION / 360
        for k in (0, 1, 100, 359):
            assert loan.payments[k] == mc.fen(part + (MILLION - k * part) * r)


def test_mtg01_loan_to_value_and_min_down_payment_default_15():
    rates = {"commercial_rate_pct": D("3.5"), "provident_rate_pct": D("2.6")}
    loan = mc.house_loan(MILLION, D("15"), 30, "commercial", "equal_instalments", **rates)
    assert loan.amount == D("850000.00") and loan.loan_to_value == D("0.8500")
    with pytest.raises(mc.LoanError, match="15"):
        mc.house_loan(MILLION, D("14.99"), 30, "commercial", "equal_instalments", **rates)
    with pytest.raises(mc.LoanError, match="20"):
        mc.house_loan(
            MILLION, D("15"), 30, "commercial", "equal_instalments", min_down_pct=D("20"), **rates
        )


def test_mtg01_commercial_rate_is_lpr_plus_spread():
    assert mc.commercial_rate(D("3.50"), D("-0.30")) == D("3.20")


def test_mtg01_provident_and_combination_loans():
    rates = {"commercial_rate_pct": D("3.5"), "provident_rate_pct": D("2.6")}
    cap = D("600000")
    with pytest.raises(mc.LoanError, match="capped"):
        mc.house_loan(
            MILLION, D("30"), 30, "provident", "equal_instalments", provident_cap=cap, **rates
        )
    combo = mc.house_loan(
        MILLION, D("30"), 30, "combination", "equal_instalments", provident_cap=cap, **rates
    )
    assert combo.parts["provident"].principal == cap
    assert combo.parts["commercial"].principal == D("100000.00")
    alone = mc.repayment(cap, D("2.6"), 30, mc.Method.equal_instalments).first_payment
    rest = mc.repayment(D("100000"), D("3.5"), 30, mc.Method.equal_instalments).first_payment
    assert combo.first_payment == alone + rest
    assert combo.total_interest == (
        combo.parts["provident"].total_interest + combo.parts["commercial"].total_interest
    )
