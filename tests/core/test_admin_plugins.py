"""The plugins screen: per-company enablement with dependency checks, settings forms generated
from the plugin's schema, and plugin views gated by enablement."""

import re

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import PluginState
from core.plugins import state as plugin_state
from tests.conftest import login
from tests.core.admin_client import english, flashed, new_client


@pytest.fixture
def client(ctx):
    return new_client(ctx)


def stored(company, plugin):
    db.session.expire_all()
    return db.session.scalar(
        select(PluginState).where(
            PluginState.company_id == company.id, PluginState.plugin == plugin
        )
    )


def test_plugin_view_is_hidden_and_404_until_enabled_for_the_company(ctx, world):
    a, b = new_client(ctx), new_client(ctx)
    login(a, "admin-a@example.com")
    login(b, "admin-b@example.com")
    for client in (a, b):
        assert client.get("/admin/sales_home/").status_code == 404
        assert 'href="/admin/sales_home/"' not in client.get("/admin/").text

    assert a.post("/admin/plugins/sales/state", data={"enabled": "1"}).status_code == 302
    assert a.get("/admin/sales_home/").status_code == 200
    assert 'href="/admin/sales_home/"' in a.get("/admin/").text
    # Company B is not affected.
    assert b.get("/admin/sales_home/").status_code == 404
    assert 'href="/admin/sales_home/"' not in b.get("/admin/").text

    a.post("/admin/plugins/sales/state", data={"enabled": "0"})
    assert a.get("/admin/sales_home/").status_code == 404


def test_enabling_before_a_dependency_is_refused_naming_it(client, world):
    login(client, "admin-a@example.com")
    client.post("/admin/plugins/customer_service/state", data={"enabled": "1"})
    messages = flashed(client)
    assert any("customer_service needs sales" in m for m in messages), messages
    assert not plugin_state.is_enabled(world.a, "customer_service")


def test_disabling_a_plugin_others_depend_on_is_refused(client, world):
    plugin_state.enable(world.a, "sales")
    plugin_state.enable(world.a, "customer_service")
    login(client, "admin-a@example.com")
    client.post("/admin/plugins/sales/state", data={"enabled": "0"})
    messages = flashed(client)
    assert any("customer_service depend on it" in m for m in messages), messages
    db.session.refresh(world.a)
    assert plugin_state.is_enabled(world.a, "sales")


def test_screen_explains_dependencies(client, world):
    plugin_state.enable(world.a, "sales")
    login(client, "admin-a@example.com")
    english(client)
    page = client.get("/admin/plugins/").text
    card = page[page.index('id="plugin-customer_service"') :]
    assert re.search(r"Needs:\s*<span[^>]*>Sales \(enabled\)", card)
    card = page[page.index('id="plugin-sales"') : page.index('id="plugin-customer_service"')]
    assert re.search(r"Needed by:\s*<span[^>]*>Customer service \(not enabled\)", card)


def test_settings_form_has_one_typed_input_per_schema_field(client, world):
    login(client, "admin-a@example.com")
    page = client.get("/admin/plugins/").text
    card = page[page.index('id="plugin-sales"') : page.index('id="plugin-customer_service"')]
    assert re.search(r'type="number" id="sales-call_follow_up_days"[^>]*value="7"', card)
    assert re.search(r'<select[^>]*name="walk_in_follow_up"', card)
    assert '<option value="cutoff"' in card
    assert re.search(r'type="checkbox" id="sales-cooling_off_enabled"[^>]*checked', card)


def test_settings_are_saved_through_the_schema(client, world):
    login(client, "admin-a@example.com")
    data = {"call_follow_up_days": "5", "walk_in_follow_up": "cutoff", "cooling_off_days": "3"}
    assert client.post("/admin/plugins/sales/settings", data=data).status_code == 302
    settings = stored(world.a, "sales").settings
    assert settings["call_follow_up_days"] == 5 and settings["walk_in_follow_up"] == "cutoff"
    assert settings["cooling_off_enabled"] is False  # an unchecked box
    assert stored(world.b, "sales") is None


def _field_errors(page: str, field: str) -> list[str]:
    return re.findall(rf'class="[^"]*field-error[^"]*" data-field="{field}">([^<]*)<', page)


def test_bad_settings_show_the_field_message_and_store_nothing(client, world):
    login(client, "admin-a@example.com")
    url = "/admin/plugins/customer_service/settings"
    too_low = client.post(url, data={"ratio_villa_min": "0"})
    assert too_low.status_code == 422
    assert _field_errors(too_low.text, "ratio_villa_min")
    assert stored(world.a, "customer_service") is None

    crossed = client.post(url, data={"ratio_villa_min": "90", "ratio_villa_max": "80"})
    assert crossed.status_code == 422
    assert _field_errors(crossed.text, "ratio_villa_min") == ["must not exceed the maximum"]
    assert 'value="90"' in crossed.text  # the form keeps what was typed
    assert stored(world.a, "customer_service") is None

    not_a_number = client.post(url, data={"ratio_villa_max": "many"})
    assert _field_errors(not_a_number.text, "ratio_villa_max") == ["Not a valid integer."]
    assert stored(world.a, "customer_service") is None
