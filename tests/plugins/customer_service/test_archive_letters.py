"""CS-17: where letters go (contract address, confirmed and unconfirmed changes, the lawyer
told), returned letters filed whole, and customers' letters answered in writing."""

from datetime import date

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core.documents.service import get_document, read_content
from core.duties import today
from core.extensions import db
from core.letters.mailing import record_mailing
from core.letters.production import NOTICE, produce_letter
from core.models.documents import Document
from core.models.letters import Letter
from core.plugins import state
from core.tenancy import company_scope
from plugins.customer_service.archive import index, services
from plugins.customer_service.archive.models import AddressChange
from tests.plugins.customer_service.cs_setup import TODAY, make_customer, make_sale

NEW = "河南省郑州市金水区花园路88号"
NEWER = "河南省洛阳市西工区中州中路12号"
LAWYER = "河南洛神律师事务所 王律师"
LAWYER_AT = "河南省洛阳市洛龙区开元大道100号"
SCAN = ("confirmation.pdf", b"%PDF-1.4\n% signed address change\n")


def set_lawyer(cs):
    state.update_settings(
        cs.a,
        "customer_service",
        {"address_change_lawyer_name": LAWYER, "address_change_lawyer_address": LAWYER_AT},
    )
    db.session.commit()


def archive_of(customer_id: int) -> list[Document]:
    query = select(Document).where(
        Document.owner_type == "sales_customer", Document.owner_id == customer_id
    )
    return list(db.session.scalars(query))


def test_cs17_letters_go_to_the_contract_address(cs):
    contract = make_sale(cs, 1)
    with company_scope(cs.a.id):
        assert services.letter_addresses(contract) == [contract.address]


def test_cs17_unconfirmed_change_sends_to_both_addresses(cs):
    contract = make_sale(cs, 1)
    with company_scope(cs.a.id):
        change = services.record_address_change(cs.a, cs.clerk, contract, NEW, TODAY, "电话告知")
        db.session.commit()
        assert not change.confirmed and change.lawyer_letter_id is None
        assert services.letter_addresses(contract) == [contract.address, NEW]
        # A later unconfirmed report replaces the earlier one; the contract's address stays.
        services.record_address_change(cs.a, cs.clerk, contract, NEWER, TODAY)
        assert services.letter_addresses(contract) == [contract.address, NEWER]
        assert db.session.scalars(select(Letter)).all() == []  # nobody told the lawyer


def test_cs17_confirmed_change_sends_to_the_new_address_only_and_tells_the_lawyer(cs):
    set_lawyer(cs)
    contract = make_sale(cs, 1)
    old = contract.address
    with company_scope(cs.a.id):
        change = services.record_address_change(
            cs.a, cs.clerk, contract, NEW, TODAY, "客户来函确认", file=SCAN
        )
        db.session.commit()
        assert services.letter_addresses(contract) == [NEW]
        assert change.confirmed_on == TODAY and change.confirmed_by_id == cs.clerk.id
        written = get_document(change.document_id)
        assert (written.owner_type, written.owner_id) == ("sales_customer", contract.customer_id)
        assert read_content(written) == SCAN[1]
        lawyer_letter = change.lawyer_letter
        assert lawyer_letter.kind == services.LAWYER_KIND
        assert lawyer_letter.addressee == LAWYER
        assert [m.address for m in lawyer_letter.mailings] == [LAWYER_AT]
        copy = get_document(lawyer_letter.document_id)
        assert copy.owner_id == contract.customer_id and copy.kind == "letter"
        # The lawyer is told what it replaces: the letter's text is in the PDF's table.
        assert services.previous_address(change) == old


def test_cs17_confirming_later_moves_letters_to_the_new_address(cs):
    set_lawyer(cs)
    contract = make_sale(cs, 1)
    with company_scope(cs.a.id):
        change = services.record_address_change(cs.a, cs.clerk, contract, NEW, TODAY)
        db.session.commit()
        assert services.letter_addresses(contract) == [contract.address, NEW]
        with pytest.raises(ValidationError) as early:
            services.confirm_address_change(cs.a, cs.clerk, change, date(2026, 11, 1), SCAN)
        assert "confirmed_on" in early.value.messages
        with pytest.raises(ValidationError) as unwritten:
            services.confirm_address_change(cs.a, cs.clerk, change, TODAY)
        assert "document" in unwritten.value.messages
        db.session.rollback()
        services.confirm_address_change(cs.a, cs.clerk, change, TODAY, SCAN)
        db.session.commit()
        assert services.letter_addresses(contract) == [NEW]
        assert change.lawyer_letter is not None
        with pytest.raises(ValidationError):
            services.confirm_address_change(cs.a, cs.clerk, change, TODAY, SCAN)


