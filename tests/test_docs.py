"""The plugin-writing guide documents every hook, and only hooks that exist."""

import re
from pathlib import Path

from core import hookspecs

GUIDE = Path(__file__).parents[1] / "docs" / "plugins.md"


def hook_names() -> set[str]:
    return {n for n, f in vars(hookspecs).items() if n.startswith("erp_") and callable(f)}


def documented() -> set[str]:
    return set(re.findall(r"^### (erp_\w+)\s*$", GUIDE.read_text(encoding="utf-8"), re.M))


def test_every_hook_has_a_section_in_the_plugin_guide():
    missing = sorted(hook_names() - documented())
    assert not missing, f"docs/plugins.md lacks a '### <hook>' section for: {missing}"


def test_the_plugin_guide_documents_no_hook_that_does_not_exist():
    stale = sorted(documented() - hook_names())
    assert documented(), "no '### erp_<name>' section found in docs/plugins.md"
    assert not stale, f"docs/plugins.md documents hooks that core/hookspecs.py lacks: {stale}"
