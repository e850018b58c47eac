"""The audit log: automatic change records, approval decisions, and the actor of jobs.

Importing this package registers the session listeners (see :mod:`core.audit.service`).
"""

from core.audit.service import AuditLogReadOnly, actor, current_actor_id, record_decision

__all__ = ["AuditLogReadOnly", "actor", "current_actor_id", "record_decision"]
