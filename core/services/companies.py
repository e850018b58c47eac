"""Companies, projects, users and memberships: the services every entry point calls."""

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from core.extensions import db
from core.models import Company, CompanyGroup, Membership, Project, ProjectType, Role, User
from core.permissions import ensure_default_roles
from core.plugins import state as plugin_state
from core.tenancy import company_scope


class ProjectSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = fields.Enum(ProjectType, required=True, by_value=True)
    region_code = fields.String(required=True, validate=validate.Length(min=1, max=10))


def get_or_create_group(name: str) -> CompanyGroup:
    group = db.session.scalar(select(CompanyGroup).where(CompanyGroup.name == name))
    if group is None:
        group = CompanyGroup(name=name)
        db.session.add(group)
        db.session.flush()
    return group


def create_company(group: CompanyGroup, code: str, name: str, region_code: str) -> Company:
    """A project company with its default roles (the SPEC actors)."""
    if db.session.scalar(select(Company).where(Company.code == code)):
        raise ValidationError({"code": [f"company {code} already exists"]})
    company = Company(group=group, code=code, name=name, region_code=region_code)
    db.session.add(company)
    db.session.flush()
    ensure_default_roles(company)
    db.session.commit()
    # The core's own default flows (e.g. CS-18 document deletion needs the VP).
    from core.approvals import install_default_flows

    install_default_flows(company)
    return company


def company_by_code(code: str) -> Company:
    company = db.session.scalar(select(Company).where(Company.code == code))
    if company is None:
        raise ValidationError({"company": [f"no company with code {code}"]})
    return company


def create_project(company: Company, data: dict) -> Project:
    """Validate and create a project; plugins hear ``erp_project_created`` in the same
    transaction."""
    values = ProjectSchema().load(data)
    with company_scope(company.id):
        project = Project(company_id=company.id, **values)
        db.session.add(project)
        db.session.flush()
        try:
            plugin_state.hooks(company).erp_project_created(project=project)
        except Exception:
            db.session.rollback()
            raise
    db.session.commit()
    return project


def create_user(email: str, password: str, name: str = "", **extra) -> User:
    if db.session.scalar(select(User).where(User.email == email)):
        raise ValidationError({"email": [f"user {email} already exists"]})
    if len(password) < 8:
        raise ValidationError({"password": ["at least 8 characters"]})
    user = User(email=email, name=name or email.split("@")[0], **extra)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def add_member(user: User, company: Company, role_codes: list[str]) -> Membership:
    """Give ``user`` the roles ``role_codes`` in ``company`` (adding to existing ones)."""
    with company_scope(company.id):
        roles = db.session.scalars(select(Role).where(Role.code.in_(role_codes))).all()
        unknown = set(role_codes) - {r.code for r in roles}
        if unknown:
            raise ValidationError({"role": [f"unknown role(s): {', '.join(sorted(unknown))}"]})
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        is_new = membership is None
        if is_new:
            membership = Membership(user=user, company_id=company.id)
            db.session.add(membership)
        for role in roles:
            if role not in membership.roles:
                membership.roles.append(role)
        db.session.flush()
        if is_new:
            plugin_state.hooks(company).erp_user_joined(membership=membership)
    db.session.commit()
    return membership


def companies_of(user: User) -> list[Company]:
    """The companies a user may switch to: all for a group admin, else their memberships."""
    if user.is_group_admin:
        return list(db.session.scalars(select(Company).order_by(Company.code)))
    return list(
        db.session.scalars(
            select(Company)
            .join(Membership, Membership.company_id == Company.id)
            .where(Membership.user_id == user.id)
            .order_by(Company.code)
            .execution_options(erp_unscoped=True)
        )
    )


def update_project(project: Project, values: dict) -> Project:
    for key, value in values.items():
        setattr(project, key, value)
    db.session.commit()
    return project
