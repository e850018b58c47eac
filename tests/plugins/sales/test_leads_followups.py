"""Follow-up due dates, grading, reminders and the daily overdue list (SAL-02–05, SAL-07)."""

from datetime import datetime, timedelta

from sqlalchemy import select

from core.extensions import db
from plugins.sales.leads import overdue, services
from plugins.sales.leads.models import Task, TaskKind
from tests.plugins.sales.leads_setup import DAY, at, register, sales_fixture, settings  # noqa: F401

D = timedelta(days=1)


def test_sal02_call_followed_up_within_default_7_days(sales):
    customer = register(sales, kind="call").customer
    assert customer.follow_up_due_on == DAY + 7 * D


def test_sal02_call_follow_up_days_setting(sales):
    settings(sales.company, call_follow_up_days=5)
    assert register(sales, kind="call").customer.follow_up_due_on == DAY + 5 * D


def test_sal03_walk_in_default_days_target_next_day_limit_two(sales):
    customer = register(sales, when=at(18)).customer
    assert customer.follow_up_target_on == DAY + D
    assert customer.follow_up_due_on == DAY + 2 * D


def test_sal03_walk_in_cutoff_variant_before_17_same_day(sales):
    settings(sales.company, walk_in_follow_up="cutoff")
    customer = register(sales, when=at(16, 59)).customer
    assert customer.follow_up_target_on == customer.follow_up_due_on == DAY


def test_sal03_walk_in_cutoff_variant_after_17_next_day(sales):
    settings(sales.company, walk_in_follow_up="cutoff")
    customer = register(sales, when=at(17, 0)).customer
    assert customer.follow_up_due_on == DAY + D


def test_sal03_walk_in_cutoff_hour_setting(sales):
    settings(sales.company, walk_in_follow_up="cutoff", walk_in_cutoff_hour=18)
    assert register(sales, when=at(17, 30)).customer.follow_up_due_on == DAY


def test_sal03_walk_in_takes_china_time(sales):
    from datetime import UTC, datetime

    settings(sales.company, walk_in_follow_up="cutoff")
    # 08:30 UTC is 16:30 in China: before the cutoff.
    when = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    assert register(sales, when=when).customer.follow_up_due_on == DAY


def test_sal04_appointment_reminder_the_day_before(sales):
    customer = register(sales, kind="call", appointment_at=datetime(2026, 11, 28, 10)).customer
    task = db.session.scalar(select(Task).where(Task.customer_id == customer.id))
    assert task.kind == TaskKind.appointment_reminder and task.due_on == DAY + 3 * D


def test_sal04_wants_visit_without_time_called_next_day(sales):
    customer = register(sales, kind="call", wants_visit=True).customer
    task = db.session.scalar(select(Task).where(Task.customer_id == customer.id))
    assert task.kind == TaskKind.call_back and task.due_on == DAY + D
    assert task.rep_id == sales.world.rep_a.id


def _follow_up(sales, customer, day, **extra):
    data = {"on": day, "channel": "phone", "content": "called", "reaction": "warm", **extra}
    services.record_follow_up(sales.company, customer, data, sales.world.rep_a)
    db.session.commit()


def test_sal05_follow_up_records_and_moves_due_by_grade_default_intervals(sales):
    customer = register(sales).customer
    for grade, days in (("A", 3), ("B", 7), ("C", 30)):
        _follow_up(sales, customer, DAY + D, grade=grade, objections=["layout"])
        assert customer.follow_up_due_on == DAY + D + days * D
    assert customer.last_follow_up_on == DAY + D and customer.objections == ["layout"]


def test_sal07_grade_intervals_setting(sales):
    settings(sales.company, grade_a_days=2, grade_labels={"A": "Hot", "B": "Warm", "C": "Cold"})
    customer = register(sales).customer
    _follow_up(sales, customer, DAY, grade="A")
    assert customer.follow_up_due_on == DAY + 2 * D


def test_sal07_grading_brings_the_due_date_forward_never_back(sales):
    customer = register(sales, kind="call").customer  # due DAY + 7
    services.set_grade(sales.company, customer, "A", DAY)
    assert customer.follow_up_due_on == DAY + 3 * D
    services.set_grade(sales.company, customer, "C", DAY)
    assert customer.follow_up_due_on == DAY + 3 * D


def test_sal07_grade_labels_must_name_a_b_c(sales):
    import pytest
    from marshmallow import ValidationError

    with pytest.raises(ValidationError):
        settings(sales.company, grade_labels={"D": "x"})


def _run_duty(sales, day):
    from core.duties import Period
    from core.tenancy import company_scope

    with company_scope(sales.company.id):
        summary = overdue.produce_overdue_list(sales.company, Period(day.isoformat(), day))
        db.session.commit()
        return summary


def test_sal05_daily_overdue_list_per_rep_a_and_b_first(sales):
    rep_a, rep_b = sales.reps[0], sales.reps[1]
    late_c = register(sales, name="陈一", phone="1").customer  # rotation: rep_a
    late_a = register(sales, name="王二", phone="2").customer  # rep_b
    late_b = register(sales, name="刘三", phone="3").customer  # rep_c
    on_time = register(sales, kind="call", name="周四", phone="4").customer  # due DAY + 7
    for customer, grade in ((late_c, "C"), (late_a, "A"), (late_b, "B")):
        customer.grade = grade
    late_b.rep_id = late_a.rep_id = rep_b.id
    db.session.commit()
    list_day = DAY + 3 * D  # due DAY + 2 passed for the first three
    assert _run_duty(sales, list_day) == {"lines": 3}
    mine = overdue.overdue_list(list_day, rep_id=rep_b.id)
    assert [e.customer_id for e in mine] == [late_a.id, late_b.id]
    site = overdue.overdue_list(list_day, project_id=sales.project.id)
    assert [e.grade for e in site] == ["A", "B", "C"]
    assert on_time.id not in {e.customer_id for e in site}
    assert [e.customer_id for e in overdue.overdue_list(list_day, rep_id=rep_a.id)] == [late_c.id]
    # Running the day again rewrites it, no duplicates; a follow-up takes the line away.
    _follow_up(sales, late_a, list_day)
    assert _run_duty(sales, list_day) == {"lines": 2}


def test_sal05_overdue_list_includes_open_tasks_past_their_day(sales):
    customer = register(sales, kind="call", wants_visit=True).customer  # call-back DAY + 1
    lines = _run_duty(sales, DAY + 2 * D)
    assert lines == {"lines": 1}
    entry = overdue.overdue_list(DAY + 2 * D)[0]
    assert entry.task.kind == TaskKind.call_back and entry.customer_id == customer.id
    _follow_up(sales, customer, DAY + 2 * D)  # settles the call-back
    assert _run_duty(sales, DAY + 2 * D) == {"lines": 0}


def test_sal05_duty_is_declared_daily_for_the_sales_plugin(sales):
    from core.duties import Daily, duties_of

    duty = next(d for d in duties_of(sales.company) if d.key == "sales.overdue_follow_ups")
    assert isinstance(duty.schedule, Daily)
