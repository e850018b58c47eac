"""Audit log: every ORM create, update and delete of business data, and approval decisions.

Entries are computed in ``after_flush``, when new rows have their ids and attribute history
still shows the old values, and inserted on the flush's own connection: a rollback leaves no
entry and a commit never lacks one. Bulk ``update()``/``delete()`` statements bypass the unit
of work and are not logged; services change business rows through the ORM.
"""

import datetime as dt
import enum
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache

from flask import g, has_request_context
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import ColumnProperty, Session

from core.extensions import db
from core.tenancy import TenantMixin, current_company_id


class AuditLogReadOnly(Exception):
    """An attempt to change or delete an audit entry."""


class AuditAction(enum.StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    approval = "approval"


MASK = "***"
# Secrets: the change is logged, the value never.
MASKED = frozenset({"password_hash", "token_hash"})
# Bookkeeping written on every login or token use: not business changes.
IGNORED = {"user_account": {"failed_logins", "locked_until"}, "api_token": {"last_used_at"}}

_UNSET = object()
_actor: ContextVar = ContextVar("erp_audit_actor", default=_UNSET)


@contextmanager
def actor(user_id: int | None):
    """Attribute the changes made in this block to ``user_id`` (``None``: the system).

    Jobs and CLI commands set it; a web or API request is attributed to its user otherwise.
    """
    token = _actor.set(user_id)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor_id() -> int | None:
    chosen = _actor.get()
    if chosen is not _UNSET:
        return chosen
    user = g.get("erp_user") if has_request_context() else None
    # The identity key needs no SQL, which may not be emitted during a flush.
    return inspect(user).identity[0] if user is not None else None


def json_safe(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@cache
def _models():
    """(AuditEntry, models audited besides business data), imported on first use: core.models
    imports the approval engine, which imports this package."""
    from core.models import Company, User
    from core.models.audit import AuditEntry

    return AuditEntry, (Company, User)


def _audited(obj) -> bool:
    """Business data is audited; a model opts out with ``__audit__ = False`` (operational
    bookkeeping such as job records and duty runs, which are their own log)."""
    entry, extra = _models()
    return (
        getattr(obj, "__audit__", True)
        and isinstance(obj, (TenantMixin, *extra))
        and not isinstance(obj, entry)
    )


def _company_of(obj) -> int | None:
    if inspect(obj).mapper.local_table.name == "company":
        return obj.id
    return getattr(obj, "company_id", None)


@cache
def _columns(mapper) -> tuple[tuple[str, str], ...]:
    """(attribute key, column name) of each audited column attribute of ``mapper``."""
    ignored = IGNORED.get(mapper.local_table.name, set())
    return tuple(
        (prop.key, prop.columns[0].name)
        for prop in mapper.iterate_properties
        if isinstance(prop, ColumnProperty)
        and len(prop.columns) == 1
        and prop.columns[0].name not in ignored
    )


def _shown(name: str, value):
    return MASK if name in MASKED and value is not None else json_safe(value)


@cache
def _links(mapper) -> tuple[str, ...]:
    """Many-to-many collections (e.g. a membership's roles): logged as lists of ids."""
    return tuple(rel.key for rel in mapper.relationships if rel.secondary is not None)


def _pk(state):
    """The primary key read from loaded values: no SQL may be emitted during a flush."""
    return state.dict.get(state.mapper.get_property_by_column(state.mapper.primary_key[0]).key)


def _ids(objects) -> list:
    return sorted(_pk(inspect(obj)) for obj in objects)


def _changes(state, action: str) -> dict:
    changes = {}
    for key, name in _columns(state.mapper):
        if action == AuditAction.update:
            hist = state.attrs[key].history
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
        else:
            value = state.dict.get(key)  # loaded values only, as in _pk
            old, new = (None, value) if action == AuditAction.create else (value, None)
        if old != new:
            changes[name] = [_shown(name, old), _shown(name, new)]
    for key in _links(state.mapper):
        hist = state.attrs[key].history
        if action == AuditAction.update and hist.has_changes():
            kept = list(hist.unchanged)
            changes[key] = [_ids(kept + list(hist.deleted)), _ids(kept + list(hist.added))]
        elif action != AuditAction.update and state.dict.get(key):
            ids = _ids(state.dict[key])
            changes[key] = [[], ids] if action == AuditAction.create else [ids, []]
    return changes


def _entry(obj, action: str, user_id, at) -> dict | None:
    state = inspect(obj)
    changes = _changes(state, action)
    if action == AuditAction.update and not changes:
        return None
    return {
        "company_id": _company_of(obj),
        "user_id": user_id,
        "at": at,
        "action": str(action),
        "model": state.mapper.local_table.name,
        "record_id": _pk(state) if len(state.mapper.primary_key) == 1 else None,
        "changes": changes,
    }


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, _models()[0]) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogReadOnly("audit entries cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state):
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper and mapper.class_ is _models()[0]:
        raise AuditLogReadOnly("audit entries cannot be changed or deleted")


@event.listens_for(Session, "after_flush")
def _log_flush(session, flush_context):
    user_id, at = current_actor_id(), _now()
    rows = []
    for objects, action in (
        (session.new, AuditAction.create),
        (session.dirty, AuditAction.update),
        (session.deleted, AuditAction.delete),
    ):
        for obj in objects:
            if _audited(obj):
                row = _entry(obj, action, user_id, at)
                if row is not None:
                    rows.append(row)
    if rows:
        _write(session, rows)


def _write(session, rows: list[dict]) -> None:
    # Core insert on the session's connection: same transaction, and no new ORM objects to
    # flush (a flush within a flush).
    entry = _models()[0]
    connection = session.connection(bind_arguments={"mapper": inspect(entry)})
    connection.execute(insert(entry.__table__), rows)


def record_decision(record, decision: str, comment: str = "", step: str = "") -> None:
    """Log an approval decision on ``record`` (an approval request or the record decided).

    ``changes`` holds ``decision``, ``comment`` and ``step`` as ``[None, value]``. Written in
    the caller's transaction, attributed like any change (:func:`actor`, else the request's
    user), to the record's company or else the current one.
    """
    db.session.flush()  # the record needs its id
    state = inspect(record)
    values = {"decision": decision, "comment": comment, "step": step}
    company_id = _company_of(record)
    row = {
        "company_id": company_id if company_id is not None else current_company_id(),
        "user_id": current_actor_id(),
        "at": _now(),
        "action": str(AuditAction.approval),
        "model": state.mapper.local_table.name,
        "record_id": state.identity[0] if len(state.mapper.primary_key) == 1 else None,
        "changes": {k: [None, json_safe(v)] for k, v in values.items() if v},
    }
    _write(db.session, [row])
