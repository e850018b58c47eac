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

from bench import bench_unit, sales_site

N_FLOORS, N_ENTRANCES, N_ROOMS = 30, 4, 5  # 600 units
RAW = """<table>{% for floor in floors %}<tr><th>{{ floor }}</th>{% for c in rows[floor] %}
{% if c %}<td class="s-{{ c.state }}"><a href="/u/{{ c.id }}">{{ c.list_total }}<br>
{{ c.built_area }} · {{ c.list_unit_price }}</a></td>{% else %}<td></td>{% endif %}
{% endfor %}</tr>{% endfor %}</table>"""


def _seed(app):
    from core.extensions import db
    from plugins.sales.models.units import UnitState

    states = list(UnitState)
    with app.app_context():
        company, _user, building = sales_site(db, "board@example.com", "sales_controller")
        db.session.add_all(
            bench_unit(
                company,
                building,
                entrance=str(e),
                floor=f,
                room=f"0{r}",
                layout="3/2",
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
