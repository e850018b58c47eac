"""Fixtures of the customer-service tests (see ``cs_setup``)."""

from tests.plugins.customer_service.cs_setup import cs_fixture  # noqa: F401
