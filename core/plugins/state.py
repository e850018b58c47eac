"""Per-company enablement and settings: the services the admin, the API and the CLI call."""

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select, update

from core.extensions import db
from core.models import Company, PluginState
from core.plugins.manifest import PluginError
from core.plugins.registry import CORE
from core.tenancy import company_scope


def registry():
    return current_app.extensions["erp_plugins"]


def _company_entry(company: Company):
    """(enabled names, hook relay) of ``company``, cached in the app's registry under
    (company id, plugins_rev): a change bumps plugins_rev, so every process sees a new key on
    its next request; old keys are simply never asked again."""
    # Also kept on the loaded Company object: events fire per company many times a request,
    # and the app-context lookup alone costs more than the hook call. The loaded value is read
    # from the instance dict (an expired row has none: the attribute then reloads it).
    loaded = vars(company)
    rev = loaded.get("plugins_rev")
    if rev is None:
        rev = company.plugins_rev
    mine = loaded.get("_erp_plugins")
    if mine is not None and mine[0] == rev:
        return mine[1]
    reg = registry()
    key = (company.id, rev)
    entry = reg.company_cache.get(key)
    if entry is None:
        with company_scope(company.id):
            rows = db.session.scalars(
                select(PluginState.plugin).where(PluginState.enabled.is_(True))
            ).all()
        names = frozenset(n for n in rows if n in reg.manifests) | {CORE}
        if len(reg.company_cache) > 10_000:
            reg.company_cache.clear()
        entry = reg.company_cache[key] = (names, reg.hooks_for(names))
    company._erp_plugins = (rev, entry)
    return entry


def enabled_plugins(company: Company) -> frozenset[str]:
    return _company_entry(company)[0]


def is_enabled(company: Company, name: str) -> bool:
    return name == CORE or name in _company_entry(company)[0]


def hooks(company: Company):
    """Hook callers for the plugins enabled in ``company``."""
    return _company_entry(company)[1]


def _manifest(name: str):
    try:
        return registry().manifests[name]
    except KeyError:
        raise PluginError(f"plugin {name} is not installed") from None


def _state(company: Company, name: str) -> PluginState | None:
    with company_scope(company.id):
        return db.session.scalar(select(PluginState).where(PluginState.plugin == name))


def _bump(company: Company) -> None:
    # An UPDATE with an expression, so two admins changing plugins at once both bump it.
    db.session.execute(
        update(Company).where(Company.id == company.id).values(plugins_rev=Company.plugins_rev + 1)
    )
    db.session.refresh(company, ["plugins_rev"])


def get_settings(company: Company, name: str) -> dict:
    manifest = _manifest(name)
    state = _state(company, name)
    return manifest.load_settings((state.settings if state else None) or {})


def missing_dependencies(company: Company, name: str) -> list[str]:
    return [d for d in _manifest(name).depends if not is_enabled(company, d)]


def enabled_dependents(company: Company, name: str) -> list[str]:
    return [d for d in registry().dependents(name) if is_enabled(company, d)]


def enable(company: Company, name: str) -> None:
    """Enable ``name`` for ``company``; refused while a dependency is not enabled there."""
    manifest = _manifest(name)
    missing = missing_dependencies(company, name)
    if missing:
        raise PluginError(
            f"{name} needs {', '.join(missing)} enabled first for company {company.code}"
        )
    state = _state(company, name)
    if state is not None and state.enabled:
        return
    with company_scope(company.id):
        if state is None:
            state = PluginState(company_id=company.id, plugin=name)
            db.session.add(state)
        state.settings = manifest.load_settings(state.settings or {})
        state.enabled = True
        state.updated_at = datetime.now(UTC).replace(tzinfo=None)
        _bump(company)
        hooks(company).erp_plugin_enabled(company=company, plugin=name)
    db.session.commit()


def disable(company: Company, name: str) -> None:
    """Disable ``name`` for ``company``; its data stays. Refused while a dependent is on."""
    _manifest(name)
    dependents = enabled_dependents(company, name)
    if dependents:
        raise PluginError(
            f"{name} cannot be disabled for company {company.code}: "
            f"{', '.join(dependents)} depend on it"
        )
    state = _state(company, name)
    if state is None or not state.enabled:
        return
    with company_scope(company.id):
        state.enabled = False
        state.updated_at = datetime.now(UTC).replace(tzinfo=None)
        _bump(company)
        hooks(company).erp_plugin_disabled(company=company, plugin=name)
    db.session.commit()


def update_settings(company: Company, name: str, data: dict) -> dict:
    """Validate and store settings (merged over the current ones). Raises
    ``marshmallow.ValidationError`` naming each bad field; nothing is written then."""
    manifest = _manifest(name)
    old = get_settings(company, name)
    new = manifest.load_settings({**old, **data})
    state = _state(company, name)
    with company_scope(company.id):
        if state is None:
            state = PluginState(company_id=company.id, plugin=name, enabled=False)
            db.session.add(state)
        state.settings = new
        state.updated_at = datetime.now(UTC).replace(tzinfo=None)
        _bump(company)
        hooks(company).erp_settings_changed(company=company, plugin=name, old=old, new=new)
    db.session.commit()
    return new
