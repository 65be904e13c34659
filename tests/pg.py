"""A throw-away PostgreSQL cluster for the tests: initdb + pg_ctl as an unprivileged user.

The cluster listens on a Unix socket in its own temp folder only (no TCP port), trusts local
connections, and is stopped and deleted after the session. PostgreSQL refuses to run as root, so
under root (CI) the cluster runs as ``nobody``. Under CI (``CI=true``) a missing PostgreSQL is a
failure, never a skip: `.ci/run` installs Debian's postgresql.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pg_bin() -> Path | None:
    """The folder of initdb/pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3])
    )
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("pg_ctl")
    return Path(exe).parent if exe else None


def _as_user() -> tuple[list[str], int | None, int | None]:
    """Command prefix and uid/gid to run the server with (nobody when we are root)."""
    if os.geteuid() != 0:
        return [], None, None
    pw = pwd.getpwnam("nobody")
    return ["runuser", "-u", "nobody", "--"], pw.pw_uid, pw.pw_gid


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a cluster; yield the SQLAlchemy URL of its ``pmkit`` database; stop and delete it."""
    bindir = pg_bin()
    if bindir is None:
        msg = "PostgreSQL (initdb, pg_ctl) not found: apt-get install postgresql"
        if IN_CI:
            pytest.fail(msg + " (.ci/run installs it; these tests never skip in CI)")
        pytest.skip(msg)
    prefix, uid, gid = _as_user()
    root = Path(tempfile.mkdtemp(prefix="pmkit-pg-"))
    data, log = root / "data", root / "server.log"
    if uid is not None:
        os.chown(root, uid, gid or -1)
    run = {"check": True, "capture_output": True, "text": True, "cwd": root}
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "pmkit",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        **run,
    )
    # fsync off: a throw-away cluster (the tests kill clients, never the server)
    opts = (
        f"-c listen_addresses='' -c unix_socket_directories={root} -c max_connections=60"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ],
            **run,
        )
        subprocess.run([str(bindir / "createdb"), "-h", str(root), "-U", "pmkit", "pmkit"], **run)
        yield f"postgresql://pmkit@/pmkit?host={root}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            cwd=root,
        )
        shutil.rmtree(root, ignore_errors=True)


def new_database(url: str, name: str) -> str:
    """A fresh empty database in the cluster of ``url``; its URL."""
    host = url.split("host=", 1)[1]
    bindir = pg_bin()
    assert bindir is not None
    subprocess.run(
        [str(bindir / "createdb"), "-h", host, "-U", "pmkit", name], check=True, capture_output=True
    )
    return f"postgresql://pmkit@/{name}?host={host}"
