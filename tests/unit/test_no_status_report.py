"""A portfolio with tasks but no status report yet (a new or imported one) rolls up.

Imported MS Project schedules arrive without snapshots; pandas cannot map project ids onto an
empty date series without casting to float, which once raised a TypeError in the roll-up and
in the governance checks. Without a report there is no SPI/CPI and the check says so.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pmkit import load_portfolio
from pmkit.portfolio.governance import governance_checks
from pmkit.portfolio.rollup import rollup

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize("with_status_date", [True, False])
def test_no_snapshot_rolls_up_with_missing_evm(tmp_path: Path, with_status_date: bool) -> None:
    folder = tmp_path / "p"
    shutil.copytree(DATA, folder)
    snaps = folder / "snapshots.csv"
    snaps.write_text(snaps.read_text().splitlines()[0] + "\n")
    if not with_status_date:
        std = yaml.safe_load((folder / "standards.yaml").read_text())
        std.pop("status_date", None)
        (folder / "standards.yaml").write_text(yaml.safe_dump(std))
    p = load_portfolio(folder)
    r = rollup(p)
    assert len(r) == len(p.projects)
    assert np.isnan(r["spi"].to_numpy(dtype=float)).all()
    assert r["report_date"].isna().all()
    g = governance_checks(p)
    status = g[g["check"] == "monthly_status_report"]
    assert len(status) == len(p.projects)
    # nobody reported: no project passes on a report it never made, except one whose first
    # report is not due yet (started less than status_report_max_age_days = 35 days before the
    # status date; the sample's P03 and P08 started on 9 and 8 Oct 2026, 21 and 22 days before)
    detail = status.set_index("project_id")["detail"]
    if with_status_date:
        start = p.projects.set_index("project_id")["start"]
        young = start > p.status_date - pd.Timedelta(days=35)
        assert sorted(young[young].index) == ["P03", "P08"]
        assert detail[young].str.startswith("no report due yet").all()
        assert (detail[~young] == "never reported").all()
    else:
        assert (detail == "never reported").all()
