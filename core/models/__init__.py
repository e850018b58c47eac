# ruff: noqa: I001 -- the late imports below must follow the core models (import cycles)
"""Core models; importing this package registers every core table on the metadata."""

from core.models.audit import AuditEntry  # noqa: F401 (registers the table)
from core.models.auth import ApiToken, Membership, Role, RolePermission, User
from core.models.calendar import CalendarDay, CalendarYear  # noqa: F401 (registers the tables)
from core.models.company import Company, CompanyGroup, Project, ProjectType
from core.models.documents import Document  # noqa: F401 (registers the table)
from core.models.letters import LetterSequence  # noqa: F401 (registers the table)
from core.models.plugin_state import PluginState
from core.jobs.models import JobRecord  # noqa: E402,F401,I001 (registers the table)
from core.approvals.models import ApprovalFlow  # noqa: E402,F401,I001 (registers the tables)
from core.duties.models import DutyRun  # noqa: E402,F401,I001 (registers the table)

__all__ = [
    "ApiToken",
    "Company",
    "CompanyGroup",
    "Membership",
    "PluginState",
    "Project",
    "ProjectType",
    "Role",
    "RolePermission",
    "User",
]
