"""A plugin's manifest: who it is, what it needs, what it can be set to."""

from dataclasses import dataclass, field

from marshmallow import Schema


class PluginError(Exception):
    """A problem with the installed plugins or a refused enable/disable, with a clear message."""


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    label: str
    depends: tuple[str, ...] = ()
    # A marshmallow schema class; its fields' ``load_default`` are the SPEC defaults.
    settings: type[Schema] | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)

    def default_settings(self) -> dict:
        return self.load_settings({})

    def load_settings(self, data: dict) -> dict:
        """Validate ``data`` (raises ``marshmallow.ValidationError``) and return the full
        settings as JSON-ready values."""
        if self.settings is None:
            if data:
                raise PluginError(f"plugin {self.name} has no settings")
            return {}
        schema = self.settings()
        return schema.dump(schema.load(data))
