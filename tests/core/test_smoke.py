from tests.conftest import login


def test_login_and_home(client, world):
    login(client, "admin-a@example.com")
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Luoyang Co" in page.text
