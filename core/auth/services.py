"""Login throttling and API tokens."""

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import contains_eager

from core.extensions import db
from core.models import ApiToken, Company, Membership, User

log = logging.getLogger("erp.auth")
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


class LoginRefused(Exception):
    """Bad credentials or a locked account; the message is safe to show."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def authenticate(email: str, password: str) -> User:
    """Check a password. Repeated failures lock the account for a while and are logged."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        log.warning("login failed for unknown or inactive user %r", email)
        raise LoginRefused("invalid email or password")
    if user.locked_until and user.locked_until > _now():
        log.warning("login refused for locked user %s", user.email)
        raise LoginRefused("account locked after repeated failures; try again later")
    if not user.check_password(password):
        user.failed_logins += 1
        cfg = current_app.config
        if user.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
            user.locked_until = _now() + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
            log.warning(
                "user %s locked after %s failed logins", user.email, cfg["LOGIN_MAX_FAILURES"]
            )
        else:
            log.warning("login failed for user %s (%s in a row)", user.email, user.failed_logins)
        db.session.commit()
        raise LoginRefused("invalid email or password")
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user


def token_digest(token: str) -> str:
    """The SHA-256 under which a token is stored (the plain token never is)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, company: Company, name: str) -> str:
    """Create a token for ``user`` in ``company``; the plain token is returned once only."""
    token = "erp_" + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user=user,
            company_id=company.id,
            name=name,
            token_hash=token_digest(token),
            prefix=token[:12],
            created_at=_now(),
        )
    )
    db.session.commit()
    return token


def _token_query():
    membership = (
        select(Membership.id)
        .where(Membership.user_id == ApiToken.user_id, Membership.company_id == ApiToken.company_id)
        .correlate(ApiToken)
        .exists()
    )
    return (
        select(ApiToken, Company)
        .join(ApiToken.user)
        .join(Company, Company.id == ApiToken.company_id)
        .options(contains_eager(ApiToken.user))
        .where(
            ApiToken.token_hash == bindparam("digest"),
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
            or_(User.is_group_admin.is_(True), membership),
        )
        .execution_options(erp_unscoped=True)
    )


_TOKEN_QUERY = None


def token_owner(token: str) -> ApiToken | None:
    """The live token ``token`` names, if its user is active and still in its company.

    One prepared query (the API's hot path) loads the token with its user and company; the
    returned row's ``user`` and ``company`` need no further query."""
    global _TOKEN_QUERY
    if _TOKEN_QUERY is None:
        _TOKEN_QUERY = _token_query()
    found = db.session.execute(_TOKEN_QUERY, {"digest": token_digest(token)}).first()
    if found is None:
        return None
    row, company = found
    row.company = company
    return row


def mark_used(row: ApiToken) -> None:
    """Record the token's use, at most once a minute so a busy client does not write on
    every request."""
    now = _now()
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_RESOLUTION:
        row.last_used_at = now
        db.session.commit()


def revoke_token(token_id: int) -> None:
    row = db.session.get(ApiToken, token_id)
    if row is not None:
        row.revoked_at = _now()
        db.session.commit()
