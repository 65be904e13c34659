"""One chart spec for every language: the lessons' charts say their words through a ``lang``
parameter, so a language switch sends data and that parameter (the page re-embeds nothing).

What the page draws in a language is checked against the chart built the plain way in that
language (altair, validated), both rendered by Vega itself (vl-convert's SVG): the same
picture, the same tooltips; and the two languages' specs differ by data and ``lang`` only.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

vlc = pytest.importorskip("vl_convert")

from pmkit.cache import load_sample  # noqa: E402
from pmkit.charts.training import bilingual  # noqa: E402
from pmkit.training.content import LANGS, load_content  # noqa: E402
from pmkit.training.demos import run_demo  # noqa: E402
from pmkit.ui._swap import spec_shape  # noqa: E402
from pmkit.ui.lessons import Translator, lens_chart, lens_spec  # noqa: E402


@pytest.fixture(scope="module")
def sample():  # type: ignore[no-untyped-def]
    return load_sample()


def _picture(spec: dict[str, Any]) -> str:
    """The SVG Vega draws, screen-reader labels aside (checked apart) and gradients numbered
    alike (vl-convert counts them across the charts it draws)."""
    svg = re.sub(r' aria-[a-z]+="[^"]*"', "", vlc.vegalite_to_svg(spec))
    return re.sub(r"gradient_\d+", "gradient", svg)


def _tooltips(spec: dict[str, Any]) -> list[str]:
    """The tooltip expressions of every mark, as Vega runs them."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            tip = node.get("tooltip")
            if isinstance(tip, dict) and "signal" in tip:
                out.append(str(tip["signal"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(vlc.vegalite_to_vega(spec).get("marks", []))
    return out


@pytest.mark.parametrize("lesson", range(1, 9))
def test_a_lessons_chart_draws_in_each_language_what_the_plain_chart_draws(
    sample: Any, lesson: int
) -> None:
    content = load_content()
    demo = run_demo(content.lesson(lesson).demo, sample, None)
    for lens in (demo.pm, demo.pmo):
        specs = {}
        for lang in LANGS:
            tr = Translator(content, lang)
            plain = lens_chart(lens, tr)
            spec = lens_spec(lens, tr)
            if plain is None:
                assert spec is None
                continue
            assert spec is not None
            want = plain.to_dict()  # altair's validated spec, the words written out
            assert _picture(spec) == _picture(want), (lesson, lang)
            # each tooltip of the plain chart is the branch of its language
            got = _tooltips(spec)
            for tip in _tooltips(want):
                branch, last = f'=== "{lang}" ? {tip} :', f" : {tip}"
                assert any(branch in g or g.endswith(last) for g in got), (lesson, lang, tip)
            specs[lang] = spec
        if specs:  # a switch: same shape, so data and the parameter travel, not the spec
            assert len({spec_shape(s)[0] for s in specs.values()}) == 1, lesson
            assert {s["params"][-1]["value"] for s in specs.values()} == set(specs)


def test_words_with_two_translations_stay_as_written() -> None:
    spec = {"mark": "bar", "title": "Plan", "encoding": {"x": {"field": "a", "title": "Plan"}}}
    assert bilingual(spec, {}, "es") == spec
    words = {"Plan": {"es": "Plan", "en": "Plan"}, "Coste": {"es": "Coste", "en": "Cost"}}
    out = bilingual({**spec, "title": "Coste"}, words, "es")
    assert out["title"] == {"text": {"expr": 'lang === "es" ? "Coste" : "Cost"'}}
    assert "title" not in out["encoding"]["x"]  # said by the axis
    assert out["encoding"]["x"]["axis"]["title"] == {"expr": 'lang === "es" ? "Plan" : "Plan"'}
    assert out["params"] == [{"name": "lang", "value": "es"}]
