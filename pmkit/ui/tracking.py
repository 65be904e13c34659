"""Tracking dashboard (PM lens): earned value and earned schedule, risks, resources, Monte Carlo.

Pick a project; every panel follows it. Numbers come from :mod:`pmkit.evm`, :mod:`pmkit.risk`,
:mod:`pmkit.schedule.leveling` and :mod:`pmkit.schedule.montecarlo`; status colours from the
PMO's RAG rules (:mod:`pmkit.standards`), each badge showing its rule on hover.
The panels' numbers come typed from the engines (:func:`pmkit.evm.evm_at_status`,
:func:`pmkit.risk.project_risks`); this module only wires them to widgets and charts.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import pandas as pd

from pmkit import cache
from pmkit.cache import load_sample
from pmkit.charts.curves import s_curve_chart, s_curve_parts
from pmkit.charts.heatmaps import (
    resource_load_chart,
    resource_load_parts,
    risk_heatmap_chart,
    risk_heatmap_parts,
)
from pmkit.evm import EvmAtStatus, evm_at_status
from pmkit.format import fmt_date, fmt_money, fmt_ratio
from pmkit.risk import heatmap_grid, project_risks, score_risks
from pmkit.schedule.leveling import level, overallocations, resource_load
from pmkit.standards import StandardsError, standards_of
from pmkit.ui._common import (
    badge,
    before_request,
    compute_ahead,
    esc,
    guarded,
    header,
    html_table,
    safe_build,
)
from pmkit.ui._swap import SwapChart
from pmkit.ui.planning import open_from_query, project_from_query, project_options
from pmkit.ui.schedule_risk import MonteCarloPanel
from pmkit.ui.status_date import StatusDatePicker

if TYPE_CHECKING:
    from pmkit.model import Portfolio

__all__ = ["TrackingDashboard", "app"]

log = logging.getLogger(__name__)


def _money(v: Any, cur: str = "") -> str:
    return fmt_money(v, cur, missing="n/a")


def _ratio(v: Any) -> str:
    return fmt_ratio(v, missing="n/a")


def _level_notes(notes: list[str], limit: int = 8) -> str:
    """What levelling could not fix (started tasks clashing) or changed (stretched tasks)."""
    if not notes:
        return ""
    items = "".join(f"<li>{esc(n)}</li>" for n in notes[:limit])
    more = f"<li>… and {len(notes) - limit} more</li>" if len(notes) > limit else ""
    return (
        f"<details class='pmkit-note'><summary>{len(notes)} note(s)</summary>"
        f"<ul>{items}{more}</ul></details>"
    )


def _kind_badge(kind: Any) -> str:
    """Threat (vermillion) or opportunity (blue), in words as well as colour."""
    if str(kind) == "opportunity":
        return badge("blue", "Opportunity", title="expected gain")
    return badge("red", "Threat", title="expected loss")


def _signed_days(v: Any) -> str:
    """``-16.1 wd`` (working days of the project calendar); never ``-0``."""
    if v is None or pd.isna(v):
        return "n/a"
    n = round(float(v), 1)
    return "on time (0 wd)" if n == 0 else f"{n:+.1f} wd"


def _tcpi(value: Any, note: Any) -> str:
    """A TCPI, or the reason it has none (``not achievable: BAC already spent``)."""
    if value is None or pd.isna(value):
        return str(note) if note else "n/a"
    return _ratio(value)


def _date(v: Any) -> str:
    return fmt_date(v, missing="n/a")


# ----------------------------------------------------------------------------- dashboard
PRECOMPUTE_AT_MOST = 60  # projects whose earned-value tab a preheated kernel computes ahead
_SHARED: dict[str, Any] = {}


def _views(portfolio: Portfolio) -> dict[str, Any]:
    """The earned-value tabs computed for the portfolio shown (one portfolio kept: another one,
    e.g. an earlier status date or new data, starts empty)."""
    if _SHARED.get("portfolio") is not portfolio:
        _SHARED.clear()
        _SHARED.update(portfolio=portfolio, views={})
    views: dict[str, Any] = _SHARED["views"]
    return views


class TrackingDashboard:
    """The tracking page; ``.widget`` is what the notebook displays."""

    def __init__(
        self, portfolio: Portfolio, project_id: str | None = None, *, precompute: bool = False
    ) -> None:
        self.portfolio = portfolio
        self.status_date = StatusDatePicker(portfolio, self.set_portfolio)
        self.pid = project_id or project_from_query(portfolio)
        self.project = W.Dropdown(
            options=project_options(portfolio),
            value=self.pid,
            description="Project",
            layout=W.Layout(width="520px"),
        )
        self.title = W.HTML()
        # earned value
        self.kpis = W.HTML()
        self.eac_html = W.HTML()
        self.es_html = W.HTML()
        # the charts redraw by swapping data into the spec on the page (pmkit.ui._swap); the
        # S-curve's axis and tooltips name the portfolio's currency: one template per currency
        cur = portfolio.currency
        curve = pd.DataFrame(columns=["date", "series", "value"])
        self._scurve = SwapChart.made(
            f"tracking_scurve {cur}",
            s_curve_parts(curve),
            lambda: s_curve_chart(curve, currency=cur),
        )
        self.scurve = self._scurve.widget
        # risks
        self.risk_summary = W.HTML()
        # the hidden tabs' charts are on the page from the start (a tab's first opening swaps
        # its data in: no embed then); made from the first page's spec of the process
        # (:meth:`SwapChart.made`: no altair chart built for the next pages)
        empty = _empty_parts()
        self._heatmap = SwapChart.made(
            "tracking_heatmap", empty["heatmap"], lambda: risk_heatmap_chart(_empty_grid())
        )
        self.heatmap = self._heatmap.widget
        self.register = W.HTML()
        # resources
        self.resource = W.Dropdown(description="Resource", layout=W.Layout(width="420px"))
        self._load_chart = SwapChart.made(
            "tracking_load", empty["load"], lambda: resource_load_chart(_empty_load())
        )
        self.load_chart = self._load_chart.widget
        self.load_html = W.HTML()
        self.level_btn = W.Button(description="Level resources", button_style="warning")
        self.level_html = W.HTML()
        # Monte Carlo
        self.mc = MonteCarloPanel(portfolio, self.pid)

        self.project.observe(self._on_project, names="value")
        self.resource.observe(self._on_resource, names="value")
        self.level_btn.on_click(self._on_level)

        evm_box = W.VBox(
            [
                self.kpis,
                self.es_html,
                self.scurve,
                W.HTML("<h4>Estimate at completion</h4>"),
                self.eac_html,
            ]
        )
        risk_box = W.VBox([self.risk_summary, self.heatmap, self.register])
        res_box = W.VBox(
            [
                W.HTML(
                    "<p class='pmkit-note'>Hours per week of the project's assigned work, "
                    "against the resource's capacity. ▲ marks an over-allocated week.</p>"
                ),
                self.resource,
                self.load_chart,
                self.load_html,
                self.level_btn,
                self.level_html,
            ]
        )
        self.tabs = W.Tab(children=[evm_box, risk_box, res_box, self.mc.widget])
        for i, name in enumerate(
            ["Earned value", "Risks & opportunities", "Resources", "Monte Carlo"]
        ):
            self.tabs.set_title(i, name)
        # a tab is computed for the project when it is shown: a project switch fills only the
        # open tab, the others on their first opening (then kept until the next switch)
        self._stale: set[int] = set()
        self.tabs.observe(self._on_tab, names="selected_index")
        self.widget = W.VBox(
            [
                header(
                    "Tracking",
                    "One project against its baseline, to the status date: earned value and "
                    "earned schedule, risks and opportunities, resources, schedule risk.",
                ),
                self.project,
                self.status_date.widget,
                self.title,
                self.tabs,
            ]
        )
        self.load_project(self.pid)
        if precompute:
            self.precompute()

    def set_portfolio(self, portfolio: Portfolio) -> None:
        """Show ``portfolio`` (e.g. as it stood on an earlier status date) for this project."""
        self.portfolio = portfolio
        self.mc.portfolio = portfolio
        self.load_project(self.pid)

    # -- project ------------------------------------------------------------------------
    def load_project(self, pid: str) -> None:
        """Refresh every panel for ``pid``."""
        self.pid = pid
        info = self.portfolio.project(pid).info
        self.title.value = (
            f"<p><b class='pmkit-project-name'>{esc(info['name'])}</b> · manager "
            f"{esc(info['manager'])} · phase {esc(info['phase'])} · budget (BAC) "
            f"{esc(_money(info['budget'], self.portfolio.currency))} · status date "
            f"<b>{esc(_date(self.portfolio.status_date))}</b></p>"
        )
        self._stale = {0, 1, 2}
        self.level_html.value = ""
        self.mc.set_project(pid)
        self.refresh_tab(self.tabs.selected_index or 0)

    def refresh_tab(self, index: int) -> None:
        """Fill tab ``index`` for the current project if it is not already."""
        if index not in self._stale:
            return
        self._stale.discard(index)
        if index == 0:
            guarded(self.kpis)(self._evm)()
        elif index == 1:
            guarded(self.risk_summary)(self._risks)()
        elif index == 2:
            guarded(self.load_html)(self._resources)()

    def _on_tab(self, change: dict[str, Any]) -> None:
        if change.get("new") is not None:
            self.refresh_tab(int(change["new"]))

    # -- earned value -------------------------------------------------------------------
    def _rag(self, metric: str, value: float) -> str:
        """A badge for SPI / CPI from the PMO's rule (the rule text on hover)."""
        try:
            std = standards_of(self.portfolio)
        except StandardsError as exc:  # the PMO's file is wrong: say so, keep the numbers
            return badge("grey", "no rule", title=str(exc))
        rules = [
            r for dim in ("schedule", "cost") for r in std.rules.get(dim, ()) if r.metric == metric
        ]
        if not rules or value is None or pd.isna(value):
            return badge("grey", "n/a", title="no report or no rule")
        res = rules[0].evaluate(float(value))
        return badge(res.status, res.status.capitalize(), title=res.rule)

    def _has_rule(self, metric: str) -> bool:
        try:
            std = standards_of(self.portfolio)
        except StandardsError:
            return False
        return any(r.metric == metric for rules in std.rules.values() for r in rules)

    def _evm(self) -> None:
        v = self.evm_view(self.pid)
        self._scurve.show_parts(v["parts"], v["chart"])
        self.kpis.value, self.es_html.value, self.eac_html.value = v["html"]

    def evm_view(self, pid: str) -> dict[str, Any]:
        """What the earned-value tab shows for ``pid``: the S-curve's parts (and a builder of
        the whole chart) and the three HTML panels; computed once per portfolio shown."""
        views = _views(self.portfolio)
        if pid not in views:
            views[pid] = self._evm_compute(pid)
        return views[pid]

    def precompute(self, at_most: int = PRECOMPUTE_AT_MOST) -> None:
        """Every project's earned-value tab, so a project switch only puts it on the page
        (a preheated kernel does this before the request; a portfolio of more than
        ``at_most`` projects is left to compute on demand). Never raises: a project whose
        numbers fail shows its reason when picked."""
        pids = [str(v) for _, v in self.project.options]
        compute_ahead(pids, self.evm_view, at_most=at_most, what="tracking")

    def _evm_compute(self, pid: str) -> dict[str, Any]:
        cur = self.portfolio.currency
        e = evm_at_status(self.portfolio, pid)
        info = self.portfolio.project(pid).info
        sd, bac = self.portfolio.status_date, float(info["budget"])
        eac = None if e.metrics is None else e.metrics.eac
        return {
            "parts": s_curve_parts(e.curve, status_date=sd, bac=bac, eac=eac),
            "chart": lambda: s_curve_chart(e.curve, status_date=sd, bac=bac, eac=eac, currency=cur),
            "html": self._evm_html(e),
        }

    def _evm_html(self, e: EvmAtStatus) -> tuple[str, str, str]:
        """The KPI cards, the earned-schedule cards and the EAC table of ``evm_at_status``."""
        cur = self.portfolio.currency
        m = e.metrics
        if m is None:
            return "<p>No status report yet on or before the status date.</p>", "", ""

        def card(label: str, value: str, extra: str = "", tip: str = "") -> str:
            return (
                f"<div class='pmkit-kpi' title='{esc(tip)}' style='border:1px solid #ccc;"
                "border-radius:6px;padding:6px 12px;min-width:120px'>"
                f"<div class='pmkit-note'>{esc(label)}</div><div style='font-size:18px'>"
                f"<b>{esc(value)}</b></div>{extra}</div>"
            )

        cards = [
            card("SPI = EV / PV", _ratio(m.spi), self._rag("spi", m.spi), "schedule performance"),
            card("CPI = EV / AC", _ratio(m.cpi), self._rag("cpi", m.cpi), "cost performance"),
            card("SV = EV − PV", _money(m.sv, cur)),
            card("CV = EV − AC", _money(m.cv, cur)),
            card("PV", _money(m.pv, cur)),
            card("EV", _money(m.ev, cur)),
            card("AC", _money(m.ac, cur)),
            card("BAC", _money(m.bac, cur)),
        ]
        kpis = (
            f"<p class='pmkit-note'>Last status report: <b>{esc(_date(e.report_date))}</b></p>"
            "<div id='evm-kpis' style='display:flex;flex-wrap:wrap;gap:8px'>"
            + "".join(cards)
            + "</div>"
        )
        r, eacs = e.row, e.eacs
        assert r is not None and eacs is not None  # a report: metrics, its row and its EACs
        spi_t_rule = "spi_t" if self._has_rule("spi_t") else "spi"
        es_cards = [
            card(
                "ES (earned schedule)",
                _date(r.get("es_date")),
                tip="the day the baseline planned today's EV (PV phased over working days)",
            ),
            card(
                "SV(t) = ES − AT (working days)",
                _signed_days(r.get("sv_t_wd")),
                tip="wd = working days of the project calendar",
            ),
            card("SPI(t) = ES / AT", _ratio(r.get("spi_t")), self._rag(spi_t_rule, r.get("spi_t"))),
            card("IEAC(t) = PD / SPI(t)", _date(r.get("ieac_t_date")), tip="forecast finish"),
        ]
        at = r.get("at_wd")
        pd_wd = r.get("pd_wd")
        es_note = str(r.get("es_note") or "")
        facts = (
            f"ES {float(r.get('es_wd')):.1f} wd · AT {float(at):.1f} wd · PD {float(pd_wd):.1f} wd"
            if at is not None and not pd.isna(at)
            else ""
        )
        es_html = (
            "<h4>Earned schedule (Lipke)</h4><div id='es-kpis' style='display:flex;"
            "flex-wrap:wrap;gap:8px'>" + "".join(es_cards) + "</div>"
            f"<p class='pmkit-note' id='es-units'>{esc(facts)}"
            f"{' · ' + esc(es_note) if es_note else ''} (wd = working days since the project "
            "start; a finished project is measured at its completion)</p>"
        )
        eacs = eacs[eacs["eac"].notna()]
        table = pd.DataFrame(
            {
                "formula": eacs["formula"],
                "when it applies": eacs["when"],
                "EAC": eacs["eac"].map(lambda v: _money(v, cur)),
                "ETC = EAC − AC": eacs["etc"].map(lambda v: _money(v, cur)),
                "VAC = BAC − EAC": eacs["vac"].map(lambda v: _money(v, cur)),
            }
        )
        tcpi_eac = (
            f"TCPI to EAC = <b>{esc(_ratio(m.tcpi_eac))}</b>"
            if not pd.isna(m.tcpi_eac)
            else "TCPI to EAC needs a bottom-up or management EAC (against BAC / CPI it is CPI)"
        )
        eac_html = html_table(table, table_id="eac-table") + (
            f"<p id='tcpi'>TCPI to BAC = (BAC − EV) / (BAC − AC) = "
            f"<b>{esc(_tcpi(m.tcpi_bac, m.tcpi_bac_note))}</b>; {tcpi_eac} "
            "<span class='pmkit-note'>(the cost efficiency the remaining work needs; above 1.10 "
            "is rarely achieved)</span></p>"
        )
        return kpis, es_html, eac_html

    # -- risks --------------------------------------------------------------------------
    def _risks(self) -> None:
        cur = self.portfolio.currency
        t = project_risks(self.portfolio, self.pid)
        self._heatmap.show_parts(risk_heatmap_parts(t.grid), lambda: risk_heatmap_chart(t.grid))
        s = t.summary.set_index("kind")
        self.risk_summary.value = (
            "<p id='risk-emv'>Open threats: <b>"
            f"{int(s.at['threat', 'count'])}</b> (EMV {esc(_money(s.at['threat', 'emv'], cur))}) · "
            f"open opportunities: <b>{int(s.at['opportunity', 'count'])}</b> (EMV "
            f"{esc(_money(s.at['opportunity', 'emv'], cur))}) · net expected effect on the budget"
            f": <b>{esc(_money(s.at['net', 'emv'], cur))}</b> <span class='pmkit-note'>(EMV = "
            "probability x impact; threats negative, opportunities positive)</span></p>"
        )
        reg = t.register
        zone = {"high": "red", "medium": "amber", "low": "green"}
        shown = pd.DataFrame(
            {
                "rank": reg["rank"],
                "id": reg["risk_id"],
                "kind": [_kind_badge(k) for k in reg["kind"]],
                "title": reg["title"],
                "owner": reg["owner"],
                "probability": reg["probability"].map(lambda v: f"{v:.0%}"),
                "cost impact": reg["cost_impact"].map(lambda v: _money(v, cur)),
                "delay (days)": reg["schedule_impact_days"].map(lambda v: f"{v:g}"),
                "EMV": reg["emv"].map(lambda v: _money(v, cur)),
                # an opportunity's score is good news: blue, never the threat's red / amber
                "score": [
                    badge("blue", f"{sc} {z}", title="opportunity: P x I on 1..5 scales")
                    if str(k) == "opportunity"
                    else badge(zone.get(str(z), "grey"), f"{sc} {z}", title="P x I on 1..5 scales")
                    for sc, z, k in zip(reg["score"], reg["zone"], reg["kind"], strict=True)
                ],
                "response": reg["response"],
            }
        )
        top = pd.concat([t.top_threats, t.top_opportunities])
        tops = ", ".join(
            f"{esc(i)} {esc(x)}"
            for i, x in zip(top.get("risk_id", []), top.get("title", []), strict=True)
        )
        if reg.empty:
            self.register.value = (
                "<p class='pmkit-empty' id='risk-register-empty'>No open threat or opportunity "
                "in this project's register: the heat maps above are empty, not missing.</p>"
            )
            return
        missing = [f"no open {k}" for k in ("threat", "opportunity") if int(s.at[k, "count"]) == 0]
        gap = (
            f"<p class='pmkit-note pmkit-empty'>This project has {' and '.join(missing)}: that "
            "heat map is empty on purpose.</p>"
            if missing
            else ""
        )
        self.register.value = (
            f"{gap}<p><b>Top items:</b> {tops or 'none'}</p><h4>Open register</h4>"
            + html_table(shown, raw_html_columns=["kind", "score"], table_id="risk-register")
        )

    # -- resources ----------------------------------------------------------------------
    def _resources(self) -> None:
        self.schedule = cache.schedule_project(self.portfolio, self.pid)  # the shared plan's slice
        self.load = resource_load(self.portfolio, self.schedule, self.pid, freq="W")
        self.levelled_load: pd.DataFrame | None = None
        # most over-allocated first: the resource a PM should look at is preselected
        worst = self.load.groupby("resource_id")["over_hours"].sum().sort_values(ascending=False)
        used = self.load.drop_duplicates("resource_id").set_index("resource_id").loc[worst.index]
        used = used.reset_index()
        opts = [
            (f"{r} · {n or role} ({h:,.0f} h over capacity)", r)
            for r, n, role, h in zip(
                used["resource_id"], used["name"], used["role"], worst.to_numpy(), strict=True
            )
        ]
        self.resource.unobserve(self._on_resource, names="value")
        self.resource.options = opts
        self.resource.value = opts[0][1] if opts else None
        self.resource.observe(self._on_resource, names="value")
        self.level_btn.disabled = not opts
        total_over = float(worst.sum()) if len(worst) else 0.0
        self.level_html.value = (
            ""
            if total_over > 0
            else "<p class='pmkit-note pmkit-empty'>No resource of this project is over-allocated"
            " as scheduled: levelling has nothing to fix.</p>"
        )
        self._draw_load()

    def _draw_load(self) -> None:
        rid = self.resource.value
        if rid is None:
            self._load_chart.show_parts(
                resource_load_parts(_empty_load()),
                lambda: resource_load_chart(_empty_load()),
            )
            self.load_html.value = "<p>No resource is assigned to this project.</p>"
            return
        levelled = self.levelled_load is not None
        table = self.levelled_load if levelled else self.load
        assert table is not None
        mine = table[table["resource_id"] == rid]
        weekly = pd.DataFrame(
            {
                "week": mine["period_start"],
                "load_hours": mine["load_hours"],
                "capacity_hours": mine["capacity_hours"],
                "over": mine["overallocated"],
            }
        )
        when = "after levelling" if levelled else "as scheduled"
        title = f"{rid}: load {when}"
        self._load_chart.show_parts(
            resource_load_parts(weekly, title=title),
            lambda: resource_load_chart(weekly, title=title),
        )
        over = overallocations(mine)
        self.load_html.value = (
            f"<p id='overallocation'><b>{len(over)}</b> over-allocated week(s) for "
            f"{esc(rid)} ({esc(when)}).</p>"
        )

    def _on_resource(self, _change: dict[str, Any]) -> None:
        guarded(self.load_html)(self._draw_load)()

    def level(self) -> None:
        """Level the project's resources (priority rule in :mod:`pmkit.schedule.leveling`)."""
        self.refresh_tab(2)  # the schedule and loads of the current project
        r = level(self.portfolio, self.pid, schedule=self.schedule)
        self.levelled_load = resource_load(
            self.portfolio, r.tasks, self.pid, freq="W", calendar=r.calendar
        )
        s = r.summary()
        days = float(s["finish_delta_days"])
        chip = (
            badge("amber", f"{days:+.0f} working days", title="levelled finish vs CPM finish")
            if days > 0
            else badge("green", "finish unchanged", title="levelled finish vs CPM finish")
        )
        self.level_html.value = (
            f"<p id='levelled-finish'>Levelled finish: <b>{esc(_date(s['finish_after']))}</b> "
            f"(was {esc(_date(s['finish_before']))}) {chip}<br>{s['tasks_delayed']} task(s) "
            f"delayed; over-allocated resource-days {s['overallocated_before']} &rarr; "
            f"{s['overallocated_after']}.<br><span class='pmkit-note'>Rule: {esc(s['rule'])}"
            "</span></p>" + _level_notes(r.notes)
        )
        self._draw_load()

    def _on_level(self, _b: Any) -> None:
        guarded(self.level_html)(self.level)()

    def _on_project(self, change: dict[str, Any]) -> None:
        guarded(self.title)(self.load_project)(change["new"])

    def open_project(self, query: str) -> bool:
        """This page turned into the one ``?project=`` (``query``) asks for: the project
        picked and loaded as a switch does (a load that fails raises: the caller builds the
        page again). ``True`` when the page now shows that project."""
        return open_from_query(self, query)


