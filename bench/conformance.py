"""Recompute every MSPDI file of the corpus and compare with Microsoft Project's own results.

For every non-summary task (UID > 0): EarlyStart, EarlyFinish, LateStart, LateFinish must
match to the minute; TotalSlack and FreeSlack within one working minute (absent = 0).

    python bench/conformance.py [CORPUS_DIR]

Prints: file, tasks, tasks matching, features pmkit approximates, first differences.
Corpus: ``$PMKIT_CORPUS`` or ``../shared/corpus`` beside the checkout.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pmkit.errors import PmkitError  # noqa: E402
from pmkit.io.mspdi import read_mspdi  # noqa: E402
from pmkit.schedule import schedule_mspdi  # noqa: E402

DATE_FIELDS = [
    ("early_start", "ms_early_start"),
    ("early_finish", "ms_early_finish"),
    ("late_start", "ms_late_start"),
    ("late_finish", "ms_late_finish"),
]
SLACK_FIELDS = [("total_slack_min", "ms_total_slack_min"), ("free_slack_min", "ms_free_slack_min")]


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

    @property
    def ok(self) -> bool:
        return self.error is None and self.matching == self.tasks


def _features(proj, notes: list[str]) -> list[str]:
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


def check_file(path: Path) -> FileResult | None:
    """Compare one file; None when it has no non-summary task to schedule."""
    proj = read_mspdi(path)
    t = proj.tasks
    if not len(t):
        return None
    leaf = t[(t["uid"] > 0) & ~t["is_summary"]]
    if not len(leaf):
        return None
    try:
        sched = schedule_mspdi(proj)
    except PmkitError as exc:
        return FileResult(path.name, len(leaf), 0, error=str(exc))
    res = sched.tasks.set_index("uid")
    ok_count = 0
    diffs: list[str] = []
    for rec in leaf.to_dict("records"):
        uid = rec["uid"]
        r = res.loc[uid]
        bad = []
        for mine, ms in DATE_FIELDS:
            exp = rec[ms]
            got = r[mine]
            if exp is None or pd.isna(exp):
                continue
            # to the minute: Project keeps seconds from fractional-minute work (09:08:24)
            if pd.Timestamp(got).floor("min") != pd.Timestamp(exp).floor("min"):
                bad.append(
                    f"{mine} {pd.Timestamp(got):%Y-%m-%d %H:%M} != "
                    f"{pd.Timestamp(exp):%Y-%m-%d %H:%M}"
                )
        for mine, ms in SLACK_FIELDS:
            exp = rec[ms]
            exp = 0.0 if exp is None or pd.isna(exp) else float(exp)
            if abs(float(r[mine]) - exp) > 1.0:
                bad.append(f"{mine} {float(r[mine]):g} != {exp:g}")
        if bad:
            diffs.append(f"uid {uid}: " + "; ".join(bad))
        else:
            ok_count += 1
    return FileResult(path.name, len(leaf), ok_count, _features(proj, sched.notes), diffs)


def run(corpus: Path | None = None) -> list[FileResult]:
    """Check every ``*.xml`` in ``corpus/mspdi`` that has tasks."""
    base = (corpus or corpus_dir()) / "mspdi"
    out = []
    for f in sorted(base.glob("*.xml")):
        r = check_file(f)
        if r is not None:
            out.append(r)
    return out


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    corpus = Path(args[0]) if args else corpus_dir()
    if not (corpus / "mspdi").is_dir():
        print(f"corpus not found: {corpus / 'mspdi'}", file=sys.stderr)
        return 2
    results = run(corpus)
    print(f"{'file':48} {'tasks':>5} {'match':>5}  features / first differences")
    for r in results:
        mark = "OK " if r.ok else "-- "
        feat = ("[" + ", ".join(r.features) + "] ") if r.features else ""
        first = r.error or "; ".join(r.diffs[:2])
        print(f"{mark}{r.file[:45]:45} {r.tasks:5d} {r.matching:5d}  {feat}{first}")
    files_ok = sum(r.ok for r in results)
    tasks = sum(r.tasks for r in results)
    match = sum(r.matching for r in results)
    pct = 100.0 * match / tasks if tasks else 0.0
    print(
        f"\nfiles matching: {files_ok}/{len(results)}   tasks matching: {match}/{tasks} "
        f"({pct:.1f}%)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
