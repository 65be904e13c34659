"""Alembic migrations of the pmkit store (run through :mod:`pmkit.store.migrate`)."""
