"""A plugin split into areas: sub-packages that each contribute to the plugin's hooks.

A large plugin (``sales``, ``customer_service``) keeps each business area in its own package.
An area may define ``Settings`` (a marshmallow schema mixed into the plugin's settings) and any
of the functions ``permissions()``, ``admin_views()``, ``api_blueprints()``, ``openapi(spec)``,
``duties(company)``, ``letter_kinds(company)``, ``approval_flows(company)``,
``on_approval_decided(request)``, ``on_settings_changed(company, plugin, old, new)`` and
``demo(company)`` (called in the order of the areas).
:class:`Areas` gathers them into the plugin's hook implementations, so adding an area never
edits the others::

    areas = Areas(__name__, ("units", "leads"))
    erp_duties = areas.erp_duties  # and so on for each hook the plugin implements
"""

import importlib

from marshmallow import Schema

from core.hookspecs import hookimpl

FUNCTIONS = (
    "permissions",
    "admin_views",
    "api_blueprints",
    "openapi",
    "duties",
    "letter_kinds",
    "approval_flows",
    "on_approval_decided",
    "on_settings_changed",
    "demo",
)


class Areas:
    def __init__(self, package: str, names: tuple[str, ...]):
        self.modules = tuple(importlib.import_module(f"{package}.{name}") for name in names)
        # Taken now: importing a submodule of the same name later (``area/demo.py``) would
        # replace the function on the package.
        self.functions = {
            name: [getattr(a, name) for a in self.modules if callable(getattr(a, name, None))]
            for name in FUNCTIONS
        }

    def settings(self, name: str, doc: str) -> type[Schema]:
        """One schema of every area's ``Settings``."""
        bases = tuple(a.Settings for a in self.modules if hasattr(a, "Settings")) or (Schema,)
        return type(name, bases, {"__doc__": doc})

    def gather(self, name: str, *args) -> list:
        return [item for function in self.functions[name] for item in function(*args) or []]

    def each(self, name: str, *args) -> None:
        for function in self.functions[name]:
            function(*args)

    @hookimpl
    def erp_api_blueprints(self):
        return self.gather("api_blueprints")

    @hookimpl
    def erp_api_schemas(self, spec):
        self.each("openapi", spec)

    @hookimpl
    def erp_duties(self, company):
        return self.gather("duties", company)

    @hookimpl
    def erp_letter_templates(self, company):
        return self.gather("letter_kinds", company)

    @hookimpl
    def erp_approval_flows(self, company):
        return self.gather("approval_flows", company)

    @hookimpl
    def erp_approval_decided(self, request):
        self.each("on_approval_decided", request)

    @hookimpl
    def erp_settings_changed(self, company, plugin, old, new):
        self.each("on_settings_changed", company, plugin, old, new)

    @hookimpl
    def erp_demo_data(self, company):
        self.each("demo", company)
