"""Named scenarios: save (atomic file write), load, compare two side by side, export.

A scenario is the PMO's question and the portfolio that answers it: the constraints (budget,
capacity level, forced in/out, weights) and the result (chosen projects with start shifts,
value, cost, peak load per role). Saving writes ``<folder>/scenarios/<name>.json`` through a
temporary file in the same folder, ``fsync`` and :func:`os.replace`, so a reader never sees a
half-written file and a crash never loses the previous version (the same guarantee as the change
board's decisions log).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pmkit.io.csv_folder import guard_frame
from pmkit.io.excel import text_stays_text
from pmkit.portfolio.prioritise._ahp import PrioritiseError
from pmkit.portfolio.prioritise._select import Selection

__all__ = [
    "compare_scenarios",
    "export_scenarios",
    "load_scenario",
    "save_scenario",
    "scenario",
    "scenarios_dir",
]

_NAME = re.compile(r"^[\w\- .]{1,60}$")


def scenario(name: str, sel: Selection, *, settings: Mapping[str, Any] | None = None) -> dict:
    """A scenario record (plain JSON-able dict) from a solved selection."""
    if not _NAME.match(str(name or "")) or not str(name).strip():
        raise PrioritiseError(
            "a scenario needs a name (letters, digits, spaces, - _ .; at most 60)",
            field="name",
            value=name,
        )
    ch = sel.chosen
    p = sel.problem
    return {
        "name": str(name).strip(),
        "settings": {
            "budget": p.budget,
            "budget_by_year": {str(k): v for k, v in p.budget_by_year.items()},
            "level": p.level,
            "forced_in": sorted(p.forced_in),
            "forced_out": sorted(p.forced_out),
            **dict(settings or {}),
        },
        "value": sel.value,
        "cost": sel.cost,
        "status": sel.status,
        "gap": None if not np.isfinite(sel.gap) else sel.gap,
        "projects": [
            {
                "project_id": r["project_id"],
                "name": str(r["name"]),
                "chosen": bool(r["chosen"]),
                "shift_months": int(r["shift_months"]),
                "value": float(r["value"]),
                "cost": float(r["cost"]),
            }
            for r in ch.to_dict("records")
        ],
        "peak_load": {str(k): float(v) for k, v in sel.peak_load().items()},
    }


def scenarios_dir(portfolio_or_path: Any) -> Path:
    """``<portfolio folder>/scenarios`` (or the given folder)."""
    src = getattr(portfolio_or_path, "source", portfolio_or_path)
    if src is None:
        raise PrioritiseError(
            "this portfolio was not loaded from a folder; pass a scenarios folder", field="path"
        )
    p = Path(src)
    return p if p.name == "scenarios" else p / "scenarios"


def save_scenario(folder: Any, record: Mapping[str, Any]) -> Path:
    """Write ``record`` to ``<folder>/<name>.json`` atomically; returns the path."""
    target_dir = scenarios_dir(folder)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{record['name']}.json"
    data = json.dumps(record, indent=1, ensure_ascii=False, default=_json).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=".scenario-", suffix=".tmp", dir=target_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _json(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(type(x).__name__)


def load_scenario(folder: Any, name: str) -> dict:
    """Read a saved scenario; a missing or unreadable file names the file."""
    path = scenarios_dir(folder) / f"{name}.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise PrioritiseError("no such scenario", file=str(path), value=name) from exc
    except json.JSONDecodeError as exc:
        raise PrioritiseError(
            f"not a scenario file: {exc.msg}", file=str(path), line=exc.lineno
        ) from exc


def compare_scenarios(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Two scenarios side by side.

    Returns
    -------
    dict of DataFrame
        ``summary`` (value, cost, projects in, per scenario and the difference),
        ``projects`` (one row per project: in A?, in B?, shifts, ``change`` in words) and
        ``peak_load`` (peak load / capacity per role in each).
    """
    na, nb = str(a["name"]), str(b["name"])
    pa = pd.DataFrame(a["projects"]).set_index("project_id")
    pb = pd.DataFrame(b["projects"]).set_index("project_id")
    ids = pa.index.union(pb.index)
    pa, pb = pa.reindex(ids), pb.reindex(ids)
    ina = pa["chosen"].fillna(False).astype(bool)
    inb = pb["chosen"].fillna(False).astype(bool)
    change = np.select(
        [ina & ~inb, ~ina & inb, ina & inb & (pa["shift_months"] != pb["shift_months"])],
        [f"only in {na}", f"only in {nb}", "in both, different start"],
        default=np.where(ina, "in both", "in neither"),
    )
    projects = pd.DataFrame(
        {
            "project_id": ids,
            "name": pa["name"].fillna(pb["name"]).to_numpy(),
            f"in {na}": ina.to_numpy(),
            f"in {nb}": inb.to_numpy(),
            f"shift {na}": pa["shift_months"].where(ina).to_numpy(),
            f"shift {nb}": pb["shift_months"].where(inb).to_numpy(),
            "change": change,
        }
    )
    summary = pd.DataFrame(
        {
            "measure": ["value", "cost", "projects in"],
            na: [a["value"], a["cost"], int(ina.sum())],
            nb: [b["value"], b["cost"], int(inb.sum())],
        }
    )
    summary["difference"] = summary[nb] - summary[na]
    roles = sorted(set(a.get("peak_load", {})) | set(b.get("peak_load", {})))
    peak = pd.DataFrame(
        {
            "role": roles,
            na: [a.get("peak_load", {}).get(r, np.nan) for r in roles],
            nb: [b.get("peak_load", {}).get(r, np.nan) for r in roles],
        }
    )
    return {"summary": summary, "projects": projects, "peak_load": peak}


def export_scenarios(
    a: Mapping[str, Any], b: Mapping[str, Any], path: str | os.PathLike, *, guard: bool = True
) -> Path:
    """Write the comparison as one CSV (sections one after another) or an ``.xlsx`` workbook.

    Both are opened in a spreadsheet: a project named ``=HYPERLINK(...)`` stays text (CSV: a
    guard apostrophe, :func:`pmkit.io.csv_folder.guard_frame`; ``guard=False`` writes the CSV's
    text as is, for a machine reader).
    """
    parts = compare_scenarios(a, b)
    out = Path(path)
    if out.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(out, engine="openpyxl") as xw:
            for k, df in parts.items():
                df.to_excel(xw, sheet_name=k, index=False)
            text_stays_text(xw.book)  # a project named "=..." is shown, never run
        return out
    text = "".join(
        f"# {k}\n"
        + (guard_frame(df) if guard else df).to_csv(index=False, lineterminator="\n")
        + "\n"
        for k, df in parts.items()
    )
    out.write_text(text, encoding="utf-8")
    return out
