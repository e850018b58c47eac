"""Letter production (SPEC CS-17, CS-18): addresses, idempotency per (kind, subject, step),
the archive copy and its reference number, mailings, tenancy, batches in-process and on a real
worker, the admin screens, the API and the demo."""

import datetime
import types
from io import BytesIO

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.api.openapi import undocumented
from core.auth.services import create_token
from core.cli import build_cli
from core.documents import archive_index, read_content
from core.extensions import db
from core.hookspecs import hookimpl
from core.letters import LetterData, LetterKind
from core.letters.admin import ReturnedFilter
from core.letters.mailing import record_mailing, update_mailing
from core.letters.production import (
    NOTICE,
    LetterDraft,
    mailing_addresses,
    produce_batch,
    produce_letter,
)
from core.models.documents import Document
from core.models.jobs import JobRecord, JobStatus
from core.models.letters import Letter, Mailing, MailingMethod
from core.plugins import Manifest, state
from core.plugins.registry import discover
from core.services import companies as svc
from core.tenancy import company_scope
from tests.conftest import PASSWORD, IsolatedClient, login
from tests.core.test_jobs_rq import ERP, rq_app  # noqa: F401 (a fixture)

CONTRACT = "洛阳市洛龙区开元大道218号牡丹园3号楼1201室"
NEW = "郑州市金水区花园路66号"
DAY = datetime.date(2026, 11, 24)
# Subject id → builds left to fail: a letter whose data crashes for a whole job attempt (the
# chunk's try together, then one by one) and builds in the retry.
FAILING: dict[int, int] = {}


def build_dunning(
    subject,
    *,
    company,
    step,
    customer=None,
    new_address=None,
    confirmed=False,
    fail_once=False,
    **_,
):
    """The probe's dunning letter about a project standing for an instalment; ``customer`` is
    the record whose archive keeps the copy (here another project)."""
    if fail_once and FAILING.get(subject.id, 0) > 0:
        FAILING[subject.id] -= 1
        raise RuntimeError("crash while building")
    letter = LetterData(
        company_name=company.name,
        title="催款通知函",
        addressee="张伟 先生",
        address="",
        body=[f"{subject.name}第{step or '一'}期房款逾期未付，请于十日内付清。", "特此函告。"],
        date=DAY,
    )
    addresses = mailing_addresses(CONTRACT, new_address, confirmed)
    return LetterDraft(letter, addresses, ("project", customer) if customer else None)


PROBE = types.ModuleType("letters_probe")
PROBE.__file__ = __file__  # where the admin looks for a plugin's templates
PROBE.manifest = Manifest(name="letters_probe", version="1.0", label="Letters probe")
PROBE.erp_letter_templates = hookimpl(
    lambda company: [LetterKind("probe.dunning", "催款通知函", build_dunning)]
)


@pytest.fixture(scope="module")
def app(database_url):
    """Overrides the session app: the same database, with the probe's letter kind."""
    from core.app import create_app

    probed = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        },
        plugin_modules=[*discover(), PROBE],
    )
    probed.test_client_class = IsolatedClient
    with probed.app_context():
        db.drop_all()
        db.create_all()
    yield probed
    with probed.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def w(world):
    for company in (world.a, world.b):
        state.enable(company, "letters_probe")
    world.customer_a = svc.create_project(
        world.a, {"name": "Customer Zhang", "type": "villa", "region_code": "LY"}
    )
    db.session.commit()
    FAILING.clear()
    return world


def dunning(w, step="15d", company="a", **context) -> Letter:
    company_ = getattr(w, company)
    project = getattr(w, f"project_{company}")
    letter = produce_letter(company_, "probe.dunning", "project", project.id, step, context)
    db.session.commit()
    return letter


def count(model, company) -> int:
    with company_scope(company.id):
        return db.session.scalar(select(func.count()).select_from(model))


# --- CS-17 addresses ------------------------------------------------------------------------


def test_cs17_letter_to_both_addresses_after_unconfirmed_change(w):
    letter = dunning(w, new_address=NEW, confirmed=False)
    assert letter.addresses == [CONTRACT, NEW]
    assert [m.address for m in letter.mailings] == [CONTRACT, NEW]
    assert {m.method for m in letter.mailings} == {MailingMethod.express}


def test_cs17_confirmed_change_uses_new_address(w):
    assert [m.address for m in dunning(w, "15d", new_address=NEW, confirmed=True).mailings] == [NEW]
    assert [m.address for m in dunning(w, "30d").mailings] == [CONTRACT]  # no change
    assert mailing_addresses(CONTRACT, CONTRACT + " ", False) == [CONTRACT]


# --- Idempotency, archive, reference ----------------------------------------------------------


