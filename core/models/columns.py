"""Column types shared by every plugin's models."""

import enum

from sqlalchemy import Enum


def enum_column(kind: type[enum.Enum], length: int = 20) -> Enum:
    """A Python enum stored as its value in a VARCHAR (no native enum type: adding a member
    then needs no ALTER TYPE, and SQLite and PostgreSQL store it alike)."""
    return Enum(kind, native_enum=False, length=length)
