"""The payments demo: paid in full, partly, by transfer, not at all; one overpayment kept as
credit, one reversed cheque, one transfer to identify; nothing more on a second run."""

from datetime import timedelta

from sqlalchemy import func, select

from core.duties import today
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.engineering.models import EngineeringChange
from plugins.customer_service.payments import demo_data as demo
from plugins.customer_service.payments.ledger import sales_ledger
from plugins.customer_service.payments.models import (
    Advance,
    BankTransfer,
    JournalLine,
    NoticeStatus,
    PaymentNotice,
    Receipt,
    TransferStatus,
)
from plugins.sales.orders.models import PaymentMethod
from tests.plugins.customer_service import test_payments_notices as base
from tests.plugins.customer_service.cs_setup import make_sale, person

pay = base.pay  # the shared fixture


def _counts(w) -> tuple:
    with company_scope(w.a.id):
        return tuple(
            db.session.scalar(select(func.count()).select_from(m))
            for m in (PaymentNotice, Receipt, JournalLine, BankTransfer, Advance, EngineeringChange)
        )


def test_cs08_demo_payments_every_case_once(pay):
    person(pay, "eng-a@example.com", "engineering")
    past = today() - timedelta(days=20)
    schedule = ((past, "300000.00"), (today() + timedelta(days=90), "700000.00"))
    for n in range(1, 7):
        method = PaymentMethod.mortgage if n == 6 else PaymentMethod.instalments
        make_sale(pay, n, schedule=schedule, method=method)
    demo.load(pay.a)
    first = _counts(pay)
    demo.load(pay.a)
    assert _counts(pay) == first
    with company_scope(pay.a.id):
        rows = sales_ledger({})
        received = sorted(str(r.received) for r in rows)
        # In full (+1,000 credit), half, by transfer, nothing, by card, in full.
        assert received == sorted(
            ["1001000.00", "150000.00", "300000.00", "0.00", "300000.00", "300000.00"]
        )
        assert [str(r.credit) for r in rows if r.credit] == ["1000.00"]
        statuses = set(db.session.scalars(select(PaymentNotice.status)))
        assert statuses == {NoticeStatus.received, NoticeStatus.reversed}
        transfers = sorted(str(s) for s in db.session.scalars(select(BankTransfer.status)))
        assert transfers == ["noticed", "unidentified"]
        assert db.session.scalar(
            select(func.count(BankTransfer.id)).where(
                BankTransfer.status == TransferStatus.unidentified
            )
        )
        assert db.session.scalar(select(func.count(Advance.id))) == 1
        assert db.session.scalar(select(func.count(EngineeringChange.id))) == 1
