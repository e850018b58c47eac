"""Permissions declared by the core and the plugins, held by per-company roles.

The SPEC's actors are the default roles. A permission names the default roles that hold it;
:func:`ensure_default_roles` creates the roles of a company and grants those defaults.
"""

from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session

from core.extensions import db
from core.models import Company, Membership, Role, RolePermission, User
from core.models.auth import membership_role
from core.tenancy import company_scope


def N_(text: str) -> str:
    """Marks a string for translation where it is stored as data (translated on display)."""
    return text


# code -> name: the SPEC actors (opening section), plus the company administrator. Names are
# stored in English and shown through gettext, so each user sees their own language.
DEFAULT_ROLES = {
    "company_admin": N_("Company administrator"),
    "sales_rep": N_("Sales rep (置业顾问)"),
    "site_manager": N_("Sales-site manager (案场经理)"),
    "sales_controller": N_("Sales controller (销控员)"),
    "cs_rep": N_("Customer-service rep (客户代表)"),
    "cs_manager": N_("Customer-service manager (客服部经理)"),
    "archive_clerk": N_("Archive clerk (档案管理员)"),
    "mortgage_officer": N_("Mortgage officer (按揭专职人员)"),
    "finance": N_("Finance (财务部)"),
    "finance_manager": N_("Finance manager"),
    "engineering": N_("Engineering (工程部)"),
    "cost_budget": N_("Cost / budget (预算部)"),
    "lawyer": N_("Lawyer (律师)"),
    "vp": N_("Vice-president in charge (分管副总经理)"),
    "gm": N_("General manager (总经理)"),
    "cfo": N_("CFO (财务总监)"),
    "property_company": N_("Property-management company (物业公司)"),
    "contractor": N_("Contractor (施工单位)"),
    "owner": N_("Owner (业主)"),
}


@dataclass(frozen=True)
class Permission:
    name: str
    label: str
    default_roles: tuple[str, ...] = ()
    plugin: str = ""


class PermissionDenied(Exception):
    def __init__(self, permission: str):
        super().__init__(permission)
        self.permission = permission


def declared() -> dict[str, Permission]:
    """Every declared permission by name (collected at start-up)."""
    return current_app.extensions["erp_permissions"]


def collect(registry) -> dict[str, Permission]:
    perms = {}
    for plugin, items in registry.per_plugin("erp_permissions"):
        for p in items:
            if p.name in perms:
                raise ValueError(f"permission {p.name} declared twice")
            unknown = set(p.default_roles) - DEFAULT_ROLES.keys()
            if unknown:
                raise ValueError(f"permission {p.name} names unknown roles {sorted(unknown)}")
            perms[p.name] = Permission(p.name, p.label, tuple(p.default_roles), plugin)
    return perms


_PERMISSIONS_QUERY = (
    select(RolePermission.permission)
    .join(membership_role, membership_role.c.role_id == RolePermission.role_id)
    .join(Membership, Membership.id == membership_role.c.membership_id)
    .where(Membership.user_id == bindparam("user"), Membership.company_id == bindparam("company"))
    .distinct()
)


# (user id, company id, company acl_rev) -> permissions; bounded, never stale (see below).
_cache: dict[tuple[int, int, int], frozenset[str]] = {}


def permissions_of(user: User, company: Company) -> frozenset[str]:
    if user.is_group_admin:
        return frozenset(declared())
    key = (user.id, company.id, company.acl_rev)
    perms = _cache.get(key)
    if perms is None:
        rows = db.session.scalars(_PERMISSIONS_QUERY, {"user": user.id, "company": company.id})
        if len(_cache) > 50_000:
            _cache.clear()
        perms = _cache[key] = frozenset(rows)
    return perms


@event.listens_for(Session, "after_flush")
def _bump_acl_rev(session, flush_context):
    """A change to a company's roles, grants or memberships bumps its ``acl_rev``, in the same
    transaction, so every process's cached permissions for that company are dropped."""
    companies = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Role | Membership):
            companies.add(obj.company_id)
        elif isinstance(obj, RolePermission):
            role = obj.role or session.get(Role, obj.role_id)
            companies.add(role.company_id if role else None)
    companies.discard(None)
    if companies:
        session.connection().execute(
            update(Company)
            .where(Company.id.in_(companies))
            .values(acl_rev=Company.acl_rev + 1)
            .execution_options(synchronize_session=False)
        )
        for company in session.identity_map.values():
            if isinstance(company, Company) and company.id in companies:
                session.expire(company, ["acl_rev"])


def current_permissions() -> frozenset[str]:
    """The permissions of the request's user in the request's company (cached per request)."""
    if "erp_perms" not in g:
        user, company = g.get("erp_user"), g.get("erp_company")
        g.erp_perms = permissions_of(user, company) if user and company else frozenset()
    return g.erp_perms


def has_permission(name: str) -> bool:
    return name in current_permissions()


def check(name: str) -> None:
    if not has_permission(name):
        raise PermissionDenied(name)


def ensure_default_roles(company: Company) -> dict[str, Role]:
    """Create the company's default roles and grant the declared defaults (idempotent)."""
    with company_scope(company.id):
        roles = {r.code: r for r in db.session.scalars(select(Role))}
        for code, label in DEFAULT_ROLES.items():
            if code not in roles:
                roles[code] = Role(company_id=company.id, code=code, name=label)
                db.session.add(roles[code])
        for perm in declared().values():
            for code in perm.default_roles:
                if perm.name not in roles[code].permissions:
                    roles[code].grants.append(RolePermission(permission=perm.name))
        db.session.flush()
    return roles
