"""Lessons and quiz pages in process: the language switch, feedback and the score."""

from __future__ import annotations

import pytest
from _fake_page import fake_page  # noqa: F401  (a page that embeds each chart)

from pmkit.cache import load_sample
from pmkit.training.content import load_content
from pmkit.ui.lessons import LessonsApp, lang_from_query
from pmkit.ui.quiz import QuizApp

pytestmark = pytest.mark.usefixtures("fake_page")


@pytest.fixture(scope="module")
def sample():  # type: ignore[no-untyped-def]
    return load_sample()


def test_lang_from_query() -> None:
    assert lang_from_query("lang=en") == "en"
    assert lang_from_query("?x=1&lang=ES") == "es"
    assert lang_from_query("lang=fr") is None
    assert lang_from_query("") is None


def test_lessons_switch_language_changes_the_texts(sample) -> None:  # type: ignore[no-untyped-def]
    c = load_content()
    app = LessonsApp(sample, lang="es")
    assert c.lesson(1).title("es") in app.text.value
    assert "Mirada de la PMO" in app.pmo.heading.value
    app.lang.value = "en"  # as a click on the toggle does
    assert c.lesson(1).title("en") in app.text.value
    assert c.lesson(1).title("es") not in app.text.value
    assert "PMO lens" in app.pmo.heading.value
    assert app.tabs.get_title(1) == "PMO types"


_DRAWN: dict[str, set[str]] = {}
_GUIDE_TITLES = ("role-title-text", "role-axis-title", "role-legend-title")


def _titles(spec: dict[str, object]) -> set[str]:
    """Every title the chart draws (chart, axes, legends) and every name its marks' labels
    give their figures (the tooltip's titles, said to screen readers), as Vega draws them
    (vl-convert's SVG): the words are in the spec as expressions of its ``lang``."""
    import json

    import vl_convert as vlc
    from defusedxml import ElementTree

    key = json.dumps(spec, sort_keys=True)
    if key in _DRAWN:
        return _DRAWN[key]
    root = ElementTree.fromstring(vlc.vegalite_to_svg(spec))
    out: set[str] = set()
    for el in root.iter():
        if any(c in (el.get("class") or "") for c in _GUIDE_TITLES):
            out |= {"".join(t.itertext()).strip() for t in el.iter() if t.tag.endswith("text")}
        label = el.get("aria-label")
        if label and el.get("aria-roledescription") not in ("axis", "legend", "title", None):
            out |= {part.split(": ")[0].strip() for part in label.split("; ") if ": " in part}
    _DRAWN[key] = out - {""}
    return _DRAWN[key]


def _chart_titles(app: LessonsApp) -> set[str]:
    charts = [app.pm.chart, app.pmo.chart, app.types_chart]
    return set().union(*(_titles(c.spec) for c in charts if c is not None))


@pytest.mark.parametrize("first", ["es", "en"])
def test_every_chart_follows_the_language_switch(sample, first: str) -> None:  # type: ignore[no-untyped-def]
    c = load_content()
    other = "en" if first == "es" else "es"
    # the words a chart may show in each language; those equal in both (PMO, %) say nothing
    words = {lang: {t(lang) for k, t in c.labels.items() if k[:2] in ("t.", "c.", "ui", "v.")}
             for lang in ("es", "en")}  # fmt: skip
    only = {lang: words[lang] - words["es" if lang == "en" else "en"] for lang in words}
    app = LessonsApp(sample, lang=first)
    for lesson in range(1, 9):
        app.lesson.value = lesson
        app.lang.value = other  # as a click on the toggle does
        titles = _chart_titles(app)
        assert titles, lesson
        assert not titles & only[first], (lesson, titles & only[first])
        assert titles & only[other], (lesson, titles)
        app.lang.value = first
        titles = _chart_titles(app)
        assert not titles & only[other], (lesson, titles & only[other])
    app.lesson.value = 7
    app.lang.value = other
    heat = app.pmo.chart.spec  # what the page shows
    assert c.label("t.shared_capacity", other) in _titles(heat)
    assert {c.label("c.role", other), c.label("c.month", other)} <= _titles(heat)
    assert c.label("t.shared_capacity", first) not in _titles(heat)


