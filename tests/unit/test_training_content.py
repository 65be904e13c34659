"""Teaching content: complete in Spanish and English, and every distinction fully covered."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pmkit.cache import load_sample
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
    return load_sample()


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
    assert glance.pmo.metrics["m.projects"] == len(sample.projects)
    assert glance.pmo.metrics["m.budget"] == pytest.approx(sample.projects["budget"].sum(), abs=1)
    assert glance.pm.metrics["m.budget"] == pytest.approx(
        float(sample.projects.set_index("project_id").loc["P01", "budget"]), abs=1
    )


def test_resources_demo_is_the_leveling_and_capacity_engines(sample) -> None:  # type: ignore[no-untyped-def]
    from pmkit.portfolio.capacity import capacity_by_role_month
    from pmkit.schedule.leveling import resource_load
    from pmkit.schedule.portfolio_adapter import schedule_project

    res = run_demo("resources", sample, "P01")
    load = resource_load(sample, schedule_project(sample, "P01"), "P01", freq="W")
    weekly = load.groupby("period_start")[["load_hours", "capacity_hours"]].sum()
    assert res.pm.data["demand_hours"].sum() == pytest.approx(weekly["load_hours"].sum(), abs=1)
    assert len(res.pm.data) == len(weekly)
    peak = 100 * (weekly["load_hours"] / weekly["capacity_hours"]).max()
    assert res.pm.metrics["m.peak_week_pct"] == pytest.approx(peak, abs=0.5)
    cap = capacity_by_role_month(sample)
    cap = cap[cap["demand_hours"] > 0]
    assert res.pmo.metrics["m.peak_role_month_pct"] == pytest.approx(cap["load_pct"].max(), abs=0.5)
    assert res.pmo.metrics["m.overloaded_cells"] == int(cap["over_capacity"].sum())
    assert res.pmo.metrics["m.roles"] == cap["role"].nunique()
    assert res.pmo.data["demand_hours"].sum() == pytest.approx(cap["demand_hours"].sum(), abs=1)


def test_change_demo_is_the_change_board_and_the_whatif_preview(sample) -> None:  # type: ignore[no-untyped-def]
    from pmkit.portfolio.decisions import significant_changes
    from pmkit.schedule.whatif import preview_change_request

    ch = run_demo("change_impact", sample)
    sig = significant_changes(sample)
    assert ch.pmo.metrics["m.significant_changes"] == len(sig)
    assert ch.pmo.metrics["m.pending_significant"] == int((sig["decision"] == "pending").sum())
    assert ch.pmo.metrics["m.significant_cost"] == pytest.approx(sig["cost_impact"].sum(), abs=1)
    assert ch.options["cr_id"] == sig["cr_id"].iloc[0]
    preview = preview_change_request(sample, ch.options["cr_id"])
    assert ch.pm.metrics["m.finish_delta_days"] == pytest.approx(preview.finish_delta_days, abs=0.1)
    assert ch.pm.metrics["m.cost_impact"] == pytest.approx(preview.cost["cost_impact"], abs=1)
    assert ch.pm.metrics["m.eac_after"] == pytest.approx(preview.cost["eac_after"], abs=1)


def test_standards_and_constraints_demos_are_the_governance_and_rollup_engines(sample) -> None:  # type: ignore[no-untyped-def]
    from pmkit.portfolio.dependencies import dependency_network
    from pmkit.portfolio.governance import gate_compliance
    from pmkit.portfolio.rollup import rollup
    from pmkit.schedule.portfolio_adapter import schedule_portfolio
    from pmkit.standards import standards_of

    std = standards_of(sample)
    shared = run_demo("shared_standards", sample, "P01")
    req = gate_compliance(sample)
    req = req[req["required"]]
    mine = req[req["project_id"] == "P01"]
    assert shared.pm.metrics["m.artefacts_required"] == len(mine)
    assert shared.pm.metrics["m.artefacts_done"] == int(mine["done"].sum())
    assert shared.pmo.metrics["m.rag_rules"] == len(std.rule_table())
    assert shared.pmo.metrics["m.standard_artefacts"] == sum(map(len, std.gate_artefacts.values()))

    cons = run_demo("constraints_vs_standards", sample, "P01")
    # the PMO review's roll-up: forecasts from the portfolio's schedule
    me = rollup(sample, schedule=schedule_portfolio(sample)).set_index("project_id").loc["P01"]
    assert cons.pm.metrics["m.cpi"] == pytest.approx(me["cpi"], abs=0.01)
    assert cons.pm.metrics["m.slip_days"] == pytest.approx(me["finish_slip_days"], abs=0.5)
    assert cons.pm.metrics["m.scope_change_pct"] == pytest.approx(
        100 * me["approved_change_ratio"], abs=0.05
    )
    edges = dependency_network(sample).edges
    assert cons.pmo.metrics["m.dependent_pairs"] == len(edges)
    assert cons.pmo.metrics["m.cross_dependencies"] == int(edges["n_links"].sum())
    assert cons.pmo.metrics["m.portfolio_exposure"] == pytest.approx(
        rollup(sample)["threat_exposure"].sum(), abs=1
    )


def test_pmo_type_demo_is_the_governance_switch(sample) -> None:  # type: ignore[no-untyped-def]
    from pmkit.portfolio.governance import compliance_score, governance_checks

    blocked = {}
    for t in ("supportive", "controlling", "directive"):
        demo = run_demo("pmo_types", sample, "P01", pmo_type=t)
        engine = compliance_score(governance_checks(sample, pmo_type=t))
        assert demo.pmo.metrics["m.blocked_projects"] == int((engine["state"] == "blocked").sum())
        assert demo.pmo.metrics["m.compliant_projects"] == int(
            (engine["state"] == "compliant").sum()
        )
        table = demo.pmo.table.set_index("project_id")
        assert table["state"].to_dict() == engine.set_index("project_id")["state"].to_dict()
        checks = governance_checks(sample, pmo_type=t)
        p01 = checks[checks["project_id"] == "P01"]
        assert demo.pm.metrics["m.blocking_checks"] == int((p01["effect"] == "blocking").sum())
        blocked[t] = demo.pmo.metrics["m.blocked_projects"]
    assert blocked["supportive"] == 0
    assert blocked["supportive"] <= blocked["controlling"] <= blocked["directive"]
    assert blocked["directive"] > blocked["supportive"]


def test_no_training_fallbacks_left() -> None:
    # one concept, one home: the demos call the engines, never a private copy of them
    src = (CONTENT_DIR / "demos.py").read_text(encoding="utf-8")
    banned_words = ("ImportError", "except Exception", "import yaml", '"standards"', "bdate_range")
    for banned in banned_words:
        assert banned not in src, banned


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
