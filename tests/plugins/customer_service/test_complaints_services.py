"""CS-13 complaints: the answer clock, the written reply (VP approval, working days), legal
disputes, the follow-up call and the monthly statistics, with default and changed settings."""

from datetime import UTC, date, datetime, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core import approvals
from core.extensions import db
from core.models.documents import Document
from core.models.letters import Letter
from core.plugins import state
from core.tenancy import company_scope
from plugins.customer_service.complaints import replies, services, stats
from plugins.customer_service.complaints.models import Complaint, ComplaintStatus, ReplyStatus
from plugins.sales.models import UnitState
from tests.plugins.customer_service.cs_setup import make_sale, make_unit, person

S, R = ComplaintStatus, ReplyStatus
HOUR = timedelta(hours=1)
# 10:00 China time on Friday 20 November 2026, as stored (UTC).
FRIDAY_10 = datetime(2026, 11, 20, 2, 0)


def record(cs, contract, at=FRIDAY_10, **data):
    values = {
        "unit_id": contract.unit_id,
        "channel": "phone",
        "category": "quality",
        "content": "卫生间漏水",
        "received_at": at.replace(tzinfo=UTC).isoformat(),
        **data,
    }
    with company_scope(cs.a.id):
        complaint = services.record(cs.a, cs.cs_rep, values)
        db.session.commit()
    return complaint


def overdue_ids(kind, at=None, day=None) -> list[int]:
    query = select(Complaint.id).where(services.overdue_clause(kind, at, day))
    return list(db.session.scalars(query.order_by(Complaint.id)))


def settings(cs, **changes):
    state.update_settings(cs.a, "customer_service", changes)


def test_cs13_recorded_with_who_what_unit_channel_category_and_section(cs):
    contract = make_sale(cs, 1)
    complaint = record(cs, contract, channel="in_person", category="delivery", section="二标段")
    with company_scope(cs.a.id):
        assert complaint.customer_id == contract.customer_id  # the household's buyer
        assert (complaint.unit_id, complaint.project_id) == (contract.unit_id, cs.project_a.id)
        assert (complaint.channel, complaint.category, complaint.section) == (
            "in_person",
            "delivery",
            "二标段",
        )
        assert complaint.rep_id == cs.cs_rep.id and complaint.status == S.open
        assert complaint.received_on == date(2026, 11, 20)
    for bad in ({"category": "noise"}, {"channel": "fax"}, {"unit_id": 999999}):
        with company_scope(cs.a.id), pytest.raises(ValidationError) as refused:
            services.record(
                cs.a,
                cs.cs_rep,
                {
                    "unit_id": contract.unit_id,
                    "channel": "phone",
                    "category": "quality",
                    "content": "x",
                    **bad,
                },
            )
        assert set(refused.value.messages) == set(bad)


def test_cs13_changed_categories_and_a_projects_construction_sections(cs):
    contract = make_sale(cs, 1)
    settings(
        cs,
        complaint_categories=["noise", "other"],
        complaint_sections={cs.project_a.name: ["一标段", "二标段"]},
    )
    with company_scope(cs.a.id), pytest.raises(ValidationError) as refused:
        services.record(
            cs.a,
            cs.cs_rep,
            {
                "unit_id": contract.unit_id,
                "channel": "phone",
                "category": "quality",
                "content": "x",
            },
        )
    assert "category" in refused.value.messages
    with company_scope(cs.a.id), pytest.raises(ValidationError) as refused:
        services.record(
            cs.a,
            cs.cs_rep,
            {
                "unit_id": contract.unit_id,
                "channel": "phone",
                "category": "noise",
                "content": "x",
                "section": "三标段",
            },
        )
    assert "section" in refused.value.messages
    db.session.rollback()
    assert record(cs, contract, category="noise", section="一标段").section == "一标段"


def test_cs13_answered_within_48_hours_from_received(cs):
    contract = make_sale(cs, 1)
    late = record(cs, contract)
    spot = record(cs, contract, answer="已当场解释")
    answered = record(cs, contract)
    with company_scope(cs.a.id):
        assert late.answer_due_at == FRIDAY_10 + 48 * HOUR
        assert spot.status == S.answered and spot.on_the_spot and spot.answered_at == FRIDAY_10
        services.answer(answered, cs.cs_rep, {"text": "已回电"}, at=FRIDAY_10 + 47 * HOUR)
        db.session.commit()
        assert not answered.on_the_spot
        assert overdue_ids("answer", FRIDAY_10 + 48 * HOUR) == []  # the 48th hour: in time
        assert overdue_ids("answer", FRIDAY_10 + 48 * HOUR + timedelta(minutes=1)) == [late.id]


