"""Login, logout, company switcher and language choice."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from core.auth.services import LoginRefused, authenticate
from core.extensions import db
from core.services.companies import companies_of

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    # Only local paths: an absolute URL in ?next= would be an open redirect.
    if target and not urlsplit(target).netloc and target.startswith("/"):
        return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except LoginRefused as exc:
            flash(_(str(exc)), "error")
        else:
            login_user(user)
            session.pop("company_id", None)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("erp/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/switch-company", methods=["POST"])
@login_required
def switch_company():
    wanted = request.form.get("company_id", type=int)
    allowed = {c.id for c in companies_of(current_user)}
    if wanted not in allowed:
        flash(_("You are not a member of that company."), "error")
    else:
        session["company_id"] = wanted
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/language", methods=["POST"])
def language():
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
