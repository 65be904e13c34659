"""Is ``schedule_network``'s output IDENTICAL to a baseline checkout's, input for input?

    python bench/cpm_identical.py collect INPUTS.pkl [--random 400] [--corpus DIR]
    python bench/cpm_identical.py compare INPUTS.pkl --baseline DIR

``collect`` records the exact arguments every caller passes to ``schedule_network`` (a spy
on the adapters) while it schedules: the sample portfolio (the whole plan, each project
alone, each project's what-ifs), generated portfolios (with cross-project links), every
MSPDI file of the corpus (``$PMKIT_CORPUS``), and random networks made here (constraints
and their dates on and off working time, actuals, Resume dates, manual tasks with typed
dates, summaries with links onto them, percent lags, elapsed durations, task calendars and
resource legs, ``not_before``, finish groups, optional columns absent, date columns as
strings or objects with ``None``, and bad input: bad dates, unknown codes, cycles,
duplicate uids, a dated constraint without a date).

``compare`` schedules every recorded input with this checkout's pmkit and, in a
subprocess, with the baseline's, and compares: tasks and links with
``pd.testing.assert_frame_equal`` (dtypes checked), finish, start, notes, and for bad input
the error's type and message. It prints the count of identical outputs and each difference.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import pickle
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- collect
def _spy(calls: list[tuple[str, Any]], tag: list[str]) -> Any:
    from pmkit.schedule import cpm

    real = cpm.schedule_network

    def spy(tasks: pd.DataFrame, links: pd.DataFrame, **kw: Any) -> Any:
        calls.append((tag[0], (tasks.copy(), None if links is None else links.copy(), kw)))
        return real(tasks, links, **kw)

    return spy


def _portfolio_calls(pf: Any, name: str, tag: list[str], whatifs: int) -> None:
    from pmkit.schedule import portfolio_adapter as pa
    from pmkit.schedule.whatif import apply_changes

    tag[0] = f"{name}:plan"
    pa.schedule_portfolio(pf)
    pids = list(pf.projects["project_id"])
    plan = pa.schedule_portfolio(pf)
    for pid in pids[:6]:
        tag[0] = f"{name}:alone:{pid}"
        with contextlib.suppress(Exception):
            pa.schedule_project(pf, pid, external=plan)  # alone, others pinned
    t = pf.tasks
    for pid in pids[:whatifs]:
        leaves = t[(t["project_id"] == pid) & ~t["is_summary"].astype(bool)]
        for j, (_, r) in enumerate(leaves.iloc[::7].iterrows()):
            d = float(r["duration_days"]) if pd.notna(r["duration_days"]) else 1.0
            tag[0] = f"{name}:whatif:{pid}:{j}"
            try:
                changed, _ = apply_changes(pf, pid, duration_changes={r["task_id"]: d + 3})
                pa.reschedule_project(pf, changed, pid)
            except Exception:
                pass


def _corpus_calls(folder: Path, tag: list[str]) -> None:
    from pmkit.io.mspdi import read_mspdi
    from pmkit.schedule import schedule_mspdi

    for f in sorted(folder.rglob("*.xml")):
        tag[0] = f"corpus:{f.parent.name}/{f.name}"
        with contextlib.suppress(Exception):
            schedule_mspdi(read_mspdi(f))


def _random_calendars() -> dict[str, Any]:
    from pmkit.calendar import Calendar

    return {
        "Std": Calendar.from_spec(holidays=["2026-01-01", "2026-04-03", "2026-12-25"], name="Std"),
        "Part": Calendar.from_spec("Mon,Tue,Wed", "09:00-13:00", name="Part"),
        "Long": Calendar.from_spec("Mon,Tue,Wed,Thu,Fri,Sat", "07:00-19:00", name="Long"),
        "24h": Calendar.continuous(),
    }


def _random_dates(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    base = np.datetime64("2026-01-05T08:00")
    days = rng.integers(-20, 120, size=n).astype("timedelta64[D]")
    mins = rng.choice([0, 0, 0, 240, 300, 540, 600, 780], size=n).astype("timedelta64[m]")
    out = (base + days + mins).astype("datetime64[ns]")
    out[rng.random(n) >= p] = np.datetime64("NaT")
    return out


def _random_tasks(rng: np.random.Generator, n: int, cals: dict[str, Any]) -> pd.DataFrame:
    uids: Any = np.arange(1, n + 1) if rng.random() < 0.5 else [f"T{i}" for i in range(n)]
    dur = rng.choice([0, 60, 240, 480, 960, 1440, 2400, 4800], size=n).astype(float)
    t = pd.DataFrame({"uid": uids, "duration_min": dur})
    if rng.random() < 0.8:
        t["name"] = [f"<b>task {i}</b>" if i % 5 else None for i in range(n)]
    if rng.random() < 0.5 and n > 4:
        summ = np.zeros(n, dtype=bool)
        summ[0] = True
        summ[rng.choice(np.arange(1, n), size=max(1, n // 8), replace=False)] = True
        parent: list[Any] = [None]
        for i in range(1, n):
            ups = [j for j in range(i) if summ[j]]
            parent.append(t["uid"].iloc[int(rng.choice(ups))] if ups else None)
        t["is_summary"] = summ if rng.random() < 0.5 else pd.Series(summ, dtype=object)
        t["parent_uid"] = parent
    if rng.random() < 0.7:
        types = rng.choice(
            ["ASAP", "ALAP", "MSO", "MFO", "SNET", "SNLT", "FNET", "FNLT", " snet ", None],
            size=n,
            p=[0.4, 0.05, 0.05, 0.05, 0.15, 0.05, 0.1, 0.1, 0.03, 0.02],
        )
        t["constraint_type"] = types
        cd = _random_dates(rng, n, 1.0)
        blank = np.isin(types, ["ASAP", "ALAP", None])
        cd[blank & (rng.random(n) < 0.7)] = np.datetime64("NaT")
        t["constraint_date"] = cd
    if rng.random() < 0.5:
        a_s = _random_dates(rng, n, 0.3)
        done = rng.random(n) < 0.5
        a_f = np.where(
            done & ~np.isnat(a_s), a_s + np.timedelta64(2, "D"), np.datetime64("NaT")
        ).astype("datetime64[ns]")
        t["actual_start"], t["actual_finish"] = a_s, a_f
        if rng.random() < 0.5:
            t["resume"] = np.where(
                ~np.isnat(a_s), a_s + np.timedelta64(3, "D"), np.datetime64("NaT")
            ).astype("datetime64[ns]")
    if rng.random() < 0.3:
        man = rng.random(n) < 0.3
        t["manual"] = man
        t["manual_start"] = np.where(man, _random_dates(rng, n, 0.9), np.datetime64("NaT"))
        t["manual_finish"] = np.where(
            man, _random_dates(rng, n, 0.5) + np.timedelta64(5, "D"), np.datetime64("NaT")
        )
    if rng.random() < 0.3:
        t["not_before"] = _random_dates(rng, n, 0.6)
    if rng.random() < 0.3:
        t["finish_group"] = rng.choice(["A", "B", None], size=n)
    if rng.random() < 0.3:
        t["is_milestone"] = rng.random(n) < 0.1
    if rng.random() < 0.25:
        t["calendar_id"] = rng.choice([None, "Std", "Part", "Long", "Nope"], size=n)
    if rng.random() < 0.1:
        t["elapsed"] = rng.random(n) < 0.2
    if rng.random() < 0.1:
        t["legs"] = [
            [("Part", 480.0), ("Std", 960.0)] if rng.random() < 0.2 else None for _ in range(n)
        ]
    return t


def _random_links(rng: np.random.Generator, t: pd.DataFrame) -> pd.DataFrame:
    n = len(t)
    m = int(rng.integers(0, 2 * n + 1))
    a = rng.integers(0, n, size=m)
    b = rng.integers(0, n, size=m)
    ok = a < b
    pairs = np.unique(np.stack([a[ok], b[ok]], axis=1), axis=0)
    uids = t["uid"].to_numpy()
    lk = pd.DataFrame({"pred_uid": uids[pairs[:, 0]], "succ_uid": uids[pairs[:, 1]]})
    if rng.random() < 0.9:
        lk["type"] = rng.choice(
            ["FS", "SS", "FF", "SF", "fs"], size=len(lk), p=[0.6, 0.15, 0.13, 0.1, 0.02]
        )
    if rng.random() < 0.8:
        lk["lag_min"] = rng.choice([0.0, 0.0, 480.0, -480.0, 120.0, 2400.0], size=len(lk))
    if rng.random() < 0.1:
        lk["lag_percent"] = rng.choice([0.0, 50.0, -25.0], size=len(lk))
    if rng.random() < 0.1:
        lk["lag_elapsed"] = rng.random(len(lk)) < 0.3
    return lk


def _stringify(t: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Date columns as strings / objects with None (callers pass such tables)."""
    t = t.copy()
    for c in ("constraint_date", "actual_start", "not_before"):
        if c in t.columns and rng.random() < 0.5:
            t[c] = [None if pd.isna(v) else str(v) for v in t[c]]
    return t


