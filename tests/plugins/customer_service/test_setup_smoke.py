"""The shared set-up builds a consistent sold unit (the base of every CS test)."""

from core.tenancy import company_scope
from tests.plugins.customer_service.cs_setup import D, make_sale


def test_cs09_sale_has_its_receivables_schedule(cs):
    contract = make_sale(cs, 1)
    with company_scope(cs.a.id):
        assert [i.amount for i in contract.instalments] == [D("300000.00"), D("700000.00")]
        assert sum(i.outstanding for i in contract.instalments) == contract.price
