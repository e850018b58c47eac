"""Group → project companies (项目公司) → projects (楼盘)."""

import enum

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.tenancy import TenantMixin


class CompanyGroup(db.Model):
    """The developer group (集团) that runs several project companies."""

    __tablename__ = "company_group"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)

    def __str__(self):
        return self.name


class Company(db.Model):
    """A project company (项目公司): the tenant every business row belongs to."""

    __tablename__ = "company"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("company_group.id"))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(10))
    default_locale: Mapped[str] = mapped_column(String(20), default="zh_Hans_CN")
    # Bumped on every plugin enable/disable/settings change: each process compares it with
    # its cache on the next request, so a change takes effect everywhere without a restart.
    plugins_rev: Mapped[int] = mapped_column(default=0)
    # Bumped whenever a role, a grant or a membership of the company changes (see
    # core.permissions): the key of every process's cache of users' permissions.
    acl_rev: Mapped[int] = mapped_column(default=0)

    group: Mapped[CompanyGroup] = relationship()

    def __str__(self):
        return f"{self.code} {self.name}"


class ProjectType(enum.StrEnum):
    villa = "villa"  # 别墅
    apartment = "apartment"  # 公寓
    residential = "residential"  # 住宅


class Project(TenantMixin, db.Model):
    """A development (楼盘) run by a project company."""

    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[ProjectType] = mapped_column(Enum(ProjectType, native_enum=False, length=20))
    region_code: Mapped[str] = mapped_column(String(10))

    company: Mapped[Company] = relationship()

    def __str__(self):
        return self.name
