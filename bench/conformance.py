"""Recompute every MSPDI file of the corpus and compare with Microsoft Project's own results.

For every non-summary task (UID > 0): EarlyStart, EarlyFinish, LateStart, LateFinish must
match to the minute; TotalSlack and FreeSlack within one working minute (absent = 0).

    python bench/conformance.py [CORPUS_DIR]

Both corpus folders are checked: ``mspdi/`` (files Project saved as XML) and
``mspdi-aspose/`` (.mpp files converted by MPXJ). Prints per file: tasks, tasks matching,
features pmkit approximates, first differences; then the tasks whose stored values are
*stale in the file*, with the evidence, listed apart from the misses.

Stale in the file: a stored value that no recalculation from the file's own inputs can give,
found by a check on the stored values alone (pmkit's results play no part in it):

* a task that nothing after it can hold back (no successor, none on its summaries, no
  deadline, no constraint limiting its finish, not finished, not manual, not elapsed) must
  finish late at the last working minute before the project finish on the calendars its work
  runs on (its own calendar, each resource's, shared unless it ignores resource calendars);
  a stored LateFinish that leaves working time of those calendars before the project finish
  is left over from an earlier edit;
* no task without a date-pinning constraint can finish late after the project's own finish.

Corpus: ``$PMKIT_CORPUS`` or ``../shared/corpus`` beside the checkout.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pmkit.errors import PmkitError  # noqa: E402
from pmkit.io.mspdi import MspdiProject, read_mspdi  # noqa: E402
from pmkit.schedule import schedule_mspdi  # noqa: E402

FOLDERS = ("mspdi", "mspdi-aspose")
DATE_FIELDS = [
    ("early_start", "ms_early_start"),
    ("early_finish", "ms_early_finish"),
    ("late_start", "ms_late_start"),
    ("late_finish", "ms_late_finish"),
]
SLACK_FIELDS = [("total_slack_min", "ms_total_slack_min"), ("free_slack_min", "ms_free_slack_min")]
#: constraints that can hold a task's late finish before the project finish
FINISH_LIMITING = {"MSO", "MFO", "SNLT", "FNLT"}


def corpus_dir() -> Path:
    """``$PMKIT_CORPUS`` or ``../shared/corpus`` beside the checkout."""
    env = os.environ.get("PMKIT_CORPUS")
    return Path(env) if env else ROOT.parent / "shared" / "corpus"


@dataclass
class FileResult:
    file: str
    tasks: int
    matching: int
    features: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    error: str | None = None
    folder: str = "mspdi"
    #: tasks left out of the score because their stored values are stale, with the evidence
    stale: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.matching == self.tasks


def _features(proj: MspdiProject, notes: list[str]) -> list[str]:
    t = proj.tasks[(proj.tasks["uid"] > 0) & ~proj.tasks["is_summary"]]
    out = list(notes)
    if (t["percent_complete"] > 0).any():
        out.append("progress")
    if t["manual"].any():
        out.append("manual tasks")
    if t["elapsed"].any():
        out.append("elapsed durations")
    if t["calendar_id"].notna().any():
        out.append("task calendars")
    if (t["stop"].notna() & t["resume"].notna() & (t["stop"] != t["resume"])).any():
        out.append("splits")
    return out


# ------------------------------------------------------------------ stale in the file
def _same_calendar(proj: MspdiProject, cal_uid: Any) -> bool:
    cal = proj.calendars.get(str(cal_uid))
    if cal is None:
        return True
    try:
        a, b = cal.timeline, proj.calendar.timeline
    except PmkitError:  # a calendar without working time (cost resources)
        return True
    return bool(np.array_equal(a.starts, b.starts) and np.array_equal(a.lengths, b.lengths))


def _held_back(proj: MspdiProject) -> set[int]:
    """Tasks a successor can hold back: their own, or one of a summary above them."""
    preds = set(proj.links["pred_uid"].astype(int))
    parent = dict(zip(proj.tasks["uid"], proj.tasks["parent_uid"], strict=True))
    out = set()
    for uid in proj.tasks["uid"]:
        cur: Any = uid
        seen: set[Any] = set()
        while cur is not None and not pd.isna(cur) and cur not in seen:
            seen.add(cur)
            if int(cur) in preds:
                out.add(int(uid))
                break
            cur = parent.get(cur)
    return out


def _work_calendars(proj: MspdiProject) -> dict[int, list[Any]]:
    """Per task with work resources: the calendars of its assigned work resources."""
    a, r = proj.assignments, proj.resources
    if not len(a) or not len(r) or "CalendarUID" not in r or "TaskUID" not in a:
        return {}
    kind = r["Type"] if "Type" in r.columns else pd.Series("1", index=r.index)
    cal_of = {
        str(u): proj.calendars[str(c)]
        for u, c, k in zip(r["UID"], r["CalendarUID"], kind, strict=True)
        if str(k) == "1" and str(c) in proj.calendars
    }
    out: dict[int, list[Any]] = {}
    for t, res in zip(a["TaskUID"], a["ResourceUID"], strict=True):
        if str(res) in cal_of:
            out.setdefault(int(t), []).append(cal_of[str(res)])
    return out


def _shared_work(cals: list[Any], lo: pd.Timestamp, hi: pd.Timestamp) -> float:
    """Working minutes that every calendar of ``cals`` shares between ``lo`` and ``hi``
    (pmkit.calendar.shared_calendar, the time the scheduler runs such a task in)."""
    from pmkit.calendar import shared_calendar

    both = shared_calendar(cals) if len(cals) > 1 else cals[0]
    return float(both.working_minutes_between([lo], [hi])[0])


def _gap_on_task_calendars(
    proj: MspdiProject,
    rec: dict[str, Any],
    res_cals: list[Any],
    lf: pd.Timestamp,
    fin: pd.Timestamp,
) -> float:
    """Working time between a stored late finish and the project finish on the calendars
    the task's work runs on: its own calendar, each resource's (shared with the task's
    unless it ignores resource calendars); the most any assignment could still use."""
    own = proj.calendars.get(str(rec["calendar_id"])) if rec["calendar_id"] is not None else None
    if own is not None and (rec.get("_ignore_res") or not res_cals):
        sets = [[own]]
    elif res_cals:
        sets = [[own, c] if own is not None else [c] for c in res_cals]
    else:
        sets = [[proj.calendar]]
    try:
        return max(_shared_work(cs, lf, fin) for cs in sets)
    except PmkitError:  # a calendar without working time
        return 0.0


def stale_in_file(proj: MspdiProject) -> dict[int, str]:
    """uid -> evidence, for tasks whose stored LateFinish no recalculation can give."""
    fin_txt = proj.props.get("FinishDate")
    if not fin_txt or not proj.schedule_from_start:
        return {}
    if str(proj.props.get("MultipleCriticalPaths", "0")) == "1":
        return {}  # then every chain ends late at its own early finish
    finish = pd.Timestamp(str(fin_txt))
    cal = proj.calendar
    t = proj.tasks[(proj.tasks["uid"] > 0) & ~proj.tasks["is_summary"]]
    t = t[t["ms_late_finish"].notna()]
    if not len(t):
        return {}
    w_fin = float(cal.working_minutes_between([proj.project_start], [finish])[0])
    w_lf = cal.working_minutes_between([proj.project_start] * len(t), t["ms_late_finish"])
    held, res_cals = _held_back(proj), _work_calendars(proj)
    raw = {int(r.get("UID", -1)): r for r in proj.raw_tasks}
    out: dict[int, str] = {}
    for rec, w in zip(t.to_dict("records"), np.asarray(w_lf, dtype=float), strict=True):
        uid = int(rec["uid"])
        lf = pd.Timestamp(rec["ms_late_finish"])
        pinned = rec["constraint_type"] in FINISH_LIMITING
        if w > w_fin + 0.5 and not pinned:
            out[uid] = (
                f"stored LateFinish {lf:%Y-%m-%d %H:%M} is after the project's own finish "
                f"{finish:%Y-%m-%d %H:%M}: no backward pass gives that"
            )
            continue
        free = not (
            pinned
            or uid in held
            or rec["manual"]
            or rec["elapsed"]
            or pd.notna(rec["actual_finish"])  # a finished task ends late at its actual finish
            or float(rec["percent_complete"] or 0) >= 100
            or raw.get(uid, {}).get("Deadline")
        )
        if not free or lf >= finish:
            continue
        rec["_ignore_res"] = raw.get(uid, {}).get("IgnoreResourceCalendar") == "1"
        gap = _gap_on_task_calendars(proj, rec, res_cals.get(uid, []), lf, finish)
        if gap > 0.5:
            out[uid] = (
                f"stored LateFinish {lf:%Y-%m-%d %H:%M} leaves {gap / 60:g} working hours "
                f"of the task's calendars before the project finish {finish:%Y-%m-%d %H:%M}, "
                "yet nothing after the task (no successor, none on its summaries, no deadline "
                "or finish-limiting constraint, not finished) can hold it back"
            )
    return out


# ------------------------------------------------------------------------- comparing
def _task_diffs(rec: dict[str, Any], r: pd.Series) -> list[str]:
    bad = []
    for mine, ms in DATE_FIELDS:
        exp = rec[ms]
        got = r[mine]
        if exp is None or pd.isna(exp):
            continue
        # to the minute: Project keeps seconds from fractional-minute work (09:08:24)
        if pd.Timestamp(got).floor("min") != pd.Timestamp(exp).floor("min"):
            bad.append(
                f"{mine} {pd.Timestamp(got):%Y-%m-%d %H:%M} != {pd.Timestamp(exp):%Y-%m-%d %H:%M}"
            )
    for mine, ms in SLACK_FIELDS:
        exp = rec[ms]
        exp = 0.0 if exp is None or pd.isna(exp) else float(exp)
        if abs(float(r[mine]) - exp) > 1.0:
            bad.append(f"{mine} {float(r[mine]):g} != {exp:g}")
    return bad


def check_file(path: Path) -> FileResult | None:
    """Compare one file; None when it has no non-summary task to schedule."""
    proj = read_mspdi(path)
    t = proj.tasks
    if not len(t):
        return None
    leaf = t[(t["uid"] > 0) & ~t["is_summary"]]
    if not len(leaf):
        return None
    stale = stale_in_file(proj)
    scored = leaf[~leaf["uid"].isin(list(stale))]
    evidence = [f"uid {u}: {why}" for u, why in sorted(stale.items())]
    folder = path.parent.name
    try:
        sched = schedule_mspdi(proj)
    except PmkitError as exc:
        return FileResult(path.name, len(scored), 0, error=str(exc), folder=folder, stale=evidence)
    res = sched.tasks.set_index("uid")
    ok_count = 0
    diffs: list[str] = []
    for rec in scored.to_dict("records"):
        bad = _task_diffs(rec, res.loc[rec["uid"]])
        if bad:
            diffs.append(f"uid {rec['uid']}: " + "; ".join(bad))
        else:
            ok_count += 1
    return FileResult(
        path.name,
        len(scored),
        ok_count,
        _features(proj, sched.notes),
        diffs,
        folder=folder,
        stale=evidence,
    )


def run(corpus: Path | None = None, folders: tuple[str, ...] = FOLDERS) -> list[FileResult]:
    """Check every ``*.xml`` with tasks in each of ``folders`` of the corpus (absent
    folders are skipped)."""
    base = corpus or corpus_dir()
    out = []
    for sub in folders:
        for f in sorted((base / sub).glob("*.xml")):
            r = check_file(f)
            if r is not None:
                out.append(r)
    return out


def summary(results: list[FileResult]) -> tuple[int, int, int, int]:
    """files matching, tasks scored, tasks matching, tasks stale in the file."""
    return (
        sum(r.ok for r in results),
        sum(r.tasks for r in results),
        sum(r.matching for r in results),
        sum(len(r.stale) for r in results),
    )


def _print_table(results: list[FileResult]) -> None:
    print(f"{'file':52} {'tasks':>5} {'match':>5}  features / first differences")
    for r in results:
        mark = "OK " if r.ok else "-- "
        feat = ("[" + ", ".join(r.features) + "] ") if r.features else ""
        first = r.error or "; ".join(r.diffs[:2])
        name = f"{r.folder}/{r.file}"
        print(f"{mark}{name[:49]:49} {r.tasks:5d} {r.matching:5d}  {feat}{first}")


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    corpus = Path(args[0]) if args else corpus_dir()
    if not any((corpus / sub).is_dir() for sub in FOLDERS):
        print(f"corpus not found: {corpus} (no {' or '.join(FOLDERS)} folder)", file=sys.stderr)
        return 2
    results = run(corpus)
    _print_table(results)
    stale = [(r, s) for r in results for s in r.stale]
    if stale:
        print("\nstale in the file (left out of the score; evidence from the stored values):")
        for r, s in stale:
            print(f"  {r.folder}/{r.file} {s}")
    for sub in FOLDERS:
        part = [r for r in results if r.folder == sub]
        if part:
            f_ok, n, m, _ = summary(part)
            print(f"{sub}: files {f_ok}/{len(part)}, tasks {m}/{n}")
    files_ok, tasks, match, n_stale = summary(results)
    pct = 100.0 * match / tasks if tasks else 0.0
    print(
        f"\nfiles matching: {files_ok}/{len(results)}   tasks matching: {match}/{tasks} "
        f"({pct:.1f}%)   stale in the file: {n_stale} tasks"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
