"""A stand-in for the browser page of a live chart (no browser in unit tests).

altair's JS embeds each spec it is sent and then sets the widget's ``local_tz`` (which the page
sends back); :class:`pmkit.ui._swap.SwapChart` clears it with every whole spec and sends data
alone only once it is set again. This fixture plays that page: every chart widget is embedded
at once (``local_tz`` set when the widget is made and again whenever the kernel clears it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def fake_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from pmkit.ui import _swap

    real = _swap.SwapChart.__init__

    def embed(self: Any, chart: Any) -> None:
        real(self, chart)

        def again(change: dict[str, Any]) -> None:
            if change["new"] is None:
                self.widget.local_tz = "UTC"

        self.widget.local_tz = "UTC"
        self.widget.observe(again, names="local_tz")

    monkeypatch.setattr(_swap.SwapChart, "__init__", embed)
    yield
