"""Teaching content: complete in Spanish and English, and every distinction fully covered."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pmkit.training.content import (
    CONTENT_DIR,
    DISTINCTIONS,
    LANGS,
    ContentError,
    load_content,
    validate,
)
from pmkit.training.demos import DEMOS, run_demo


@pytest.fixture(scope="module")
def content():  # type: ignore[no-untyped-def]
    return load_content()


@pytest.fixture(scope="module")
def sample():  # type: ignore[no-untyped-def]
    io = pytest.importorskip("pmkit.io.csv_folder")
    return io.load_sample()


def _texts(content):  # type: ignore[no-untyped-def]
    for le in content.lessons:
        for k in ("title", "body", "pm_side", "pmo_side", "key_takeaway"):
            yield f"lesson {le.id}.{k}", getattr(le, k)
    for q in content.quiz:
        yield f"{q.id}.situation", q.situation
        yield f"{q.id}.explanation", q.explanation
    for t in content.pmo_types:
        for k in ("name", "control", "role", "gates", "pm_freedom"):
            yield f"{t.id}.{k}", getattr(t, k)
    yield from content.labels.items()


def test_every_text_has_both_languages(content) -> None:  # type: ignore[no-untyped-def]
    for where, text in _texts(content):
        for lang in LANGS:
            assert text(lang).strip(), f"{where} has no {lang}"


def test_translations_differ_for_prose(content) -> None:  # type: ignore[no-untyped-def]
    # a copy-pasted untranslated body would pass the non-empty check
    for le in content.lessons:
        assert le.body("es") != le.body("en"), le.id
    for q in content.quiz:
        assert q.situation("es") != q.situation("en"), q.id


def test_every_distinction_has_a_lesson_quiz_items_and_a_demo(content) -> None:  # type: ignore[no-untyped-def]
    assert [le.id for le in content.lessons] == list(DISTINCTIONS)
    for d in DISTINCTIONS:
        assert content.items_for(d), f"distinction {d} has no quiz item"
        assert content.lesson(d).demo in DEMOS
    assert len(content.quiz) >= 24
    assert {q.answer for q in content.quiz} == {"PM", "PMO", "both"}
    assert len({q.id for q in content.quiz}) == len(content.quiz)


def test_every_label_key_the_demos_use_exists(content, sample) -> None:  # type: ignore[no-untyped-def]
    for demo_id in DEMOS:
        demo = run_demo(demo_id, sample)
        for lens in (demo.pm, demo.pmo):
            for key in [*lens.metrics, *lens.titles.values()]:
                assert key in content.labels, f"{demo_id}: label {key} missing"
            if lens.table is not None:
                for col in lens.table.columns:
                    assert f"c.{col}" in content.labels, f"{demo_id}: column {col} has no label"


def test_demos_show_real_numbers_from_the_sample(sample) -> None:  # type: ignore[no-untyped-def]
    for demo_id in DEMOS:
        demo = run_demo(demo_id, sample)
        assert demo.project_id in set(sample.projects["project_id"])
        for side, lens in (("pm", demo.pm), ("pmo", demo.pmo)):
            numbers = [v for v in lens.metrics.values() if isinstance(v, int | float)]
            assert any(not math.isnan(v) and v != 0 for v in numbers), f"{demo_id}.{side}"
            if lens.chart is not None:
                assert len(lens.data) > 0, f"{demo_id}.{side} chart has no data"


def test_demo_figures_match_the_tables(sample) -> None:  # type: ignore[no-untyped-def]
    glance = run_demo("at_a_glance", sample, "P01")
    assert glance.pmo.metrics["m.projects"] == len(sample.projects) == 14
    assert glance.pmo.metrics["m.budget"] == pytest.approx(sample.projects["budget"].sum(), abs=1)
    assert glance.pm.metrics["m.budget"] == pytest.approx(
        float(sample.projects.set_index("project_id").loc["P01", "budget"]), abs=1
    )
    # 7: the PMO's heat map sums every project, so its peak is at least the PM's
    res = run_demo("resources", sample, "P01")
    assert res.pmo.metrics["m.peak_role_month_pct"] >= 100
    assert set(res.pmo.data.columns) >= {"role", "month", "utilisation"}
    # 6: the change board counts significant changes only
    ch = run_demo("change_impact", sample)
    sig = sample.changes[sample.changes["significance"] == "significant"]
    assert ch.pmo.metrics["m.significant_changes"] == len(sig)
    cr = sample.changes.set_index("cr_id").loc[ch.options["cr_id"]]
    assert ch.pm.metrics["m.cost_impact"] == pytest.approx(float(cr["cost_impact"]))


def test_pmo_type_changes_what_blocks(sample) -> None:  # type: ignore[no-untyped-def]
    from pmkit.training.demos import governance_checks

    blocked = {
        t: int((governance_checks(sample, t)["state"] == "blocked").sum())
        for t in ("supportive", "controlling", "directive")
    }
    assert blocked["supportive"] == 0
    assert blocked["supportive"] <= blocked["controlling"] <= blocked["directive"]
    assert blocked["directive"] > blocked["supportive"]


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "content"
    dst.mkdir()
    for name in ("lessons.yaml", "quiz.yaml", "labels.yaml"):
        shutil.copy(CONTENT_DIR / name, dst / name)
    return dst


def test_missing_translation_names_file_and_key(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    doc = yaml.safe_load((d / "quiz.yaml").read_text(encoding="utf-8"))
    del doc["items"][3]["explanation"]["en"]
    (d / "quiz.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=r"quiz\.yaml: items\[3\]\.explanation\.en"):
        validate(d)


def test_distinction_without_lesson_or_quiz_is_refused(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    lessons = yaml.safe_load((d / "lessons.yaml").read_text(encoding="utf-8"))
    lessons["lessons"] = [le for le in lessons["lessons"] if le["id"] != 5]
    (d / "lessons.yaml").write_text(yaml.safe_dump(lessons, allow_unicode=True), encoding="utf-8")
    quiz = yaml.safe_load((d / "quiz.yaml").read_text(encoding="utf-8"))
    quiz["items"] = [q for q in quiz["items"] if q["distinction"] != 2]
    (d / "quiz.yaml").write_text(yaml.safe_dump(quiz, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        validate(d)
    msg = str(err.value)
    assert "lessons.yaml: lessons: distinction 5 has no lesson" in msg
    assert "quiz.yaml: items: distinction 2 has no quiz item" in msg


def test_unknown_demo_and_bad_answer_are_refused(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    lessons = yaml.safe_load((d / "lessons.yaml").read_text(encoding="utf-8"))
    lessons["lessons"][0]["demo"] = "nope"
    (d / "lessons.yaml").write_text(yaml.safe_dump(lessons, allow_unicode=True), encoding="utf-8")
    quiz = yaml.safe_load((d / "quiz.yaml").read_text(encoding="utf-8"))
    quiz["items"][0]["answer"] = "sponsor"
    (d / "quiz.yaml").write_text(yaml.safe_dump(quiz, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        validate(d)
    assert "lessons.yaml: lessons[0].demo" in str(err.value)
    assert "quiz.yaml: items[0].answer" in str(err.value)


def test_label_without_language_is_refused(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    labels = yaml.safe_load((d / "labels.yaml").read_text(encoding="utf-8"))
    labels["labels"]["ui.next"] = {"es": "Siguiente"}
    (d / "labels.yaml").write_text(yaml.safe_dump(labels, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=r"labels\.yaml: labels\.ui\.next\.en"):
        validate(d)


def test_content_is_shipped_as_package_data() -> None:
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert "training/*.yaml" in text
    assert isinstance(pd.DataFrame(), pd.DataFrame)
