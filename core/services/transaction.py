"""One unit of work for a multi-row change: scoped to a company, all or nothing."""

from contextlib import contextmanager

from core.extensions import db
from core.models import Company
from core.tenancy import company_scope


@contextmanager
def company_transaction(company: Company):
    """Scope the block to ``company``; commit when it ends, roll everything back on any error."""
    try:
        with company_scope(company.id):
            yield
            db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
