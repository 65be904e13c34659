"""The serving kernel's idle steps: the shown lesson computed ahead on the other projects.

Inside a kernel, once the page is drawn and quiet for a moment, the lessons page computes the
shown lesson's panels for the projects after the shown one (the language shown first, then
the other), one project per step on the kernel's loop, so that picking one of them only shows
its panels. The kernel's loop is faked here (steps run by hand); the fake is left
(``monkeypatch.undo()``) before anything else is built.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from pmkit.cache import load_sample
from pmkit.training.content import load_content
from pmkit.ui import lessons
from pmkit.ui.lessons import LessonsApp, Translator

_MACHINE_BUSY = lessons._machine_busy


class _Loop:
    """The kernel's loop as the idle steps see it: ``call_later`` kept, run by hand."""

    def __init__(self) -> None:
        self.later: list[tuple[float, Callable[[], Any]]] = []

    def is_closed(self) -> bool:
        return False

    def call_later(self, delay: float, fn: Callable[[], Any]) -> Any:
        self.later.append((delay, fn))
        return self

    def cancel(self) -> None:  # the handle of the step replaced
        self.later.clear()

    def run(self, at_most: int = 200) -> int:
        steps = 0
        while self.later and steps < at_most:
            _delay, fn = self.later.pop(0)
            fn()
            steps += 1
        return steps


def _page_state(app: LessonsApp) -> tuple[Any, ...]:
    return (
        app.project.value, app.lesson.value, app.lang.value, app.text.value,
        app.pm.heading.value, app.pm.metrics.value, app.pm.table.value,
        app.pmo.metrics.value, app.pm.chart.spec if app.pm.chart is not None else None,
    )  # fmt: skip


def _quiet_app(monkeypatch: pytest.MonkeyPatch, lesson: int) -> tuple[LessonsApp, _Loop]:
    app = LessonsApp(load_sample(), load_content(), lang="en")  # built as a script
    app.lesson.value = lesson
    loop = _Loop()
    monkeypatch.setattr(lessons, "_kernel_loop", lambda: loop)
    monkeypatch.setattr(lessons, "_machine_busy", lambda: False)  # whatever else runs here
    app._last_action = time.monotonic() - 10 * lessons.WARM_QUIET_S  # quiet for a while
    return app, loop


def test_idle_steps_compute_the_shown_lesson_on_every_project(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, loop = _quiet_app(monkeypatch, 7)
    before = _page_state(app)
    pids = [str(pid) for _, pid in app.project.options]
    shown = str(app.project.value)
    assert ("views", "resources", pids[-1], "en") not in app._cache
    app._warm_soon(0)
    steps = loop.run()
    monkeypatch.undo()
    assert _page_state(app) == before  # no widget touched
    assert not loop.later  # finished: nothing more to compute
    assert steps <= 2 * len(pids) + 1  # one panel pair per step (+ the last, finding none)
    for lang in ("en", "es"):
        for pid in pids:
            assert ("views", "resources", pid, lang) in app._cache, (pid, lang)
    # the same panels as a page computing them itself when the project is picked
    fresh = LessonsApp(load_sample(), load_content(), lang="en")
    for pid in (pids[1], pids[-1]):
        for lang in ("en", "es"):
            assert app._cache["views", "resources", pid, lang] == fresh.views(
                "resources", pid, Translator(fresh.content, lang)
            )
    assert shown == str(app.project.value)


def test_no_step_while_the_page_is_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    app, loop = _quiet_app(monkeypatch, 7)
    cached = set(app._cache)
    app._last_action = time.monotonic()  # an action just shown
    app._warm_soon(0)
    loop.run(at_most=1)
    monkeypatch.undo()
    assert set(app._cache) == cached  # nothing computed
    assert len(loop.later) == 1 and loop.later[0][0] > 0.5 * lessons.WARM_QUIET_S


def test_no_step_while_every_core_is_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    app, loop = _quiet_app(monkeypatch, 7)
    cached = set(app._cache)
    monkeypatch.setattr(lessons, "_machine_busy", _MACHINE_BUSY)  # the real rule again
    monkeypatch.setattr(lessons.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(lessons.os, "getloadavg", lambda: (2.0, 0.5, 0.5))
    app._warm_soon(0)
    loop.run(at_most=1)
    monkeypatch.setattr(lessons.os, "getloadavg", lambda: (1.9, 3.0, 3.0))
    idle_now = not lessons._machine_busy()
    monkeypatch.undo()
    assert set(app._cache) == cached  # load 2 on 2 cores: other viewers first, nothing computed
    assert len(loop.later) == 1 and loop.later[0][0] >= lessons.WARM_QUIET_S  # tried again later
    assert idle_now  # the last minute's load is what counts


def test_a_failing_demo_is_left_for_its_click(monkeypatch: pytest.MonkeyPatch) -> None:
    app, loop = _quiet_app(monkeypatch, 1)
    pids = [str(pid) for _, pid in app.project.options]
    bad = pids[2]
    demo = app.demo

    def failing(demo_id: str, project_id: str | None = None, **opts: Any) -> Any:
        if project_id == bad:
            raise ValueError("bad data")
        return demo(demo_id, project_id, **opts)

    monkeypatch.setattr(app, "demo", failing)
    monkeypatch.setattr(lessons, "WARM_AT_MOST", 4)  # bounded: the 4 projects after the shown
    app._warm_soon(0)
    loop.run()
    monkeypatch.undo()
    assert not loop.later
    done = {k[2] for k in app._cache if k[0] == "views" and k[1] == "at_a_glance"}
    shown = str(app.project.value)
    at = pids.index(shown)
    ahead = (pids[at + 1 :] + pids[: at + 1])[:4]
    assert done == ({shown} | set(ahead)) - {bad}
    assert {("at_a_glance", bad, "en"), ("at_a_glance", bad, "es")} <= app._warm_failed