def _broken(rng: np.random.Generator, t: pd.DataFrame, lk: pd.DataFrame) -> tuple[Any, Any]:
    t, lk = t.copy(), lk.copy()
    kind = int(rng.integers(0, 6))
    if kind == 0:
        t["constraint_date"] = ["not a date"] + [None] * (len(t) - 1)
    elif kind == 1:
        t["constraint_type"] = ["XYZ"] + ["ASAP"] * (len(t) - 1)
    elif kind == 2 and len(lk):
        lk = pd.concat(
            [lk, lk.iloc[:1].rename(columns={"pred_uid": "succ_uid", "succ_uid": "pred_uid"})]
        )
    elif kind == 3:
        t = pd.concat([t, t.iloc[:1]])
    elif kind == 4:
        t["constraint_type"] = "MSO"
        t["constraint_date"] = None
    else:
        t.loc[t.index[0], "duration_min"] = -5.0
    return t, lk


def _random_calls(k: int, calls: list[tuple[str, Any]]) -> None:
    from pmkit.calendar import Calendar

    cals = _random_calendars()
    main = cals["Std"]
    for i in range(k):
        rng = np.random.default_rng(1000 + i)
        n = int(rng.choice([1, 2, 5, 12, 40, 90]))
        t = _random_tasks(rng, n, cals)
        lk = _random_links(rng, t)
        if rng.random() < 0.2:
            t = _stringify(t, rng)
        if rng.random() < 0.08:
            t, lk = _broken(rng, t, lk)
        if rng.random() < 0.05:
            lk = None if rng.random() < 0.5 else lk.iloc[:0]
        start = pd.Timestamp("2026-01-05 08:00") + pd.Timedelta(days=int(rng.integers(-10, 10)))
        kw: dict[str, Any] = {"calendar": main, "project_start": start}
        if rng.random() < 0.5:
            kw["calendars"] = cals
        if rng.random() < 0.2:
            kw["critical_slack_min"] = 480.0
        if rng.random() < 0.05:
            kw["calendar"] = Calendar.from_spec("Mon,Tue,Wed,Thu,Fri,Sat", "06:00-18:00")
        calls.append((f"random:{i}:n{n}", (t, lk, kw)))


