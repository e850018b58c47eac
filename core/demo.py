"""Demo data for a first look (``erp demo``): idempotent, a second run changes nothing.

A group with two project companies: Luoyang (LY), with the sales and customer-service plugins
enabled and one user per default role, and Zhengzhou (ZZ), with no plugin and one
administrator, which shows that each company sees only its own data and plugins. All demo
users share :data:`DEMO_PASSWORD`.
"""

from sqlalchemy import select

from core.extensions import db
from core.models import Company, Project, User
from core.permissions import DEFAULT_ROLES, ensure_default_roles
from core.plugins import state as plugin_state
from core.services import companies as svc
from core.tenancy import company_scope

DEMO_PASSWORD = "demo-pass-2026"
GROUP = "河南置业集团"
GROUP_ADMIN = "admin@example.com"

COMPANIES = [
    {
        "code": "LY",
        "name": "洛阳项目公司",
        "region_code": "LY",
        "default_locale": "zh_Hans_CN",
        "plugins": ("sales", "customer_service"),
        "projects": (("牡丹园", "residential"), ("龙门山庄", "villa"), ("洛浦公寓", "apartment")),
        # One user per default role: sales-rep@ly.example.com holds sales_rep, and so on.
        "users": {f"{code.replace('_', '-')}@ly.example.com": (code,) for code in DEFAULT_ROLES},
    },
    {
        "code": "ZZ",
        "name": "郑州项目公司",
        "region_code": "ZZ",
        "default_locale": "zh_Hans_CN",
        "plugins": (),
        "projects": (("郑东花园", "residential"),),
        "users": {"company-admin@zz.example.com": ("company_admin",)},
    },
]


def _company(group, spec: dict) -> Company:
    company = db.session.scalar(select(Company).where(Company.code == spec["code"]))
    if company is None:
        company = svc.create_company(group, spec["code"], spec["name"], spec["region_code"])
    company.default_locale = spec["default_locale"]
    ensure_default_roles(company)  # also grants permissions of plugins installed since
    db.session.commit()
    return company


def _project(company: Company, name: str, type_: str) -> None:
    with company_scope(company.id):
        exists = db.session.scalar(select(Project.id).where(Project.name == name))
    if exists is None:
        svc.create_project(
            company, {"name": name, "type": type_, "region_code": company.region_code}
        )


def _user(email: str, **extra) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = svc.create_user(email, DEMO_PASSWORD, **extra)
        db.session.commit()
    return user


def load(url: str) -> dict:
    """Create (or complete) the demo data; returns the logins, companies and ``url``."""
    group = svc.get_or_create_group(GROUP)
    _user(GROUP_ADMIN, name="Group admin", is_group_admin=True)
    logins = [{"email": GROUP_ADMIN, "company": "*", "roles": ["group admin"]}]
    companies = []
    for spec in COMPANIES:
        company = _company(group, spec)
        # Plugins first, so that they hear about the projects created below.
        for plugin in spec["plugins"]:
            plugin_state.enable(company, plugin)
        for name, type_ in spec["projects"]:
            _project(company, name, type_)
        for email, roles in spec["users"].items():
            svc.add_member(_user(email), company, list(roles))
            logins.append({"email": email, "company": company.code, "roles": list(roles)})
        companies.append(
            {
                "code": company.code,
                "name": company.name,
                "plugins": sorted(plugin_state.enabled_plugins(company) - {"core"}),
                "projects": [name for name, _type in spec["projects"]],
            }
        )
    return {"url": url, "password": DEMO_PASSWORD, "logins": logins, "companies": companies}
