"""Flows: the current version per document type, saving a new version, installing defaults."""

from datetime import UTC, datetime

from marshmallow import ValidationError
from sqlalchemy import func, select

from core import permissions  # a module: core.models imports this package early
from core.approvals.schemas import FlowSchema
from core.extensions import db
from core.models import Company, Role, User
from core.models.approvals import ApprovalFlow, ApprovalStep
from core.plugins import state as plugin_state
from core.tenancy import company_scope


def current_flow(company: Company, doc_type: str) -> ApprovalFlow | None:
    """The newest version of ``company``'s flow for ``doc_type``; ``None`` when there is none
    (a request is then approved at once)."""
    with company_scope(company.id):
        return db.session.scalar(
            select(ApprovalFlow)
            .where(ApprovalFlow.company_id == company.id, ApprovalFlow.doc_type == doc_type)
            .order_by(ApprovalFlow.version.desc())
            .limit(1)
        )


def current_flows(company: Company) -> list[ApprovalFlow]:
    """The newest version of each of ``company``'s flows, by document type."""
    with company_scope(company.id):
        newest = (
            select(ApprovalFlow.doc_type, func.max(ApprovalFlow.version).label("version"))
            .where(ApprovalFlow.company_id == company.id)
            .group_by(ApprovalFlow.doc_type)
            .subquery()
        )
        return list(
            db.session.scalars(
                select(ApprovalFlow)
                .join(
                    newest,
                    (newest.c.doc_type == ApprovalFlow.doc_type)
                    & (newest.c.version == ApprovalFlow.version),
                )
                .where(ApprovalFlow.company_id == company.id)
                .order_by(ApprovalFlow.doc_type)
            )
        )


def _check_deciders(company: Company, steps: list[dict]) -> None:
    """Every role code must be a role of ``company``, every permission a declared one."""
    with company_scope(company.id):
        codes = set(db.session.scalars(select(Role.code).where(Role.company_id == company.id)))
    known = permissions.declared()
    errors = {}
    for i, step in enumerate(steps):
        unknown = [r for r in step["roles"] if r not in codes]
        if unknown:
            errors[i] = {"roles": [f"unknown role(s) in {company.code}: {', '.join(unknown)}"]}
        elif step["permission"] and step["permission"] not in known:
            errors[i] = {"permission": [f"unknown permission {step['permission']}"]}
    if errors:
        raise ValidationError({"steps": errors})


def save_flow(company: Company, definition: dict, user: User | None = None) -> ApprovalFlow:
    """Validate ``definition`` (:class:`FlowSchema`) and store it as the next version of the
    company's flow for its document type. Requests in flight keep their own snapshot."""
    values = FlowSchema().load(definition)
    _check_deciders(company, values["steps"])
    previous = current_flow(company, values["doc_type"])
    with company_scope(company.id):
        flow = ApprovalFlow(
            company_id=company.id,
            doc_type=values["doc_type"],
            version=previous.version + 1 if previous else 1,
            name=values["name"] or (previous.name if previous else ""),
            created_at=datetime.now(UTC).replace(tzinfo=None),
            created_by=user,
            steps=[
                ApprovalStep(company_id=company.id, position=i, **step)
                for i, step in enumerate(values["steps"])
            ],
        )
        db.session.add(flow)
        db.session.flush()
    db.session.commit()
    return flow


def install_default_flows(company: Company) -> list[ApprovalFlow]:
    """Create, for ``company``, each default flow its enabled plugins ship
    (``erp_approval_flows``) for a document type that has no flow there yet."""
    created = []
    for definitions in plugin_state.hooks(company).erp_approval_flows(company=company):
        for definition in definitions:
            if current_flow(company, definition["doc_type"]) is None:
                created.append(save_flow(company, definition))
    return created
