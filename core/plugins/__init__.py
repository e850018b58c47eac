"""The plugin manager: discovery, manifests, dependency order, per-company hook callers."""

from core.plugins.manifest import Manifest, PluginError
from core.plugins.registry import ENTRY_POINT_GROUP, PluginRegistry

__all__ = ["ENTRY_POINT_GROUP", "Manifest", "PluginError", "PluginRegistry"]
