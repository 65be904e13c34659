"""Landing page: the portfolio in one line, every dashboard by role, and the data checks.

If the portfolio folder has errors the page lists them (file, line, field) instead of failing:
that is the first thing an analyst needs to see.
"""

from __future__ import annotations

import ipywidgets as W

from pmkit.charts.overview import phase_programme_bars
from pmkit.format import fmt_date
from pmkit.importing import report_frame
from pmkit.store import open_store
from pmkit.ui._common import esc, header, html_table, live_chart, safe_build
from pmkit.ui.empty import empty_page, is_empty
from pmkit.validation import ValidationReport

DASHBOARDS: list[tuple[str, str, str, str]] = [
    # (notebook, role, title, what it answers)
    ("portfolio_glance.ipynb", "Managers", "Portfolio at a glance",
     "Every project's key facts and the portfolio timeline."),
    ("pm_planning.ipynb", "PM", "Planning",
     "Gantt with the critical path, why a task is critical, what-if, change-request preview."),
    ("pm_tracking.ipynb", "PM", "Tracking",
     "Earned value and earned schedule, risks and opportunities, resources, Monte Carlo."),
    ("pmo_portfolio_review.ipynb", "PMO", "Portfolio review",
     "RAG by the PMO's standards, shared capacity, dependencies, governance, change board."),
    ("import_schedule.ipynb", "PMO analysts", "Import a schedule",
     "Check an MS Project / P6 file or a workbook against the portfolio, see its Gantt."),
    ("training_lessons.ipynb", "Trainers", "Lessons: PM vs PMO",
     "Eight distinctions, each with the two lenses live on the sample (es/en)."),
    ("training_quiz.ipynb", "Trainers", "Scenario quiz",
     "Who acts, the PM, the PMO or both? Score, feedback and a trainer mode (es/en)."),
]  # fmt: skip


def _cards() -> str:
    cells = []
    for nb, role, title, what in DASHBOARDS:
        cells.append(
            "<div class='pmkit-card' style='border:1px solid #ccc;border-radius:6px;"
            "padding:10px 14px;width:300px'>"
            f"<div class='pmkit-note'>{esc(role)}</div>"
            f"<a href='{esc(nb)}' style='font-size:16px;font-weight:600'>{esc(title)}</a>"
            f"<p style='margin:6px 0 0 0'>{esc(what)}</p></div>"
        )
    return "<div style='display:flex;flex-wrap:wrap;gap:12px'>" + "".join(cells) + "</div>"


def _report_table(report: ValidationReport) -> str:
    """Every issue of the report (errors first), as ``pmkit validate`` lists them."""
    return html_table(report_frame(report), max_rows=100, table_id="validation-report")


def build(path: str | None = None) -> W.Widget:
    """The landing page for the portfolio at ``path`` (default: ``$PMKIT_DATA`` or the sample).

    ``path`` may be a folder or a database URL. The page names the store by its label only
    (``folder data``, ``PostgreSQL database pmkit``): never a server path, host or password.
    """
    store = open_store(path)
    tables, standards, report = store.read()  # one read: the CLI's report, as is
    parts: list[W.Widget] = [
        header("pmkit", "Project management for the project manager and the PMO"),
        W.HTML(_cards()),
    ]
    if not report.ok:
        parts.append(
            W.HTML(
                "<div class='pmkit-error' role='alert'><b>The portfolio in "
                f"{esc(store.label)} has {len(report.errors)} error(s); fix them and reload.</b>"
                "</div>" + _report_table(report)
            )
        )
        return W.VBox(parts)
    portfolio = store.portfolio_from(tables, standards)
    status = portfolio.status_date
    when = fmt_date(status, missing="n/a")
    warn = f", {len(report.warnings)} warning(s)" if report.warnings else ""
    notes = f", {len(report.notes)} note(s) on how files were read" if report.notes else ""
    details = (
        f"<details><summary>Data check details</summary>{_report_table(report)}</details>"
        if len(report)
        else ""
    )
    parts.insert(
        1,
        W.HTML(
            f"<p><b>{esc(store.label)}</b>: {len(portfolio.projects)} projects in "
            f"{portfolio.projects['programme'].nunique()} programmes, {len(portfolio.tasks):,} "
            f"tasks, {len(portfolio.resources)} resources; status date <b>{esc(when)}</b>. "
            f"Data checks: passed{esc(warn)}{esc(notes)}.</p>{details}"
        ),
    )
    if report.warnings:
        parts.insert(2, _warnings_html(report))
    if is_empty(portfolio):
        parts.insert(2, empty_page())
        return W.VBox(parts)
    parts.append(live_chart(phase_programme_bars(portfolio.projects)))
    return W.VBox(parts)


def _warnings_html(report: ValidationReport) -> W.HTML:
    """The data checks' warnings (file, line, field, value): the portfolio loads but a PMO
    should know, e.g. a status report whose cumulative EV falls."""
    issues = report.to_frame()
    issues = issues[issues["severity"] == "warning"]
    return W.HTML(
        "<details><summary>Data checks: "
        f"{len(report.warnings)} warning(s) (the data loads; read them)</summary>"
        + html_table(issues, max_rows=100, table_id="validation-warnings")
        + "</details>"
    )


def app(path: str | None = None) -> W.Widget:
    """Build the landing page; a data problem shows as a message, never a traceback."""
    return safe_build(lambda: build(path))
