"""CS-18: each customer's archive from the order on: the index, tenancy, deletion only after
the VP's approval, the customer card and the completeness check per stage."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core import approvals
from core.documents.service import add_document, get_document, read_content
from core.documents.storage import storage
from core.duties import today
from core.extensions import db
from core.letters.mailing import record_mailing
from core.letters.production import NOTICE, produce_letter
from core.models.documents import Document
from core.tenancy import company_scope
from plugins.customer_service.archive import card, index, services
from plugins.sales.models import Customer, UnitState
from tests.plugins.customer_service.cs_setup import TODAY, make_sale

PDF = b"%PDF-1.4\n% scan\n"


def scan(text: str) -> bytes:
    return PDF + text.encode()


def notice(cs, contract):
    """A formal letter to the customer, filed in the customer's archive."""
    context = {
        "addressee": contract.buyer_name,
        "addresses": services.letter_addresses(contract),
        "body": ["特此通知。"],
        "archive": ["sales_customer", contract.customer_id],
    }
    return produce_letter(cs.a, NOTICE, "cs_contract", contract.id, "", context, cs.clerk)


def test_cs18_index_lists_every_kind_from_the_order_on(cs):
    contract = make_sale(cs, 1)
    customer = contract.customer
    with company_scope(cs.a.id):
        for kind in ("order", "contract", "payment_notice", "receipt", "move_in_notice", "other"):
            index.file_document(customer, kind, f"{kind}.pdf", scan(kind), cs.clerk)
        card.produce_card(cs.a, customer, cs.clerk)
        letter = notice(cs, contract)
        db.session.flush()
        mailing = letter.mailings[0]
        record_mailing(mailing, {"sent_on": today()}, ("r.pdf", scan("receipt")), user=cs.clerk)
        record_mailing(mailing, {}, returned_letter=("env.pdf", scan("back")), user=cs.clerk)
        services.record_incoming_letter(
            cs.a, cs.clerk, customer, TODAY, customer.name, "咨询", file=("in.pdf", scan("in"))
        )
        # A new scan of the contract is its next version, listed once.
        index.file_document(customer, "contract", "contract.pdf", scan("contract v2"), cs.cs_rep)
        db.session.commit()
        items = index.archive_items(customer.id)
        assert {i.kind for i in items} == set(index.KINDS)
        contract_scan = next(i for i in items if i.kind == "contract")
        assert contract_scan.version == 2 and contract_scan.who == (
            cs.cs_rep.name or cs.cs_rep.email
        )
        assert contract_scan.on == today() and contract_scan.name == "contract.pdf"
        assert sum(1 for i in items if i.kind == "contract") == 1
        filed_letter = next(i for i in items if i.kind == "letter")
        assert filed_letter.letter == letter and filed_letter.on == letter.date
        with pytest.raises(ValidationError) as wrong:
            index.file_document(customer, "letter", "x.pdf", PDF, cs.clerk)
        assert "kind" in wrong.value.messages


