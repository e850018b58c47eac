"""Core models; importing this package registers every core table on the metadata."""

from core.models.auth import ApiToken, Membership, Role, RolePermission, User
from core.models.company import Company, CompanyGroup, Project, ProjectType
from core.models.plugin_state import PluginState

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
