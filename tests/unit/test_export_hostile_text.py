"""``pmkit export`` of names holding characters XML cannot carry (s15c).

A vertical tab or another control character pasted from a spreadsheet into a task or project
name passes the door (it is text); before (452d6ea) ``pmkit export`` wrote it raw, so the
file was not well-formed XML: Project and ``pmkit schedule`` refused it ("not well-formed
(invalid token)"). It is now written as a space; HTML in names stays text.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd

import pmkit
from pmkit.io.mspdi import read_mspdi
from pmkit.schedule.mspdi_adapter import schedule_mspdi

DATA = Path(__file__).resolve().parents[2] / "data"
NAME = "Design\x0breview\x01 <b>x</b> & \x1f"


def test_control_characters_in_names_export_as_readable_xml(tmp_path: Path) -> None:
    d = tmp_path / "pf"
    shutil.copytree(DATA, d)
    t = pd.read_csv(d / "tasks.csv", dtype=str, keep_default_na=False)
    i = t.index[t["project_id"] == "P03"][2]
    t.loc[i, "name"] = NAME
    t.to_csv(d / "tasks.csv", index=False)
    pr = pd.read_csv(d / "projects.csv", dtype=str, keep_default_na=False)
    pr.loc[pr["project_id"] == "P03", "name"] = "Core\x0cplatform"
    pr.to_csv(d / "projects.csv", index=False)
    p = pmkit.load_portfolio(d)
    assert NAME in set(p.tasks["name"])  # the door keeps the text as typed
    path = pmkit.export_project(p, "P03", tmp_path / "P03.xml")
    m = read_mspdi(path)
    assert "Design review  <b>x</b> &" in set(m.tasks["name"])  # the reader trims ends
    assert m.props["Title"] == "Core platform"
    assert len(schedule_mspdi(m).tasks) == (p.tasks["project_id"] == "P03").sum()


def test_huge_and_tiny_costs_export_as_decimals_without_exponent(tmp_path: Path) -> None:
    """``xsd:decimal`` has no exponent; ``str(float)`` wrote the largest cost the door takes
    (in cents, as MSPDI holds it) as ``9.99999999999999e+16``."""
    d = tmp_path / "pf"
    shutil.copytree(DATA, d)
    t = pd.read_csv(d / "tasks.csv", dtype=str, keep_default_na=False)
    rows = t.index[(t["project_id"] == "P03") & (t["budgeted_cost"] != "")]
    t.loc[rows[0], "budgeted_cost"] = "999999999999999"
    t.loc[rows[1], "budgeted_cost"] = "0.0000001"
    t.to_csv(d / "tasks.csv", index=False)
    p = pmkit.load_portfolio(d)
    path = pmkit.export_project(p, "P03", tmp_path / "P03.xml")
    text = path.read_text(encoding="utf-8")
    costs = re.findall(r"<Cost>([^<]*)</Cost>", text)
    assert not [c for c in costs if not re.fullmatch(r"-?\d+(\.\d+)?", c)], costs
    back = read_mspdi(path).baselines["cost"].dropna()  # as the file holds it, in cents
    assert back.max() == 999999999999999.0 * 100