@functools.cache
def _empty_parts() -> dict[str, Any]:
    """The parts of the empty heat map and load chart a page opens with (once per process;
    read-only)."""
    return {
        "heatmap": risk_heatmap_parts(_empty_grid()),
        "load": resource_load_parts(_empty_load()),
    }


def _empty_grid() -> pd.DataFrame:
    cols = ["risk_id", "kind", "probability", "cost_impact", "schedule_impact_days"]
    return heatmap_grid(score_risks(pd.DataFrame(columns=cols), budget=1.0))


def _empty_load() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week": pd.Series([], dtype="datetime64[ns]"),
            "load_hours": pd.Series([], dtype=float),
            "capacity_hours": pd.Series([], dtype=float),
        }
    )


def app(portfolio: Portfolio | None = None, project_id: str | None = None) -> W.Widget:
    """The tracking dashboard (``None`` = the sample portfolio; ``?project=P03`` preselects)."""

    built: list[TrackingDashboard] = []

    def build() -> W.Widget:
        # a page built before the request (preheated) computes every project's earned value
        # ahead: a project switch then only puts it on the page
        p = portfolio or load_sample()
        built.append(TrackingDashboard(p, project_id, precompute=before_request()))
        return built[-1].widget

    def adapt(page: W.Widget, query: str) -> bool:
        """``?project=`` at the request: the prebuilt page switches project."""
        mine = project_id is None and bool(built) and built[-1].widget is page
        return mine and built[-1].open_project(query)

    return safe_build(build, warm=("portfolio", "schedule"), adapt=adapt)
