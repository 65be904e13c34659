"""Schedule risk panel (Monte Carlo): P50/P80/P90, histogram and CDF, criticality, tornado.

The simulation is :func:`pmkit.schedule.montecarlo.simulate_project`; this panel runs it on a
button press (10,000 runs by default) with a progress bar, and draws the result.
:func:`montecarlo_tables` turns a result into the tables the panel shows, for notebook use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import altair as alt
import ipywidgets as W
import pandas as pd

from pmkit.charts.curves import cdf_chart, finish_histogram_chart, tornado_chart
from pmkit.format import fmt_date
from pmkit.schedule import portfolio_adapter
from pmkit.schedule.montecarlo import simulate_project
from pmkit.ui._common import esc, guarded, html_table, live_chart

if TYPE_CHECKING:
    from pmkit.model import Portfolio
    from pmkit.schedule.montecarlo import MonteCarloResult

__all__ = ["MonteCarloPanel", "montecarlo_chart", "montecarlo_tables"]


def montecarlo_tables(result: MonteCarloResult, tasks: pd.DataFrame) -> dict[str, Any]:
    """What the panel shows, as tables: ``percentiles``, ``histogram``, ``cdf``,
    ``criticality`` (per task, most critical first) and ``tornado``.

    ``tasks`` holds the network's tasks (the portfolio's: a project's network also simulates
    its predecessors in other projects). When the network spans several projects each task
    is labelled with its project (``project`` column, ``P01 · 1.2 Design``).
    """
    names = tasks.set_index("task_id")
    projects = result.network.projects
    several = projects is not None and len(set(projects)) > 1

    def label(uid: Any) -> str:
        if uid not in names.index:
            return str(uid)
        text = f"{names.at[uid, 'wbs']} {names.at[uid, 'name']}"
        return f"{names.at[uid, 'project_id']} · {text}" if several else text

    pct = result.percentiles()
    crit = result.task_table()
    crit = crit[crit["uid"].isin(names.index[~names["is_summary"].astype(bool)])]
    crit = crit.assign(task=crit["uid"].map(label)).sort_values("criticality", ascending=False)
    tornado = result.tornado(12)
    tornado = tornado.assign(label=tornado["uid"].map(label))
    cdf = result.cdf(120)
    if "date" in cdf:
        cdf = cdf.rename(columns={"date": "finish"})
    return {
        "percentiles": pct,
        "histogram": result.histogram(40),
        "cdf": cdf,
        "criticality": crit,
        "tornado": tornado,
        "summary": result.summary(),
    }


def montecarlo_chart(tables: dict[str, Any]) -> alt.VConcatChart:
    """Histogram + CDF side by side, the tornado below (one live chart widget)."""
    marks = dict(
        zip(tables["percentiles"]["percentile"], tables["percentiles"]["date"], strict=True)
    )
    plan = tables["summary"].get("deterministic_date")
    top = alt.hconcat(
        finish_histogram_chart(tables["histogram"], marks, deterministic=plan),
        cdf_chart(tables["cdf"], marks),
    )
    return alt.vconcat(top, tornado_chart(tables["tornado"], label="label", value="spearman"))


class MonteCarloPanel:
    """Runs / distribution / seed / Run button, a progress bar, then the results."""

    def __init__(self, portfolio: Portfolio, project_id: str) -> None:
        self.portfolio = portfolio
        self.pid = project_id
        self.runs = W.BoundedIntText(
            value=10_000, min=100, max=100_000, step=1000, description="Runs",
            layout=W.Layout(width="200px"),
        )  # fmt: skip
        self.distribution = W.Dropdown(
            options=[("Beta-PERT", "pert"), ("Triangular", "triangular")],
            value="pert",
            description="Distribution",
            layout=W.Layout(width="260px"),
        )
        self.seed = W.IntText(value=42, description="Seed", layout=W.Layout(width="180px"))
        self.run = W.Button(description="Run simulation", button_style="primary")
        self.progress = W.IntProgress(value=0, min=0, max=100, description="Progress")
        self.status = W.HTML(
            "<p class='pmkit-note'>Press <b>Run simulation</b>: durations are drawn from each "
            "task's optimistic / most likely / pessimistic estimates and the network is "
            "re-scheduled in every run.</p>"
        )
        self.result_html = W.HTML()
        self.chart_box = W.VBox()
        self.crit_html = W.HTML()
        self.run.on_click(self._on_run)
        self.widget = W.VBox(
            [
                W.HBox([self.runs, self.distribution, self.seed, self.run]),
                self.progress,
                self.status,
                self.result_html,
                self.chart_box,
                self.crit_html,
            ]
        )

    def set_project(self, project_id: str) -> None:
        """A new project clears the previous result (it belonged to another network)."""
        self.pid = project_id
        self.progress.value = 0
        self.result_html.value = ""
        self.crit_html.value = ""
        self.chart_box.children = ()

    def simulate(self) -> dict[str, Any]:
        """Run the simulation with the widgets' settings and show it; returns the tables."""
        self.progress.value = 0
        self.run.disabled = True
        self.status.value = "<p class='pmkit-note'>Simulating…</p>"
        try:
            result = simulate_project(
                self.portfolio,
                self.pid,
                runs=int(self.runs.value),
                seed=int(self.seed.value),
                distribution=self.distribution.value,
                progress=self._progress,
            )
        finally:
            self.run.disabled = False
        self.progress.value = 100
        tables = montecarlo_tables(result, self.portfolio.tasks)  # upstream tasks included
        # "Plan (CPM) finish" is the plan's own finish (the Gantt's and the roll-up's); the
        # simulation's deterministic run is built from the same plan and equals it
        tables["summary"]["deterministic_date"] = portfolio_adapter.schedule_project(
            self.portfolio, self.pid
        ).finish
        self._show(tables)
        return tables

    def _progress(self, fraction: float) -> None:
        self.progress.value = round(100 * min(max(float(fraction), 0.0), 1.0))

    def _show(self, t: dict[str, Any]) -> None:
        s = t["summary"]
        det = s.get("deterministic_date")
        cells = "".join(
            f"<td style='padding:4px 14px'><div class='pmkit-note'>{esc(r.percentile)}</div>"
            f"<b class='pmkit-{esc(r.percentile.lower())}'>"
            f"{esc(fmt_date(r.date))}"
            f"</b><div class='pmkit-note'>{r.delta_days:+.1f} working days vs plan</div></td>"
            for r in t["percentiles"].itertuples(index=False)
        )
        det_txt = fmt_date(det)
        self.status.value = (
            f"<p class='pmkit-note'>{s['runs']:,} runs, {esc(s['distribution'])}, seed "
            f"{esc(s['seed'])}.{_upstream_note(t['criticality'], self.pid)}</p>"
        )
        self.result_html.value = (
            f"<table id='mc-percentiles'><tr>{cells}</tr></table><p>Plan (CPM) finish "
            f"<b>{esc(det_txt)}</b>: met in <b>{s['probability_deterministic']:.0%}</b> of runs."
            "</p>"
        )
        self.chart_box.children = (live_chart(montecarlo_chart(t)),)
        crit = t["criticality"].head(15)
        shown = pd.DataFrame(
            {
                "task": crit["task"],
                "criticality index": crit["criticality"].map(lambda v: f"{v:.0%}"),
                "optimistic (d)": crit["optimistic_days"].round(1),
                "most likely (d)": crit["most_likely_days"].round(1),
                "pessimistic (d)": crit["pessimistic_days"].round(1),
            }
        )
        if "project" in crit and crit["project"].ne(self.pid).any():
            shown.insert(0, "project", crit["project"])  # predecessors in other projects
        self.crit_html.value = (
            "<h4>Criticality index (share of runs in which the task was critical)</h4>"
            + html_table(shown, table_id="criticality")
        )

    def _on_run(self, _b: Any) -> None:
        guarded(self.result_html)(self.simulate)()


def _upstream_note(crit: pd.DataFrame, pid: str) -> str:
    """' Also simulated: 12 tasks of P01, P03 that feed this project.' (or nothing)."""
    if "project" not in crit:
        return ""
    other = crit.loc[crit["project"] != pid, "project"]
    if other.empty:
        return ""
    names = ", ".join(esc(p) for p in sorted(set(other)))
    return (
        f" Also simulated: {len(other)} task{'s' if len(other) != 1 else ''} of {names} "
        "that feed this project (their delays reach its finish through the links)."
    )
