"""Readers and writers of project files (Microsoft Project XML, ...)."""