def test_cs13_changed_answer_clock(cs):
    settings(cs, complaint_answer_hours=24)
    complaint = record(cs, make_sale(cs, 1))
    with company_scope(cs.a.id):
        assert complaint.answer_due_at == FRIDAY_10 + 24 * HOUR
        assert overdue_ids("answer", FRIDAY_10 + 25 * HOUR) == [complaint.id]


def test_cs13_written_reply_due_in_3_working_days_across_weekend_and_holiday(cs):
    contract = make_sale(cs, 1)
    friday = record(cs, contract, channel="letter")  # a letter gets a written reply
    phone = record(cs, contract)
    # 30 September: National Day (1–7 October) follows; Saturday 10 October is worked (调休).
    holiday = record(cs, contract, at=datetime(2026, 9, 30, 2), written_reply=True)
    with company_scope(cs.a.id):
        assert (friday.reply_status, friday.reply_due_on) == (R.to_write, date(2026, 11, 25))
        assert (phone.reply_status, phone.reply_due_on) == (R.none, None)
        assert holiday.reply_due_on == date(2026, 10, 10)
        assert overdue_ids("reply", day=date(2026, 11, 25)) == [holiday.id]
        assert overdue_ids("reply", day=date(2026, 11, 26)) == [friday.id, holiday.id]


def test_cs13_changed_reply_working_days(cs):
    settings(cs, complaint_reply_working_days=5)
    complaint = record(cs, make_sale(cs, 1), channel="letter")
    with company_scope(cs.a.id):
        assert complaint.reply_due_on == date(2026, 11, 27)


def _decide(request, user, fn=approvals.approve, *args):
    fn(request, user, *args)
    db.session.commit()


def test_cs13_written_reply_needs_vp_approval_then_goes_as_a_letter(cs):
    approvals.install_default_flows(cs.a)
    contract = make_sale(cs, 1)
    complaint = record(cs, contract, channel="letter")
    with company_scope(cs.a.id):
        request = replies.submit_reply(complaint, cs.cs_rep, {"text": "我司将于七日内维修。"})
        assert complaint.reply_status == R.pending_approval and complaint.status == S.open
        with pytest.raises(approvals.ApprovalRefused):
            approvals.approve(request, cs.cs_manager)  # not the VP
        db.session.rollback()
        _decide(request, cs.vp, approvals.reject, "请写明维修日期")
        assert complaint.reply_status == R.to_write and complaint.reply_letter_id is None
        again = replies.submit_reply(complaint, cs.cs_rep, {"text": "我司将于12月1日前维修。"})
        _decide(again, cs.vp)
        assert complaint.reply_status == R.sent and complaint.reply_request_id == again.id
        letter = db.session.get(Letter, complaint.reply_letter_id)
        assert letter.addresses == [contract.address]
        archived = db.session.get(Document, letter.document_id)
        assert (archived.owner_type, archived.owner_id) == ("sales_customer", contract.customer_id)
        assert complaint.status == S.answered and complaint.answer == "我司将于12月1日前维修。"


def test_cs13_reply_refused_without_a_contract_address(cs):
    unit = make_unit(cs, "09", state=UnitState.delivered)
    contract = make_sale(cs, 2)
    with company_scope(cs.a.id):
        complaint = services.record(
            cs.a,
            cs.cs_rep,
            {
                "unit_id": unit.id,
                "customer_id": contract.customer_id,
                "channel": "letter",
                "category": "quality",
                "content": "x",
            },
        )
        with pytest.raises(ValidationError) as refused:
            replies.submit_reply(complaint, cs.cs_rep, {"text": "y"})
    assert "text" in refused.value.messages


