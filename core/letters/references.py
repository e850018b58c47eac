"""Letter reference numbers (文号), unique and gapless per company and year."""

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.extensions import db
from core.models import Company
from core.models.letters import LetterSequence
from core.tenancy import company_scope

_INSERT = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def next_reference(company: Company, year: int, prefix: str | None = None) -> str:
    """The next reference of ``company`` in ``year``, e.g. ``LY-2026-000123``."""
    return next_references(company, year, 1, prefix)[0]


def next_references(company: Company, year: int, count: int, prefix: str | None = None) -> list:
    """The next ``count`` references of ``company`` in ``year``, in order.

    Safe under concurrency: the counter is bumped by one ``UPDATE ... RETURNING``, which on
    PostgreSQL locks the row until the caller's transaction ends (SQLite serialises writes),
    so two letters never get one number. The caller commits with the letters it numbers; a
    rollback gives the numbers back, so the numbers stay contiguous.
    """
    bump = (
        update(LetterSequence)
        .where(LetterSequence.company_id == company.id, LetterSequence.year == year)
        .values(last_number=LetterSequence.last_number + count)
        .returning(LetterSequence.last_number)
    )
    options = {"synchronize_session": False}
    with company_scope(company.id):
        last = db.session.execute(bump, execution_options=options).scalar()
        if last is None:  # the year's first letter: create the counter, then bump it
            insert = _INSERT[db.session.get_bind().dialect.name]
            db.session.execute(
                insert(LetterSequence)
                .values(company_id=company.id, year=year, last_number=0)
                .on_conflict_do_nothing(index_elements=["company_id", "year"])
            )
            last = db.session.execute(bump, execution_options=options).scalar_one()
    code = prefix or company.code
    return [f"{code}-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]
