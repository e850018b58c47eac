"""The daily dunning scan (CS-10) over 1,000,000 instalments of 200,000 customers:

- the scan's decision (``ladder.due_query``: every open instalment whose next step is due,
  through the ORM with tenancy) against a bare SQL SELECT of the same cases on a plain
  connection (targets: < 10 s, and within 3x the bare SELECT);
- the whole scan of the day (decision, steps, tasks, unit states, letters enqueued);
- the day's letters produced by 2 non-forking burst workers (``erp worker --simple --burst
  --queue letters`` x 2 processes), letters per second.

The data is a steady state: every instalment already took the steps due the day before, so
the day's cases are those crossing a threshold today. Seeding uses COPY on PostgreSQL
(executemany elsewhere). Redis: ``REDIS_URL`` or redis://127.0.0.1:6379/13 (flushed).

    python -m bench.cs_dunning --database-url postgresql+psycopg://postgres@127.0.0.1/erp_bench
"""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from redis import Redis

from bench import fresh_schema

ROOT = Path(__file__).resolve().parents[1]
ERP = str(Path(sys.executable).with_name("erp"))
CUSTOMERS, PER_CUSTOMER, REPS = 200_000, 5, 100
DAY = date(2026, 11, 24)  # the scan's day
SPAN = (-400, 200)  # due dates, in days from DAY
OPEN_LATE = 0.1  # share of the instalments due in the last 75 days still unpaid
ROOMS = 2_000  # units per building: 4 entrances x 50 floors x 10 rooms
BARE = """
SELECT i.id, i.dunning_step, i.due_on
FROM cs_instalment i JOIN cs_contract c ON c.id = i.contract_id
WHERE i.company_id = :company AND c.company_id = :company
  AND NOT i.settled AND i.due_on <= :first AND i.dunning_step < 8
  AND i.due_on <= CASE i.dunning_step WHEN 0 THEN :d1 WHEN 1 THEN :d2 WHEN 2 THEN :d3
      WHEN 3 THEN :d4 WHEN 4 THEN :d5 WHEN 5 THEN :d6 WHEN 6 THEN :d7 WHEN 7 THEN :d8 END
  AND c.status IN ('signed', 'registered')
  AND NOT EXISTS (SELECT 1 FROM cs_dunning_hold h
                  WHERE h.contract_id = i.contract_id AND h.released_at IS NULL)
ORDER BY i.id
"""


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def _defaults(table, columns) -> dict:
    """The values of the columns the model gives a Python-side default and ``columns`` lack
    (COPY applies none)."""
    values = {}
    for column in table.columns:
        if column.name in columns or column.default is None or column.primary_key:
            continue
        default = column.default
        values[column.name] = default.arg(None) if default.is_callable else default.arg
    return values


