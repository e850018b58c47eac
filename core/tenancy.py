"""Tenancy: every business row belongs to a project company, and the ORM scopes queries.

The current company lives in a context variable set for each request (from the user's chosen
company) and for each job (from the job's company). While it is set, every ORM SELECT, UPDATE
and DELETE is filtered by ``with_loader_criteria`` and every flush refuses to write another
company's rows, so a view, an export or a relationship drop-down cannot forget the filter.
Outside a request or job (CLI, migrations) nothing is scoped.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import ForeignKey, event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.orm.attributes import get_history

# A company id no row has: a request with no company sees no business rows (fail closed).
NO_COMPANY = 0

_current: ContextVar[int | None] = ContextVar("erp_company_id", default=None)


class TenantViolation(Exception):
    """A write that would touch another company's rows."""


class TenantMixin:
    """Marks a model as business data owned by one project company."""

    @declared_attr
    def company_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("company.id"), index=True, nullable=False)


def current_company_id() -> int | None:
    return _current.get()


def set_company(company_id: int | None):
    """Set the scope; returns a token for :func:`reset_company`."""
    return _current.set(company_id)


def reset_company(token) -> None:
    _current.reset(token)


@contextmanager
def company_scope(company_id: int | None):
    """Run a block scoped to one company (``None``: unscoped system context)."""
    token = _current.set(company_id)
    try:
        yield
    finally:
        _current.reset(token)


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state):
    company_id = _current.get()
    if company_id is None or state.execution_options.get("erp_unscoped"):
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantMixin, lambda cls: cls.company_id == company_id, include_aliases=True
            )
        )


def _owner(obj) -> int | None:
    company_id = obj.company_id
    if company_id is None and getattr(obj, "company", None) is not None:
        company_id = obj.company.id
    return company_id


@event.listens_for(Session, "before_flush")
def _guard_writes(session, flush_context, instances):
    company_id = _current.get()
    if company_id is None:
        return
    for obj in session.new:
        if isinstance(obj, TenantMixin):
            if _owner(obj) is None:
                obj.company_id = company_id
            elif _owner(obj) != company_id:
                raise TenantViolation(f"{type(obj).__name__} belongs to another company")
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantMixin):
            continue
        if get_history(obj, "company_id").deleted or _owner(obj) != company_id:
            raise TenantViolation(f"{type(obj).__name__} {obj.id} belongs to another company")
