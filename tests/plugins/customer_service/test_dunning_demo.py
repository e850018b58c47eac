"""The dunning demo: every ladder step shows, with letters dated in the past; a hold, a
company cause, a proven demand and a list to sign off; nothing more on a second run."""

from datetime import date, timedelta

from sqlalchemy import func, select

from core import approvals
from core.duties import today
from core.extensions import db
from core.models.letters import Letter
from core.tenancy import company_scope
from plugins.customer_service.dunning.demo_data import load
from plugins.customer_service.dunning.models import (
    DunningHold,
    DunningList,
    DunningStep,
    DunningTask,
    Step,
)
from plugins.customer_service.models import Contract, ContractStatus, Instalment
from tests.plugins.customer_service.cs_setup import make_sale

FUTURE = date(2028, 6, 1)


def _counts(cs) -> tuple:
    with company_scope(cs.a.id):
        return tuple(
            db.session.scalar(select(func.count()).select_from(m))
            for m in (DunningStep, Letter, DunningTask, DunningHold, DunningList, Instalment)
        )


def test_cs10_demo_shows_every_step_once(cs):
    late = today() - timedelta(days=40)
    make_sale(cs, 1, schedule=((late, "100000.00"), (FUTURE, "900000.00")))
    for n in range(2, 10):  # contracts with nothing due yet: the demo's spare cases
        make_sale(cs, n, schedule=((FUTURE, "1000000.00"),))
    load(cs.a)
    with company_scope(cs.a.id):
        steps = set(db.session.scalars(select(Instalment.dunning_step)))
        assert set(Step) <= steps
        taken = db.session.scalars(select(DunningStep)).all()
        letters = {(x.owner_id, x.kind): x.date for x in db.session.scalars(select(Letter))}
        for record in taken:
            if record.letter_kind:  # each letter dated the day its step was taken
                assert letters[(record.instalment_id, record.letter_kind)] == record.taken_on
        assert min(letters.values()) < today() - timedelta(days=30)
        terminated = db.session.scalar(
            select(func.count(Contract.id)).where(Contract.status == ContractStatus.terminated)
        )
        assert terminated == 1
        assert db.session.scalar(select(DunningHold)).reason
        assert db.session.scalar(select(DunningTask).where(DunningTask.needs_resolution))
        dunning_list = db.session.scalar(select(DunningList))
        assert dunning_list.approval_request.status == approvals.RequestStatus.pending
    before = _counts(cs)
    load(cs.a)
    assert _counts(cs) == before
