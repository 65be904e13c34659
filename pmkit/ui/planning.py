"""Planning dashboard (PM lens): Gantt, why critical / why this start, what-if, CR preview.

Pick a project; everything below follows it. The schedule comes from
:func:`pmkit.schedule.portfolio_adapter.schedule_project`, what-if scenarios and change-request
previews from :mod:`pmkit.schedule.whatif`. This module only wires widgets to them; the small
table builders here (:func:`chain_table`, :func:`delta_summary`) are plain functions a notebook
cell or a test can call.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import ipywidgets as W
import pandas as pd

from pmkit import cache
from pmkit.cache import load_sample
from pmkit.charts.gantt import (
    gantt_chart,
    gantt_every_row,
    gantt_keep,
    gantt_parts,
    gantt_redate,
    gantt_respec,
    gantt_rows,
    wbs_key,
)
from pmkit.format import fmt_date
from pmkit.schedule import portfolio_adapter
from pmkit.schedule.whatif import preview_change_request, what_if_result, what_if_schedule
from pmkit.ui._common import (
    badge,
    before_request,
    compute_ahead,
    error_html,
    esc,
    guarded,
    header,
    html_table,
    log,
    safe_build,
)
from pmkit.ui._swap import SwapChart
from pmkit.vocabulary import LINK_TYPES

if TYPE_CHECKING:
    from pmkit.model import Portfolio
    from pmkit.schedule.cpm import Schedule
    from pmkit.schedule.whatif import WhatIfResult

__all__ = [
    "PlanningDashboard",
    "app",
    "chain_table",
    "delta_table",
    "finish_text",
    "project_from_query",
    "project_options",
]

NONE = "(none)"
NO_CR = "(no pending change request)"


# ----------------------------------------------------------------------------- pure helpers
def project_options(portfolio: Portfolio) -> list[tuple[str, str]]:
    """Dropdown options ``("P03 · name", "P03")`` (a dropdown shows text, never markup)."""
    return [
        (f"{pid} · {name}", pid)
        for pid, name in zip(
            portfolio.projects["project_id"], portfolio.projects["name"], strict=True
        )
    ]


def project_from_query(portfolio: Portfolio, query: str | None = None) -> str:
    """The project named by ``?project=P03`` (Voila's query string), else the first one."""
    qs = os.environ.get("QUERY_STRING", "") if query is None else query
    wanted = parse_qs(qs.lstrip("?")).get("project", [""])[0]
    ids = portfolio.project_ids
    if not ids:
        raise ValueError("the portfolio has no project")
    return wanted if wanted in ids else ids[0]


def open_from_query(page: Any, query: str) -> bool:
    """Turn a one-project page (planning, tracking) into the one ``?project=`` asks for: the
    project picked and loaded as the picker does, without firing the picker's observer (a load
    that fails raises: the caller builds the page again). ``True`` when it shows it."""
    pid = project_from_query(page.portfolio, query)
    if pid != page.pid:
        page.project.unobserve(page._on_project, names="value")
        try:
            page.project.value = pid
        finally:
            page.project.observe(page._on_project, names="value")
        page.load_project(pid)
    return bool(page.pid == pid)


FIRST_ROWS = 150  # a larger plan opens collapsed to the deepest WBS level that fits


def first_level(levels: pd.Series, *, max_rows: int = FIRST_ROWS) -> int:
    """The deepest WBS level whose rows fit in ``max_rows`` (at least 1): a 400-task plan
    opens readable and light, and the slider expands it."""
    counts = levels.value_counts().sort_index().cumsum()
    fitting = counts[counts <= max_rows]
    return int(fitting.index.max()) if len(fitting) else int(levels.min() if len(levels) else 1)


def _fmt_date(value: Any) -> str:
    return fmt_date(value, missing="n/a")


def _days(minutes: Any, per_day: float) -> float:
    v = pd.to_numeric(minutes, errors="coerce")
    return float("nan") if pd.isna(v) else round(float(v) / per_day, 1)


def chain_table(schedule: Schedule, tasks: pd.DataFrame, uid: str) -> pd.DataFrame:
    """Why does ``uid`` start when it does: its driving predecessors back to the project start.

    One row per task of the chain, the selected task first: ``step, wbs, task, start, finish,
    driven_by`` (the link into that task: type and lag), ``link_float_days`` (slack on that
    link; 0 = it drives) and ``total_float_days`` of the task.
    """
    per_day = float(schedule.calendar.minutes_per_day)
    st = schedule.tasks.set_index("uid")
    names = tasks.set_index("task_id")
    rows = []
    for step, (tid, typ, lag_min, link_float) in enumerate(schedule.driving_chain(uid)):
        info = names.loc[tid] if tid in names.index else None
        lag = _days(lag_min, per_day)
        if tid not in st.index:  # a driving predecessor in another project: the chain leaves
            rows.append(_external_step(step, str(tid), typ, lag, link_float, per_day))
            break
        srow = st.loc[tid]
        rows.append(
            {
                "step": step,
                "wbs": "" if info is None else info["wbs"],
                "task": str(tid) if info is None else info["name"],
                "start": srow["start"],
                "finish": srow["finish"],
                "driven_by": "start of the chain (project start, constraint or actual date)"
                if typ is None
                else f"{typ} link, lag {lag:g} working days",
                "link_float_days": None if typ is None else _days(link_float, per_day),
                "total_float_days": _days(srow["total_slack_min"], per_day),
            }
        )
    return pd.DataFrame(rows)


def _external_step(
    step: int, tid: str, typ: Any, lag: float, link_float: Any, per_day: float
) -> dict[str, Any]:
    """A chain step into another project (its dates are on that project's plan)."""
    return {
        "step": step,
        "wbs": "",
        "task": f"{tid} (another project)",
        "start": pd.NaT,
        "finish": pd.NaT,
        "driven_by": "in another project: open its plan for the rest of the chain"
        if typ is None
        else f"{typ} link, lag {lag:g} working days (in another project)",
        "link_float_days": None if typ is None else _days(link_float, per_day),
        "total_float_days": None,
    }


def delta_table(result: WhatIfResult, tasks: pd.DataFrame) -> pd.DataFrame:
    """The what-if delta for people: tasks that moved or changed criticality, in WBS order."""
    d = result.delta
    d = d[d["moved"] | (d["critical_change"] != "")]
    wbs = tasks.set_index("task_id")["wbs"]
    out = pd.DataFrame(
        {
            "wbs": d["task_id"].map(wbs).fillna(""),
            "task": d["name"],
            "finish before": d["old_finish"].map(_fmt_date),
            "finish after": d["new_finish"].map(_fmt_date),
            "moved (working days)": d["finish_moved_days"].round(1),
            "critical path": d["critical_change"].map(
                {"joined": "joins", "left": "leaves", "": ""}
            ),
        }
    )
    keys = [wbs_key(w) for w in out["wbs"]]
    return out.iloc[sorted(range(len(out)), key=keys.__getitem__)].reset_index(drop=True)


def finish_text(before: Any, after: Any) -> str:
    """``Finish: Mon 01 Jun 2026 -> Fri 12 Jun 2026 (+11 calendar days)`` as escaped HTML."""
    b, a = pd.Timestamp(before), pd.Timestamp(after)
    days = (a.normalize() - b.normalize()).days
    if days > 0:
        chip = badge("red", f"{days} calendar days later")
    elif days < 0:
        chip = badge("green", f"{-days} calendar days earlier")
    else:
        chip = badge("grey", "same finish")
    return (
        f"<span class='pmkit-finish'>Finish: <b>{esc(_fmt_date(b))}</b> &rarr; "
        f"<b class='pmkit-finish-after'>{esc(_fmt_date(a))}</b> {chip}</span>"
    )


# ----------------------------------------------------------------------------- dashboard
PRECOMPUTE_AT_MOST = 60  # projects whose opened page a preheated kernel computes ahead
KEEP_AT_MOST = 60  # projects' opened pages kept (a 1,000-project portfolio: the last ones)
_SHARED: dict[str, Any] = {}


def _openings(portfolio: Portfolio) -> dict[str, dict[str, Any]]:
    """The opened pages computed for the portfolio shown (one portfolio kept: another one,
    e.g. new data or another status date, starts empty, so a page is never older than its
    data)."""
    if _SHARED.get("portfolio") is not portfolio:
        _SHARED.clear()
        _SHARED.update(portfolio=portfolio, openings={})
    openings: dict[str, dict[str, Any]] = _SHARED["openings"]
    return openings


def _set_choice(dd: W.Dropdown, options: list[Any], value: Any) -> None:
    """A dropdown's options and value in one message to the page; options equal to those
    shown are not sent again."""
    with dd.hold_sync():
        if list(dd.options) != options:
            dd.options = options
        dd.value = value


class PlanningDashboard:
    """The planning page of one portfolio; ``.widget`` is what the notebook displays."""

    def __init__(
        self, portfolio: Portfolio, project_id: str | None = None, *, precompute: bool = False
    ) -> None:
        self.portfolio = portfolio
        pid = project_id or project_from_query(portfolio)
        self.pid = pid
        self.base: Schedule | None = None
        self.shown: Schedule | None = None  # the schedule drawn in the Gantt
        self.scenario_label = "Current schedule"

        self.project = W.Dropdown(
            options=project_options(portfolio),
            value=pid,
            description="Project",
            layout=W.Layout(width="520px"),
        )
        self.summary = W.HTML()
        self.level = W.IntSlider(
            value=9, min=1, max=9, description="WBS levels", continuous_update=False
        )
        self.critical_only = W.Checkbox(value=False, description="Critical path only", indent=False)
        self.gantt_note = W.HTML()
        self._gantt = self._first_gantt(pid)
        self.gantt = self._gantt.widget
        self._watch_clicks()  # the chart's selections (a redraw as data keeps them)
        self.gantt_msg = W.HTML()

        # why critical / why this start
        self.task = W.Dropdown(description="Task", layout=W.Layout(width="520px"))
        self.chain = W.HTML()

        # what-if
        self.wi_task = W.Dropdown(description="Task", layout=W.Layout(width="420px"))
        wide = {"description_width": "initial"}
        self.wi_duration = W.BoundedFloatText(
            min=0, max=10_000, step=1, description="Duration (working days)", style=wide,
            layout=W.Layout(width="260px"),
        )  # fmt: skip
        self.wi_link = W.Dropdown(description="Link", layout=W.Layout(width="420px"))
        self.wi_lag = W.FloatText(
            description="Lag (working days)", style=wide, layout=W.Layout(width="260px")
        )
        self.wi_add_pred = W.Dropdown(description="Add: from", layout=W.Layout(width="420px"))
        self.wi_add_succ = W.Dropdown(description="to", layout=W.Layout(width="420px"))
        self.wi_add_type = W.Dropdown(
            options=list(LINK_TYPES), value="FS", description="type",
            layout=W.Layout(width="160px"),
        )  # fmt: skip
        self.wi_add_lag = W.FloatText(
            value=0, description="lag (working days)", style=wide, layout=W.Layout(width="240px")
        )
        self.wi_remove = W.Dropdown(description="Remove", layout=W.Layout(width="420px"))
        fit = W.Layout(width="auto")  # a button label is never cut ("Back to current sch...")
        self.wi_apply = W.Button(
            description="Apply what-if", button_style="primary", icon="", layout=fit
        )
        self.wi_reset = W.Button(description="Back to current schedule", layout=fit)
        self.wi_out = W.HTML()

        # change-request preview
        self.cr = W.Dropdown(description="Pending CR", layout=W.Layout(width="620px"))
        self.cr_apply = W.Button(
            description="Preview change request", button_style="warning", layout=fit
        )
        self.cr_out = W.HTML()

        self.project.observe(self._on_project, names="value")
        for w in (self.level, self.critical_only):
            w.observe(self._on_filter, names="value")
        self.task.observe(self._on_task, names="value")
        self.wi_task.observe(self._on_wi_task, names="value")
        self.wi_link.observe(self._on_wi_link, names="value")
        for w in (self.wi_duration, self.wi_lag, self.wi_add_pred, self.wi_add_succ):
            w.observe(self._on_wi_edit, names="value")
        self.wi_remove.observe(self._on_wi_edit, names="value")
        self.wi_apply.on_click(self._on_apply)
        self.wi_reset.on_click(self._on_reset)
        self.cr_apply.on_click(self._on_cr)

        self.widget = W.VBox(
            [
                header(
                    "Planning",
                    "One project: schedule, critical path, why a task is late, what-if and "
                    "change-request preview. Dates from the scheduler, on the status date.",
                ),
                self.project,
                self.summary,
                W.HTML("<h3>Gantt</h3>"),
                W.HBox([self.level, self.critical_only]),
                self.gantt_note,
                self.gantt,
                self.gantt_msg,
                W.HTML(
                    "<h3>Why critical, why this start?</h3><p class='pmkit-note'>Pick a task "
                    "(or click its bar): its chain of driving predecessors back to the project "
                    "start, with the float on each link (0 = that link sets the date).</p>"
                ),
                self.task,
                self.chain,
                W.HTML(
                    "<h3>What-if</h3><p class='pmkit-note'>Change a duration, a lag, add or "
                    "remove a link, then Apply: the project is re-scheduled and the Gantt shows "
                    "the scenario. Nothing is saved.</p>"
                ),
                W.HBox([self.wi_task, self.wi_duration]),
                W.HBox([self.wi_link, self.wi_lag]),
                W.HBox([self.wi_add_pred, self.wi_add_type, self.wi_add_lag]),
                self.wi_add_succ,
                self.wi_remove,
                W.HBox([self.wi_apply, self.wi_reset]),
                self.wi_out,
                W.HTML(
                    "<h3>Change-request preview</h3><p class='pmkit-note'>Apply a pending "
                    "change request of this project to a copy of the plan: schedule and cost "
                    "deltas before anyone decides.</p>"
                ),
                W.HBox([self.cr, self.cr_apply]),
                self.cr_out,
            ]
        )
        self.load_project(pid)
        if precompute:
            self.precompute()

    def _first_gantt(self, pid: str) -> SwapChart:
        """The Gantt the page opens with: the opened project's (:meth:`opening`), so the
        chart is made once per page, not once empty and again for the project, and built
        with altair once per process (:meth:`SwapChart.made`); an empty one when the project
        cannot be opened (:meth:`load_project` then says why)."""
        try:
            op = self.opening(pid)
        except Exception:
            return SwapChart(gantt_chart(gantt_rows(self._tasks().head(0))))
        return SwapChart.made("gantt", op["parts"], lambda: gantt_chart(op["rows"], **op["args"]))

    # -- data ---------------------------------------------------------------------------
    def _tasks(self) -> pd.DataFrame:
        cached = self.__dict__.get("_tasks_of")
        if cached is None or cached[0] != self.pid or cached[1] is not self.portfolio:
            t = self.portfolio.tasks
            cached = (self.pid, self.portfolio, t[t["project_id"] == self.pid])
            self._tasks_of = cached
        return cached[2]

    def _view(self) -> Any:
        """The project's rows of every table, once per project shown (a 1,000-project
        portfolio's tables are filtered once per switch, not once per widget filled)."""
        cached = self.__dict__.get("_view_of")
        if cached is None or cached[0] != self.pid or cached[1] is not self.portfolio:
            cached = (self.pid, self.portfolio, self.portfolio.project(self.pid))
            self._view_of = cached
        return cached[2]

    def _links(self) -> pd.DataFrame:
        return self._view().links

    # -- project ------------------------------------------------------------------------
    def load_project(self, pid: str) -> None:
        """Show ``pid`` as opened: every panel (dropdowns, Gantt, chain, what-if, CRs) from
        :meth:`opening` (computed ahead for every project by a preheated kernel)."""
        op = self.opening(pid)
        self._loading = True  # the widget resets below must not each redraw the Gantt
        try:
            self._adopt(op)
            # the Gantt first: the page redraws it while the other widgets' messages arrive
            self._draw_gantt(op["rows"], op["args"], op["parts"])
            self._apply(op)
        finally:
            self._loading = False
        self.gantt_msg.value = ""  # an earlier project's error is not this one's

    _loading = False

    def opening(self, pid: str) -> dict[str, Any]:
        """What the page shows when ``pid`` is opened (current schedule, first WBS levels,
        the last-finishing task explained); computed once per portfolio shown."""
        openings = _openings(self.portfolio)
        if pid in openings:
            return openings[pid]
        op = self._opening(pid)
        if len(openings) < KEEP_AT_MOST:
            openings[pid] = op
        return op

    def precompute(self, at_most: int = PRECOMPUTE_AT_MOST) -> None:
        """Every project's opened page, so a project switch only puts it on the page (a
        preheated kernel does this before the request; a portfolio of more than ``at_most``
        projects is left to compute on demand). Never raises: a project that fails shows its
        reason when picked."""
        pids = [str(v) for _, v in self.project.options]
        compute_ahead(pids, self.opening, at_most=at_most, what="planning")

    def _opening(self, pid: str) -> dict[str, Any]:
        base = cache.schedule_project(self.portfolio, pid)  # a slice of the shared plan
        view = self.portfolio.project(pid)
        t = self.portfolio.tasks
        tasks = t[t["project_id"] == pid]
        keys = [wbs_key(w) for w in tasks["wbs"]]
        ordered = tasks.iloc[sorted(range(len(tasks)), key=keys.__getitem__)]
        leaves = ordered[~ordered["is_summary"]]
        opts = [
            (f"{w} {n}", t)
            for w, n, t in zip(leaves["wbs"], leaves["name"], leaves["task_id"], strict=True)
        ]
        last = base.tasks.set_index("uid").loc[leaves["task_id"], "finish"]
        task = str(last.idxmax()) if len(last) else None
        links = view.links
        cols = [links[c] for c in ("pred_id", "succ_id", "type", "lag_days")]
        name = _task_names(self.portfolio.tasks, set(cols[0]) | set(cols[1]))
        link_opts = [
            (f"{name.get(p, p)} → {name.get(s, s)} ({t}, lag {lag:g} d)", (p, s))
            for p, s, t, lag in zip(*cols, strict=True)
        ]
        level = first_level(tasks["outline_level"], max_rows=FIRST_ROWS)
        op: dict[str, Any] = {
            "pid": pid,
            "base": base,
            "summary": self._summary_html(view.info, base),
            "level_max": max(int(tasks["outline_level"].max()) if len(tasks) else 1, 1),
            "level": level,
            "opts": opts,
            "task": task,
            "wi_duration": _duration(tasks, opts[0][1] if opts else None),
            "link_opts": link_opts,
            "wi_lag": _lag(links, link_opts[0][1] if link_opts else None),
            "chain": self._chain_value(base, tasks, task),
            **self._cr_choice(pid),
        }
        op["every_row"] = gantt_every_row(tasks, base)  # float in days of base's calendar
        rows = gantt_keep(op["every_row"], max_level=level)
        op["args"] = {
            "links": links,
            "status_date": self.portfolio.status_date,
            "highlight": _chain_ids(base, task),
        }
        op["parts"] = gantt_parts(rows, **op["args"])
        op["rows"] = rows
        return op

    def _adopt(self, op: dict[str, Any]) -> None:
        """Make an opened page (:meth:`opening`) the one shown, before any widget is set."""
        self.pid = op["pid"]
        self.base = self.shown = op["base"]
        self._every_row = self._base_every = (op["base"], self.portfolio, op["every_row"])
        self.scenario_label = "Current schedule"

    def _apply(self, op: dict[str, Any]) -> None:
        """Put an opened page (:meth:`opening`) on the widgets, one message per widget."""
        self.summary.value = op["summary"]
        with self.level.hold_sync():
            self.level.max = op["level_max"]
            self.level.value = op["level"]
        self.critical_only.value = False
        opts, link_opts = op["opts"], op["link_opts"]
        _set_choice(self.task, opts, op["task"])
        _set_choice(self.wi_task, opts, opts[0][1] if opts else None)
        self.wi_duration.value = op["wi_duration"] or 0.0  # 0: a plan without a task
        _set_choice(self.wi_link, link_opts, link_opts[0][1] if link_opts else None)
        self.wi_lag.value = op["wi_lag"] or 0.0  # 0: a plan without a link
        _set_choice(self.wi_add_pred, [(NONE, ""), *opts], "")
        _set_choice(self.wi_add_succ, [(NONE, ""), *opts], "")
        # a real option value, not None: a Dropdown whose value is None shows a blank box
        _set_choice(self.wi_remove, [(NONE, ()), *link_opts], ())
        self.wi_out.value = ""
        _set_choice(self.cr, op["cr_options"], op["cr_options"][0][1])
        self.cr_apply.disabled = op["cr_disabled"]
        self.cr_out.value = op["cr_out"]
        self.chain.value = op["chain"]

    def _cr_choice(self, pid: str) -> dict[str, Any]:
        ch = self.portfolio.changes
        pending = ch[(ch["project_id"] == pid) & (ch["decision"] == "pending")]
        return {
            "cr_options": [
                (f"{c} · {t}", c) for c, t in zip(pending["cr_id"], pending["title"], strict=True)
            ]
            or [(NO_CR, "")],
            "cr_disabled": len(pending) == 0,
            "cr_out": ""
            if len(pending)
            else "<p class='pmkit-note pmkit-empty'>This project has no pending change request: "
            "nothing to preview.</p>",
        }

    def _summary_html(self, info: pd.Series, base: Schedule) -> str:
        status = self.portfolio.status_date
        baseline = pd.Timestamp(info["finish_baseline"])
        finish = pd.Timestamp(base.finish)
        slip = (finish.normalize() - baseline.normalize()).days
        if slip > 0:
            chip = badge(
                "amber",
                f"{slip} calendar days after baseline",
                title="scheduled finish > baseline finish",
            )
        else:
            chip = badge(
                "green", "on or before baseline", title="scheduled finish <= baseline finish"
            )
        n_crit = len(base.critical_path())
        return (
            f"<p class='pmkit-project'><b class='pmkit-project-name'>{esc(info['name'])}</b> "
            f"· manager {esc(info['manager'])} · phase {esc(info['phase'])}<br>"
            f"Status date <b>{esc(_fmt_date(status))}</b> · baseline finish "
            f"<b>{esc(_fmt_date(baseline))}</b> · scheduled finish "
            f"<b class='pmkit-scheduled-finish'>{esc(_fmt_date(finish))}</b> {chip} · "
            f"{n_crit} critical tasks</p>"
        )

    # -- Gantt --------------------------------------------------------------------------
    def gantt_table(self) -> pd.DataFrame:
        """The rows the Gantt shows now (the scenario's dates, the reader's filters)."""
        assert self.shown is not None
        kept = self.__dict__.get("_every_row")  # per schedule shown: a filter only filters
        if kept is None or kept[0] is not self.shown or kept[1] is not self.portfolio:
            every = self._redated()
            if every is None:
                every = gantt_every_row(self._tasks(), self.shown)
            kept = self._every_row = (self.shown, self.portfolio, every)
        return gantt_keep(
            kept[2], max_level=self.level.value, critical_only=self.critical_only.value
        )

    def _redated(self) -> pd.DataFrame | None:
        """The current schedule's every-row Gantt frame with the dates of the schedule shown
        (a scenario of the same tasks), or ``None``."""
        base = self.__dict__.get("_base_every")
        if base is None or base[0] is not self.base or base[1] is not self.portfolio:
            return None
        assert self.shown is not None
        return gantt_redate(base[2], self.shown)

    def refresh_gantt(self, highlight: list[str] | None = None) -> None:
        """Redraw the Gantt in place.

        The chart's marks never change, only its rows: after the first drawing the page
        gets the new rows (and row order, height) swapped into the chart it already shows
        (:class:`pmkit.ui._swap.SwapChart`), not a new spec to embed again.
        """
        rows = self.gantt_table()
        if highlight is None and self.task.value and self.shown is not None:
            highlight = _chain_ids(self.shown, self.task.value)
        args = {
            "links": self._links_shown(),
            "status_date": self.portfolio.status_date,
            "highlight": highlight or [],
        }
        self._draw_gantt(rows, args, gantt_parts(rows, **args))

    def _draw_gantt(self, rows: pd.DataFrame, args: dict[str, Any], parts: dict[str, Any]) -> None:
        """Put ``parts`` on the Gantt shown (data only), or the chart anew on a new shape."""
        shown = self._gantt.spec
        if set(shown.get("datasets", {})) == set(parts["datasets"]) and "params" in shown:
            self._gantt.show_spec(gantt_respec(shown, parts))
        else:
            self._gantt.replace(gantt_chart(rows, **args))
        if self._gantt.last == "spec":
            self._watch_clicks()  # a new spec has a new selections object
        assert self.shown is not None
        self.gantt_note.value = (
            f"<p><b>Gantt shows:</b> <span class='pmkit-scenario'>{esc(self.scenario_label)}"
            f"</span> · finish <b class='pmkit-gantt-finish'>{esc(_fmt_date(self.shown.finish))}"
            f"</b> · {len(rows)} of {len(self._tasks())} rows shown (dashed outline = driving "
            "chain of the selected task; vertical dashed line = status date)</p>"
        )

    def _links_shown(self) -> pd.DataFrame:
        if self.shown is None or self.shown is self.base:
            return self._links()
        lk = self.shown.links
        return pd.DataFrame(
            {"pred_id": lk["pred_uid"], "succ_id": lk["succ_uid"], "type": lk["type"]}
        )

    def _watch_clicks(self) -> None:
        sels = self.gantt.selections
        if sels is not None and "pick" in sels.trait_names():
            sels.observe(self._on_click, names=["pick"])

    def _on_click(self, change: dict[str, Any]) -> None:
        value = change.get("new")
        picked = getattr(value, "value", value) or []
        if picked and isinstance(picked, list) and "task_id" in picked[0]:
            tid = picked[0]["task_id"]
            if tid in dict(self.task.options).values():
                self.task.value = tid

    # -- callbacks ----------------------------------------------------------------------
    def _on_project(self, change: dict[str, Any]) -> None:
        guarded(self.gantt_msg)(self.load_project)(change["new"])

    def open_project(self, query: str) -> bool:
        """This page turned into the one ``?project=`` (``query``) asks for: the project
        picked and loaded as a switch does (a load that fails raises: the caller builds the
        page again). ``True`` when the page now shows that project."""
        return open_from_query(self, query)

    def _on_filter(self, _change: dict[str, Any]) -> None:
        if self._loading:
            return
        guarded(self.gantt_msg)(self.refresh_gantt)()

    def _on_task(self, change: dict[str, Any]) -> None:
        if self._loading:
            return
        guarded(self.gantt_msg)(self.show_task)(change.get("new"))

    def show_task(self, uid: str | None) -> None:
        """Explain ``uid`` (its driving chain) and redraw the Gantt once, chain outlined.

        One redraw per interaction: turning a chart into Vega-Lite (schema validation) is the
        costliest step of a project switch or a what-if, so it is never done twice.
        """
        guarded(self.chain)(self._explain)(uid)
        self.refresh_gantt()

    def _explain(self, uid: str | None) -> None:
        if not uid or self.shown is None:
            self.chain.value = ""
            return
        table = chain_table(self.shown, self._tasks(), uid)
        self.chain.value = self._chain_html(table)

    def _chain_value(self, schedule: Schedule, tasks: pd.DataFrame, uid: str | None) -> str:
        """What :meth:`_explain` shows for ``uid`` (its reason, as the page says it, when the
        chain cannot be built)."""
        if not uid:
            return ""
        try:
            return self._chain_html(chain_table(schedule, tasks, uid))
        except Exception as exc:  # the page must never show a traceback
            log.warning("planning: no driving chain for %s", uid, exc_info=True)
            return error_html(exc)

    def _chain_html(self, table: pd.DataFrame) -> str:
        first = table.iloc[0]
        crit = first["total_float_days"]
        verdict = (
            badge("red", "Critical", title="total float <= 0 working days")
            if crit <= 0
            else badge("blue", f"{crit:g} days of float", title="total float > 0")
        )
        shown = table.assign(
            start=table["start"].map(_fmt_date),
            finish=table["finish"].map(_fmt_date),
            link_float_days=table["link_float_days"].map(lambda v: "" if pd.isna(v) else f"{v:g}"),
        ).rename(
            columns={
                "driven_by": "driven by",
                "link_float_days": "float on that link (d)",
                "total_float_days": "total float (d)",
            }
        )
        return (
            f"<p><b>{esc(first['wbs'])} {esc(first['task'])}</b> {verdict} starts "
            f"{esc(_fmt_date(first['start']))}; {len(table) - 1} driving predecessor(s) back to "
            "the project start:</p>" + html_table(shown, table_id="driving-chain")
        )

    def _on_wi_task(self, change: dict[str, Any]) -> None:
        if self._loading:  # a project being opened sets the duration itself
            return
        value = _duration(self._tasks(), change.get("new"))  # this project's tasks
        if value is not None:
            self.wi_duration.value = value
        self._ready_what_if()

    def _ready_what_if(self) -> None:
        """The project's what-if engine table built while the reader edits the scenario (a
        failure is logged: Apply then builds it, and says why it cannot); once per project
        shown."""
        ready = self.__dict__.get("_ready_for")
        if ready is not None and ready[0] == self.pid and ready[1] is self.portfolio:
            return
        try:
            portfolio_adapter.keep_subnetwork(self.portfolio, self.pid)
        except Exception:
            log.warning("planning: what-if table of %s not built ahead", self.pid, exc_info=True)
            return
        self._ready_for = (self.pid, self.portfolio)

    def _on_wi_edit(self, _change: dict[str, Any]) -> None:
        """Any edit of the scenario (a duration or lag typed, a link to add or remove
        picked) readies the what-if, as picking its task does: a reader who edits the
        preselected task's duration and applies gets the prepared table too."""
        if not self._loading:
            self._ready_what_if()

    def _on_wi_link(self, change: dict[str, Any]) -> None:
        if self._loading:  # a project being opened sets the lag itself
            return
        value = _lag(self._links(), change.get("new"))
        if value is not None:
            self.wi_lag.value = value
        self._ready_what_if()

    def scenario(self) -> dict[str, Any]:
        """The what-if arguments the widgets describe (only what differs from the plan)."""
        t = self._tasks()  # the pickers list this project's tasks
        args: dict[str, Any] = {}
        tid = self.wi_task.value
        if tid:
            cur = float(t.loc[t["task_id"] == tid, "duration_days"].iloc[0])
            if abs(float(self.wi_duration.value) - cur) > 1e-9:
                args["duration_changes"] = {tid: float(self.wi_duration.value)}
        pair = self.wi_link.value
        if pair:
            lk = self._links()
            cur = lk.loc[(lk["pred_id"] == pair[0]) & (lk["succ_id"] == pair[1]), "lag_days"]
            if len(cur) and abs(float(self.wi_lag.value) - float(cur.iloc[0])) > 1e-9:
                args["lag_changes"] = {tuple(pair): float(self.wi_lag.value)}
        if self.wi_add_pred.value and self.wi_add_succ.value:
            args["add_links"] = [
                (
                    self.wi_add_pred.value,
                    self.wi_add_succ.value,
                    self.wi_add_type.value,
                    float(self.wi_add_lag.value),
                )
            ]
        if self.wi_remove.value:
            args["remove_links"] = [tuple(self.wi_remove.value)]
        return args

    def apply_what_if(self) -> None:
        """Re-schedule with the widgets' scenario; Gantt, finish and delta table follow (the
        Gantt first: it is drawn before the schedules are compared)."""
        args = self.scenario()
        if not args:
            self.wi_out.value = (
                "<p class='pmkit-note'>Nothing to apply: change a duration or a lag, or pick a "
                "link to add or remove.</p>"
            )
            return
        after, log = what_if_schedule(self.portfolio, self.pid, **args)
        before = self.base
        if before is None:
            before = portfolio_adapter.schedule_project(self.portfolio, self.pid)
        self._show_schedule(after, "What-if scenario")
        self._show_result(what_if_result(before, after, log), "What-if scenario", self.wi_out)

    def _show_schedule(self, schedule: Schedule, label: str) -> None:
        """The Gantt redrawn on ``schedule`` (a scenario), the selected task's chain
        outlined."""
        self.shown = schedule
        self.scenario_label = label
        self.refresh_gantt()

    def _show_result(
        self, result: WhatIfResult, label: str, target: W.HTML, extra: str = ""
    ) -> None:
        """A scenario's finish, delta table and the selected task's chain; the Gantt too
        unless it already shows ``result.after``."""
        drawn = self.shown is result.after and self.scenario_label == label
        self.shown = result.after
        self.scenario_label = label
        table = delta_table(result, self._tasks())
        target.value = (
            f"<p>{finish_text(result.finish_before, result.finish_after)} "
            f"<span class='pmkit-note'>({result.finish_delta_days:+.1f} working days)</span></p>"
            f"{extra}<p>Critical path: {len(result.critical_added)} task(s) join, "
            f"{len(result.critical_removed)} leave; {len(table)} task(s) moved or changed "
            "criticality.</p>" + html_table(table, table_id="whatif-delta", max_rows=60)
        )
        if drawn:
            guarded(self.chain)(self._explain)(self.task.value)
        else:
            self.show_task(self.task.value)

    def _on_apply(self, _b: Any) -> None:
        guarded(self.wi_out)(self.apply_what_if)()

    def _on_reset(self, _b: Any) -> None:
        @guarded(self.wi_out)
        def run() -> None:
            self.load_project(self.pid)

        run()

    def preview_cr(self) -> None:
        """Apply the selected pending change request to a copy: schedule and cost deltas."""
        cr_id = self.cr.value
        if not cr_id:
            self.cr_out.value = "<p class='pmkit-note'>No pending change request.</p>"
            return
        result = preview_change_request(self.portfolio, cr_id, before=self.base)
        row = self.portfolio.changes.set_index("cr_id").loc[cr_id]
        c = result.cost
        cur = esc(self.portfolio.currency)
        budget, cost = float(c["budget_before"]), float(c["cost_impact"])
        pct = f" ({cost / budget:+.1%} of the budget)" if budget else ""
        eac = ""
        if not pd.isna(c.get("eac_before", float("nan"))):
            eac = (
                f"; EAC (BAC / CPI) {c['eac_before']:,.0f} {cur} &rarr; "
                f"<b>{c['eac_after']:,.0f} {cur}</b>"
            )
        extra = (
            f"<p id='cr-cost'><b>{esc(cr_id)} · {esc(row['title'])}</b> — "
            f"{esc(row['description'])}<br>Requested by {esc(row['requested_by'])}; "
            f"significance <b>{esc(row['significance'])}</b>; scope impact "
            f"{esc(row['scope_impact'])}.<br>Cost: budget {budget:,.0f} {cur} &rarr; <b>"
            f"{c['budget_after']:,.0f} {cur}</b> ({cost:+,.0f}{esc(pct)}){eac}.</p>"
        )
        self._show_result(result, f"Change request {cr_id} (preview)", self.cr_out, extra)

    def _on_cr(self, _b: Any) -> None:
        guarded(self.cr_out)(self.preview_cr)()


def _task_names(tasks: pd.DataFrame, ids: set[Any]) -> dict[Any, str]:
    """``task_id -> "wbs name"`` of the tasks ``ids`` (a project's link ends, some in other
    projects): the rows of those tasks only, not a name for each of a portfolio's tasks."""
    hit = tasks[tasks["task_id"].isin(ids)]
    return dict(zip(hit["task_id"], hit["wbs"].astype(str) + " " + hit["name"], strict=True))


def _duration(tasks: pd.DataFrame, tid: Any) -> float | None:
    """The planned duration (working days) of task ``tid``, ``None`` when not in ``tasks``."""
    hit = tasks.loc[tasks["task_id"] == tid, "duration_days"]
    return float(hit.iloc[0]) if len(hit) else None


def _lag(links: pd.DataFrame, pair: Any) -> float | None:
    """The lag (working days) of the link ``(pred, succ)``, ``None`` when there is none."""
    if not pair:
        return None
    hit = links.loc[(links["pred_id"] == pair[0]) & (links["succ_id"] == pair[1]), "lag_days"]
    return float(hit.iloc[0]) if len(hit) else None


def _chain_ids(schedule: Schedule, uid: str | None) -> list[str]:
    """The task ids of ``uid``'s driving chain (outlined on the Gantt); none when ``uid``
    has none (a task removed from a scenario)."""
    if not uid:
        return []
    try:
        return [c[0] for c in schedule.driving_chain(uid)]
    except Exception:
        return []


def app(portfolio: Portfolio | None = None, project_id: str | None = None) -> W.Widget:
    """The planning dashboard (``None`` = the sample portfolio; ``?project=P03`` preselects)."""

    built: list[PlanningDashboard] = []

    def build() -> W.Widget:
        p = portfolio or load_sample()
        built.append(PlanningDashboard(p, project_id, precompute=before_request()))
        return built[-1].widget

    def adapt(page: W.Widget, query: str) -> bool:
        """``?project=`` at the request: the prebuilt page switches project."""
        mine = project_id is None and bool(built) and built[-1].widget is page
        return mine and built[-1].open_project(query)

    return safe_build(build, warm=("portfolio", "schedule"), adapt=adapt)
