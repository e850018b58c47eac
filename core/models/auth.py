"""Users, per-company roles holding permission names, memberships and API tokens."""

from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import Column, DateTime, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.extensions import db
from core.models.company import Company
from core.tenancy import TenantMixin


class User(db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    # A group admin manages every company, its users and its plugins.
    is_group_admin: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(20))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user")

    # Flask-Login protocol
    is_anonymous = False

    @property
    def is_authenticated(self):
        return True

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return str(self.id)

    def set_password(self, password: str) -> None:
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __str__(self):
        return self.email


membership_role = Table(
    "membership_role",
    db.metadata,
    Column("membership_id", ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
)


class Role(TenantMixin, db.Model):
    """A role of one company; the SPEC's actors are the default roles."""

    __tablename__ = "role"
    __table_args__ = (UniqueConstraint("company_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))

    company: Mapped[Company] = relationship()
    grants: Mapped[list["RolePermission"]] = relationship(
        back_populates="role", cascade="all, delete-orphan"
    )

    @property
    def permissions(self) -> set[str]:
        return {g.permission for g in self.grants}

    def __str__(self):
        return self.name


class RolePermission(db.Model):
    __tablename__ = "role_permission"
    role_id: Mapped[int] = mapped_column(
        ForeignKey("role.id", ondelete="CASCADE"), primary_key=True
    )
    permission: Mapped[str] = mapped_column(String(100), primary_key=True)

    role: Mapped[Role] = relationship(back_populates="grants")


class Membership(TenantMixin, db.Model):
    """A user's membership of one company, with the roles held there."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("company_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)

    user: Mapped[User] = relationship(back_populates="memberships")
    company: Mapped[Company] = relationship()
    roles: Mapped[list[Role]] = relationship(secondary=membership_role)

    def __str__(self):
        return f"{self.user} @ {self.company.code if self.company else ''}"


class ApiToken(TenantMixin, db.Model):
    """An API token of a user for one company; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()
