"""Pieces of the JupyterHub deployment that run inside a user's server (deploy/jupyterhub).

:class:`ReadOnlyContentsManager` serves the notebooks to dashboard viewers (managers) without
letting them save, create, rename or delete anything: a viewer who could save a notebook could
make Voila run their code.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado.web import HTTPError

__all__ = ["ReadOnlyContentsManager"]


def _refuse(*_args: Any, **_kwargs: Any) -> Any:
    raise HTTPError(403, "this server is read-only (dashboards for viewers)")


class ReadOnlyContentsManager(AsyncLargeFileManager):
    """Files can be read (Voila renders them), never written."""

    async def save(self, model: Any, path: str = "") -> Any:
        return _refuse()

    async def delete_file(self, path: str) -> None:
        _refuse()

    async def rename_file(self, old_path: str, new_path: str) -> None:
        _refuse()

    async def new(self, model: Any = None, path: str = "") -> Any:
        return _refuse()

    async def new_untitled(self, path: str = "", type: str = "", ext: str = "") -> Any:
        return _refuse()

    async def copy(self, from_path: str, to_path: str | None = None) -> Any:
        return _refuse()

    async def create_checkpoint(self, path: str) -> Any:
        return _refuse()