def test_letter_is_produced_once_per_kind_subject_and_step(w):
    first = dunning(w, "15d")
    again = dunning(w, "15d", new_address=NEW)  # a second run, whatever it is told
    assert again.id == first.id and len(again.mailings) == 1
    later = dunning(w, "30d")
    assert later.id != first.id
    assert count(Letter, w.a) == 2 and count(Document, w.a) == 2
    assert [first.reference, later.reference] == ["LY-2026-000001", "LY-2026-000002"]


def test_cs18_letter_is_a_document_in_the_customers_archive_numbered_per_company_and_year(w):
    letter = dunning(w, customer=w.customer_a.id)
    theirs = dunning(w, company="b")
    assert (letter.reference, theirs.reference) == ("LY-2026-000001", "ZZ-2026-000001")
    with company_scope(w.a.id):
        [entry] = archive_index("project", w.customer_a.id)
        assert archive_index("project", w.project_a.id) == []  # the subject's is not the archive
        assert entry.kind == "letter" and entry.document.id == letter.document_id
        assert entry.name == f"催款通知函 {letter.reference}.pdf"
        assert read_content(entry.document).startswith(b"%PDF")
    duplicate = Letter(
        **{
            c: getattr(letter, c)
            for c in (
                "company_id",
                "kind",
                "owner_type",
                "owner_id",
                "title",
                "addressee",
                "date",
                "document_id",
                "reference",
                "created_at",
            )
        },
        step="other",
    )
    db.session.add(duplicate)
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()  # a reference is never given twice in a company
    db.session.rollback()


# --- Mailings ----------------------------------------------------------------------------------


PDF_SCAN = b"%PDF-1.4\n% a scan\n%%EOF\n"


def test_cs17_mailing_receipt_and_returned_letter_are_filed_as_documents(w):
    letter = dunning(w, customer=w.customer_a.id)
    mailing = letter.mailings[0]
    with company_scope(w.a.id):
        with pytest.raises(ValidationError) as refused:
            update_mailing(mailing, {"returned": True})
        assert set(refused.value.messages) == {"sent_on", "returned_document_id"}
        with pytest.raises(ValidationError, match="before the letter"):
            update_mailing(mailing, {"sent_on": DAY - datetime.timedelta(days=1)})
        changes = {"tracking_number": "SF1234567890", "sent_on": DAY}
        record_mailing(mailing, changes, receipt=("回执.pdf", PDF_SCAN), user=w.admin_a)
        record_mailing(mailing, {}, returned_letter=("退信.pdf", PDF_SCAN + b" "), user=w.admin_a)
        db.session.commit()
        kinds = {e.kind: e.document.id for e in archive_index("project", w.customer_a.id)}
    assert set(kinds) == {"letter", "mailing_receipt", "returned_letter"}
    assert mailing.receipt_document_id == kinds["mailing_receipt"]
    assert (mailing.returned, mailing.returned_document_id) == (True, kinds["returned_letter"])


def test_mailing_links_only_documents_of_the_letters_archive(w):
    letter = dunning(w, customer=w.customer_a.id)
    with company_scope(w.a.id):
        from core.documents import add_document

        elsewhere = add_document("project", w.project_a.id, "scan", "x.pdf", PDF_SCAN)
        with pytest.raises(ValidationError, match="archive"):
            update_mailing(letter.mailings[0], {"receipt_document_id": elsewhere.id})


# --- Tenancy -------------------------------------------------------------------------------------


def bearer(w, user=None, company=None):
    token = create_token(user or w.admin_a, company or w.a, "letters test")
    return {"Authorization": f"Bearer {token}"}


def test_letters_of_another_company_are_not_found_by_guessed_id(client, w):
    theirs = dunning(w, company="b")
    mailing_id = theirs.mailings[0].id
    headers = bearer(w)
    assert client.get(f"/api/v1/letters/{theirs.id}", headers=headers).status_code == 404
    patch = client.patch(
        f"/api/v1/letters/{theirs.id}/mailings/{mailing_id}",
        json={"tracking_number": "X"},
        headers=headers,
    )
    assert patch.status_code == 404
    assert client.get("/api/v1/letters", headers=headers).json["items"] == []
    login(client, "admin-a@example.com")
    assert client.get(f"/admin/letters/download/{theirs.id}").status_code == 404
    assert client.get(f"/admin/letters/mailing/{mailing_id}").status_code == 404
    with pytest.raises(ValidationError, match="owner_id"):  # nor a letter about B's record
        produce_letter(w.a, "probe.dunning", "project", w.project_b.id, "15d")


# --- Batches ---------------------------------------------------------------------------------


def projects(w, n) -> list[int]:
    made = [
        svc.create_project(w.a, {"name": f"Unit {i}", "type": "villa", "region_code": "LY"})
        for i in range(n)
    ]
    db.session.commit()
    return [p.id for p in made]


