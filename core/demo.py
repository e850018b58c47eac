"""Demo data for a first look (``erp demo``): idempotent, a second run changes nothing.

A group with two project companies: Luoyang (LY), with the sales and customer-service plugins
enabled and one user per default role, and Zhengzhou (ZZ), with no plugin and one
administrator, which shows that each company sees only its own data and plugins. All demo
users share :data:`DEMO_PASSWORD`.
"""

from flask import current_app
from sqlalchemy import select

from core import approvals, documents
from core.duties import run_due, today
from core.extensions import db
from core.letters.production import NOTICE, mailing_addresses, produce_letter
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


def plugin_demo_data(company: Company) -> None:
    """Each enabled plugin's demo data (hook ``erp_demo_data``), dependencies first."""
    registry = current_app.extensions["erp_plugins"]
    enabled = plugin_state.enabled_plugins(company)
    list(registry.per_plugin("erp_demo_data", enabled, company=company))


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
    ly = db.session.scalar(select(Company).where(Company.code == "LY"))
    plugin_demo_data(ly)
    showcase = _core_services(ly)
    return {
        "url": url,
        "password": DEMO_PASSWORD,
        "logins": logins,
        "companies": companies,
        "showcase": showcase,
    }


NOTICE_CONTEXT = {
    "title": "入伙通知书",
    "addressee": "张伟 先生",
    # CS-17: the customer told us of a move without confirming it in writing: both addresses.
    "addresses": mailing_addresses(
        "河南省洛阳市洛龙区开元大道218号牡丹园3号楼2单元1201室", "河南省郑州市金水区花园路66号"
    ),
    "body": [
        "您购买的牡丹园3号楼2单元1201室已具备交付条件，请于2026年12月15日前携带购房合同、"
        "身份证原件及付款凭证到牡丹园客户服务中心办理入伙手续。",
        "逾期未办理的，自交付期限届满次日起视为已交付，物业服务费自该日起计收。",
        "特此通知。",
    ],
    "date": "2026-11-24",
}
OLD_SCAN = ("customer card (2019 copy).txt", "张伟 客户资料卡（旧版，已由新版取代）\n".encode())


def _core_services(company: Company) -> dict:
    """What the core services show in the demo company: a Chinese letter in the archive of
    牡丹园 (Letters, Documents), a deletion waiting in the VP's "My approvals" inbox, and the
    day's duty runs (System → Duty runs). Each step finds its earlier result on a second run."""
    approvals.install_default_flows(company)  # a company made before flows were shipped
    db.session.commit()
    with company_scope(company.id):
        project = db.session.scalar(select(Project).where(Project.name == "牡丹园"))
    letter = produce_letter(company, NOTICE, "project", project.id, "demo", NOTICE_CONTEXT)
    db.session.commit()
    requester = db.session.scalar(select(User).where(User.email == "cs-manager@ly.example.com"))
    with company_scope(company.id):
        scan = documents.add_document("project", project.id, "scan", *OLD_SCAN, user=requester)
        db.session.commit()
        if scan.deletion_requested_at is None and scan.deleted_at is None:
            reason = "已由新版客户资料卡取代"
            documents.request_deletion(scan, requester, reason)
    runs = run_due(company, today())
    return {
        "letter": {"reference": letter.reference, "document_id": letter.document_id},
        "approval_inbox": "vp@ly.example.com",
        "duty_periods_run": len(runs["runs"]),
    }
