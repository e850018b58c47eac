"""Helpers of the admin tests: a client whose requests each run in their own app context.

The ``ctx`` fixture keeps one app context open for the whole test, and Flask's test client
reuses it for every request: ``g`` (Flask-Login's user, Flask-Babel's locale) and the database
session would then carry over from one request to the next, even between two clients. In
production each request has its own app context; :class:`IsolatedClient` restores that.
"""

from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def new_client(app) -> IsolatedClient:
    return IsolatedClient(app, app.response_class, use_cookies=True)


def english(client) -> None:
    client.post("/language", data={"locale": "en"})


def flashed(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]
