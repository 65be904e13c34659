"""Primavera P6 XML: the baseline pmkit adds to the file MPXJ writes.

P6 keeps a baseline as a copy of the project (``<BaselineProject>``, its
``OriginalProjectObjectId`` the project's) named by the project's
``CurrentBaselineProjectObjectId``; its activities' planned dates are the baseline dates.
MPXJ writes one only from a baseline project file of its own, so pmkit adds it here, to the XML
MPXJ wrote: a copy of the project holding only the activities that have baseline dates (one
without keeps none: without a baseline project, MPXJ reads every activity's planned dates as
its baseline). MPXJ's reader takes the baseline back by activity id.

The file is parsed with defusedxml (no DTD, entity or external reference), like every read.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as DET
import pandas as pd

__all__ = ["add_p6_baseline", "exact_p6_hours", "p6_baseline_rows", "p6_project_dates"]

_STAMP = "%Y-%m-%dT%H:%M:%S"


def p6_project_dates(proj: Any) -> tuple[Any, Any]:
    """The project's baseline start and finish: Baseline 0 of the summary (UID 0)."""
    b0 = proj.baseline0
    if 0 not in b0.index:
        return None, None
    return b0.at[0, "start"], b0.at[0, "finish"]


def p6_baseline_rows(proj: Any) -> dict[int, tuple[pd.Timestamp, pd.Timestamp]]:
    """Task UID -> (baseline start, baseline finish) of an :class:`MspdiProject`'s Baseline
    0, for the tasks that have both dates (UID 0, the project, excluded)."""
    out: dict[int, tuple[pd.Timestamp, pd.Timestamp]] = {}
    for r in proj.baseline0.to_dict("records"):
        start, finish = r.get("start"), r.get("finish")
        if int(r["uid"]) == 0 or start is None or finish is None:
            continue
        if pd.isna(start) or pd.isna(finish):
            continue
        out[int(r["uid"])] = (pd.Timestamp(start), pd.Timestamp(finish))
    return out


def _set(parent: ET.Element, q: Any, name: str, value: str) -> None:
    """Set (or add, in the schema's alphabetical place) a simple child element."""
    el = parent.find(q(name))
    if el is None:
        el = ET.Element(q(name))
        names = [c.tag for c in parent]
        at = next(
            (i for i, t in enumerate(names) if len(parent[i]) == 0 and t > q(name)), len(names)
        )
        parent.insert(at, el)
    el.text = value


def _exact(el: ET.Element | None, value: float) -> None:
    """MPXJ writes hours with two decimals (a 1-minute task: 0.02 h, 1.2 minutes back): the
    exact value replaces a written one that is its rounding, and nothing else."""
    if el is None or el.text is None:
        return
    try:
        written = float(el.text)
    except ValueError:
        return
    if abs(written - value) <= 0.005 + 1e-9:
        el.text = f"{value:.6f}".rstrip("0").rstrip(".")


def exact_p6_hours(
    proj: Any,
) -> tuple[dict[int, tuple[float, float]], dict[tuple[int, int], float]]:
    """Task UID -> (duration in hours, fraction done); (pred UID, succ UID) -> lag in hours,
    of an :class:`MspdiProject`: what :func:`add_p6_baseline` writes exactly."""
    t = proj.tasks
    tasks = {
        int(r["uid"]): (
            float(r["duration_min"] or 0) / 60.0,
            float(r["percent_complete"] or 0) / 100,
        )
        for r in t.to_dict("records")
        if int(r["uid"]) != 0 and not bool(r.get("is_summary"))
    }
    lk = proj.links
    lags = {
        (int(r["pred_uid"]), int(r["succ_uid"])): float(r["lag_min"] or 0) / 60.0
        for r in (lk.to_dict("records") if len(lk) else [])
    }
    return tasks, lags