def collect(path: Path, n_random: int, corpus: Path | None) -> None:
    from pmkit.cache import load_sample
    from pmkit.generate import write_generated
    from pmkit.io.csv_folder import load_portfolio
    from pmkit.schedule import mspdi_adapter, portfolio_adapter

    calls: list[tuple[str, Any]] = []
    tag = ["?"]
    spy = _spy(calls, tag)
    portfolio_adapter.schedule_network = spy  # type: ignore[assignment]
    mspdi_adapter.schedule_network = spy  # type: ignore[assignment]
    sample = load_sample()
    _portfolio_calls(sample, "sample", tag, whatifs=14)
    t = sample.tasks.copy()
    t.loc[t.index % 3 == 0, "calendar_id"] = "Part-time"
    _portfolio_calls(dataclasses.replace(sample, tasks=t), "sample2cal", tag, whatifs=3)
    with tempfile.TemporaryDirectory() as tmp:
        for seed, n in ((11, 30), (5, 8)):
            folder = Path(tmp) / f"g{seed}"
            write_generated(folder, n_projects=n, seed=seed)
            _portfolio_calls(load_portfolio(folder), f"gen{seed}", tag, whatifs=4)
    if corpus is not None and corpus.exists():
        _corpus_calls(corpus, tag)
    _random_calls(n_random, calls)
    with open(path, "wb") as fh:
        pickle.dump(calls, fh)
    kinds: dict[str, int] = {}
    for name, _ in calls:
        kinds[name.split(":")[0]] = kinds.get(name.split(":")[0], 0) + 1
    print(f"{len(calls)} inputs recorded in {path}: {kinds}")


