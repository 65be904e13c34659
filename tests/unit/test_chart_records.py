"""``pmkit.charts.parts.records`` writes a table's rows exactly as altair does (same values, same
JSON types), whatever the dtypes: compared with altair's own conversion, as JSON text."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest

from pmkit.charts.parts import records


def _altair(frame: pd.DataFrame) -> str:
    return json.dumps(alt.utils.data.to_values(frame)["values"], sort_keys=True)


def _ours(frame: pd.DataFrame) -> str:
    return json.dumps(records(frame), sort_keys=True)


def _awkward() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": pd.array(["a", None, "<b>é</b>"], dtype="string"),
            "obj": ["x", None, np.nan],
            "flag": [True, False, True],
            "n": np.array([1, -2, 3], dtype="int64"),
            "n32": np.array([1, 2, 3], dtype="int32"),
            "nullable": pd.array([1, None, 3], dtype="Int64"),
            "x": [1.5, np.nan, np.inf],
            "neg_inf": [-np.inf, 0.0, 2.0],
            "day": pd.to_datetime(["2026-01-05", None, "2026-03-01 13:45:10"], format="ISO8601"),
            "fraction": pd.to_datetime(
                ["2026-01-05 00:00:00.25", None, "2026-03-01"], format="ISO8601"
            ),
            "cat": pd.Categorical(["p", None, "q"]),
            "zoned": pd.to_datetime(["2026-01-05", "2026-01-06", None]).tz_localize("UTC"),
        }
    )


@pytest.mark.parametrize("column", list(_awkward().columns))
def test_each_dtype_is_written_as_altair_writes_it(column: str) -> None:
    frame = _awkward()[[column]]
    assert _ours(frame) == _altair(frame)


def test_a_whole_table_and_an_empty_one() -> None:
    frame = _awkward()
    assert _ours(frame) == _altair(frame)
    assert _ours(frame.head(0)) == _altair(frame.head(0)) == "[]"
    assert records(frame.iloc[[2, 0]])[0]["n"] == 3  # the index plays no part


def test_the_sample_charts_tables_are_written_as_altair_writes_them() -> None:
    from pmkit.cache import load_sample
    from pmkit.charts.gantt import gantt_rows
    from pmkit.evm import s_curve

    p = load_sample()
    for pid in p.projects["project_id"]:
        t = p.tasks[p.tasks["project_id"] == pid]
        rows = gantt_rows(t)
        assert _ours(rows) == _altair(rows), pid
        curve = s_curve(p, pid)
        assert _ours(curve) == _altair(curve), pid
