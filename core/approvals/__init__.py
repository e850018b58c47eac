"""The approval engine (审批): data-driven, versioned flows per company and document type.

A plugin ships default flows through ``erp_approval_flows``, submits a request for any record
with :func:`submit`, and hears the outcome through ``erp_approval_decided``.
"""

from flask_babel import lazy_gettext as _l

from core.admin import labels
from core.approvals.conditions import ConditionError
from core.approvals.flows import current_flow, current_flows, install_default_flows, save_flow
from core.approvals.service import (
    ApprovalRefused,
    approve,
    history,
    overdue,
    pending_for,
    refusal,
    reject,
    submit,
    withdraw,
)
from core.models.approvals import (
    ApprovalDecision,
    ApprovalFlow,
    ApprovalRequest,
    ApprovalStep,
    Decision,
    ImmutableDecision,
    RequestStatus,
)

__all__ = [
    "ApprovalDecision",
    "ApprovalFlow",
    "ApprovalRefused",
    "ApprovalRequest",
    "ApprovalStep",
    "ConditionError",
    "Decision",
    "ImmutableDecision",
    "RequestStatus",
    "approve",
    "current_flow",
    "current_flows",
    "history",
    "install_default_flows",
    "overdue",
    "pending_for",
    "refusal",
    "reject",
    "save_flow",
    "submit",
    "withdraw",
]


labels.register({"pending": _l("Pending"), "approved": _l("Approved")})