def _text(value) -> str:
    """A value in COPY's text format (the bench's values hold no tab, newline or backslash)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _load(db, model, rows: list[dict]) -> None:
    """Bulk-load ``rows`` (each a dict with the same keys): COPY on PostgreSQL."""
    from sqlalchemy import insert

    if not rows:
        return
    table = model.__table__
    extra = _defaults(table, rows[0])
    columns = [*rows[0], *extra]
    if db.engine.dialect.name != "postgresql":
        for start in range(0, len(rows), 20_000):
            chunk = [{**r, **extra} for r in rows[start : start + 20_000]]
            db.session.execute(insert(table), chunk)
        return
    fixed = "".join("\t" + _text(v) for v in extra.values())
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(map(_text, row.values())) + fixed + "\n")
    connection = db.session.connection().connection.driver_connection
    with connection.cursor() as cursor:
        # The rows are consistent by construction: skip the per-row foreign-key triggers
        # (for this transaction only), as a bulk load does.
        cursor.execute("SET LOCAL session_replication_role = replica")
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())


def _steady_step(offs: dict, late: int) -> int:
    """The last step an instalment ``late`` days past due took by the day before."""
    return max((int(s) for s, o in offs.items() if o <= late - 1), default=0)


def _seed(app) -> tuple[int, dict]:
    from core.extensions import db
    from core.plugins import state
    from core.services import companies as svc
    from plugins.customer_service.dunning.ladder import LAST_STEP, offsets
    from plugins.customer_service.models import Contract, Household, Instalment
    from plugins.sales.models import Building, Customer, Unit
    from plugins.sales.orders.models import Order

    with app.app_context():
        fresh_schema(db)
        company = svc.create_company(svc.get_or_create_group("Bench"), "BD", "洛阳牡丹置业", "LY")
        state.enable(company, "sales")
        state.enable(company, "customer_service")
        project = svc.create_project(
            company, {"name": "牡丹园", "type": "residential", "region_code": "LY"}
        )
        reps = []
        for i in range(REPS):
            rep = svc.create_user(f"csrep{i}@bench.example", "bench-pass-1")
            svc.add_member(rep, company, ["cs_rep"])
            reps.append(rep.id)
        buildings = [
            Building(company_id=company.id, project_id=project.id, name=f"{b + 1}#")
            for b in range(CUSTOMERS // ROOMS)
        ]
        db.session.add_all(buildings)
        db.session.commit()
        offs = offsets(state.get_settings(company, "customer_service"))
        rng = random.Random(13)
        start = time.perf_counter()
        now = datetime.now(UTC).replace(tzinfo=None)
        co, price = company.id, Decimal("985000.00")
        units, customers, orders, contracts, households, instalments = [], [], [], [], [], []
        for n in range(1, CUSTOMERS + 1):
            k = n - 1
            building = buildings[k // ROOMS]
            units.append(
                {
                    "id": n, "company_id": co, "building_id": building.id,
                    "entrance": str(k % ROOMS // 500 + 1), "floor": k % 500 // 10 + 1,
                    "room": f"{k % 10 + 1:02d}",
                    "built_area": Decimal("98.50"), "usable_area": Decimal("80.00"),
                    "list_unit_price": Decimal("10000.00"), "list_total": price,
                    "state": "contracted",
                }
            )  # fmt: skip
            rep = reps[k % REPS]
            customers.append(
                {
                    "id": n, "company_id": co, "code": f"LY-BD{n:06d}", "name": f"客户{n}",
                    "phone": f"138{n:08d}", "project_id": project.id, "created_at": now,
                }
            )  # fmt: skip
            orders.append(
                {
                    "id": n, "company_id": co, "unit_id": n, "customer_id": n, "rep_id": rep,
                    "status": "active", "ordered_on": DAY, "signing_date": DAY, "created_at": now,
                }
            )  # fmt: skip
            status = "cancelled" if n % 50 == 0 else "signed"
            contracts.append(
                {
                    "id": n, "company_id": co, "number": f"HT-{n:06d}", "order_id": n,
                    "unit_id": n, "customer_id": n, "rep_id": rep, "status": status,
                    "price": price, "payment_method": "instalments", "buyer_name": f"客户{n}",
                    "address": f"洛阳市洛龙区开元大道{n}号", "signed_on": DAY - timedelta(days=500),
                    "termination_days": 60, "created_at": now,
                }
            )  # fmt: skip
            households.append(
                {
                    "company_id": co, "project_id": project.id, "unit_id": n, "customer_id": n,
                    "order_id": n, "rep_id": rep, "assigned_at": now,
                }
            )  # fmt: skip
            first = rng.randint(*SPAN)
            for seq in range(PER_CUSTOMER):
                late = -(first + seq * 120)  # days past due on DAY (negative: not yet due)
                due_on = DAY - timedelta(days=late)
                settled = late > 75 or (late > 0 and rng.random() > OPEN_LATE)
                step = 0 if settled else min(_steady_step(offs, late), LAST_STEP - 1)
                amount = Decimal("197000.00")
                instalments.append(
                    {
                        "company_id": co, "contract_id": n, "customer_id": n, "unit_id": n,
                        "seq": seq + 1, "what": f"第{seq + 1}期房款", "due_on": due_on,
                        "amount": amount, "paid": amount if settled else Decimal("0.00"),
                        "settled": settled, "settled_on": due_on if settled else None,
                        "dunning_step": step,
                    }
                )  # fmt: skip
        for model, rows in (
            (Unit, units),
            (Customer, customers),
            (Order, orders),
            (Contract, contracts),
            (Household, households),
            (Instalment, instalments),
        ):
            _load(db, model, rows)
        db.session.commit()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                for table in ("sales_unit", "sales_customer", "sales_order", "cs_contract"):
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {CUSTOMERS})"
                    )
                conn.exec_driver_sql("ANALYZE")
        seeded = time.perf_counter() - start
        total = sum(map(len, (units, customers, orders, contracts, households, instalments)))
        print(
            f"seeded {total:,} rows ({len(instalments):,} instalments) in {seeded:.1f} s "
            f"(rows built, COPY, ANALYZE; target < 60 s) {verdict(seeded < 60)}"
        )
        return company.id, offs


def _decide(app, company_id: int) -> tuple[float, list[int]]:
    from core.extensions import db
    from core.models import Company
    from core.tenancy import company_scope
    from plugins.customer_service.dunning.ladder import company_offsets, due_query

    with app.app_context(), company_scope(company_id):
        company = db.session.get(Company, company_id)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            ids = [r.id for r in db.session.execute(due_query(DAY, company_offsets(company)))]
            times.append(time.perf_counter() - start)
        return min(times), ids


def _bare(url: str, company_id: int, offs: dict) -> tuple[float, list[int]]:
    from sqlalchemy import create_engine, text

    params = {"company": company_id, "first": DAY - timedelta(days=min(offs.values()))}
    for step, offset in offs.items():
        params[f"d{int(step)}"] = DAY - timedelta(days=offset)
    engine = create_engine(url)
    times = []
    with engine.connect() as conn:
        for _ in range(3):
            start = time.perf_counter()
            ids = [r.id for r in conn.execute(text(BARE), params)]
            times.append(time.perf_counter() - start)
    engine.dispose()
    return min(times), ids


def _scan(app, company_id: int) -> tuple[float, dict]:
    from core.extensions import db
    from core.models import Company
    from core.tenancy import company_scope
    from plugins.customer_service.dunning.ladder import scan

    with app.app_context(), company_scope(company_id):
        company = db.session.get(Company, company_id)
        start = time.perf_counter()
        summary = scan(company, DAY)
        db.session.commit()
        return time.perf_counter() - start, summary


def _letters(app, env: dict, expected: int) -> tuple[float, int]:
    """Two burst workers on the letters queue; letters per second from the first job's
    start to the last one's end (the workers' own rate)."""
    from sqlalchemy import func, select

    from core.extensions import db
    from core.models.jobs import JobRecord
    from core.models.letters import Letter

    command = [ERP, "worker", "--simple", "--burst", "--queue", "letters"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    workers = [subprocess.Popen(command, env=env, **quiet) for _ in range(2)]
    for worker in workers:
        worker.wait()
    with app.app_context():
        made = db.session.scalar(select(func.count(Letter.id)).execution_options(erp_unscoped=True))
        first, last = db.session.execute(
            select(func.min(JobRecord.started_at), func.max(JobRecord.finished_at))
            .where(JobRecord.queue == "letters")
            .execution_options(erp_unscoped=True)
        ).one()
    assert made == expected, f"{made} of {expected} letters produced"
    return made / (last - first).total_seconds(), made


def run(database_url: str | None) -> None:
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
    redis = Redis.from_url(redis_url)
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{tmp}/bench.sqlite"
        env = {
            **os.environ,
            "ERP_INSTANCE_PATH": tmp,
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "PYTHONPATH": str(ROOT),
        }
        os.environ["ERP_INSTANCE_PATH"] = tmp
        print("== customer service: daily dunning scan ==")
        from core.app import create_app

        # The reps' passwords need no production-strength hashing here.
        cheap = {"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
        app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url, **cheap})
        redis.flushdb()
        try:
            company_id, offs = _seed(app)
            decided, ours = _decide(app, company_id)
            bare, theirs = _bare(url, company_id, offs)
            assert ours == theirs, (len(ours), len(theirs))
            ratio = decided / bare
            print(
                f"scan decision, {CUSTOMERS * PER_CUSTOMER:,} instalments: {decided * 1000:8.1f} ms"
                f"  ({len(ours):,} cases; bare SELECT {bare * 1000:.1f} ms, ratio {ratio:.2f}; "
                f"targets < 10000 ms, ratio <= 3) {verdict(decided < 10 and ratio <= 3)}"
            )
            whole, summary = _scan(app, company_id)
            letters = sum(summary["letters"].values())
            print(
                f"whole scan of the day:          {whole * 1000:8.1f} ms  ({summary['cases']:,} "
                f"cases, {sum(summary['steps'].values()):,} steps, {letters:,} letters enqueued)"
            )
            rate, made = _letters(app, env, letters)
            print(f"letters, 2 workers:             {rate:8.1f} /s  ({made:,} letters)")
        finally:
            redis.flushdb()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    run(parser.parse_args().database_url)


if __name__ == "__main__":
    main()