def test_cs18_archive_is_tenant_scoped(cs):
    contract = make_sale(cs, 1)
    with company_scope(cs.b.id):
        other = Customer(
            company_id=cs.b.id,
            code="ZZ-LS001",
            name="李四",
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
        db.session.add(other)
        db.session.flush()
        theirs = add_document("sales_customer", other.id, "contract", "c.pdf", PDF)
        db.session.commit()
    with company_scope(cs.a.id):
        index.file_document(contract.customer, "contract", "c.pdf", PDF, cs.clerk)
        db.session.commit()
        assert index.archive_items(other.id) == []
        assert len(index.archive_items(contract.customer_id)) == 1
        with pytest.raises(ValidationError):
            index.archive_document(other.id, theirs.id)
        with pytest.raises(ValidationError):  # B's document through A's customer
            index.archive_document(contract.customer_id, theirs.id)
        assert [c.id for c, _units in index.archived_customers()] == [contract.customer_id]


def test_cs18_deletion_needs_vp_approval_and_the_content_stays_until_then(cs):
    approvals.install_default_flows(cs.a)
    db.session.commit()
    contract = make_sale(cs, 1)
    other = make_sale(cs, 2)
    with company_scope(cs.a.id):
        document = index.file_document(contract.customer, "other", "dup.pdf", scan("d"), cs.clerk)
        db.session.commit()
        doc_id, key = document.id, document.storage_key
        with pytest.raises(ValidationError):  # not this customer's document
            index.ask_deletion(other.customer_id, doc_id, cs.clerk, "duplicate")
        request = index.ask_deletion(contract.customer_id, doc_id, cs.clerk, "scanned twice")
        pending = index.archive_items(contract.customer_id)
        assert [i.deletion_pending for i in pending] == [True]  # still listed
        assert read_content(get_document(doc_id)) == scan("d")
        with pytest.raises(approvals.ApprovalRefused):  # the clerk cannot approve it
            approvals.approve(request, cs.clerk)
        with pytest.raises(approvals.ApprovalRefused):  # nor the CS manager
            approvals.approve(request, cs.cs_manager)
        assert get_document(doc_id) is not None
        approvals.approve(request, cs.vp, "同意")
    with company_scope(cs.a.id):
        assert index.archive_items(contract.customer_id) == []
        kept = db.session.scalar(select(Document).where(Document.id == doc_id))
        assert kept.deleted_by_id == cs.vp.id
    assert storage().get(key) == scan("d")  # soft: the content is kept


def test_cs18_customer_card_is_produced_into_the_archive(cs):
    contract = make_sale(cs, 1)
    with company_scope(cs.a.id):
        first = card.produce_card(cs.a, contract.customer, cs.clerk)
        db.session.commit()
        assert first.kind == "customer_card" and first.content_type == "application/pdf"
        assert read_content(first).startswith(b"%PDF-")
        contract.instalments[0].paid = Decimal("300000.00")
        second = card.produce_card(cs.a, contract.customer, cs.clerk)
        db.session.commit()
        assert (second.name, second.version) == (first.name, 2)  # one card, versioned
        cards = [i for i in index.archive_items(contract.customer_id)]
        assert [(i.kind, i.version) for i in cards] == [("customer_card", 2)]


def missing(customer_id: int) -> set[str]:
    return {m.kind for m in index.missing_items([customer_id])}


def test_cs18_completeness_follows_the_customers_stage(cs):
    draft = make_sale(cs, 1, signed_on=None, unit_state=UnitState.subscribed)
    signed = make_sale(cs, 2)
    with company_scope(cs.a.id):
        # Ordered, contract not signed yet: the order and the customer card.
        assert missing(draft.customer_id) == {"order", "customer_card"}
        assert missing(signed.customer_id) == {"order", "customer_card", "contract"}
        customer = signed.customer
        index.file_document(customer, "order", "认购书.pdf", scan("o"), cs.clerk)
        index.file_document(customer, "contract", "合同.pdf", scan("c"), cs.clerk)
        card.produce_card(cs.a, customer, cs.clerk)
        assert missing(signed.customer_id) == set()
        # A payment received: its notice and receipt belong in the archive.
        signed.instalments[0].paid = Decimal("100000.00")
        db.session.flush()
        assert missing(signed.customer_id) == {"payment_notice", "receipt"}
        index.file_document(customer, "payment_notice", "交款通知单.pdf", scan("n"), cs.clerk)
        index.file_document(customer, "receipt", "收据.pdf", scan("r"), cs.clerk)
        # Delivered: the move-in notice.
        signed.unit.state = UnitState.delivered
        db.session.flush()
        assert missing(signed.customer_id) == {"move_in_notice"}
        # A letter sent without its mailing receipt filed (CS-17).
        letter = notice(cs, signed)
        letter.kind = "handover.move_in_notice"  # as the handover plugin will name it
        db.session.flush()
        record_mailing(letter.mailings[0], {"sent_on": today()}, user=cs.clerk)
        # The index names the letter by the kind its key ends with.
        filed = next(i for i in index.archive_items(signed.customer_id) if i.letter)
        assert filed.kind == "move_in_notice"
        gaps = index.missing_items([signed.customer_id])
        assert [(m.kind, m.letter) for m in gaps] == [("mailing_receipt", letter)]
        receipt = ("ems.pdf", scan("ems"))
        record_mailing(letter.mailings[0], {}, receipt, user=cs.clerk)
        assert missing(signed.customer_id) == set()
        # A customer with no order has no archive to complete.
        assert index.archived_customers("张伟2")[0][0] == customer
