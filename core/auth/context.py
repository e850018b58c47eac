"""Each request's user and company: resolved once, then the ORM is scoped to the company."""

from flask import g, request, session
from flask_login import current_user
from sqlalchemy import select

from core.extensions import db, login_manager
from core.models import Company, Membership, User
from core.tenancy import NO_COMPANY, reset_company, set_company


@login_manager.user_loader
def _load_user(user_id: str):
    return db.session.get(User, int(user_id))


def _member_company(user: User, company_id: int | None) -> Company | None:
    """The company ``user`` asked for if they may use it, else their first one."""
    query = select(Company).order_by(Company.code)
    if not user.is_group_admin:
        query = query.join(Membership, Membership.company_id == Company.id).where(
            Membership.user_id == user.id
        )
    if company_id is not None:
        chosen = db.session.scalar(
            query.where(Company.id == company_id).execution_options(erp_unscoped=True)
        )
        if chosen is not None:
            return chosen
    return db.session.scalar(query.limit(1).execution_options(erp_unscoped=True))


def bind(user: User | None, company: Company | None) -> None:
    """Make ``user`` and ``company`` the request's actors and scope the ORM to the company."""
    teardown()
    g.erp_user = user
    g.erp_company = company
    g.pop("erp_perms", None)
    g.erp_tenant_token = set_company(company.id if company else NO_COMPANY)


def resolve_web_request() -> None:
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return  # the API authenticates by token, see core.api._authenticate
    user = current_user if current_user.is_authenticated else None
    company = _member_company(user, session.get("company_id")) if user else None
    bind(user, company)


def teardown(_exc=None) -> None:
    token = g.pop("erp_tenant_token", None)
    if token is not None:
        reset_company(token)


def current_company() -> Company | None:
    return g.get("erp_company")
