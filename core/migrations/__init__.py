"""Alembic migrations of the core (a package so that a regular install ships them)."""
