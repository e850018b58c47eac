"""CS-16 newsletter: the project's progress text per month, entered by staff, goes to every
household with a contract on the 15th, once; a text written late is sent from the editor."""

from datetime import date

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core.extensions import db
from core.models import Project
from core.models.letters import Letter
from core.services.companies import create_project
from core.tenancy import company_scope
from plugins.customer_service.greetings import services
from plugins.customer_service.greetings.models import Newsletter
from plugins.customer_service.greetings.services import NEWSLETTER
from plugins.customer_service.models import ContractStatus
from tests.plugins.customer_service.cs_setup import make_sale
from tests.plugins.customer_service.test_contacts_log import configure, run_duties

PREFIX = "customer_service.newsletter"
TEXT = "3号楼主体结构已封顶。\n\n小区园林景观施工已开始，预计明年五月完工。"


def write(w, project_id, month="2026-11", body=TEXT) -> Newsletter:
    with company_scope(w.a.id):
        data = {"project_id": project_id, "month": month, "title": "牡丹园业主通讯", "body": body}
        newsletter = services.save_newsletter(w.a, w.cs_manager, data)
        db.session.commit()
    return newsletter


def newsletters_sent(w) -> list[Letter]:
    with company_scope(w.a.id):
        query = select(Letter).where(Letter.kind == NEWSLETTER).order_by(Letter.owner_id)
        return db.session.scalars(query).all()


@pytest.fixture
def site(cs):
    """Two households with a contract and one whose contract was cancelled in project A;
    one household in a second project, for which no text is written."""
    make_sale(cs, 1)
    make_sale(cs, 2)
    with company_scope(cs.a.id):
        make_sale(cs, 3).status = ContractStatus.cancelled
        db.session.commit()
    cs.project_2 = create_project(cs.a, {"name": "龙门山庄", "type": "villa", "region_code": "LY"})
    db.session.commit()
    with company_scope(cs.a.id):
        from plugins.customer_service.models import Household

        other = make_sale(cs, 4)
        db.session.scalar(
            select(Household).where(Household.unit_id == other.unit_id)
        ).project_id = cs.project_2.id
        db.session.commit()
    return cs


def test_cs16_newsletter_on_the_15th_to_every_household_with_a_contract_once(site, monkeypatch):
    write(site, site.project_a.id)
    [run] = run_duties(monkeypatch, site.a, date(2026, 11, 15), PREFIX)
    assert run["period"] == "2026-11"
    assert run["outcome"]["sent"] == {str(site.project_a.id): 2}
    assert run["outcome"]["missing_text"] == [site.project_2.id]
    sent = newsletters_sent(site)
    assert [(x.owner_type, x.step, x.title) for x in sent] == [
        ("cs_household", "2026-11", "牡丹园业主通讯")
    ] * 2
    assert run_duties(monkeypatch, site.a, date(2026, 11, 15), PREFIX) == []
    assert len(newsletters_sent(site)) == 2


def test_cs16_newsletter_day_setting_and_late_text_sent_from_the_editor(site, monkeypatch):
    configure(site, newsletter_day=20)
    assert run_duties(monkeypatch, site.a, date(2026, 11, 15), PREFIX) == []
    [run] = run_duties(monkeypatch, site.a, date(2026, 11, 20), PREFIX)
    assert run["outcome"]["sent"] == {} and len(run["outcome"]["missing_text"]) == 2
    late = write(site, site.project_2.id)
    with company_scope(site.a.id):
        assert services.send_newsletter(site.a, late) == 1
        db.session.commit()  # the letters are queued when the sender commits
        # Sent again (say after a correction): nobody gets a second copy.
        assert services.send_newsletter(site.a, db.session.get(Newsletter, late.id)) == 1
        db.session.commit()
    assert len(newsletters_sent(site)) == 1


def test_cs16_newsletter_text_is_one_per_project_and_month(site):
    first = write(site, site.project_a.id, body="旧的文字")
    again = write(site, site.project_a.id)
    assert first.id == again.id
    with company_scope(site.a.id):
        assert db.session.get(Newsletter, first.id).body == TEXT
        with pytest.raises(ValidationError, match="month"):
            services.save_newsletter(
                site.a, None, {"project_id": site.project_a.id, "month": "11/2026"}
            )
        with pytest.raises(ValidationError, match="project_id"):
            services.save_newsletter(site.a, None, {"project_id": 999, "month": "2026-11"})
        assert db.session.scalar(select(Project.id).where(Project.id == site.project_2.id))
