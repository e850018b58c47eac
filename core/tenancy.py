"""Tenancy: every business row belongs to a project company, and the ORM scopes queries.

The current company lives in a context variable set for each request (from the user's chosen
company) and for each job (from the job's company). While it is set, every ORM SELECT, UPDATE
and DELETE is filtered by ``with_loader_criteria`` and every flush refuses to write another
company's rows, so a view, an export or a relationship drop-down cannot forget the filter.
Outside a request or job (CLI, migrations) nothing is scoped.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from sqlalchemy import ForeignKey, event, inspect
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


def _is_tenant(mapper) -> bool:
    return mapper is not None and issubclass(mapper.class_, TenantMixin)


def _written_companies(state) -> list:
    """The company_id values an ORM INSERT/UPDATE would write, one per row that names it.

    ``.values()`` are kept in ``_values``/``_multi_values`` (no public accessor); executemany
    rows come as the execution parameters. An expression stays as itself: it never equals the
    current company, so it is refused (fail closed).
    """
    stmt = state.statement
    rows = [dict(stmt._values or {})]
    rows += [row for batch in stmt._multi_values for row in batch]
    params = state.parameters or {}
    rows += params if isinstance(params, list) else [params]
    found = []
    for row in rows:
        for key, value in row.items():
            if getattr(key, "key", key) == "company_id":
                found.append(getattr(value, "value", value))
    return found


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state):
    company_id = _current.get()
    if company_id is None or state.execution_options.get("erp_unscoped"):
        return
    if (state.is_insert or state.is_update) and _is_tenant(state.bind_mapper):
        written = _written_companies(state)
        if any(c != company_id for c in written):
            raise TenantViolation("a bulk write names another company")
        if state.is_insert and not written:
            raise TenantViolation("a bulk INSERT under a company scope must give company_id")
    # A column load refreshes an object already in the session (already scoped when loaded):
    # it can reveal no other row, and SQLAlchemy cannot cache it with the criteria attached.
    if (state.is_select and not state.is_column_load) or state.is_update or state.is_delete:
        state.statement = state.statement.options(_criteria(company_id))


@lru_cache(maxsize=1024)
def _criteria(company_id: int):
    """The scoping option of one company, built once (building it costs ~25 µs a statement)."""
    return with_loader_criteria(
        TenantMixin, lambda cls: cls.company_id == company_id, include_aliases=True
    )


def _new_owner(obj) -> int | None:
    """The company ``obj`` will belong to after the flush, set by id or by relationship."""
    state = inspect(obj)
    if "company" in state.mapper.relationships:
        added = state.attrs.company.history.added
        if added and added[0] is not None:
            return added[0].id
    return obj.company_id


@event.listens_for(Session, "before_flush")
def _guard_writes(session, flush_context, instances):
    company_id = _current.get()
    if company_id is None:
        return
    for obj in session.new:
        if not isinstance(obj, TenantMixin):
            continue
        owner = _new_owner(obj)
        if owner is None and company_id != NO_COMPANY:
            obj.company_id = owner = company_id
        if owner != company_id:
            raise TenantViolation(f"new {type(obj).__name__} is not of the current company")
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantMixin):
            continue
        # The company it belonged to and the one it would belong to must both be current.
        before = get_history(obj, "company_id").non_added()
        if {*before, _new_owner(obj)} != {company_id}:
            raise TenantViolation(f"{type(obj).__name__} {obj.id} belongs to another company")
