"""The portfolio loaded, validated, scheduled and rolled up once per data change, shared by
every dashboard kernel through cache files.

Each dashboard page runs in its own kernel; without this, every viewer re-reads the CSV
files, re-validates them and re-schedules the whole portfolio. Here the first kernel to need a
part (``portfolio``, ``schedule``, ``rollup``) computes it under a file lock and writes it to
``$PMKIT_CACHE`` (default ``~/.cache/pmkit/data``) as a pickle; the others read that file.

Never stale: the key is a hash of every data file's name, size, modification time (ns) and
content, plus the pmkit code and library versions. It is recomputed on *every* call (a few
milliseconds), so a decision recorded a minute ago changes the key and the next page reloads.
A folder that fails validation is never cached: its error is raised again on every call.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pmkit.io import csv_folder
from pmkit.model import Portfolio
from pmkit.portfolio import capacity, governance, trends
from pmkit.portfolio.dependencies import dependency_network
from pmkit.portfolio.rollup import rollup as roll_up
from pmkit.risk import risk_register
from pmkit.schedule import portfolio_adapter
from pmkit.standards import standards_of

log = logging.getLogger("pmkit.cache")

PARTS = ("portfolio", "schedule", "rollup")


def cache_dir() -> Path:
    """Where the shared files live: ``$PMKIT_CACHE``, else ``$XDG_CACHE_HOME/pmkit/data``."""
    env = os.environ.get("PMKIT_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pmkit" / "data"


@lru_cache(maxsize=1)
def _code_key() -> str:
    """pmkit's own source (file sizes and times) and the versions that shape a pickle."""
    import pandas

    h = hashlib.sha1(f"{sys.version}|{pandas.__version__}".encode())
    for f in sorted(Path(__file__).parent.rglob("*.py")):
        st = f.stat()
        h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def data_key(folder: str | os.PathLike[str]) -> str:
    """A hash of every file in ``folder``: name, size, mtime (ns) and content."""
    h = hashlib.sha1(_code_key().encode())
    for f in sorted(Path(folder).iterdir()):
        if not f.is_file() or f.name.startswith("."):
            continue
        st = f.stat()
        h.update(f"{f.name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        with open(f, "rb") as fh:
            h.update(hashlib.file_digest(fh, "sha1").digest())
    return h.hexdigest()[:20]


@dataclass
class _Entry:
    key: str
    parts: dict[str, Any] = field(default_factory=dict)


_MEMO: dict[Path, _Entry] = {}  # folder -> the parts this process holds for its current key
_OWNER: dict[int, tuple[Path, str]] = {}  # id(portfolio) -> (folder, key) it was loaded for


def _prefix(folder: Path) -> str:
    return "pf-" + hashlib.sha1(str(folder).encode()).hexdigest()[:12]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (so 20 kernels compute a part once, not 20 times)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, each process may compute (still correct)
        yield
        return
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or foreign file: recompute and overwrite it
        log.warning("cache file %s unreadable; recomputing", path, exc_info=True)
        return None


def _write(path: Path, value: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _prune(folder: Path, keep: str) -> None:
    """Remove the files of older keys of this folder (one data version is kept)."""
    for f in cache_dir().glob(f"{_prefix(folder)}-*.pkl"):
        if f"-{keep}-" not in f.name:
            with contextlib.suppress(OSError):
                f.unlink()


def _shared(folder: Path, key: str, part: str, compute: Callable[[], Any]) -> Any:
    """``part`` for ``key``: from this process, else the cache file, else computed once."""
    entry = _MEMO.get(folder)
    if entry is None or entry.key != key:
        entry = _MEMO[folder] = _Entry(key)
    if part in entry.parts:
        return entry.parts[part]
    base = cache_dir()
    path = base / f"{_prefix(folder)}-{key}-{part}.pkl"
    value = _read(path)
    if value is None:
        try:
            base.mkdir(parents=True, exist_ok=True, mode=0o700)
            with _locked(
                base / f"{_prefix(folder)}-{part}.lock"
            ):  # per part: rollup takes schedule
                value = _read(path)
                if value is None:
                    value = compute()
                    _write(path, value)
                    _prune(folder, key)
        except OSError:  # cache folder unusable (read-only home...): compute in memory
            log.warning("pmkit cache %s unusable; computing in this process", base, exc_info=True)
            value = compute() if value is None else value
    entry.parts[part] = value
    return value


def _shared_path(name: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,80}", name):
        raise ValueError(f"not a shared file name: {name!r}")
    return cache_dir() / "shared" / f"{_code_key()}-{name}.json"


def read_shared(name: str) -> Any | None:
    """The JSON value another process wrote with :func:`write_shared` for this code version
    (None when there is none, or it cannot be read). For what depends on the code only, not
    on the data (e.g. a chart's spec template)."""
    try:
        with open(_shared_path(name), encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # unreadable or truncated: the caller computes it again
        log.warning("shared file %s unreadable", name, exc_info=True)
        return None


def shared_files(prefix: str) -> list[Path]:
    """This code version's shared files whose name starts with ``prefix`` (for pruning)."""
    _shared_path(prefix)  # the same rule for names
    folder = cache_dir() / "shared"
    try:
        return [f for f in folder.glob(f"{_code_key()}-{prefix}*.json") if f.is_file()]
    except OSError:
        return []


def write_shared(name: str, value: Any) -> None:
    """Write ``value`` (JSON) for :func:`read_shared` in every process of this code version,
    atomically; the files of other code versions are removed. Never raises on a cache folder
    that cannot be written (each process then computes its own)."""
    path = _shared_path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(value, fh)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        for old in path.parent.glob("*.json"):
            if not old.name.startswith(_code_key() + "-"):
                with contextlib.suppress(OSError):
                    old.unlink()
    except (OSError, TypeError, ValueError):
        log.warning("shared file %s not written", name, exc_info=True)


def load_portfolio(folder: str | os.PathLike[str]) -> Any:
    """:func:`pmkit.io.csv_folder.load_portfolio`, shared between processes, never stale.

    The same object is returned while the files are unchanged (treat it as read-only).
    """
    path = Path(folder).resolve()
    if not path.is_dir():  # the loader's own error, naming the folder
        return csv_folder.load_portfolio(path)
    key = data_key(path)
    pf = _shared(path, key, "portfolio", lambda: csv_folder.load_portfolio(path))
    _OWNER[id(pf)] = (path, key)
    return pf


def _owner(portfolio: Portfolio) -> tuple[Path, str] | None:
    """The (folder, key) ``portfolio`` was loaded for, if it is the current cached object."""
    own = _OWNER.get(id(portfolio))
    if own is None:
        return None
    entry = _MEMO.get(own[0])
    if entry is None or entry.key != own[1] or entry.parts.get("portfolio") is not portfolio:
        return None
    return own


def schedule_portfolio(portfolio: Portfolio) -> Any:
    """The portfolio schedule, computed once per data version when ``portfolio`` came from
    :func:`load_portfolio` (any other portfolio, e.g. a what-if copy, is scheduled here)."""
    own = _owner(portfolio)
    if own is None:
        return portfolio_adapter.schedule_portfolio(portfolio)
    plan = _shared(*own, "schedule", lambda: portfolio_adapter.schedule_portfolio(portfolio))
    # the engine's per-object plan is now this one: a project's schedule is a slice of it
    portfolio_adapter.adopt_plan(portfolio, plan)
    return plan


def schedule_project(portfolio: Portfolio, project_id: str) -> Any:
    """One project's schedule: :func:`pmkit.schedule.schedule_project`, sliced from the
    shared portfolio plan (:func:`schedule_portfolio`) instead of scheduling the portfolio in
    this process. A PM page on a 1,000-project portfolio needs one project, not the network."""
    if _owner(portfolio) is not None:
        schedule_portfolio(portfolio)
    return portfolio_adapter.schedule_project(portfolio, project_id)


def rollup(portfolio: Portfolio) -> Any:
    """The PMO roll-up on the portfolio schedule, shared like :func:`schedule_portfolio`."""

    def compute() -> Any:
        return roll_up(portfolio, schedule=schedule_portfolio(portfolio))

    own = _owner(portfolio)
    return compute() if own is None else _shared(*own, "rollup", compute)


def derived(portfolio: Portfolio, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, a table derived from ``portfolio`` alone, once per data version and
    shared between kernels like the other parts (``name``: one per function of the data).
    A portfolio not from :func:`load_portfolio` (a what-if copy, another status date) is
    computed here, every call."""
    own = _owner(portfolio)
    return compute() if own is None else _shared(*own, _derived_part(name), compute)


def _derived_part(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_]{1,40}", name):  # e.g. a PMO type's own name
        name = "h" + hashlib.sha1(name.encode()).hexdigest()[:16]
    return f"d_{name}"


def derived_if_shared(portfolio: Portfolio, name: str) -> Any | None:
    """What :func:`derived` holds for ``name`` in this process or the shared files, without
    computing it or waiting for a kernel that is computing it (None then, as for a portfolio
    not from :func:`load_portfolio`)."""
    own = _owner(portfolio)
    if own is None:
        return None
    folder, key = own
    part = _derived_part(name)
    entry = _MEMO.get(folder)
    if entry is not None and entry.key == key and part in entry.parts:
        return entry.parts[part]
    value = _read(cache_dir() / f"{_prefix(folder)}-{key}-{part}.pkl")
    if value is not None and entry is not None and entry.key == key:
        entry.parts[part] = value
    return value


REVIEW = "review"  # a prewarm part: the PMO review's whole-portfolio tables (below)


def review_tables(portfolio: Portfolio) -> dict[str, Any]:
    """The PMO review's whole-portfolio tables (trends, risk register, cross-project links,
    gates and checks under the PMO's own type), each through :func:`derived`; a tab then only
    selects the rows of the filtered projects."""
    kind = standards_of(portfolio).pmo_type
    roll = rollup(portfolio)
    return {
        "spi_cpi_trends": derived(
            portfolio, "spi_cpi_trends", lambda: trends.spi_cpi_trends(portfolio)
        ),
        "milestone_trend": derived(
            portfolio, "milestone_trend", lambda: trends.milestone_trend(portfolio)
        ),
        "forecast_accuracy": derived(
            portfolio, "forecast_accuracy", lambda: trends.forecast_accuracy(portfolio)
        ),
        "register": derived(portfolio, "risk_register", lambda: risk_register(portfolio)),
        "cross": derived(portfolio, "cross_links", portfolio.cross_project_links),
        "network": derived(
            portfolio,
            "dependency_network",
            lambda: dependency_network(portfolio, schedule=schedule_portfolio(portfolio)),
        ),
        "gates": derived(
            portfolio, f"gates_{kind}", lambda: governance.gate_compliance(portfolio, pmo_type=kind)
        ),
        "checks": derived(
            portfolio,
            f"checks_{kind}",
            lambda: governance.governance_checks(portfolio, pmo_type=kind, rollup_df=roll),
        ),
    }


def capacity_window(portfolio: Portfolio) -> dict[str, Any]:
    """The months the PMO review's Capacity tab shows: a quarter back from the status date
    to a year ahead (the decisions' horizon; keeps the heat map small whatever the age)."""
    import pandas as pd

    sd = portfolio.status_date or pd.Timestamp.today().normalize()
    return {"start": sd - pd.DateOffset(months=3), "end": sd + pd.DateOffset(months=12)}


def capacity_tables(portfolio: Portfolio) -> dict[str, Any]:
    """The Capacity tab's picture as planned (no what-if) over :func:`capacity_window`:
    ``by_role_month``, ``overallocated``, ``shortfall`` (:mod:`pmkit.portfolio.capacity`) and
    the model's ``source``, once per data version and shared like :func:`derived` (a what-if
    is computed in the kernel from that ``source``: only the projects it moves are counted
    again, on top of the shared schedule)."""
    window = capacity_window(portfolio)

    def compute() -> dict[str, Any]:
        model = capacity.capacity_model(portfolio, schedule_portfolio(portfolio), **window)
        return {
            "by_role_month": capacity.capacity_by_role_month(portfolio, model=model),
            "overallocated": capacity.overallocated_resources(portfolio, model=model),
            "shortfall": capacity.project_shortfall(portfolio, model=model),
            "source": model.source,  # a what-if then counts only the projects it moves
        }

    name = "capacity_{:%Y%m%d}_{:%Y%m%d}".format(window["start"], window["end"])
    tables: dict[str, Any] = derived(portfolio, name, compute)
    return tables


def prewarm(folder: str | os.PathLike[str] | None = None, parts: tuple[str, ...] = PARTS) -> None:
    """Fill this process (and the shared files) ahead of a request; never raises."""
    try:
        pf = load_portfolio(folder or csv_folder.sample_data_path())
        if "schedule" in parts:
            schedule_portfolio(pf)
        if "rollup" in parts:
            rollup(pf)
        if REVIEW in parts:
            review_tables(pf)
            capacity_tables(pf)
    except Exception:  # the page itself will show the problem, readably
        log.debug("prewarm failed", exc_info=True)


def load_sample() -> Portfolio:
    """The sample portfolio, loaded once per data version (dashboards share it, across
    kernels, through this cache; treat it as read-only).

    ``$PMKIT_DATA`` may also be a database URL (``postgresql://…``): then the portfolio is read
    from that store (:mod:`pmkit.store`) on every call, so a dashboard opened later sees the
    latest data.
    """
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", os.environ.get("PMKIT_DATA", "")):
        from pmkit.store import open_store  # lazy: the store loads SQLAlchemy

        return open_store(os.environ["PMKIT_DATA"]).load_portfolio()
    return load_portfolio(csv_folder.sample_data_path())
