"""Passwords, login throttling, API tokens and the ?next= redirect."""

import hashlib
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from core.auth.services import LoginRefused, _now, authenticate, create_token, revoke_token
from core.extensions import db
from core.models import ApiToken, Membership
from core.tenancy import company_scope
from tests.conftest import PASSWORD


def _me(client, token):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_password_is_stored_hashed(world):
    stored = db.session.scalar(
        text("SELECT password_hash FROM user_account WHERE email = 'rep-a@example.com'")
    )
    assert PASSWORD not in stored
    assert world.rep_a.check_password(PASSWORD)
    assert not world.rep_a.check_password(stored)


def test_repeated_failures_lock_the_account_until_it_expires(ctx, world, caplog):
    limit = ctx.config["LOGIN_MAX_FAILURES"]
    caplog.set_level(logging.WARNING, logger="erp.auth")
    for _ in range(limit):
        with pytest.raises(LoginRefused, match="invalid email or password"):
            authenticate("rep-a@example.com", "wrong-password")
    assert world.rep_a.locked_until > _now() + timedelta(
        minutes=ctx.config["LOGIN_LOCK_MINUTES"] - 1
    )
    with pytest.raises(LoginRefused, match="locked"):
        authenticate("rep-a@example.com", PASSWORD)

    messages = [r.getMessage() for r in caplog.records if r.name == "erp.auth"]
    assert len(messages) == limit + 1
    assert all("rep-a@example.com" in m for m in messages)
    assert f"locked after {limit} failed logins" in messages[limit - 1]
    assert "refused for locked user" in messages[-1]

    world.rep_a.locked_until = _now() - timedelta(seconds=1)
    db.session.commit()
    assert authenticate("rep-a@example.com", PASSWORD) == world.rep_a
    assert world.rep_a.failed_logins == 0 and world.rep_a.locked_until is None


def test_login_page_refuses_locked_account(client, world):
    world.rep_a.locked_until = _now() + timedelta(minutes=5)
    db.session.commit()
    page = client.post(
        "/login",
        data={"email": "rep-a@example.com", "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 200
    assert "locked" in page.text
    assert client.get("/admin/").status_code == 302


def test_token_is_stored_only_as_sha256(world):
    token = create_token(world.admin_a, world.a, "ci")
    rows = db.session.execute(text("SELECT * FROM api_token")).all()
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0])
    with company_scope(world.a.id):
        row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_revoked_token_is_refused(client, world):
    token = create_token(world.admin_a, world.a, "ci")
    assert _me(client, token).status_code == 200
    with company_scope(world.a.id):
        revoke_token(db.session.scalar(select(ApiToken.id)))
    response = _me(client, token)
    assert response.status_code == 401
    assert response.json["error"]["status"] == 401


def test_token_of_inactive_user_or_former_member_is_refused(client, world):
    rep_token = create_token(world.rep_a, world.a, "ci")
    admin_token = create_token(world.admin_a, world.a, "ci")
    world.rep_a.active = False
    with company_scope(world.a.id):
        db.session.delete(
            db.session.scalar(select(Membership).where(Membership.user_id == world.admin_a.id))
        )
    db.session.commit()
    assert _me(client, rep_token).status_code == 401
    assert _me(client, admin_token).status_code == 401


def test_login_next_refuses_other_sites(client, world):
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/x"]:
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"email": "admin-a@example.com", "password": PASSWORD},
        )
        location = response.headers["Location"]
        # A browser reads "//host", "/\\host" and "/<tab>/host" as another site.
        assert response.status_code == 302 and location.startswith("/"), target
        assert not location.startswith("//") and "\\" not in location, target
        assert location.isprintable(), target


def test_login_next_keeps_local_path(client, world):
    response = client.post(
        "/login?next=/admin/project/",
        data={"email": "admin-a@example.com", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/admin/project/"
