"""The admin shell (Flask-Admin 2): menu from enabled plugins and permissions."""

from pathlib import Path

from flask import Blueprint, g, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from core.admin.labels import label
from core.admin.views import GatedMixin


class ErpIndexView(GatedMixin, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("erp/home.html")

    def inaccessible_callback(self, name, **kwargs):
        if g.get("erp_user") is None:
            return redirect(url_for("auth.login", next=request.full_path))
        return super().inaccessible_callback(name, **kwargs)


def _add_templates(app, name, module) -> None:
    """A plugin's ``templates/`` folder (beside its module) joins the app's template search
    path; by convention its templates live under ``templates/<plugin name>/``."""
    source = getattr(module, "__file__", None)  # None: a module built in memory (tests)
    folder = Path(source).parent / "templates" if source else None
    if folder is not None and folder.is_dir():
        app.register_blueprint(
            Blueprint(f"erp_templates_{name}", module.__name__, template_folder=str(folder))
        )


def init_admin(app, registry) -> Admin:
    admin = Admin(
        app,
        name="ERP",
        url="/admin",
        index_view=ErpIndexView(name=_l("Home"), url="/admin"),
        theme=Bootstrap4Theme(base_template="erp/admin_master.html", fluid=True),
    )
    app.add_template_filter(label, "label")
    for name in registry.order:
        _add_templates(app, name, registry.pm.get_plugin(name))
    for plugin, views in registry.per_plugin("erp_admin_views"):
        for view in views:
            view.erp_plugin = plugin
            admin.add_view(view)

    @app.route("/")
    def _root():
        return redirect(url_for("admin.index"))

    return admin
