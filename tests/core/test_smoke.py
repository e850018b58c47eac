from tests.conftest import login


def test_login_and_home(client, world):
    login(client, "admin-a@example.com")
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Luoyang Co" in page.text


def test_headless_app_for_workers_and_duty_runs_has_no_screens(database_url, tmp_path, monkeypatch):
    """Workers and ``erp duties run`` serve no HTTP: their app skips the screens and the API
    (start-up), and only those commands get it."""
    import click

    from core.app import create_app
    from core.cli import _create_app

    monkeypatch.setenv("ERP_INSTANCE_PATH", str(tmp_path))
    headless = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, web=False)
    assert [r.rule for r in headless.url_map.iter_rules()] == ["/static/<path:filename>"]
    assert "sales" in headless.extensions["erp_plugins"].manifests  # the plugins are there
    monkeypatch.setenv("DATABASE_URL", database_url)
    for path, screens in (("erp duties run", False), ("erp worker", False), ("erp run", True)):
        with click.Context(click.Command(path.split()[-1]), info_name=path):
            app = _create_app()
        assert any(r.rule.startswith("/admin") for r in app.url_map.iter_rules()) is screens
