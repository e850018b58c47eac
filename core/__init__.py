"""The small core of the ERP: tenancy, users and permissions, plugins, admin shell, API, CLI."""

__version__ = "0.1.0"
