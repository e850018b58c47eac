"""The daily overdue follow-up duty (SAL-05) over 100,000 customers (target < 5 s), against a
raw baseline: one bare SQL SELECT of the same rows on a plain connection."""

import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from bench import fresh_schema

CUSTOMERS, REPS, TASKS = 100_000, 20, 10_000
LIST_DATE = date(2026, 11, 24)
RAW = """
SELECT c.id, c.rep_id, c.project_id, c.grade, c.follow_up_due_on, NULL
FROM sales_customer c
WHERE c.company_id = :company AND c.follow_up_due_on < :day AND c.outcome IS NULL
UNION ALL
SELECT t.customer_id, t.rep_id, c.project_id, c.grade, t.due_on, t.id
FROM sales_task t JOIN sales_customer c ON c.id = t.customer_id
WHERE t.company_id = :company AND t.done_on IS NULL AND t.due_on < :day
"""


def _seed(app):
    from sqlalchemy import insert

    from core.extensions import db
    from core.plugins import state
    from core.services import companies as svc
    from plugins.sales.leads.models import Task
    from plugins.sales.models.customers import Customer

    with app.app_context():
        fresh_schema(db)
        group = svc.get_or_create_group("Bench")
        company = svc.create_company(group, "BF", "Bench Follow-ups", "LY")
        state.enable(company, "sales")
        projects = [
            svc.create_project(
                company, {"name": f"Site {i}", "type": "residential", "region_code": "LY"}
            )
            for i in range(3)
        ]
        reps = []
        for i in range(REPS):
            rep = svc.create_user(f"rep{i}@bench.example", "bench-pass-1")
            svc.add_member(rep, company, ["sales_rep"])
            reps.append(rep.id)
        db.session.commit()
        rng = random.Random(13)
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = [
            {
                "company_id": company.id,
                "code": f"LY-BF{i:06d}",
                "name": f"Customer {i}",
                "phone": f"1380{i:07d}",
                "project_id": rng.choice(projects).id,
                "source": "web",
                "grade": rng.choice("AABCCC"),
                "rep_id": rng.choice(reps),
                "created_at": now,
                "objections": [],
                "follow_up_due_on": LIST_DATE + timedelta(days=rng.randint(-20, 40)),
                "outcome": "gave_up" if i % 10 == 0 else None,
            }
            for i in range(1, CUSTOMERS + 1)
        ]
        for start in range(0, len(rows), 10_000):
            db.session.execute(insert(Customer.__table__), rows[start : start + 10_000])
        tasks = [
            {
                "company_id": company.id,
                "customer_id": rng.randint(1, CUSTOMERS),
                "rep_id": rng.choice(reps),
                "kind": "call_back",
                "due_on": LIST_DATE + timedelta(days=rng.randint(-5, 5)),
            }
            for _ in range(TASKS)
        ]
        db.session.execute(insert(Task.__table__), tasks)
        db.session.commit()
        return company.id, reps[0]


def run(database_url: str | None) -> None:
    import os

    from sqlalchemy import create_engine, text

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("ERP_INSTANCE_PATH", tmp)
        url = database_url or f"sqlite:///{tmp}/bench.sqlite"
        print("== sales: daily follow-up duty ==")
        from core.app import create_app
        from core.duties import Period
        from core.extensions import db
        from core.models import Company
        from core.tenancy import company_scope
        from plugins.sales.leads.overdue import overdue_list, produce_overdue_list

        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        company_id, rep_id = _seed(app)
        with app.app_context():
            company = db.session.get(Company, company_id)
            period = Period(LIST_DATE.isoformat(), LIST_DATE)
            with company_scope(company_id):
                start = time.perf_counter()
                lines = produce_overdue_list(company, period)["lines"]
                db.session.commit()
                duty = time.perf_counter() - start
                start = time.perf_counter()
                mine = overdue_list(LIST_DATE, rep_id=rep_id)
                read = time.perf_counter() - start
        engine = create_engine(url)
        with engine.connect() as conn:
            start = time.perf_counter()
            raw_rows = conn.execute(text(RAW), {"company": company_id, "day": LIST_DATE}).all()
            raw = time.perf_counter() - start
        engine.dispose()
        assert len(raw_rows) == lines, (len(raw_rows), lines)
        print(
            f"follow-up duty, {CUSTOMERS:,} customers: {duty * 1000:8.1f} ms  ({lines:,} lines; "
            f"raw SELECT of the same rows {raw * 1000:.1f} ms; target < 5000 ms) "
            f"{'OK' if duty < 5 else 'MISSED'}"
        )
        print(f"one rep's list ({len(mine):,} lines, A/B first):  {read * 1000:8.1f} ms")
