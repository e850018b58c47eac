"""Who may do what: users, memberships, roles and their permissions, API tokens."""

from flask import abort, flash, g, make_response, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from marshmallow import ValidationError
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.validators import ValidationError as Refused

from core.admin.views import ErpModelView, ErpView
from core.auth.services import create_token, revoke_token
from core.config import Defaults
from core.extensions import db
from core.models import ApiToken, Membership, Role, RolePermission, User
from core.models.auth import membership_role
from core.permissions import declared
from core.plugins import state as plugin_state
from core.plugins.registry import CORE
from core.services.companies import add_member, create_user

# Held only through User.is_group_admin, never through a company role: a company admin who
# could grant it would manage every company.
GROUP_ADMIN_ONLY = frozenset({"core.companies.manage"})
LOCALES = list(Defaults.LANGUAGES.items())


class ServiceCreateMixin:
    """Creation goes through a service function (which validates and commits), so that the
    admin creates records exactly as the API and the CLI do."""

    def create_record(self, form):
        raise NotImplementedError

    def create_model(self, form):
        try:
            model = self.create_record(form)
        except ValidationError as exc:
            db.session.rollback()
            flash(_("The record was not created."), "error")
            for name, messages in exc.normalized_messages().items():
                field = getattr(form, name, None)
                for message in messages if isinstance(messages, list) else [messages]:
                    if field is not None:
                        field.errors.append(message)
                    else:
                        flash(message, "error")
            return False
        self.after_model_change(form, model, True)
        return model


def _translated_name(view, context, model, name):
    return _(model.name)


class NewPasswordField(PasswordField):
    """Hashed into the user on save; left blank it keeps the current password."""

    def populate_obj(self, obj, name):
        if self.data:
            obj.set_password(self.data)


class UserView(ServiceCreateMixin, ErpModelView):
    """A group admin sees every user; a company admin only the members of the current
    company (users are not tenant rows, so the filter is explicit here)."""

    permission = "core.users.manage"
    can_delete = False  # deactivate instead: tokens, memberships and history refer to users
    can_view_details = True
    column_list = ("email", "name", "active", "is_group_admin", "locale")
    column_details_list = column_export_list = column_list
    column_searchable_list = ("email", "name")
    form_columns = ("email", "name", "active", "locale", "is_group_admin", "password")
    form_extra_fields = {
        "password": NewPasswordField(_l("Password"), [Optional(), Length(min=8)]),
    }
    form_choices = {"locale": LOCALES}
    column_labels = {
        "email": _l("Email"),
        "name": _l("Name"),
        "active": _l("Active"),
        "is_group_admin": _l("Group administrator"),
        "locale": _l("Language"),
        "password": _l("Password"),
    }
    column_descriptions = {"password": _l("Leave blank to keep the current password.")}

    def _members_only(self, query):
        if g.erp_user.is_group_admin:
            return query
        members = select(Membership.user_id).where(Membership.company_id == g.erp_company.id)
        return query.filter(User.id.in_(members))

    def get_query(self):
        return self._members_only(super().get_query())

    def get_count_query(self):
        return self._members_only(super().get_count_query())

    def get_one(self, id):
        try:
            user_id = int(id)
        except (TypeError, ValueError):
            return None
        return self.get_query().filter(User.id == user_id).one_or_none()

    def _fit(self, form):
        if not g.erp_user.is_group_admin:
            del form.is_group_admin
        return form

    def create_form(self, obj=None):
        return self._fit(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._fit(super().edit_form(obj))

    def create_record(self, form):
        user = create_user(
            form.email.data.strip().lower(),
            form.password.data or "",
            form.name.data or "",
            active=form.active.data,
            locale=form.locale.data or None,
            is_group_admin=bool(getattr(form, "is_group_admin", None) and form.is_group_admin.data),
        )
        # New users join the current company, so that its admin keeps seeing them.
        add_member(user, g.erp_company, [])
        return user

    def may_change(self, user: User) -> bool:
        """A company admin changes only users who belong to the current company alone: a
        password set here would otherwise open another company's door."""
        if g.erp_user.is_group_admin:
            return True
        if user.is_group_admin:
            return False
        elsewhere = db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.user_id == user.id, Membership.company_id != g.erp_company.id)
            .execution_options(erp_unscoped=True)
        )
        return not elsewhere

    def update_model(self, form, model):
        if not self.may_change(model):
            flash(_("Only a group administrator may change this user."), "error")
            return False
        return super().update_model(form, model)

    def on_model_change(self, form, model, is_created):
        model.email = model.email.strip().lower()


def _role_names(view, context, model, name):
    return ", ".join(sorted(_(r.name) for r in model.roles))


class MembershipView(ServiceCreateMixin, ErpModelView):
    """Members of the current company and their roles. Memberships and roles are tenant
    rows: the list, the forms and the roles drop-down are scoped by the ORM session."""

    permission = "core.users.manage"
    can_view_details = True
    column_list = ("user", "roles")
    column_details_list = column_export_list = column_list
    column_searchable_list = ("user.email",)
    column_formatters = {"roles": _role_names}
    column_formatters_export = {"roles": _role_names}
    form_columns = ("roles",)
    form_create_rules = ("user_email", "roles")
    form_args = {"roles": {"get_label": lambda role: _(role.name)}}
    column_labels = {"user": _l("User"), "roles": _l("Roles"), "user_email": _l("User email")}

    def validate_form(self, form):
        # Flask-Admin's QuerySelectMultipleField flags ids outside its query (e.g. another
        # company's role) only once .data has been read; unread, it silently drops them.
        if "roles" in form:
            form.roles.data  # noqa: B018
        return super().validate_form(form)

    def get_create_form(self):
        class CreateForm(super().get_create_form()):
            user_email = EmailField(_l("User email"), [DataRequired()])

        return CreateForm

    def create_record(self, form):
        email = form.user_email.data.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            message = _("No user has this email; create the user on the Users screen first.")
            raise ValidationError({"user_email": [message]})
        return add_member(user, g.erp_company, [r.code for r in form.roles.data])


