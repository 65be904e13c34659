"""The sample's standards.yaml: the packaged template's sample part plus its prioritisation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
import yaml

from pmkit.generate._reference import DRIVERS, PAIRWISE
from pmkit.templates import SAMPLE_END, standards_template


def template_gates() -> dict[str, dict[str, Any]]:
    """The template's gates: the phase each opens and its required artefacts, in gate order."""
    gates: dict[str, dict[str, Any]] = yaml.safe_load(standards_template())["gates"]
    return gates


def linked_projects(tasks: pd.DataFrame, links: pd.DataFrame) -> set[frozenset[str]]:
    """Pairs of projects joined by a schedule link (neither is ever made mutually exclusive)."""
    proj = pd.Series(tasks["project_id"].to_numpy(), index=tasks["task_id"].to_numpy())
    a, b = links["pred_id"].map(proj), links["succ_id"].map(proj)
    return {frozenset((x, y)) for x, y in zip(a, b, strict=True) if x != y}


def _rules(projects: pd.DataFrame, linked: set[frozenset[str]]) -> list[str]:
    """A dependency between the first and last waiting projects, one exclusive pair."""
    waiting = projects.loc[projects["phase"].isin(["initiation", "planning"]), "project_id"]
    w = waiting.tolist()
    if len(w) < 2:
        return ["  rules: []"]
    lines = ["  rules:", f"    - {{project: {w[-1]}, requires: {w[0]}}}"]
    # A project joined to any other by a schedule link can be needed by a running one (links
    # chain): making it exclusive could force both alternatives in, an impossible portfolio.
    joined = set().union(*linked) if linked else set()
    free = [(a, b) for i, a in enumerate(w[1:-1]) for b in w[i + 2 : -1]]
    free = [(a, b) for a, b in free if a not in joined and b not in joined]
    if free:
        lines.append(f"    - {{exclusive: [{free[0][0]}, {free[0][1]}]}}")
    return lines


def prioritisation_text(projects: pd.DataFrame, linked: set[frozenset[str]]) -> str:
    """The drivers, pairwise judgements, budget and project rules of standards.yaml."""
    lines = [
        "",
        "# Strategic prioritisation (the PMO optimises; see pmkit.portfolio.prioritise).",
        "# Drivers are scored 0..scale per project in project_scores.csv. Weights come from the",
        "# pairwise judgements (AHP, principal eigenvector; consistency ratio must stay <= 0.1);",
        "# without `pairwise`, give each driver a `weight`.",
        "prioritisation:",
        "  scale: 5",
        "  drivers:",
    ]
    lines += [f"    - {{id: {k}, name: {name}}}" for k, name in DRIVERS]
    lines.append("  pairwise:")
    lines += [f'    - [{a}, {b}, "{v}"]' for a, b, v in PAIRWISE]
    open_ = projects[projects["phase"] != "closed"]
    money = float(open_["budget"].astype(float).sum())
    lines += [
        "  # money still to spend from the status month, over the optimiser's horizon",
        "  budget:",
        f"    total: {round(0.8 * money, -4):.0f}",
    ]
    lines += _rules(projects, linked)
    return "\n".join(lines) + "\n"


def standards_text(
    status_date: dt.date,
    projects: pd.DataFrame | None = None,
    linked: set[frozenset[str]] | None = None,
) -> str:
    """The template's sample part at ``status_date`` (+ the prioritisation of ``projects``)."""
    head = standards_template().split(SAMPLE_END)[0]
    head = re.sub(
        r"(?m)^status_date:.*$", f'status_date: "{status_date.isoformat()}"', head, count=1
    )
    return head if projects is None else head + prioritisation_text(projects, linked or set())


def standards(
    status_date: dt.date,
    projects: pd.DataFrame | None = None,
    linked: set[frozenset[str]] | None = None,
) -> dict[str, Any]:
    """The parsed :func:`standards_text`."""
    parsed: dict[str, Any] = yaml.safe_load(standards_text(status_date, projects, linked))
    return parsed
