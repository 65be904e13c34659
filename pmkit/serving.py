"""``pmkit serve``'s kernel manager: Voila's preheated pools filled a few kernels at a time.

Voila starts every preheated kernel at once (all pools at start-up, every used slot after
``fill_delay``). On a small server that is a rush of N Python processes importing pandas,
altair and pmkit and building their page on the same cores: all of them are ready late, and
together. Filled as many at a time as there are cores (``fill_concurrency``), the first kernels
are ready after one kernel's work, the pool grows steadily, and a viewer who arrives meanwhile
competes with a few kernels, not N. (One at a time was measured slower: a kernel's start uses
one core, so a 2-core server filled at half speed.)

A kernel counts as ready when it has built its page and waits for the request: it then
creates ``$PMKIT_POOL_READY/<kernel id>`` (``pmkit.ui._common.wait_for_page``). A kernel that
never says so (it failed, or its notebook does not use pmkit) lets the next one start after
``fill_timeout`` seconds or when it stops.

Loaded by Voila only (``--VoilaConfiguration.multi_kernel_manager_class``): this module imports
nothing of pmkit's widget or data stack, so the server process stays small.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, Int

from pmkit.bundle import POOL_READY_ENV as READY_DIR_ENV


class FillGateKernelManager(AsyncMappingKernelManager):
    """Starts at most ``fill_concurrency`` preheated kernels (``VOILA_PREHEAT=True`` in their
    environment) at a time, the next when one of them is ready; kernels started for a request
    (no preheat, or a pool found empty) start at once, as before."""

    fill_concurrency = Int(
        0,
        config=True,
        help="Preheated kernels started at the same time (0: one per CPU core).",
    )
    fill_timeout = Float(
        60.0,
        config=True,
        help="Seconds to wait for a preheated kernel to be ready before starting the next.",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._gate = asyncio.Semaphore(self.fill_concurrency or os.cpu_count() or 1)
        self._watches: set[asyncio.Future[None]] = set()

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        env = kwargs.get("env") or {}
        folder = env.get(READY_DIR_ENV) or os.environ.get(READY_DIR_ENV)
        if env.get("VOILA_PREHEAT") != "True" or not folder:
            return str(await super().start_kernel(*args, **kwargs))
        await self._gate.acquire()
        try:
            kernel_id = str(await super().start_kernel(*args, **kwargs))
        except BaseException:
            self._gate.release()
            raise
        watch = asyncio.ensure_future(self._release_when_ready(kernel_id, Path(folder)))
        self._watches.add(watch)
        watch.add_done_callback(self._watches.discard)
        return kernel_id

    async def shutdown_kernel(  # type: ignore[override]
        self, kernel_id: str, *args: Any, **kwargs: Any
    ) -> None:
        folder = os.environ.get(READY_DIR_ENV)
        if folder:  # a marker written after the gate had moved on (timeout) is dropped here
            with contextlib.suppress(OSError):
                (Path(folder) / kernel_id).unlink()
        await super().shutdown_kernel(kernel_id, *args, **kwargs)

    async def _release_when_ready(self, kernel_id: str, folder: Path) -> None:
        """Hold the gate until the kernel is ready, gone, or ``fill_timeout`` has passed."""
        marker = folder / kernel_id
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.fill_timeout
        try:
            while loop.time() < deadline and kernel_id in self and not marker.exists():
                await asyncio.sleep(0.2)
        finally:
            with contextlib.suppress(OSError):
                marker.unlink()
            self._gate.release()
