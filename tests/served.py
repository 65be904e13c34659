"""``pmkit serve`` on a folder of notebooks, for the unit tests that read what it serves
(the page template, cache headers) without a browser."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from pmkit.cli import stop_server


@contextlib.contextmanager
def pmkit_serve(notebooks: Path, **env: str) -> Iterator[str]:
    """The server's base URL once it listens (no preheated kernels); stopped on exit.
    ``env`` is added to this process's environment (``PMKIT_DATA``, ``XDG_CACHE_HOME``)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    cmd = [sys.executable, "-m", "pmkit.cli", "serve", "--no-preheat", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--notebooks", str(notebooks)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None, "pmkit serve exited"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)
