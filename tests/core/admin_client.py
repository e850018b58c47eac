"""Helpers of the admin tests (see :class:`tests.conftest.IsolatedClient`)."""

from tests.conftest import IsolatedClient


def new_client(app) -> IsolatedClient:
    return IsolatedClient(app, app.response_class, use_cookies=True)


def english(client) -> None:
    client.post("/language", data={"locale": "en"})


def flashed(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]
