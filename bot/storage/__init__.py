"""Persistence: SQLAlchemy tables, Alembic migrations and one small repository per concept.

Repositories take a `Database` and return frozen dataclasses, never ORM objects, so nothing outside this
package holds a session or can trigger lazy I/O by touching an attribute.
"""

from bot.storage.db import Database

__all__ = ["Database"]
