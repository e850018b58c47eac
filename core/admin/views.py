"""Base classes for every admin screen: plugin gating, permission checks, CSRF, tenancy.

A view names the ``permission`` that opens it (and, for model views, ``edit_permission`` for
create/edit/delete). For a company where the view's plugin is disabled the view is absent from
the menu and answers 404; a missing permission answers 403 naming the permission.
"""

from flask import abort, g, make_response, redirect, render_template, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import BaseForm
from flask_wtf import FlaskForm

from core.extensions import db
from core.permissions import has_permission
from core.plugins import state as plugin_state

LOGIN = "login"
NOT_FOUND = "not_found"
NO_COMPANY = "core.company.member"


class GatedMixin:
    permission: str = ""
    #: Set by the core to the name of the plugin that returned the view.
    erp_plugin: str = "core"

    def refusal(self) -> str | None:
        """Why the current request may not use this view, or ``None``."""
        if g.get("erp_user") is None:
            return LOGIN
        company = g.get("erp_company")
        if company is None:
            return NO_COMPANY
        if not plugin_state.is_enabled(company, self.erp_plugin):
            return NOT_FOUND
        if self.permission and not has_permission(self.permission):
            return self.permission
        return None

    def is_accessible(self):
        return self.refusal() is None

    def is_visible(self):
        return self.refusal() is None

    def inaccessible_callback(self, name, **kwargs):
        reason = self.refusal()
        if reason == LOGIN:
            return redirect(url_for("auth.login", next=request.full_path))
        if reason == NOT_FOUND:
            abort(404)
        return forbidden(reason)


def forbidden(permission: str):
    """A 403 page that says which permission refused."""
    body = render_template("erp/403.html", permission=permission)
    abort(make_response(body, 403))


class ErpForm(BaseForm):
    """Admin forms carry Flask-WTF's CSRF token: CSRFProtect checks every POST against it, and
    Flask-Admin's SecureForm token (a different scheme) would be refused with a 400."""

    class Meta(FlaskForm.Meta):
        pass


class ErpView(GatedMixin, BaseView):
    """A custom admin screen."""


class ErpModelView(GatedMixin, ModelView):
    """A list/form screen over a model; tenancy comes from the ORM session itself."""

    form_base_class = ErpForm
    edit_permission: str = ""
    page_size = 50
    can_export = True

    def __init__(self, model, **kwargs):
        super().__init__(model, db, **kwargs)

    def _may_edit(self) -> bool:
        return has_permission(self.edit_permission or self.permission)

    @property
    def can_create(self):
        return self._may_edit()

    @property
    def can_edit(self):
        return self._may_edit()

    @property
    def can_delete(self):
        return self._may_edit()


class PluginHomeView(ErpView):
    """A plugin's landing screen: what it is and how it is set for the current company."""

    def __init__(self, manifest, permission: str, **kwargs):
        self.manifest = manifest
        self.permission = permission
        kwargs.setdefault("endpoint", f"{manifest.name}_home")
        kwargs.setdefault("name", manifest.label)
        kwargs.setdefault("category", manifest.label)
        super().__init__(**kwargs)

    @expose("/")
    def index(self):
        settings = plugin_state.get_settings(g.erp_company, self.manifest.name)
        return self.render("erp/plugin_home.html", manifest=self.manifest, settings=settings)
