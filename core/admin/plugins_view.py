"""The plugins of the current company: enable/disable and settings.

The settings form is generated from the plugin's marshmallow schema (one input per field),
and every change goes through :mod:`core.plugins.state`, which checks dependencies and
validates; this screen only translates between HTML forms and those services.
"""

from dataclasses import dataclass, field

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from core.admin.views import ErpView
from core.plugins import state as plugin_state
from core.plugins.manifest import PluginError


@dataclass
class SettingInput:
    """One HTML input for one schema field."""

    name: str
    label: str
    kind: str  # checkbox, number, select or text
    value: object
    help: str = ""
    choices: list = field(default_factory=list)
    attrs: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)


def _input_kind(schema_field) -> tuple[str, list, dict]:
    """(kind, choices, extra HTML attributes) for a marshmallow field."""
    attrs: dict = {}
    for v in schema_field.validators:
        if isinstance(v, validate.OneOf):
            return "select", list(v.choices), attrs
        if isinstance(v, validate.Range):
            attrs.update({k: getattr(v, k) for k in ("min", "max") if getattr(v, k) is not None})
    if isinstance(schema_field, fields.Boolean):
        return "checkbox", [], {}
    if isinstance(schema_field, fields.Integer):
        return "number", [], {"step": 1, **attrs}
    if isinstance(schema_field, fields.Number):  # Decimal, Float
        return "number", [], {"step": "any", **attrs}
    return "text", [], {}


def settings_inputs(manifest, values: dict, errors: dict | None = None) -> list[SettingInput]:
    if manifest.settings is None:
        return []
    errors = errors or {}
    inputs = []
    for name, schema_field in manifest.settings().fields.items():
        kind, choices, attrs = _input_kind(schema_field)
        messages = errors.get(name, [])
        inputs.append(
            SettingInput(
                name=name,
                label=str(schema_field.metadata.get("label", name.replace("_", " ").capitalize())),
                kind=kind,
                value=values.get(name),
                help=str(schema_field.metadata.get("description", "")),
                choices=choices,
                attrs=attrs,
                errors=messages if isinstance(messages, list) else [messages],
            )
        )
    return inputs


def submitted_settings(manifest, form) -> dict:
    """The posted values as marshmallow input (an unchecked box is not posted: False)."""
    data = {}
    for name, schema_field in manifest.settings().fields.items():
        if isinstance(schema_field, fields.Boolean):
            data[name] = name in form
        elif name in form:
            data[name] = form[name]
    return data


class PluginsView(ErpView):
    permission = "core.plugins.manage"

    def _manifest(self, name):
        manifest = plugin_state.registry().manifests.get(name)
        if manifest is None:
            abort(404)
        return manifest

    def _page(self, failed: tuple[str, dict, dict] | None = None):
        """The screen; ``failed`` = (plugin, submitted values, errors) of a refused save."""
        company = g.erp_company
        registry = plugin_state.registry()
        plugins = []
        for name, manifest in registry.manifests.items():
            values = plugin_state.get_settings(company, name)
            errors = {}
            if failed and failed[0] == name:
                values, errors = {**values, **failed[1]}, failed[2]
            plugins.append(
                {
                    "manifest": manifest,
                    "enabled": plugin_state.is_enabled(company, name),
                    "needs": [(d, plugin_state.is_enabled(company, d)) for d in manifest.depends],
                    "needed_by": [
                        (d, plugin_state.is_enabled(company, d)) for d in registry.dependents(name)
                    ],
                    "inputs": settings_inputs(manifest, values, errors),
                    "form_errors": errors.get("_schema", []),
                }
            )
        return self.render("erp/plugins.html", plugins=plugins, labels=_labels(registry))

    @expose("/")
    def index(self):
        return self._page()

    @expose("/<plugin>/state", methods=("POST",))
    def set_state(self, plugin):
        # (not "name": Flask-Admin passes the view name under that keyword)
        manifest = self._manifest(plugin)
        enable = request.form.get("enabled") == "1"
        try:
            if enable:
                plugin_state.enable(g.erp_company, plugin)
            else:
                plugin_state.disable(g.erp_company, plugin)
        except PluginError as exc:
            flash(str(exc), "error")
        else:
            if enable:
                flash(_("%(plugin)s enabled.", plugin=manifest.label), "success")
            else:
                flash(_("%(plugin)s disabled.", plugin=manifest.label), "success")
        return redirect(url_for(".index"))

    @expose("/<plugin>/settings", methods=("POST",))
    def settings(self, plugin):
        manifest = self._manifest(plugin)
        if manifest.settings is None:
            abort(404)
        data = submitted_settings(manifest, request.form)
        try:
            plugin_state.update_settings(g.erp_company, plugin, data)
        except ValidationError as exc:
            flash(_("The settings of %(plugin)s were not saved.", plugin=manifest.label), "error")
            return self._page(failed=(plugin, data, exc.normalized_messages())), 422
        flash(_("The settings of %(plugin)s were saved.", plugin=manifest.label), "success")
        return redirect(url_for(".index"))


def _labels(registry) -> dict[str, str]:
    return {name: str(m.label) for name, m in registry.manifests.items()}
