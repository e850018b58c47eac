"""Benchmarks: ``python -m bench`` (or ``make bench``) prints each figure with its baseline."""


def fresh_schema(db) -> None:
    """An empty schema with every installed table (in an app context). On PostgreSQL the
    whole schema goes, so tables another benchmark added (its own plugin's) cannot block it."""
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        db.drop_all()
    db.create_all()
    # Ids start again in the new schema: drop what this process cached about the old rows.
    from flask import current_app

    from core import permissions

    permissions._cache.clear()
    current_app.extensions["erp_plugins"].company_cache.clear()


def sales_site(db, email: str, role: str):
    """A fresh schema with one company (sales enabled), one user with ``role``, one project and
    its building 1#: (company, user, building), in an app context."""
    from core.plugins import state
    from core.services import companies as svc
    from plugins.sales.models import Building

    fresh_schema(db)
    company = svc.create_company(svc.get_or_create_group("Bench"), "BN", "Bench Co", "BN")
    user = svc.create_user(email, "bench-pass-1")
    svc.add_member(user, company, [role])
    state.enable(company, "sales")
    project = svc.create_project(
        company, {"name": "Bench site", "type": "residential", "region_code": "BN"}
    )
    building = Building(company_id=company.id, project_id=project.id, name="1#")
    db.session.add(building)
    db.session.flush()
    return company, user, building


def bench_unit(company, building, **values):
    """A unit of the benches' one price (98.50 m² at 10,000.00 a m²)."""
    from decimal import Decimal

    from plugins.sales.models import Unit

    return Unit(
        company_id=company.id,
        building_id=building.id,
        built_area=Decimal("98.50"),
        usable_area=Decimal("80.00"),
        list_unit_price=Decimal("10000.00"),
        list_total=Decimal("985000.00"),
        **values,
    )