class GroupedCheckboxes:
    """One fieldset of checkboxes per choice group (a plugin's permissions)."""

    def __call__(self, field, **kwargs):
        html = []
        for group, choices in field.iter_groups():
            html.append(f'<fieldset class="mb-3"><legend class="h6">{escape(group)}</legend>')
            for choice in choices:
                box_id = escape(f"{field.id}-{choice.value}")
                checked = " checked" if choice.selected else ""
                html.append(
                    f'<div class="form-check"><input class="form-check-input" type="checkbox"'
                    f' name="{escape(field.name)}" value="{escape(choice.value)}"'
                    f' id="{box_id}"{checked}><label class="form-check-label" for="{box_id}">'
                    f"{escape(choice.label)} <code>{escape(choice.value)}</code></label></div>"
                )
            html.append("</fieldset>")
        return Markup("".join(html))


class PermissionsField(SelectMultipleField):
    """The role's permissions; saving replaces its grants."""

    widget = GroupedCheckboxes()

    def populate_obj(self, obj, name):
        wanted = set(self.data or ())
        kept = [grant for grant in obj.grants if grant.permission in wanted]
        added = [RolePermission(permission=p) for p in sorted(wanted - obj.permissions)]
        obj.grants = kept + added


def grantable_permissions() -> dict[str, list[tuple[str, str]]]:
    """Declared permissions a role may hold, grouped by the plugin that declares them."""
    manifests = plugin_state.registry().manifests
    groups: dict[str, list[tuple[str, str]]] = {}
    for plugin in [CORE, *manifests]:
        label = _("Core") if plugin == CORE else str(manifests[plugin].label)
        items = [
            (p.name, str(p.label))
            for p in declared().values()
            if p.plugin == plugin and p.name not in GROUP_ADMIN_ONLY
        ]
        if items:
            groups[label] = sorted(items)
    return groups


def _permission_count(view, context, model, name):
    return len(model.grants)


def _permission_names(view, context, model, name):
    return ", ".join(sorted(model.permissions))


class RoleView(ErpModelView):
    permission = "core.roles.manage"
    can_view_details = True
    column_list = column_details_list = ("code", "name", "permissions")
    column_export_list = ("code", "name")
    column_sortable_list = ("code", "name")
    column_formatters = {"name": _translated_name, "permissions": _permission_count}
    column_formatters_detail = {"name": _translated_name, "permissions": _permission_names}
    column_searchable_list = ("code", "name")
    form_columns = ("code", "name", "permissions")
    form_extra_fields = {"permissions": PermissionsField(_l("Permissions"))}
    column_labels = {"code": _l("Code"), "name": _l("Name"), "permissions": _l("Permissions")}

    def _with_choices(self, form):
        form.permissions.choices = grantable_permissions()
        return form

    def create_form(self, obj=None):
        return self._with_choices(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._with_choices(super().edit_form(obj))

    def on_model_delete(self, model):
        held = db.session.scalar(
            select(func.count())
            .select_from(membership_role)
            .where(membership_role.c.role_id == model.id)
        )
        if held:
            # Flask-Admin flashes a wtforms ValidationError and keeps the row.
            raise Refused(_("This role is held by %(count)s member(s).", count=held))


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=100)])


class ApiTokenView(ErpView):
    """The signed-in user's API tokens in the current company."""

    permission = "core.api.tokens"

    def _own(self):
        return select(ApiToken).where(ApiToken.user_id == g.erp_user.id)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = TokenForm()
        plain = None
        if form.validate_on_submit():
            plain = create_token(g.erp_user, g.erp_company, form.name.data.strip())
            form = TokenForm(formdata=None)
        tokens = db.session.scalars(self._own().order_by(ApiToken.created_at.desc())).all()
        body = self.render("erp/api_tokens.html", form=form, tokens=tokens, plain=plain)
        response = make_response(body)
        # The plain token is on this page once: keep it out of every cache.
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<int:token_id>/revoke", methods=("POST",))
    def revoke(self, token_id):
        token = db.session.scalar(self._own().where(ApiToken.id == token_id))
        if token is None:
            abort(404)
        revoke_token(token.id)
        flash(_("Token %(prefix)s… revoked.", prefix=token.prefix), "success")
        return redirect(url_for(".index"))


def access_views():
    category = _l("Administration")
    return [
        UserView(User, name=_l("Users"), category=category, endpoint="users"),
        MembershipView(
            Membership, name=_l("Memberships"), category=category, endpoint="memberships"
        ),
        RoleView(Role, name=_l("Roles"), category=category, endpoint="roles"),
        ApiTokenView(name=_l("API tokens"), category=category, endpoint="api_tokens"),
    ]
