"""Core commands: init, demo, run, users, tokens."""

import click
from alembic import command as alembic_command
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from flask import current_app
from flask.cli import pass_script_info
from marshmallow import ValidationError
from sqlalchemy import make_url, select

from core.cli import CommandFailed, Result, emit
from core.extensions import db, init_migrations


def _revisions() -> list[str]:
    with db.engine.connect() as conn:
        return sorted(MigrationContext.configure(conn).get_current_heads())


def init():
    """Create the database, or upgrade it to the newest revision of the core and of every
    installed plugin (each plugin is its own Alembic branch)."""
    before = _revisions()
    config = init_migrations(current_app).migrate.get_config()
    try:
        alembic_command.upgrade(config, "heads")
    except CommandError as exc:
        raise CommandFailed(f"migration failed: {exc}") from exc
    after = _revisions()
    database = db.engine.url.render_as_string(hide_password=True)
    data = {"database": database, "previous": before, "current": after, "changed": before != after}
    state = "upgraded" if data["changed"] else "already up to date"
    return Result(data, f"Database {database} {state}: {', '.join(after)}")


@click.option("--url", default="http://127.0.0.1:5000/", show_default=True, help="Shown URL.")
def demo(url):
    """Load the demo companies, projects and users (idempotent); prints the logins."""
    from core import demo as demo_data

    data = demo_data.load(url)
    lines = [f"Open {url} and sign in with password {data['password']}:"]
    lines += [
        f"  {u['email']:<36} {u['company']:<3} {', '.join(u['roles'])}" for u in data["logins"]
    ]
    show = data.get("showcase")
    if show:
        lines += [
            "To see:",
            f"  a pending approval in the inbox of {show['approval_inbox']} (My approvals)",
            f"  the Chinese letter {show['letter']['reference']} under Letters (download the PDF)",
            f"  {show['duty_periods_run']} duty run(s) under System → Duty runs",
        ]
    return Result(data, "\n".join(lines))


@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option("--debug/--no-debug", default=False, help="Debugger and reloader.")
@pass_script_info
def run(info, host, port, debug):
    """Run the development server (use gunicorn in production)."""
    from werkzeug.serving import run_simple

    app = info.load_app()
    url = f"http://{host}:{port}/"
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    emit(Result({"url": url, "database": database}, f"ERP at {url} ({database})"))
    run_simple(host, port, app, use_reloader=debug, use_debugger=debug, threaded=True)


def _email(_ctx, _param, value: str | None) -> str | None:
    # Logins compare lower-case addresses (core.auth.services.authenticate).
    return value.strip().lower() if value else value


def _user_by_email(email: str):
    from core.models import User

    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        raise ValidationError({"email": [f"no user {email}"]})
    return user


@click.option("--email", required=True, callback=_email)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--company", required=True, help="Company code, e.g. LY.")
@click.option("--role", multiple=True, required=True, help="Role code; repeat for several.")
@click.option("--name", default="", help="Display name (default: the e-mail's local part).")
@click.option("--group-admin", is_flag=True, help="Also manage every company of the group.")
def create_user(email, password, company, role, name, group_admin):
    """Create a user who is a member of COMPANY with the given roles."""
    from core.services import companies as svc

    target = svc.company_by_code(company)
    user = svc.create_user(email, password, name, is_group_admin=group_admin)
    membership = svc.add_member(user, target, list(role))
    roles = sorted(r.code for r in membership.roles)
    data = {"id": user.id, "email": user.email, "company": target.code, "roles": roles}
    data["group_admin"] = user.is_group_admin
    return Result(data, f"User {user.email} created in {target.code} as {', '.join(roles)}")


@click.option("--email", required=True, callback=_email)
@click.option("--company", required=True, help="Company code, e.g. LY.")
@click.option("--name", required=True, help="What the token is for.")
def create_token(email, company, name):
    """Create an API token for a user in a company; the token is shown this once only."""
    from core.auth.services import create_token as new_token
    from core.services import companies as svc

    user = _user_by_email(email)
    target = svc.company_by_code(company)
    if target not in svc.companies_of(user):
        raise ValidationError({"company": [f"{email} is not a member of company {company}"]})
    token = new_token(user, target, name)
    data = {"token": token, "email": user.email, "company": target.code, "name": name}
    return Result(data, f"{token}\n(shown once: store it now)")


def register(cli) -> None:
    cli.command("init")(init)
    cli.command("demo")(demo)
    cli.command("run", with_appcontext=False)(run)
    users = cli.group("users", help="Users and memberships.")(lambda: None)
    users.command("create")(create_user)
    tokens = cli.group("tokens", help="API tokens.")(lambda: None)
    tokens.command("create")(create_token)