def batch(*args, **kwargs) -> list[JobRecord]:
    """Queue a batch and commit: its jobs run (here, in-process) when the caller commits."""
    records = produce_batch(*args, **kwargs)
    db.session.commit()
    return [db.session.get(JobRecord, r.id) for r in records]


def test_batch_runs_in_process_a_job_per_chunk(w):
    ids = projects(w, 5)
    records = batch(w.a, "probe.dunning", [("project", i) for i in ids], "15d", chunk_size=2)
    assert [r.status for r in records] == [JobStatus.done] * 3
    assert [len(r.result["produced"]) for r in records] == [2, 2, 1]
    again = batch(w.a, "probe.dunning", [("project", i) for i in ids], "15d")
    assert again[0].result == {
        "produced": [],
        "existing": sorted(x for r in records for x in r.result["produced"]),
    }
    assert count(Letter, w.a) == 5
    with pytest.raises(ValidationError, match="no letter kind"):
        produce_batch(w.a, "probe.nope", [("project", ids[0])])


def test_retried_batch_job_redoes_only_the_missing_letters(w):
    ids = projects(w, 3)
    subjects = [
        {"owner_type": "project", "owner_id": i, "context": {"fail_once": True}} for i in ids
    ]
    FAILING[ids[1]] = 2  # only the middle letter crashes, in the first attempt
    [record] = batch(w.a, "probe.dunning", subjects, "15d")
    assert (record.status, record.attempts) == (JobStatus.done, 2)
    with company_scope(w.a.id):
        letters = db.session.scalars(select(Letter).order_by(Letter.id)).all()
    assert [x.owner_id for x in letters] == [ids[0], ids[2], ids[1]]
    assert record.result == {
        "produced": [letters[2].id],
        "existing": [letters[0].id, letters[1].id],
    }
    # The numbers stay contiguous across the crash.
    assert [x.reference[-1] for x in letters] == ["1", "2", "3"]


def test_batch_on_a_real_simple_worker_process(rq_app, world):  # noqa: F811
    import subprocess

    app, env, _redis = rq_app
    notice = {"addressee": "业主", "addresses": [CONTRACT], "body": ["入伙通知。"]}
    both = dict(notice, addresses=[CONTRACT, NEW])
    ids = [world.project_a.id, *projects(world, 3)]
    subjects = [("project", ids[0], notice)] + [("project", i, both) for i in ids[1:]]
    records = produce_batch(world.a, "core.notice", subjects, "move-in", chunk_size=3)
    assert len(records) == 2
    db.session.commit()
    worker = subprocess.run(
        [ERP, "worker", "--simple", "--burst", "--queue", "letters"],
        env=env,
        timeout=120,
        capture_output=True,
    )
    assert worker.returncode == 0, worker.stderr.decode()[-2000:]
    db.session.expire_all()
    assert {db.session.get(JobRecord, r.id).status for r in records} == {JobStatus.done}
    assert count(Letter, world.a) == 4 and count(Mailing, world.a) == 7


# --- API and admin -----------------------------------------------------------------------------


def test_letters_api_lists_gets_and_records_mailings(client, w):
    letter = dunning(w, customer=w.customer_a.id, new_address=NEW)
    dunning(w, "30d")
    headers = bearer(w)
    page = client.get("/api/v1/letters?step=15d", headers=headers).json
    assert [x["reference"] for x in page["items"]] == [letter.reference] and page["total"] == 1
    got = client.get(f"/api/v1/letters/{letter.id}", headers=headers).json
    assert got["addresses"] == [CONTRACT, NEW] and got["document_id"] == letter.document_id
    url = f"/api/v1/letters/{letter.id}/mailings/{got['mailings'][1]['id']}"
    sent = client.patch(
        url, json={"tracking_number": "EMS1", "sent_on": "2026-11-25"}, headers=headers
    )
    assert sent.status_code == 200 and sent.json["tracking_number"] == "EMS1"
    refused = client.patch(url, json={"returned": True, "method": "pigeon"}, headers=headers)
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == {"method"}
    refused = client.patch(url, json={"returned": True}, headers=headers)
    assert set(refused.json["error"]["fields"]) == {"returned_document_id"}
    upload = client.post(
        "/api/v1/documents",
        data={
            "owner_type": "project",
            "owner_id": str(w.customer_a.id),
            "kind": "returned_letter",
            "file": (BytesIO(PDF_SCAN), "returned.pdf"),
        },
        headers=headers,
    )
    returned = client.patch(
        url, json={"returned": True, "returned_document_id": upload.json["id"]}, headers=headers
    )
    assert returned.status_code == 200 and returned.json["returned"] is True
    listed = client.get("/api/v1/letters?returned=true", headers=headers).json["items"]
    assert [x["id"] for x in listed] == [letter.id]
    rep = bearer(w, w.rep_a)  # a sales rep sees letters but does not record mailings
    assert client.get(f"/api/v1/letters/{letter.id}", headers=rep).status_code == 200
    assert client.patch(url, json={"tracking_number": "X"}, headers=rep).status_code == 403


