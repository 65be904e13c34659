"""Gantt chart: WBS rows, current vs baseline bars, progress, milestones, critical path, links.

Two pure steps, so a notebook cell can use either:

- :func:`gantt_rows` joins a project's task table with a schedule table and keeps the rows a
  reader asked for (WBS depth, collapsed branches, critical only). It only *selects and
  reshapes*; every date and float comes from the scheduler.
- :func:`gantt_chart` draws those rows. Colour is never the only cue: critical tasks are
  vermillion *and* named "Critical path" in the legend; milestones are diamonds; summaries are
  black brackets.

Examples
--------
>>> from pmkit import load_sample, schedule_project
>>> p = load_sample()
>>> tasks = p.tasks[p.tasks["project_id"] == "P01"]
>>> rows = gantt_rows(tasks, schedule_project(p, "P01"), max_level=2)
>>> rows[["wbs", "kind", "float_days"]].head(2)
   wbs     kind  float_days
0    1  summary         0.0
1  1.1     task         0.0
>>> links = p.links[p.links["succ_id"].isin(set(tasks["task_id"]))]
>>> chart = gantt_chart(rows, links=links, status_date=p.status_date)
>>> sorted(chart.to_dict()["datasets"])
['gantt_links', 'gantt_rows', 'gantt_status']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from altair.typing import ChartType

from pmkit.charts.parts import records, records_of, respec
from pmkit.errors import PmkitError
from pmkit.format import DATE_FORMAT
from pmkit.schedule.cpm import Schedule

__all__ = [
    "GANTT_COLOURS",
    "gantt_chart",
    "gantt_every_row",
    "gantt_keep",
    "gantt_parts",
    "gantt_redate",
    "gantt_respec",
    "gantt_rows",
    "wbs_key",
]

# Okabe–Ito: safe for the common colour-vision deficiencies; each also has a legend label.
GANTT_COLOURS: dict[str, str] = {
    "Critical path": "#D55E00",
    "Has float": "#0072B2",
    "Summary": "#333333",
    "Baseline": "#A6A6A6",
    "Done (% complete)": "#1A1A1A",
}
ROW_PX = 20
_INDENT = "\u00b7\u00a0\u00a0"  # "·  " per level: SVG text drops leading blanks
_AXIS_FMT = "%b %Y"


def wbs_key(wbs: str) -> tuple[int, ...]:
    """Sort key of an outline number: ``'1.10'`` after ``'1.9'`` (text sort gets it wrong)."""
    out: list[int] = []
    for part in str(wbs).split("."):
        try:
            out.append(int(part))
        except ValueError:
            out.append(0)
    return tuple(out)


def _is_under(wbs: str, parents: Iterable[str]) -> bool:
    return any(wbs.startswith(p + ".") for p in parents)


def gantt_rows(
    tasks: pd.DataFrame,
    schedule: Schedule | pd.DataFrame | None = None,
    *,
    max_level: int | None = None,
    collapsed: Iterable[str] = (),
    critical_only: bool = False,
    minutes_per_day: float | None = None,
) -> pd.DataFrame:
    """The rows a Gantt shows, in WBS order, with the scheduler's dates joined in.

    Parameters
    ----------
    tasks
        One project's rows of ``tasks.csv`` (columns as docs/DATA-MODEL.md).
    schedule
        A :class:`~pmkit.schedule.cpm.Schedule`, or its ``tasks`` table (``uid`` = ``task_id``,
        ``start``, ``finish``, ``total_slack_min``, ``critical``). ``None`` draws the baseline
        dates as current (a plan never scheduled).
    max_level
        Hide rows deeper than this outline level (the reader's "collapse to level N").
    collapsed
        WBS numbers of summaries whose children are hidden.
    critical_only
        Keep critical tasks and the summaries above them (a 400-task plan in one screen).
    minutes_per_day
        Working minutes in a day of the project calendar, to show float in days. Default: the
        Schedule's calendar's (a 7.5 h calendar has 450, not 480). A bare task table with
        float needs it given: there is no calendar to take it from, and guessing 8 h would
        show a 7.5 h project's float a day short every 15 days.

    Returns
    -------
    DataFrame with ``task_id, wbs, name, outline_level, kind`` (task / summary / milestone),
    ``start, finish, baseline_start, baseline_finish, percent_complete, critical,
    float_days`` and ``label`` (indented, unique), in WBS order.
    """
    every = gantt_every_row(tasks, schedule, minutes_per_day=minutes_per_day)
    return gantt_keep(every, max_level=max_level, collapsed=collapsed, critical_only=critical_only)


def gantt_every_row(
    tasks: pd.DataFrame,
    schedule: Schedule | pd.DataFrame | None = None,
    *,
    minutes_per_day: float | None = None,
) -> pd.DataFrame:
    """Every row of :func:`gantt_rows` before the reader's filters (:func:`gantt_keep`): a
    page keeps it per schedule shown and filters it again when a filter changes."""
    schedule, minutes_per_day = _table_and_day(schedule, minutes_per_day)
    t = tasks.copy()
    if schedule is not None and len(schedule):
        cols = [
            c for c in ("uid", "start", "finish", "total_slack_min", "critical") if c in schedule
        ]
        s = schedule[cols].rename(columns={"uid": "task_id"})
        s = s.assign(task_id=s["task_id"].astype(str))
        t = t.drop(columns=[c for c in ("start", "finish", "critical") if c in t]).merge(
            s, on="task_id", how="left"
        )
    if "start" not in t:
        t["start"] = t["baseline_start"]
    if "finish" not in t:
        t["finish"] = t["baseline_finish"]
    t["wbs"] = t["wbs"].astype(str)
    keys = [wbs_key(w) for w in t["wbs"]]
    t = t.iloc[sorted(range(len(t)), key=keys.__getitem__)].reset_index(drop=True)
    t = _dated(t, minutes_per_day)
    t["kind"] = np.where(
        t["is_summary"], "summary", np.where(t["is_milestone"], "milestone", "task")
    )
    indent = (t["outline_level"].clip(lower=1) - 1).astype(int)
    t["label"] = [
        f"{_INDENT * n}{w} {name}" for n, w, name in zip(indent, t["wbs"], t["name"], strict=True)
    ]
    return t


_DATED = ("start", "finish", "total_slack_min", "critical")  # what a schedule gives a row


def _table_and_day(
    schedule: Schedule | pd.DataFrame | None, minutes_per_day: float | None
) -> tuple[pd.DataFrame | None, float | None]:
    """The schedule's task table, and the working minutes of a day to show float in: the
    ones given, else the Schedule's own calendar's."""
    if isinstance(schedule, Schedule):
        if minutes_per_day is None:
            minutes_per_day = float(schedule.calendar.minutes_per_day)
        return schedule.tasks, minutes_per_day
    return schedule, minutes_per_day


def _float_days(slack: Any, minutes_per_day: float | None) -> np.ndarray:
    """Float in working days of the project calendar, to 0.1 day; no float, no calendar
    needed (a plan never scheduled)."""
    minutes = np.asarray(slack)
    if minutes.dtype.kind != "f":
        minutes = np.asarray(pd.to_numeric(pd.Series(minutes), errors="coerce"), dtype=float)
    if minutes_per_day is None:
        if not np.isnan(minutes).all():
            raise PmkitError(
                "float in days needs the working minutes of a day of the project's calendar",
                field="minutes_per_day",
                expected="a Schedule (its calendar says) or minutes_per_day=...",
            )
        return minutes
    return np.round(minutes / float(minutes_per_day), 1)


def _dated(t: pd.DataFrame, minutes_per_day: float | None) -> pd.DataFrame:
    """Rows in WBS order with the schedule's columns joined: leaves without dates take the
    baseline's, summaries without dates are rolled up from their leaves (else the
    baseline's), float in days."""
    t["start"] = pd.to_datetime(t["start"])
    t["finish"] = pd.to_datetime(t["finish"])
    dated = bool(t["start"].notna().all() and t["finish"].notna().all())  # nothing to fill
    if not dated:
        leaf = ~t["is_summary"].astype(bool)
        t.loc[leaf, "start"] = t.loc[leaf, "start"].fillna(
            pd.to_datetime(t.loc[leaf, "baseline_start"])
        )
        t.loc[leaf, "finish"] = t.loc[leaf, "finish"].fillna(
            pd.to_datetime(t.loc[leaf, "baseline_finish"])
        )
    if "critical" not in t:
        t["critical"] = False
    t["critical"] = t["critical"].fillna(False).astype(bool)
    slack = t["total_slack_min"] if "total_slack_min" in t else pd.Series(np.nan, index=t.index)
    t["float_days"] = _float_days(slack, minutes_per_day)
    if dated:
        return t
    t = _roll_up_missing_summaries(t)
    t["start"] = t["start"].fillna(pd.to_datetime(t["baseline_start"]))
    t["finish"] = t["finish"].fillna(pd.to_datetime(t["baseline_finish"]))
    return t


def gantt_redate(
    every: pd.DataFrame,
    schedule: Schedule | pd.DataFrame,
    *,
    minutes_per_day: float | None = None,
) -> pd.DataFrame | None:
    """:func:`gantt_every_row` of the same tasks with another schedule of them (a what-if:
    only dates, float and criticality change), from ``every`` (their rows with a first
    schedule) without joining and sorting again; ``None`` when ``schedule`` does not date
    exactly the tasks of ``every`` (then build the rows anew)."""
    table, minutes_per_day = _table_and_day(schedule, minutes_per_day)
    assert table is not None
    schedule = table
    if not all(c in schedule for c in ("uid", *_DATED)) or not all(c in every for c in _DATED):
        return None
    uids = pd.Index(schedule["uid"].astype(str))
    if not uids.is_unique or len(uids) != len(every):
        return None
    at = uids.get_indexer(every["task_id"].astype(str))
    if (at < 0).any():
        return None
    new = {c: schedule[c].to_numpy()[at] for c in _DATED}
    fast = _redated_columns(new, every, minutes_per_day)
    if fast is not None:
        return every.assign(**fast)
    t = every.copy()
    for c in _DATED:
        t[c] = new[c]
    return _dated(t, minutes_per_day)


def _redated_columns(
    new: dict[str, np.ndarray], every: pd.DataFrame, minutes_per_day: float | None
) -> dict[str, np.ndarray] | None:
    """What :func:`_dated` makes of a schedule's columns in the usual case (every row dated
    in nanoseconds, criticality a flag, float a number, ``every`` already in those dtypes),
    without a frame; ``None`` otherwise."""
    start, finish = new["start"], new["finish"]
    slack, crit = new["total_slack_min"], new["critical"]
    ns = np.dtype("datetime64[ns]")
    if not (start.dtype == ns == finish.dtype == every["start"].dtype == every["finish"].dtype):
        return None
    if np.isnat(start).any() or np.isnat(finish).any():
        return None
    if crit.dtype != bool or slack.dtype.kind != "f" or every["critical"].dtype != bool:
        return None
    if "float_days" not in every or every["float_days"].dtype != slack.dtype:
        return None
    return {**new, "float_days": _float_days(slack, minutes_per_day)}


def gantt_keep(
    every: pd.DataFrame,
    *,
    max_level: int | None = None,
    collapsed: Iterable[str] = (),
    critical_only: bool = False,
) -> pd.DataFrame:
    """The rows of :func:`gantt_every_row` a reader asked for (see :func:`gantt_rows`)."""
    t = every
    keep = pd.Series(True, index=t.index)
    if max_level is not None:
        keep &= t["outline_level"] <= int(max_level)
    closed = [str(w) for w in collapsed]
    if closed:
        keep &= ~t["wbs"].map(lambda w: _is_under(w, closed))
    if critical_only:
        crit = t.loc[t["critical"] & ~t["is_summary"], "wbs"].tolist()
        ancestors = {".".join(w.split(".")[:i]) for w in crit for i in range(1, w.count(".") + 1)}
        keep &= t["wbs"].isin(set(crit) | ancestors)
    cols = [
        "task_id", "wbs", "name", "outline_level", "kind", "start", "finish",
        "baseline_start", "baseline_finish", "percent_complete", "critical", "float_days", "label",
    ]  # fmt: skip
    return t.loc[keep.to_numpy(), cols].reset_index(drop=True)


def _roll_up_missing_summaries(t: pd.DataFrame) -> pd.DataFrame:
    """Fill a summary's dates from its children when the schedule table did not carry them."""
    missing = t["is_summary"] & (t["start"].isna() | t["finish"].isna())
    if not missing.any():
        return t
    t = t.copy()
    for i in t.index[missing]:
        under = t["wbs"].str.startswith(t.at[i, "wbs"] + ".") & ~t["is_summary"]
        if under.any():
            t.at[i, "start"] = t.loc[under, "start"].min()
            t.at[i, "finish"] = t.loc[under, "finish"].max()
            t.at[i, "critical"] = bool(t.loc[under, "critical"].any())
    return t


def _link_paths(rows: pd.DataFrame, links: pd.DataFrame | None) -> pd.DataFrame:
    """Elbow connectors (3 points per link) between shown rows: pred end -> down -> succ end."""
    empty = pd.DataFrame({"link": [], "step": [], "x": [], "label": [], "critical": []})
    if links is None or links.empty or rows.empty:
        return empty
    ids = pd.Index(rows["task_id"])
    if not ids.is_unique:  # a row id twice: the first row of each id is the link's end
        keep = ~ids.duplicated()
        rows, ids = rows[keep], ids[keep]
    p, s = ids.get_indexer(links["pred_id"]), ids.get_indexer(links["succ_id"])
    shown = (p >= 0) & (s >= 0)  # both ends shown, in the links' order
    if not shown.any():
        return empty
    p, s = p[shown], s[shown]
    typ = links["type"].astype(str).to_numpy()[shown]
    start, finish = rows["start"].to_numpy(), rows["finish"].to_numpy()
    label, crit = rows["label"].to_numpy(dtype=object), rows["critical"].to_numpy(dtype=bool)
    x1 = np.where(np.isin(typ, ("SS", "SF")), start[p], finish[p])
    x2 = np.where(np.isin(typ, ("FF", "SF")), finish[s], start[s])
    n = len(p)
    return pd.DataFrame(
        {
            "link": np.repeat(np.arange(n), 3),
            "step": np.tile(np.arange(3), n),
            "x": pd.to_datetime(np.stack([x1, x1, x2], axis=1).ravel()),
            "label": np.stack([label[p], label[s], label[s]], axis=1).ravel(),
            "critical": np.repeat(crit[p] & crit[s], 3),
        }
    )


def _tick_interval(d: pd.DataFrame) -> Any:
    """A tick per month on a plan of up to two years, per quarter up to six, else per year
    (a ten-year plan with monthly grid lines is a grey wall)."""
    cols = [c for c in ("start", "finish", "baseline_start", "baseline_finish") if c in d]
    if not cols or d.empty:
        return "month"
    span = _span_days([d[c] for c in cols])
    if span <= 730:
        return "month"
    if span <= 2200:
        return alt.TimeIntervalStep(interval="month", step=3)
    return "year"


def _span_days(cols: list[pd.Series]) -> int:
    """Whole days from the earliest to the latest date of ``cols`` (0 when none is dated)."""
    if all(c.dtype == np.dtype("datetime64[ns]") for c in cols):  # no unit converted
        every = np.concatenate([c.to_numpy() for c in cols])
        every = every[~np.isnat(every)]
        return int(pd.Timedelta(every.max() - every.min()).days) if len(every) else 0
    dates = [pd.to_datetime(c, errors="coerce") for c in cols]
    lows = [x for x in (s.min() for s in dates) if not pd.isna(x)]
    highs = [x for x in (s.max() for s in dates) if not pd.isna(x)]
    return (max(highs) - min(lows)).days if lows else 0


ROWS, LINKS, STATUS = "gantt_rows", "gantt_links", "gantt_status"  # the named datasets
ORDER, SUMMARIES, TICKS = "gantt_order", "gantt_summaries", "gantt_ticks"  # the parameters


_records = records


def gantt_parts(
    rows: pd.DataFrame,
    *,
    links: pd.DataFrame | None = None,
    status_date: Any = None,
    highlight: Iterable[str] = (),
) -> dict[str, Any]:
    """Everything of a Gantt that depends on its rows; the marks and encodings do not.

    Returns ``{"datasets": {name: JSON rows}, "params": {name: value}, "height": px}``: the
    bars (one row per shown task, legend and progress computed), the elbow link paths, the
    status-date rule; the y order, the summaries' labels (drawn bold) and the x tick step.
    """
    bars = _bar_columns(rows, highlight)
    tick = _tick_interval(rows)
    bar_json = records_of(bars)
    if bar_json is None:  # a column of another dtype: altair's own conversion of the frame
        bar_json = _records(pd.DataFrame(bars))
    datasets = {ROWS: bar_json, LINKS: _records(_link_paths(rows, links))}
    if status_date is not None and not pd.isna(pd.Timestamp(status_date)):
        day = pd.Timestamp(status_date)
        sd = pd.DataFrame({"date": [day], "text": ["Status date " + day.strftime("%d %b %Y")]})
        datasets[STATUS] = _records(sd)
    summary = (rows["kind"] == "summary").to_numpy(dtype=bool)
    return {
        "datasets": datasets,
        "params": {
            ORDER: rows["label"].tolist(),
            SUMMARIES: rows["label"][summary].tolist(),
            TICKS: tick.to_dict() if hasattr(tick, "to_dict") else tick,
        },
        "height": max(ROW_PX * len(rows), 60),
    }


_BAR_COLS = (
    "task_id", "wbs", "name", "kind", "start", "finish", "baseline_start", "baseline_finish",
    "pct", "float_days", "label", "legend", "progress_end", "chain",
)  # fmt: skip


def _bar_columns(rows: pd.DataFrame, highlight: Iterable[str]) -> dict[str, pd.Series]:
    """The bars' columns (legend, progress end, driving-chain flag computed), in the order
    the chart's rows dataset lists them; no frame copied."""
    pc = rows["percent_complete"].fillna(0)
    legend = np.where(
        rows["kind"] == "summary",
        "Summary",
        np.where(rows["critical"], "Critical path", "Has float"),
    )
    span = rows["finish"] - rows["start"]
    cols = {c: rows[c] for c in _BAR_COLS if c in rows}
    cols["pct"] = pc.round(0)
    cols["legend"] = pd.Series(legend, index=rows.index)
    cols["progress_end"] = rows["start"] + span * (pc.clip(0, 100) / 100)
    cols["chain"] = rows["task_id"].isin(set(highlight))
    return {c: cols[c] for c in _BAR_COLS}


def gantt_respec(spec: dict[str, Any], parts: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (a :func:`gantt_chart` dict) re-filled with other :func:`gantt_parts`.

    Equal to ``gantt_chart(rows, ...).to_dict()`` for those rows when both have the same
    datasets (a status date or not), without building and serialising an altair chart.
    """
    return respec(spec, parts)


def gantt_chart(
    rows: pd.DataFrame,
    *,
    links: pd.DataFrame | None = None,
    status_date: Any = None,
    highlight: Iterable[str] = (),
    width: int = 880,
    title: str = "",
    selectable: bool = True,
) -> ChartType:
    """Draw :func:`gantt_rows` output as a layered Gantt.

    Parameters
    ----------
    rows
        Output of :func:`gantt_rows` (one row per shown task, in display order).
    links
        ``links.csv`` rows; only links whose two ends are shown are drawn.
    status_date
        Draws a dashed vertical rule labelled "Status date".
    highlight
        Task ids outlined in black (e.g. the driving chain of the selected task).
    selectable
        Adds a click selection named ``pick`` (field ``task_id``) for live dashboards.

    Returns
    -------
    A layer chart whose height grows with the number of rows (20 px each). Its data are
    named datasets and its row order, bold summaries and tick step are parameters
    (:func:`gantt_parts`): a live page can swap them without rebuilding the chart.
    """
    parts = gantt_parts(rows, links=links, status_date=status_date, highlight=highlight)
    values = parts["params"]
    order_p = alt.param(name=ORDER, value=values[ORDER])
    summ_p = alt.param(name=SUMMARIES, value=values[SUMMARIES])
    tick_p = alt.param(name=TICKS, value=values[TICKS])

    colour = alt.Color(
        "legend:N",
        title=None,
        scale=alt.Scale(domain=list(GANTT_COLOURS), range=list(GANTT_COLOURS.values())),
        legend=alt.Legend(orient="top", direction="horizontal", symbolType="square"),
    )
    y = alt.Y(
        "label:N",
        title=None,
        axis=alt.Axis(
            labelLimit=330,
            labelFontSize=11,
            ticks=False,
            domain=False,
            labelAlign="left",
            labelPadding=335,
            labelFontWeight=alt.ExprRef(
                f"indexof({SUMMARIES}, datum.value) >= 0 ? 'bold' : 'normal'"
            ),
        ),
        scale=alt.Scale(domain=alt.ExprRef(ORDER), paddingInner=0.0, paddingOuter=0.1),
    )
    # month ticks read "Nov 2026" (a day number on every month start is noise, and at 760 px
    # "01 Feb 2027 01 Mar 2027" ran into each other); exact dates are in the tooltips
    x_axis = alt.Axis(
        format=_AXIS_FMT,
        labelAngle=0,
        orient="top",
        grid=True,
        title=None,
        tickCount=alt.ExprRef(TICKS),
        labelOverlap=True,
    )
    tooltip = [
        alt.Tooltip("wbs:N", title="WBS"),
        alt.Tooltip("name:N", title="Task"),
        alt.Tooltip("start:T", title="Start", format=DATE_FORMAT),
        alt.Tooltip("finish:T", title="Finish", format=DATE_FORMAT),
        alt.Tooltip("baseline_start:T", title="Baseline start", format=DATE_FORMAT),
        alt.Tooltip("baseline_finish:T", title="Baseline finish", format=DATE_FORMAT),
        alt.Tooltip("pct:Q", title="% complete"),
        alt.Tooltip("float_days:Q", title="Total float (days)"),
    ]
    base = alt.Chart(alt.NamedData(ROWS)).encode(y=y)

    baseline = (
        base.transform_filter("datum.kind != 'milestone' && isValid(datum.baseline_start)")
        .transform_calculate(legend="'Baseline'")
        .mark_bar(height={"band": 0.22}, yOffset=6)
        .encode(x=alt.X("baseline_start:T", axis=x_axis), x2="baseline_finish:T", color=colour)
    )
    bars = (
        base.transform_filter("datum.kind == 'task'")
        .mark_bar(height={"band": 0.5}, yOffset=-2, cornerRadius=2)
        .encode(x=alt.X("start:T", axis=x_axis), x2="finish:T", color=colour, tooltip=tooltip)
    )
    if selectable:
        pick = alt.selection_point(name="pick", fields=["task_id"], on="click", empty=False)
        bars = bars.add_params(pick)
    progress = (
        base.transform_filter("datum.kind == 'task' && datum.pct > 0")
        .transform_calculate(legend="'Done (% complete)'")
        .mark_bar(height={"band": 0.16}, yOffset=-2, opacity=0.9)
        .encode(x="start:T", x2="progress_end:T", color=colour, tooltip=tooltip)
    )
    summary = (
        base.transform_filter("datum.kind == 'summary'")
        .mark_bar(height={"band": 0.22}, yOffset=-3)
        .encode(x="start:T", x2="finish:T", color=colour, tooltip=tooltip)
    )
    ends = base.transform_filter("datum.kind == 'summary'").transform_fold(
        ["start", "finish"], as_=["end", "when"]
    )
    brackets = ends.mark_point(
        shape="triangle-down", filled=True, size=45, yOffset=1, color=GANTT_COLOURS["Summary"]
    ).encode(x="when:T")
    milestones = (
        base.transform_filter("datum.kind == 'milestone'")
        .mark_point(shape="diamond", filled=True, size=150, stroke="#000", strokeWidth=0.7)
        .encode(x="start:T", color=colour, tooltip=tooltip)
    )
    outline = (
        base.transform_filter("datum.chain")
        .mark_bar(height={"band": 0.8}, fill=None, stroke="#000", strokeWidth=2, strokeDash=[3, 2])
        .encode(x="start:T", x2="finish:T")
    )
    # the link layer is always there (empty when no shown task pair is linked): a page can
    # then swap any project's links in without re-embedding the chart
    paths = (
        alt.Chart(alt.NamedData(LINKS))
        .mark_line(strokeWidth=0.8, opacity=0.55, interpolate="linear")
        .encode(
            x="x:T",
            y=y,
            detail="link:N",
            order="step:Q",
            color=alt.condition("datum.critical", alt.value("#D55E00"), alt.value("#7F7F7F")),
        )
    )
    layers: list[alt.Chart] = [paths, baseline, summary, brackets, bars, progress, milestones]
    layers.append(outline)
    if STATUS in parts["datasets"]:
        status = alt.Chart(alt.NamedData(STATUS))
        layers.append(
            status.mark_rule(color="#000", strokeDash=[6, 3], strokeWidth=1.5).encode(x="date:T")
        )
        layers.append(
            status.mark_text(align="center", dy=12, fontWeight="bold", fontSize=11).encode(
                x="date:T", y=alt.value("height"), text="text:N"
            )
        )
    chart = (
        alt.layer(*layers)
        .add_params(order_p, summ_p, tick_p)
        .properties(width=width, height=parts["height"], datasets=parts["datasets"])
    )
    if title:
        chart = chart.properties(title=title)
    return chart
