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
