"""The archive's demo data: each CS-17/CS-18 situation once, and nothing more on a second run."""

from sqlalchemy import select

from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.archive import demo_data as demo
from plugins.customer_service.archive import index, services
from plugins.customer_service.archive.models import AddressChange
from tests.plugins.customer_service.cs_setup import make_sale


def test_cs17_cs18_demo_shows_every_case_once(cs):
    contracts = [make_sale(cs, n) for n in range(1, 5)]
    first = demo.load(cs.a)
    assert first == {"address_changes": 2, "confirmed": 1, "customer_letters": 2, "unanswered": 1}
    assert demo.load(cs.a) == first
    with company_scope(cs.a.id):
        phoned, written = contracts[:2]
        assert len(services.letter_addresses(phoned)) == 2
        assert services.letter_addresses(written) == [demo.MOVED[1]]
        confirmed = db.session.scalar(
            select(AddressChange).where(AddressChange.confirmed_on.is_not(None))
        )
        assert confirmed.lawyer_letter.addressee == demo.LAWYER["address_change_lawyer_name"]
        kinds = {i.kind for i in index.archive_items(phoned.customer_id)}
        assert {"order", "contract", "customer_card", "returned_letter", "letter_in"} <= kinds
