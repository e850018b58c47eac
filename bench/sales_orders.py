"""Orders per second taking distinct units with 8 concurrent clients (SAL-13), against a raw
baseline of the bare conditional UPDATE in the same run.

- orders: each of 8 threads (its own app context, session and connection) calls
  ``place_order`` for its own share of the units: take the unit, insert the order, its version,
  its deposit and the state-change log, commit;
- raw baseline: 8 threads each running ``UPDATE sales_unit SET state = 'subscribed' WHERE
  id = :id AND state = 'available'`` and a commit per unit, on a second set of units.
Meaningful on PostgreSQL (``python -m bench.sales_orders postgresql+psycopg://…``); SQLite
serialises writers.
"""

import tempfile
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

from bench import bench_unit, sales_site

CLIENTS, UNITS = 8, 400


def _seed(app) -> dict:
    from core.extensions import db
    from plugins.sales.models import Customer, UnitState

    with app.app_context():
        company, user, building = sales_site(db, "orders@example.com", "sales_rep")
        customer = Customer(
            company_id=company.id,
            code="BN-KH001",
            name="客户",
            phone="13800000000",
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
        db.session.add(customer)
        units = [
            bench_unit(
                company,
                building,
                floor=1 + i // 10,
                room=f"{i % 10:02d}",
                state=UnitState.available,
            )
            for i in range(2 * UNITS)
        ]
        db.session.add_all(units)
        db.session.commit()
        ids = [u.id for u in units]
        return {
            "company": company.id,
            "user": user.id,
            "customer": customer.id,
            "orders": ids[:UNITS],
            "raw": ids[UNITS:],
        }


def _threads(work, ids: list[int]) -> float:
    """Run ``work(share)`` on CLIENTS threads over ``ids``; the wall time in seconds."""
    shares = [ids[i::CLIENTS] for i in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS + 1)
    threads = [threading.Thread(target=work, args=(s, barrier)) for s in shares]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def run(database_url: str | None) -> None:
    import os

    from sqlalchemy import text

    from core.app import create_app
    from core.extensions import db

    print("== sales orders ==")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("ERP_INSTANCE_PATH", tmp)
        url = database_url or f"sqlite:///{tmp}/o.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        seed = _seed(app)
        won = []

        def orders(share, barrier):
            from core.models import Company, User
            from plugins.sales.orders.services import place_order

            with app.app_context():
                company = db.session.get(Company, seed["company"])
                user = db.session.get(User, seed["user"])
                db.session.commit()
                barrier.wait()
                for unit_id in share:
                    data = {
                        "unit_id": unit_id,
                        "customer_id": seed["customer"],
                        "payment_method": "full",
                        "deposit_kind": "large",
                        "deposit": Decimal("50000"),
                    }
                    won.append(place_order(company, user, data).id)
                db.session.remove()

        def raw(share, barrier):
            sql = text(
                "UPDATE sales_unit SET state = 'subscribed' WHERE id = :id AND state = 'available'"
            )
            with app.app_context():
                engine = db.engine
            barrier.wait()
            with engine.connect() as conn:
                for unit_id in share:
                    assert conn.execute(sql, {"id": unit_id}).rowcount == 1
                    conn.commit()

        ordered = _threads(orders, seed["orders"])
        bare = _threads(raw, seed["raw"])
        assert len(won) == UNITS, len(won)
        with app.app_context():
            db.engine.dispose()
    backend = url.split(":", 1)[0]
    print(
        f"orders, {CLIENTS} clients, distinct units: {UNITS / ordered:8.0f} orders/s"
        f" ({UNITS} in {ordered:.2f} s, {backend})"
    )
    print(f"raw conditional UPDATE, {CLIENTS} threads:   {UNITS / bare:8.0f} units/s")


if __name__ == "__main__":
    import sys

    run(sys.argv[1] if len(sys.argv) > 1 else None)