def test_letters_api_is_described_in_openapi(client, app):
    doc = client.get("/api/v1/openapi.json").json
    assert {
        "/letters",
        "/letters/{letter_id}",
        "/letters/{letter_id}/mailings/{mailing_id}",
    } <= set(doc["paths"])
    assert not [r for r in undocumented(app, doc) if "letters" in r]


def test_letters_admin_lists_filters_downloads_and_edits_mailings(app, client, w):
    letter = dunning(w, customer=w.customer_a.id)
    other = dunning(w, "30d")
    mailing_id = letter.mailings[0].id
    login(client, "admin-a@example.com")
    listing = client.get("/admin/letters/").text
    assert letter.reference in listing and other.reference in listing
    pdf = client.get(f"/admin/letters/download/{letter.id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.mimetype == "application/pdf"
    form = {
        "method": "express",
        "tracking_number": "SF1",
        "sent_on": "2026-11-25",
        "receipt": (BytesIO(PDF_SCAN), "receipt.pdf"),
        "returned": "y",
        "returned_on": "2026-11-30",
    }
    refused = client.post(f"/admin/letters/mailing/{mailing_id}", data=form)
    assert refused.status_code == 400 and "filed whole" in refused.text
    form |= {
        "receipt": (BytesIO(PDF_SCAN), "receipt.pdf"),
        "returned_letter": (BytesIO(PDF_SCAN + b"\n"), "back.pdf"),
    }
    saved = client.post(f"/admin/letters/mailing/{mailing_id}", data=form)
    assert saved.status_code == 302, saved.text
    with company_scope(w.a.id):
        kinds = sorted(e.kind for e in archive_index("project", w.customer_a.id))
    assert kinds == ["letter", "mailing_receipt", "returned_letter"]
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "letters")
    index = next(i for i, f in enumerate(view._filters) if isinstance(f, ReturnedFilter))
    flt = client.get("/admin/letters/", query_string={f"flt0_{index}": "1"}).text
    assert letter.reference in flt and other.reference not in flt


def test_letters_admin_needs_its_permissions(client, w):
    letter = dunning(w)
    owner = svc.create_user("owner-a@example.com", PASSWORD)
    svc.add_member(owner, w.a, ["owner"])
    login(client, "owner-a@example.com")
    assert client.get(f"/admin/letters/download/{letter.id}").status_code == 403
    login(client, "rep-a@example.com")
    assert client.get(f"/admin/letters/download/{letter.id}").status_code == 200
    refused = client.get(f"/admin/letters/mailing/{letter.mailings[0].id}")
    assert refused.status_code == 403 and "core.letters.send" in refused.text


# --- Demo ----------------------------------------------------------------------------------------


def test_demo_shows_a_letter_a_pending_approval_and_duty_runs(ctx):
    from core.approvals import ApprovalRequest, pending_for
    from core.duties import duties_of, today
    from core.models import Company, User
    from core.models.duties import DutyRun, DutyStatus

    cli = build_cli()

    def demo():
        result = ctx.test_cli_runner().invoke(cli, ["demo", "--json"])
        assert result.exit_code == 0, result.output
        models = (Letter, Mailing, Document, ApprovalRequest, DutyRun)
        return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}

    first = demo()
    assert demo() == first  # idempotent
    ly = db.session.scalar(select(Company).where(Company.code == "LY"))
    vp = db.session.scalar(select(User).where(User.email == "vp@ly.example.com"))
    with company_scope(ly.id):
        # The core's showcase: a notice in the archive of the project (plugins add theirs).
        showcase = select(Letter).where(Letter.kind == NOTICE, Letter.owner_type == "project")
        [letter] = db.session.scalars(showcase).all()
        assert len(letter.mailings) == 2  # CS-17: an unconfirmed change of address
        pdf = read_content(db.session.get(Document, letter.document_id))
        assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf  # the Chinese font embedded
        assert "core.document_deletion" in [r.doc_type for r in pending_for(vp, ly)]
        runs = db.session.scalars(select(DutyRun)).all()
    # The demo ran the duties of LY's plugins due today (the sales plugin's daily ones).
    day = today()
    due = [d.key for d in duties_of(ly) if d.schedule.due_dates(day, day)]
    assert sorted(r.duty_key for r in runs) == sorted(due)
    assert {r.status for r in runs} <= {DutyStatus.done}
