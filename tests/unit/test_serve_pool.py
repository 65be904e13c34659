"""`pmkit serve`'s pools fill a few preheated kernels at a time (#12): the next kernel starts
when one before it has built its page (its ready marker), is gone, or timed out; kernels
started for a request never wait."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from pmkit.bundle import POOL_READY_ENV
from pmkit.serving import FillGateKernelManager

T = TypeVar("T")


class _Fake(FillGateKernelManager):
    """The gate of the real class over a pretend kernel start (no process)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.started: list[str] = []
        self.ids = (f"k{i}" for i in itertools.count())


@pytest.fixture
def manager(monkeypatch: pytest.MonkeyPatch) -> _Fake:
    async def start(self: _Fake, *args: Any, **kwargs: Any) -> str:
        kid = next(self.ids)
        self._kernels[kid] = object()
        self.started.append(kid)
        return kid

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", start)
    return _Fake(fill_concurrency=1)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: the browser tests (Playwright's sync API) leave
    an event loop running in the main thread of the same pytest process."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=60)


def _env(folder: Path, preheat: bool = True) -> dict[str, str]:
    return {"VOILA_PREHEAT": str(preheat), POOL_READY_ENV: str(folder)}


def test_preheated_kernels_start_one_after_the_previous_is_ready(
    manager: _Fake, tmp_path: Path
) -> None:
    async def scenario() -> list[list[str]]:
        seen = []
        tasks = [asyncio.ensure_future(manager.start_kernel(env=_env(tmp_path))) for _ in range(3)]
        await asyncio.sleep(0.5)
        seen.append(list(manager.started))  # only the first, the others wait
        (tmp_path / "k0").touch()  # the first kernel built its page
        await asyncio.sleep(0.6)
        seen.append(list(manager.started))
        (tmp_path / "k1").touch()
        await asyncio.gather(*tasks)
        seen.append(list(manager.started))
        return seen

    assert _run(scenario()) == [["k0"], ["k0", "k1"], ["k0", "k1", "k2"]]
    assert not (tmp_path / "k0").exists() and not (tmp_path / "k1").exists()  # markers cleared


def test_a_kernel_for_a_request_starts_at_once(manager: _Fake, tmp_path: Path) -> None:
    async def scenario() -> list[str]:
        first = await manager.start_kernel(env=_env(tmp_path))  # a preheated one, not ready
        request = await asyncio.wait_for(manager.start_kernel(env=_env(tmp_path, preheat=False)), 2)
        return [first, request]

    assert _run(scenario()) == ["k0", "k1"]


def test_a_kernel_that_never_says_ready_holds_the_next_only_until_the_timeout(
    manager: _Fake, tmp_path: Path
) -> None:
    manager.fill_timeout = 0.5

    async def scenario() -> list[str]:
        await manager.start_kernel(env=_env(tmp_path))
        await asyncio.wait_for(manager.start_kernel(env=_env(tmp_path)), 3)
        return list(manager.started)

    assert _run(scenario()) == ["k0", "k1"]


def test_a_kernel_gone_before_ready_lets_the_next_start(manager: _Fake, tmp_path: Path) -> None:
    async def scenario() -> list[str]:
        await manager.start_kernel(env=_env(tmp_path))
        nxt = asyncio.ensure_future(manager.start_kernel(env=_env(tmp_path)))
        await asyncio.sleep(0.3)
        assert manager.started == ["k0"]
        del manager._kernels["k0"]  # the kernel died while building its page
        await asyncio.wait_for(nxt, 2)
        return list(manager.started)

    assert _run(scenario()) == ["k0", "k1"]


def test_the_kernel_side_marks_itself_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmkit.ui._common import _mark_ready

    monkeypatch.setenv(POOL_READY_ENV, str(tmp_path))
    monkeypatch.setenv("VOILA_KERNEL_ID", "1c2f-kernel")
    _mark_ready()
    assert (tmp_path / "1c2f-kernel").is_file()
    monkeypatch.setenv("VOILA_KERNEL_ID", "../escape")
    _mark_ready()  # never writes outside the folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1c2f-kernel"]


def test_as_many_kernels_fill_at_once_as_allowed(manager: _Fake, tmp_path: Path) -> None:
    manager._gate = asyncio.Semaphore(2)  # what fill_concurrency=2 (2 cores) makes

    async def scenario() -> list[list[str]]:
        seen = []
        tasks = [asyncio.ensure_future(manager.start_kernel(env=_env(tmp_path))) for _ in range(3)]
        await asyncio.sleep(0.5)
        seen.append(list(manager.started))  # two at once, the third waits
        (tmp_path / "k1").touch()  # either one ready lets the third start
        await asyncio.gather(*tasks)
        seen.append(list(manager.started))
        return seen

    assert _run(scenario()) == [["k0", "k1"], ["k0", "k1", "k2"]]


def test_the_default_fills_one_kernel_per_core() -> None:
    import os

    gate = FillGateKernelManager()._gate
    assert gate._value == (os.cpu_count() or 1)
