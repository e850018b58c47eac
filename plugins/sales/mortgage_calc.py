"""Mortgage calculator (SPEC MTG-01), shared by the sales purchase plan and the mortgage plugin.

Pure functions over ``Decimal``: no database, no settings lookup (callers pass the rates, so
the mortgage plugin can reuse them with its own settings). Rates are annual percentages
(``Decimal("4.9")`` is 4.9 %); the monthly rate is ``r = annual / 12``. Intermediate figures
keep full precision; each month's figure is rounded to the fen only at its end.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

FEN = Decimal("0.01")
PRECISION = 40  # digits: (1 + r) ** 360 keeps ~30 significant digits


class Method(StrEnum):
    equal_instalments = "equal_instalments"  # 等额本息
    equal_principal = "equal_principal"  # 等额本金


class LoanKind(StrEnum):
    commercial = "commercial"  # 商业贷款
    provident = "provident"  # 公积金贷款
    combination = "combination"  # 组合贷款


class LoanError(ValueError):
    """Input the calculator cannot use (a non-positive term, a down payment below the minimum)."""


def fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def monthly_rate(annual_pct: Decimal) -> Decimal:
    return Decimal(annual_pct) / 100 / 12


def commercial_rate(lpr_5y: Decimal, spread: Decimal) -> Decimal:
    """The commercial rate: the 5-year LPR plus the bank's spread (both in %; spread may be
    negative)."""
    return Decimal(lpr_5y) + Decimal(spread)


@dataclass
class Repayment:
    """One loan's repayment: each month's figure (rounded to the fen) and totals."""

    principal: Decimal
    annual_rate: Decimal
    months: int
    method: Method
    payments: list[Decimal] = field(repr=False)

    @property
    def first_payment(self) -> Decimal:
        return self.payments[0] if self.payments else Decimal("0.00")

    @property
    def monthly_decrease(self) -> Decimal:
        """Equal principal: how much each month's figure falls (``P/n·r``); else zero."""
        if self.method != Method.equal_principal or self.months < 2:
            return Decimal("0.00")
        with localcontext() as c:
            c.prec = PRECISION
            return fen(self.principal / self.months * monthly_rate(self.annual_rate))

    @property
    def total_repayment(self) -> Decimal:
        return sum(self.payments, Decimal("0.00"))

    @property
    def total_interest(self) -> Decimal:
        return self.total_repayment - self.principal


def repayment(principal: Decimal, annual_rate: Decimal, years: int, method: Method) -> Repayment:
    """The repayment of ``principal`` over ``years`` at ``annual_rate`` % by ``method``."""
    principal = Decimal(principal)
    if years <= 0:
        raise LoanError("the term must be at least one year")
    if principal < 0:
        raise LoanError("the loan cannot be negative")
    n = years * 12
    with localcontext() as c:
        c.prec = PRECISION
        r = monthly_rate(annual_rate)
        if principal == 0:
            payments = [Decimal("0.00")] * n
        elif method == Method.equal_instalments:
            if r == 0:
                payment = principal / n
            else:
                growth = (1 + r) ** n
                payment = principal * r * growth / (growth - 1)
            payments = [fen(payment)] * n
        else:
            part = principal / n
            # Month k pays P/n plus interest on what is still owed: P - (k-1)·P/n.
            payments = [fen(part + (principal - k * part) * r) for k in range(n)]
    return Repayment(principal, Decimal(annual_rate), n, Method(method), payments)


@dataclass
class Loan:
    """A house loan: price, down payment, the loan split by kind, and the repayments."""

    price: Decimal
    down_payment: Decimal
    amount: Decimal
    kind: LoanKind
    parts: dict[str, Repayment]  # "commercial" / "provident" → that part's repayment

    @property
    def loan_to_value(self) -> Decimal:
        """成数 as a fraction of the price, e.g. 0.70 (七成)."""
        return (self.amount / self.price).quantize(Decimal("0.0001")) if self.price else Decimal(0)

    @property
    def first_payment(self) -> Decimal:
        return sum((p.first_payment for p in self.parts.values()), Decimal("0.00"))

    @property
    def total_interest(self) -> Decimal:
        return sum((p.total_interest for p in self.parts.values()), Decimal("0.00"))


def house_loan(
    price: Decimal,
    down_pct: Decimal,
    years: int,
    kind: LoanKind,
    method: Method,
    *,
    commercial_rate_pct: Decimal,
    provident_rate_pct: Decimal,
    min_down_pct: Decimal = Decimal("15"),
    provident_cap: Decimal | None = None,
) -> Loan:
    """A loan for ``price`` with ``down_pct`` % down (at least ``min_down_pct``). A
    combination loan takes the provident fund up to ``provident_cap`` and the rest
    commercially; a provident loan above the cap is refused."""
    price, down_pct = Decimal(price), Decimal(down_pct)
    if down_pct < Decimal(min_down_pct) or down_pct > 100:
        raise LoanError(f"the down payment must be between {min_down_pct}% and 100%")
    down = fen(price * down_pct / 100)
    amount = price - down
    kind = LoanKind(kind)
    if kind == LoanKind.commercial:
        split = {"commercial": (amount, commercial_rate_pct)}
    elif kind == LoanKind.provident:
        if provident_cap is not None and amount > provident_cap:
            raise LoanError(f"a provident-fund loan is capped at {provident_cap}")
        split = {"provident": (amount, provident_rate_pct)}
    else:
        provident = min(amount, provident_cap) if provident_cap is not None else amount
        split = {
            "provident": (provident, provident_rate_pct),
            "commercial": (amount - provident, commercial_rate_pct),
        }
    parts = {name: repayment(p, rate, years, method) for name, (p, rate) in split.items()}
    return Loan(price, down, amount, kind, parts)