def _exact_hours(project: ET.Element, q: Any, hours: Any) -> None:
    tasks, lags = hours
    for act in project.findall(q("Activity")):
        oid = act.findtext(q("ObjectId")) or ""
        if not oid.isdigit() or int(oid) not in tasks:
            continue
        dur, done = tasks[int(oid)]
        for name in ("PlannedDuration", "AtCompletionDuration"):
            _exact(act.find(q(name)), dur)
        _exact(act.find(q("RemainingDuration")), dur * (1 - done))
        _exact(act.find(q("ActualDuration")), dur * done)
    for rel in project.findall(q("Relationship")):
        ends = (rel.findtext(q("PredecessorActivityObjectId")) or "",
                rel.findtext(q("SuccessorActivityObjectId")) or "")  # fmt: skip
        if all(e.isdigit() for e in ends) and (key := (int(ends[0]), int(ends[1]))) in lags:
            _exact(rel.find(q("Lag")), lags[key])


def add_p6_baseline(
    path: str | Path,
    rows: dict[int, tuple[pd.Timestamp, pd.Timestamp]],
    project_dates: tuple[Any, Any] = (None, None),
    hours: Any = None,
) -> None:
    """Add to the P6 XML at ``path`` a baseline project of the activities in ``rows`` (task
    UID = activity ObjectId -> baseline start and finish), named as the project's current
    baseline; ``project_dates``: the project's baseline start and finish (the baseline
    project's planned start and finish). No row gives a baseline of no activity, which says
    the project has none (without one, MPXJ reads each activity's planned dates as its
    baseline). ``hours`` (:func:`exact_p6_hours`): durations and lags written exactly."""
    path = Path(path)
    root = DET.fromstring(path.read_bytes())
    ns = root.tag[1 : root.tag.index("}")] if root.tag.startswith("{") else ""

    def q(name: str) -> str:
        return f"{{{ns}}}{name}" if ns else name

    project = root.find(q("Project"))
    if project is None:
        return
    if hours is not None:
        _exact_hours(project, q, hours)
    ids = [int(x.text or 0) for x in root.iter(q("ObjectId")) if (x.text or "").isdigit()]
    base_id = str(max(ids, default=0) + 1)
    base = copy.deepcopy(project)
    base.tag = q("BaselineProject")
    _set(base, q, "ObjectId", base_id)
    _set(base, q, "OriginalProjectObjectId", project.findtext(q("ObjectId")) or "")
    _set(base, q, "Id", f"{project.findtext(q('Id')) or 'PROJECT'}-B")
    _set(base, q, "Name", f"{project.findtext(q('Name')) or ''} (baseline)".strip())
    for name, day in zip(("PlannedStartDate", "FinishDate"), project_dates, strict=True):
        if day is not None and pd.notna(day):
            _set(base, q, name, f"{pd.Timestamp(day):{_STAMP}}")
    dropped: set[str] = set()
    for act in list(base.findall(q("Activity"))):
        oid = act.findtext(q("ObjectId")) or ""
        hit = rows.get(int(oid)) if oid.isdigit() else None
        if hit is None:
            base.remove(act)
            dropped.add(oid)
            continue
        start, finish = (f"{d:{_STAMP}}" for d in hit)
        for name, value in (("PlannedStartDate", start), ("StartDate", start),
                            ("PlannedFinishDate", finish), ("FinishDate", finish)):  # fmt: skip
            _set(act, q, name, value)
    refs = ("ActivityObjectId", "PredecessorActivityObjectId", "SuccessorActivityObjectId")
    for child in list(base):
        if len(child) and any(child.findtext(q(r)) in dropped for r in refs):
            base.remove(child)
    _set(project, q, "CurrentBaselineProjectObjectId", base_id)
    root.insert(list(root).index(project) + 1, base)
    if ns:
        ET.register_namespace("", ns)
    ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
    path.write_bytes(ET.tostring(root, encoding="UTF-8", xml_declaration=True))