def test_cs13_follow_up_call_within_3_days_after_resolution(cs):
    contract = make_sale(cs, 1)
    done, unhappy, unreached = (record(cs, contract) for _ in range(3))
    resolved_on = date(2026, 11, 23)
    with company_scope(cs.a.id):
        for complaint in (done, unhappy, unreached):
            services.resolve(complaint, cs.cs_rep, {"resolution": "已维修", "on": resolved_on})
        db.session.commit()
        assert done.follow_up_due_on == date(2026, 11, 26) and done.answered_at is not None
        assert overdue_ids("follow_up", day=date(2026, 11, 26)) == []
        assert overdue_ids("follow_up", day=date(2026, 11, 27)) == [
            done.id,
            unhappy.id,
            unreached.id,
        ]
        with pytest.raises(ValidationError) as refused:
            services.record_follow_up(done, cs.cs_rep, {"reached": True})
        assert "satisfaction" in refused.value.messages
        services.record_follow_up(
            done,
            cs.cs_rep,
            {"called_on": date(2026, 11, 25), "satisfaction": "satisfied", "notes": "满意"},
        )
        services.record_follow_up(unhappy, cs.cs_rep, {"satisfaction": "dissatisfied"})
        services.record_follow_up(unreached, cs.cs_rep, {"reached": False})
        db.session.commit()
        assert (done.status, done.closed_on) == (S.closed, date(2026, 11, 25))
        assert [f.notes for f in done.follow_ups] == ["满意"]
        # Dissatisfied: open again until resolved anew; not reached: the call is still due.
        assert (unhappy.status, unhappy.follow_up_due_on) == (S.answered, None)
        assert unreached.status == S.resolved
        assert overdue_ids("follow_up", day=date(2026, 11, 27)) == [unreached.id]


def test_cs13_changed_follow_up_days(cs):
    settings(cs, complaint_follow_up_days=1)
    complaint = record(cs, make_sale(cs, 1))
    with company_scope(cs.a.id):
        services.resolve(complaint, cs.cs_rep, {"resolution": "x", "on": date(2026, 11, 23)})
        assert complaint.follow_up_due_on == date(2026, 11, 24)


def test_cs13_unsolvable_complaint_becomes_a_legal_dispute(cs):
    lawyer = person(cs, "lawyer-a@example.com", "lawyer")
    contract = make_sale(cs, 1)
    complaint = record(cs, contract, channel="letter")
    with company_scope(cs.a.id):
        with pytest.raises(ValidationError) as refused:
            services.open_dispute(
                complaint, cs.cs_manager, {"reason": "lawsuit", "lawyer_id": cs.cs_rep.id}
            )
        assert "lawyer_id" in refused.value.messages
        dispute = services.open_dispute(
            complaint,
            cs.cs_manager,
            {
                "reason": "lawsuit",
                "lawyer_id": lawyer.id,
                "case_number": "(2026)豫0311民初123号",
                "on": date(2026, 11, 24),
            },
        )
        db.session.commit()
        assert complaint.status == S.legal_dispute and dispute.lawyer_id == lawyer.id
        assert overdue_ids("any", FRIDAY_10 + 100 * HOUR, date(2026, 12, 31)) == []
        with pytest.raises(services.ComplaintRefused):
            services.resolve(complaint, cs.cs_rep, {"resolution": "x"})
        services.close_dispute(
            complaint, cs.cs_manager, {"outcome": "调解结案", "on": date(2027, 1, 10)}
        )
        db.session.commit()
        assert (complaint.status, complaint.closed_on) == (S.closed, date(2027, 1, 10))


def test_cs13_tracked_until_done(cs):
    contract = make_sale(cs, 1)
    open_, done = record(cs, contract), record(cs, contract)
    with company_scope(cs.a.id):
        services.resolve(done, cs.cs_rep, {"resolution": "x"})
        services.record_follow_up(done, cs.cs_rep, {"satisfaction": "satisfied"})
        db.session.commit()
        tracked = db.session.scalars(services.complaints_query({"status": "tracked"})).all()
    assert [c.id for c in tracked] == [open_.id]


def test_cs13_monthly_statistics_by_category_section_and_rate(cs):
    delivered = [make_sale(cs, n, unit_state=UnitState.delivered) for n in (1, 2, 3, 4)]
    make_sale(cs, 5)  # sold, not delivered: not in the rate's base
    record(cs, delivered[0], category="quality", section="一标段")
    record(cs, delivered[1], category="quality", section="二标段")
    record(cs, delivered[2], category="service", section="一标段")
    record(cs, delivered[0], at=datetime(2026, 10, 31, 17), category="contract")  # 1 Nov China
    record(cs, delivered[0], at=datetime(2026, 10, 31, 15), category="other")  # October
    with company_scope(cs.a.id):
        november = stats.monthly(2026, 11)
        october = stats.monthly(2026, 10)
    assert november["complaints"] == 4 and november["delivered"] == 4
    assert dict(november["by_category"]) == {"quality": 2, "service": 1, "contract": 1}
    assert dict(november["by_section"]) == {"一标段": 2, "二标段": 1, "": 1}
    assert str(november["rate"]) == "1.0000"
    (project,) = november["projects"]
    assert (project["project"], project["complaints"], project["delivered"]) == (
        cs.project_a.name,
        4,
        4,
    )
    assert str(october["rate"]) == "0.2500" and dict(october["by_category"]) == {"other": 1}