def test_cs17_lawyer_address_is_a_setting_required_before_confirming(cs):
    contract = make_sale(cs, 1)  # default settings: the company has not entered its lawyer
    with company_scope(cs.a.id):
        with pytest.raises(ValidationError) as refused:
            services.record_address_change(cs.a, cs.clerk, contract, NEW, TODAY, file=SCAN)
        assert "address_change_lawyer_address" in refused.value.messages
        db.session.rollback()
        assert db.session.scalars(select(AddressChange)).all() == []
        assert archive_of(contract.customer_id) == []
        assert services.letter_addresses(contract) == [contract.address]


def test_cs17_returned_letter_is_filed_whole_with_the_archive_copy(cs):
    contract = make_sale(cs, 1)
    with company_scope(cs.a.id):
        services.record_address_change(cs.a, cs.clerk, contract, NEW, TODAY)
        context = {
            "addressee": contract.buyer_name,
            "addresses": services.letter_addresses(contract),
            "body": ["请于本月底前补交身份证复印件。"],
            "archive": ["sales_customer", contract.customer_id],
        }
        letter = produce_letter(cs.a, NOTICE, "cs_contract", contract.id, "", context, cs.clerk)
        db.session.commit()
        assert [m.address for m in letter.mailings] == [contract.address, NEW]  # both
        old, new = letter.mailings
        receipt = ("express receipt.pdf", b"%PDF-1.4\n% EMS receipt\n")
        record_mailing(old, {"sent_on": today(), "tracking_number": "EMS1"}, receipt, user=cs.clerk)
        envelope = ("returned envelope.pdf", b"%PDF-1.4\n% envelope, letter and slip\n")
        record_mailing(new, {"sent_on": today()}, receipt, user=cs.clerk)
        db.session.commit()
        with pytest.raises(ValidationError):  # marked returned without the letter itself
            record_mailing(new, {"returned": True}, user=cs.clerk)
        db.session.rollback()
        record_mailing(new, {"returned_on": today()}, returned_letter=envelope, user=cs.clerk)
        db.session.commit()
        assert new.returned and not old.returned
        filed = get_document(new.returned_document_id)
        assert filed.kind == "returned_letter" and filed.owner_id == contract.customer_id
        assert read_content(filed) == envelope[1]  # the whole returned letter
        kinds = {i.kind for i in index.archive_items(contract.customer_id)}
        assert {"letter", "mailing_receipt", "returned_letter"} <= kinds


def test_cs17_customers_letter_gets_a_written_answer(cs):
    contract = make_sale(cs, 1)
    with company_scope(cs.a.id):
        with pytest.raises(ValidationError) as unfiled:  # the letter itself is filed
            services.record_incoming_letter(
                cs.a, cs.clerk, contract.customer, TODAY, "张伟1", "咨询"
            )
        assert "file" in unfiled.value.messages
        services.record_address_change(cs.a, cs.clerk, contract, NEW, TODAY)
        incoming = services.record_incoming_letter(
            cs.a,
            cs.clerk,
            contract.customer,
            TODAY,  # a Tuesday
            "张伟1",
            "关于交房时间的询问",
            file=("letter.pdf", b"%PDF-1.4\n% the customer's letter\n"),
        )
        db.session.commit()
        assert incoming.due_on == date(2026, 11, 27)  # 3 working days
        assert get_document(incoming.document_id).kind == "letter_in"
        assert services.unanswered_letters() == [incoming]
        with pytest.raises(ValidationError) as empty:
            services.answer_letter(cs.a, cs.clerk, incoming, ["  "])
        assert "body" in empty.value.messages
        services.answer_letter(cs.a, cs.clerk, incoming, ["交房时间为2027年6月30日前。"])
        db.session.commit()
        answer = incoming.answer_letter
        assert answer.kind == services.ANSWER_KIND and incoming.answered_on == answer.date
        # The answer follows the contract's letter addresses: unconfirmed change, both.
        assert [m.address for m in answer.mailings] == [contract.address, NEW]
        assert get_document(answer.document_id).owner_id == contract.customer_id
        assert services.unanswered_letters() == []
        with pytest.raises(ValidationError):
            services.answer_letter(cs.a, cs.clerk, incoming, ["again"])


def test_cs17_answer_due_date_follows_the_setting(cs):
    state.update_settings(cs.a, "customer_service", {"letter_answer_working_days": 5})
    db.session.commit()
    customer = make_customer(cs, 7)
    with company_scope(cs.a.id):
        incoming = services.record_incoming_letter(
            cs.a,
            cs.clerk,
            customer,
            TODAY,
            customer.name,
            "咨询",
            "河南省洛阳市涧西区建设路1号",
            file=("letter.txt", "来信内容".encode()),
        )
        assert incoming.due_on == date(2026, 12, 1)  # 5 working days from Tuesday
        # No contract yet: the answer goes to the address on the customer's letter.
        services.answer_letter(cs.a, cs.clerk, incoming, ["已收到。"], "答复函")
        db.session.commit()
        answer = incoming.answer_letter
        assert answer.title == "答复函"
        assert [m.address for m in answer.mailings] == ["河南省洛阳市涧西区建设路1号"]