def test_pmo_type_buttons_read_as_labels(sample) -> None:  # type: ignore[no-untyped-def]
    app = LessonsApp(sample, lang="en")
    assert [d for d, _ in app.pmo_type.options] == ["Supportive", "Controlling", "Directive"]
    value = app.pmo_type.value
    app.lang.value = "es"
    app.tabs.selected_index = 1  # the hidden tab follows the language when opened
    assert [d for d, _ in app.pmo_type.options] == ["De apoyo", "De control", "Directiva"]
    assert app.pmo_type.value == value  # switching language keeps the chosen type


def test_types_tab_opened_after_a_switch_is_in_the_new_language(sample) -> None:  # type: ignore[no-untyped-def]
    """A language switch leaves the hidden PMO types tab alone; opened, it shows what a page
    built in that language shows (buttons, texts, chart), and a switch while it is open
    updates it at once."""
    app = LessonsApp(sample, lang="en")
    texts = [app.types_intro, app.types_table, app.types_summary, app.governance]
    before = [w.value for w in texts]
    app.lang.value = "es"
    assert [w.value for w in texts] == before  # hidden: not sent on the switch
    app.tabs.selected_index = 1
    fresh = LessonsApp(sample, lang="es")
    fresh.tabs.selected_index = 1
    assert app.pmo_type.options == fresh.pmo_type.options
    assert [w.value for w in texts] == [
        w.value for w in (fresh.types_intro, fresh.types_table, fresh.types_summary,
                          fresh.governance)
    ]  # fmt: skip
    assert app.types_chart is not None and fresh.types_chart is not None
    assert app.types_chart.spec == fresh.types_chart.spec
    app.lang.value = "en"  # the tab open: at once
    assert "Supportive" in [d for d, _ in app.pmo_type.options]
    assert app.types_intro.value == before[0]


def test_every_lesson_shows_both_lenses_with_real_figures(sample) -> None:  # type: ignore[no-untyped-def]
    app = LessonsApp(sample, lang="en")
    for i in range(1, 9):
        app.lesson.value = i
        assert "pmkit-error" not in app.message.value
        assert "pmkit-metric" in app.pm.metrics.value
        assert "pmkit-metric" in app.pmo.metrics.value
    app.lesson.value = 7
    assert app.pm.chart is not None and app.pmo.chart is not None
    assert app.pmo.chart.spec["layer"][0]["mark"]["type"] == "rect"  # the heat map
    assert "%" in app.pm.metrics.value  # percentages carry their unit
    app.lesson.value = 8
    assert "m.slip_days" not in app.pm.table.value  # figures named in words, not label keys
    assert "Forecast finish slip" in app.pm.table.value


def test_pmo_type_switch_changes_the_governance_table(sample) -> None:  # type: ignore[no-untyped-def]
    app = LessonsApp(sample, lang="en")
    app.pmo_type.value = "supportive"
    supportive = app.governance.value
    assert "Blocked" not in app.types_summary.value or " 0 of" in app.types_summary.value
    app.pmo_type.value = "directive"
    assert app.governance.value != supportive
    assert "blocked" in app.governance.value


def test_quiz_answer_shows_feedback_and_updates_the_score() -> None:
    app = QuizApp(lang="en")
    q = app.session.current
    assert "0 of 0" in app.progress.value
    labels = {"PM": 0, "PMO": 1, "both": 2}
    app.buttons[labels[q.answer]].click()
    assert "Correct!" in app.feedback.value
    assert q.explanation("en").replace("'", "&#x27;") in app.feedback.value
    assert "1 of 1" in app.progress.value
    app.next.click()
    q2 = app.session.current
    wrong = next(c for c in ("PM", "PMO", "both") if c != q2.answer)
    app.buttons[labels[wrong]].click()
    assert "Not quite." in app.feedback.value
    assert "1 of 2" in app.progress.value


def test_quiz_language_switch_and_trainer_mode() -> None:
    app = QuizApp(lang="es")
    assert app.buttons[2].description == "Ambos"
    app.lang.value = "en"
    assert app.buttons[2].description == "Both"
    assert app.session.current.situation("en").replace("'", "&#x27;") in app.situation.value
    app.trainer.value = True
    assert app.trainer_box.layout.display == "flex"
    app.reveal.value = True
    assert "Answer:" in app.feedback.value
    assert "pmkit-answer-key" in app.answer_key.value
    app.distinctions.value = (7,)
    app.order.value = "shuffle"
    app.apply.click()
    assert app.session.items and all(q.distinction == 7 for q in app.session.items)
    assert "pmkit-class-summary" in app.summary.value
