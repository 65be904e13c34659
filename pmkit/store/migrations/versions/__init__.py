"""Alembic revisions: frozen, never edited once released; add a new one for every change."""
