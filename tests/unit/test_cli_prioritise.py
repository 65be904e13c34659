"""``pmkit prioritise`` as a user runs it: table / JSON / CSV output, forced sets, scenarios, and
exit code 2 with the option, id or constraint named on bad input (never a traceback)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pmkit.cli import main

REPO = Path(__file__).resolve().parents[2]
DATA = str(REPO / "data")


def _standards_budget() -> float:
    doc = yaml.safe_load((REPO / "data" / "standards.yaml").read_text(encoding="utf-8"))
    return float(doc["prioritisation"]["budget"]["total"])


def test_json_run_respects_the_budget_and_adds_up(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prioritise", DATA, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    summary, projects = out["summary"], pd.DataFrame(out["projects"])
    chosen = projects[projects["decision"].str.startswith("in")]
    assert summary["chosen"] == len(chosen)
    assert summary["value"] == pytest.approx(chosen["value"].sum(), abs=1e-3)
    assert summary["cost"] == pytest.approx(chosen["cost"].sum(), abs=0.01)
    assert summary["budget"] == _standards_budget() >= summary["cost"]
    delayed = projects[projects["shift_months"] > 0]
    assert (
        delayed["decision"] == "in, +" + delayed["shift_months"].astype(str) + " month(s)"
    ).all()
    assert (delayed["reason"] != "").all()  # every delay says why


def test_forced_out_csv_and_the_readable_table(capsys: pytest.CaptureFixture[str]) -> None:
    # in the sample every waiting project feeds a running one through schedule links
    assert main(["prioritise", DATA, "--force-out", "P08"]) == 2
    err = capsys.readouterr().err
    assert "P08" in err and "forced out" in err and "Traceback" not in err
    assert main(["prioritise", DATA, "--ignore-links", "--force-out", "P08", "--csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    row = table.set_index("project_id").loc["P08"]
    assert row["decision"] == "forced out" and row["forced"] == "out"
    assert main(["prioritise", DATA, "--ignore-links", "--force-out", "P08"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("chosen ") and "forced out" in text and "P08" in text


def test_rank_only_is_sorted_by_score(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prioritise", DATA, "--rank", "--csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table["score"].is_monotonic_decreasing


def test_unknown_project_is_exit_2_naming_option_and_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["prioritise", DATA, "--force-in", "P01,P99"]) == 2
    err = capsys.readouterr().err
    assert "--force-in" in err and "P99" in err and "Traceback" not in err


def test_forced_in_over_the_budget_is_exit_2_naming_the_budget(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["prioritise", DATA, "--budget", "1000"]) == 2
    err = capsys.readouterr().err
    assert "forced-in" in err and "budget of 1,000" in err and "Traceback" not in err


def test_export_without_compare_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prioritise", DATA, "--export", "x.csv"]) == 2
    assert "--compare" in capsys.readouterr().err


def test_save_compare_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    assert main(["prioritise", str(data), "--save", "plan A", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    saved = json.loads((data / "scenarios" / "plan A.json").read_text(encoding="utf-8"))
    assert saved["value"] == pytest.approx(first["summary"]["value"], abs=1e-3)
    out = tmp_path / "compare.csv"
    args = ["prioritise", str(data), "--ignore-links", "--budget", "900000", "--compare", "plan A"]
    assert main([*args, "--export", str(out), "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert out.is_file() and "plan A" in out.read_text(encoding="utf-8")
    assert set(second) > {"summary", "projects"}  # the comparison tables ride along
    assert main(["prioritise", str(data), "--compare", "no such"]) == 2
    assert "no such" in capsys.readouterr().err


def test_csv_outputs_guard_formula_like_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--csv`` and ``--export x.csv`` are opened in Excel: a project named ``=...`` or
    ``@...`` is text there (guard apostrophe), numbers are numbers; ``--no-guard`` is raw."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    projects = pd.read_csv(data / "projects.csv", keep_default_na=False, dtype=str)
    projects.loc[0, "name"] = '=HYPERLINK("http://evil.example","x")'
    projects.loc[1, "name"] = "@SUM(A1:A9)"
    projects.to_csv(data / "projects.csv", index=False)
    pid0, pid1 = projects.loc[0, "project_id"], projects.loc[1, "project_id"]
    assert main(["prioritise", str(data), "--rank", "--csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    names = table.set_index("project_id")["name"]
    assert names[pid0] == "'" + projects.loc[0, "name"] and names[pid1] == "'@SUM(A1:A9)"
    assert table["score"].dtype.kind == "f" and table["rank"].dtype.kind == "i"
    assert main(["prioritise", str(data), "--rank", "--csv", "--no-guard"]) == 0
    raw = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    assert raw.set_index("project_id")["name"][pid1] == "@SUM(A1:A9)"
    assert main(["prioritise", str(data), "--ignore-links", "--save", "A"]) == 0
    out = tmp_path / "cmp.csv"
    args = ["prioritise", str(data), "--ignore-links", "--compare", "A", "--export", str(out)]
    assert main(args) == 0  # was a traceback: the comparison's summary replaced the run's
    text = capsys.readouterr().out
    assert text.startswith("chosen ") and "\nsummary:\n" in text and "in both" in text
    lines = out.read_text(encoding="utf-8").splitlines()
    assert not [x for x in lines if ",=" in x or ",@" in x or x.startswith(("=", "@"))]
    assert any(",'@SUM(A1:A9)" in x for x in lines)
