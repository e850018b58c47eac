"""The sales-control board (销控表) of a 600-unit building: server time per render (target
< 150 ms), against a bare Jinja render of the same grid (the raw baseline).

- full request: GET /admin/sales_board/?building= through the app (login, gating, tenancy,
  the one query, the admin layout);
- the grid: its one query and the Python grid, alone;
- raw baseline: a bare ``jinja2`` template over the same rows, no Flask, no admin layout.
"""

import statistics
import tempfile
import time
from decimal import Decimal

from bench import fresh_schema

N_FLOORS, N_ENTRANCES, N_ROOMS = 30, 4, 5  # 600 units
RAW = """<table>{% for floor in floors %}<tr><th>{{ floor }}</th>{% for c in rows[floor] %}
{% if c %}<td class="s-{{ c.state }}"><a href="/u/{{ c.id }}">{{ c.list_total }}<br>
{{ c.built_area }} · {{ c.list_unit_price }}</a></td>{% else %}<td></td>{% endif %}
{% endfor %}</tr>{% endfor %}</table>"""


def _seed(app):
    from core.extensions import db
    from core.plugins import state
    from core.services import companies as svc
    from plugins.sales.models.units import Building, Unit, UnitState

    states = list(UnitState)
    with app.app_context():
        fresh_schema(db)
        group = svc.get_or_create_group("Bench")
        company = svc.create_company(group, "BN", "Bench Co", "BN")
        user = svc.create_user("board@example.com", "bench-pass-1")
        svc.add_member(user, company, ["sales_controller"])
        state.enable(company, "sales")
        project = svc.create_project(
            company, {"name": "Board", "type": "residential", "region_code": "BN"}
        )
        building = Building(company_id=company.id, project_id=project.id, name="1#")
        db.session.add(building)
        db.session.flush()
        db.session.add_all(
            Unit(
                company_id=company.id,
                building_id=building.id,
                entrance=str(e),
                floor=f,
                room=f"0{r}",
                layout="3/2",
                built_area=Decimal("98.50"),
                usable_area=Decimal("80.00"),
                list_unit_price=Decimal("10000.00"),
                list_total=Decimal("985000.00"),
                state=states[(f * 7 + e * 3 + r) % len(states)],
            )
            for f in range(1, N_FLOORS + 1)
            for e in range(1, N_ENTRANCES + 1)
            for r in range(1, N_ROOMS + 1)
        )
        db.session.commit()
        return building.id


def _per_call(fn, n: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run(database_url: str | None, n: int = 30) -> None:
    import os

    from jinja2 import Template

    from core.app import create_app

    print("== sales-control board ==")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("ERP_INSTANCE_PATH", tmp)
        url = database_url or f"sqlite:///{tmp}/b.sqlite"
        # No CSRF token dance for the bench's own login; the page itself is unchanged.
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
        building_id = _seed(app)
        client = app.test_client()
        client.post("/login", data={"email": "board@example.com", "password": "bench-pass-1"})
        url = f"/admin/sales_board/?building={building_id}"
        page = client.get(url)
        assert page.status_code == 200 and page.text.count("<td class=") == 600, page.status_code
        full = _per_call(lambda: client.get(url), n)

        from core.extensions import db
        from plugins.sales.models.units import Building
        from plugins.sales.units import board

        with app.app_context():
            building = db.session.get(Building, building_id)
            grid = board.grid(building)
            rows = {f: grid.row(f) for f in grid.floors}
            template = Template(RAW)
            raw = _per_call(lambda: template.render(floors=grid.floors, rows=rows), n)
            query = _per_call(lambda: board.grid(building), n)
    verdict = "OK" if full < 150 else "MISSED"
    print(f"board, 600 units, full request: {full:8.1f} ms per render (target < 150 ms) {verdict}")
    print(f"board, the grid's one query:    {query:8.1f} ms")
    print(f"board, raw Jinja baseline:      {raw:8.1f} ms per render (same grid, bare template)")


if __name__ == "__main__":
    import sys

    run(sys.argv[1] if len(sys.argv) > 1 else None)
