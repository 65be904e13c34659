"""One format for dates and money on every page."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmkit.format import fmt_date, fmt_money, fmt_ratio


def test_dates_money_ratios() -> None:
    assert fmt_date(pd.Timestamp("2026-10-30 17:00")) == "30 Oct 2026"
    assert fmt_date("2027-01-04") == "04 Jan 2027"
    assert fmt_date(pd.NaT) == "" and fmt_date(None, missing="n/a") == "n/a"
    assert fmt_money(287184.4) == "287,184" and fmt_money(-1500, "EUR") == "-1,500 EUR"
    assert fmt_money(np.nan, missing="n/a") == "n/a"
    assert fmt_ratio(0.9149) == "0.91" and fmt_ratio(float("nan")) == "–"
