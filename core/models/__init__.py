"""Core models; importing this package registers every core table on the metadata.

Every core service keeps its models here (not in its own package), so importing the models
never imports a service, and no service import order can form a cycle.
"""

from core.models.approvals import ApprovalDecision, ApprovalFlow, ApprovalRequest, ApprovalStep
from core.models.audit import AuditEntry
from core.models.auth import ApiToken, Membership, Role, RolePermission, User
from core.models.calendar import CalendarDay, CalendarYear
from core.models.company import Company, CompanyGroup, Project, ProjectType
from core.models.documents import Document
from core.models.duties import DutyRun
from core.models.jobs import JobRecord
from core.models.letters import Letter, LetterSequence, Mailing
from core.models.plugin_state import PluginState

__all__ = [
    "ApiToken",
    "ApprovalDecision",
    "ApprovalFlow",
    "ApprovalRequest",
    "ApprovalStep",
    "AuditEntry",
    "CalendarDay",
    "CalendarYear",
    "Company",
    "CompanyGroup",
    "Document",
    "DutyRun",
    "JobRecord",
    "Letter",
    "LetterSequence",
    "Mailing",
    "Membership",
    "PluginState",
    "Project",
    "ProjectType",
    "Role",
    "RolePermission",
    "User",
]