# ----------------------------------------------------------------------------- run
def run(inputs: Path, out: Path) -> None:
    """Schedule every input with the pmkit on ``sys.path``; outputs pickled to ``out``."""
    import pmkit
    from pmkit.schedule.cpm import schedule_network

    print(f"scheduling with {Path(pmkit.__file__).parent}")
    with open(inputs, "rb") as fh:
        calls = pickle.load(fh)
    res: list[Any] = []
    for _name, (t, lk, kw) in calls:
        try:
            s = schedule_network(t.copy(), None if lk is None else lk.copy(), **kw)
            res.append(("ok", s.tasks, s.links, s.finish, s.start, list(s.notes)))
        except Exception as exc:
            res.append(("error", type(exc).__name__, str(exc)))
    with open(out, "wb") as fh:
        pickle.dump(res, fh)


def _same(a: Any, b: Any) -> str | None:
    if a[0] != b[0]:
        return f"one raised, the other did not: {a[:3]!r} vs {b[:3]!r}"
    if a[0] == "error":
        return None if a[1:] == b[1:] else f"errors differ: {a[1:]} vs {b[1:]}"
    for i, what in ((1, "tasks"), (2, "links")):
        try:
            pd.testing.assert_frame_equal(a[i], b[i], check_dtype=True, check_exact=True)
            assert list(a[i].columns) == list(b[i].columns)
        except AssertionError as exc:
            return f"{what}: {str(exc)[:400]}"
    for i, what in ((3, "finish"), (4, "start"), (5, "notes")):
        if a[i] != b[i]:
            return f"{what}: {a[i]!r} vs {b[i]!r}"
    return None


def compare(inputs: Path, baseline: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        outs: list[list[Any]] = []
        for src in (baseline, ROOT):
            out = Path(tmp) / f"out-{len(outs)}.pkl"
            env = {**os.environ, "PYTHONPATH": str(src)}
            subprocess.run(
                [sys.executable, __file__, "run", str(inputs), "--out", str(out)],
                env=env,
                check=True,
            )
            with open(out, "rb") as fh:
                outs.append(pickle.load(fh))
    with open(inputs, "rb") as fh:
        names = [name for name, _ in pickle.load(fh)]
    bad = 0
    errors = sum(1 for r in outs[0] if r[0] == "error")
    for name, a, b in zip(names, outs[0], outs[1], strict=True):
        diff = _same(a, b)
        if diff:
            bad += 1
            print(f"DIFFERENT {name}: {diff}")
    print(
        f"{len(names) - bad}/{len(names)} identical ({errors} of them bad input, compared by error)"
    )
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("mode", choices=["collect", "run", "compare"])
    ap.add_argument("inputs", type=Path)
    ap.add_argument("--random", type=int, default=400)
    ap.add_argument(
        "--corpus",
        type=Path,
        default=Path(os.environ.get("PMKIT_CORPUS", ROOT.parent / "shared" / "corpus")),
    )
    ap.add_argument("--baseline", type=Path)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    if a.mode == "collect":
        collect(a.inputs, a.random, a.corpus)
    elif a.mode == "run":
        run(a.inputs, a.out)
    else:
        if a.baseline is None:
            ap.error("compare needs --baseline DIR")
        sys.exit(compare(a.inputs, a.baseline))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        traceback.print_exc()
        sys.exit(130)
