"""One exceptions module: every error pmkit raises on purpose lives in pmkit.errors."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import pytest

import pmkit
from pmkit import errors
from pmkit.portfolio import prioritise as pz

REPO = Path(__file__).resolve().parents[2]


def test_every_error_class_is_defined_in_errors_and_public() -> None:
    defined_elsewhere = []
    for path in (REPO / "pmkit").rglob("*.py"):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error"):
                defined_elsewhere.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}")
    assert not defined_elsewhere, defined_elsewhere
    for name in errors.__all__:
        assert name in pmkit.__all__, name
        assert issubclass(getattr(errors, name), errors.PmkitError)


def test_hierarchy_drawn_in_the_docstring_matches_the_classes() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert name in doc, f"{name} missing from the drawn hierarchy"
        parent = cls.__mro__[1].__name__
        if name != "PmkitError":
            # the drawing nests a class under its parent: parent appears above it
            assert doc.index(parent) < doc.index(name), (name, parent)
    for name in ("LevelingError", "WhatIfError", "MonteCarloError", "CycleError"):
        assert issubclass(getattr(errors, name), errors.ScheduleError)


@pytest.mark.parametrize(
    "call",
    [
        lambda p: p.project("NOPE"),
        lambda p: pmkit.schedule_project(p, "NOPE"),
        lambda p: pmkit.evm_series(p, "NOPE"),
        lambda p: pmkit.simulate_project(p, "NOPE", runs=10),
        lambda p: pmkit.risk_register(p, "NOPE"),
    ],
)
def test_unknown_project_is_one_error_everywhere(call) -> None:  # type: ignore[no-untyped-def]
    p = pmkit.load_sample()
    with pytest.raises(pmkit.UnknownIdError) as info:
        call(p)
    err = info.value
    assert isinstance(err, KeyError) and isinstance(err, pmkit.PmkitError)
    assert err.value == "NOPE" and err.field == "project_id"
    assert "unknown project" in str(err) and "NOPE" in str(err)
    assert inspect.getmodule(type(err)) is errors


@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        (("tasks.csv", 3, "name"), "x", "text"),
        (("tasks.csv", 3, "name"), "", "a name"),  # an empty cell: nothing to quote
        (("tasks.csv", None, "name"), 2.5, None),
        (("standards.yaml", 5, None), None, "a date"),
        (("links.csv", 7, "lag_days"), None, None),
        (("links.csv", 7, "lag_days"), 0, "a number"),
    ],
)
def test_an_error_and_a_report_issue_read_alike(
    where: tuple[str, int | None, str | None], value: object, expected: str | None
) -> None:
    """A door problem raised (PmkitError) and the same one listed in a report
    (ValidationIssue) are one sentence: the code review found two copies of the wording,
    and an empty value read "(got '')" in one, nothing in the other."""
    from pmkit.validation import ValidationIssue

    file, line, field = where
    raised = errors.PmkitError("bad value", file=file, line=line, field=field, value=value,
                               expected=expected)  # fmt: skip
    listed = ValidationIssue(file, line, field, value, expected, "bad value")
    assert str(raised) == str(listed)
    assert str(listed).startswith(f"{file}{'' if line is None else f':{line}'}")
    assert ("(got" in str(listed)) == (value is not None and value != "")


def _rules_naming_nope(p: pmkit.Portfolio) -> object:
    """standards.yaml's prioritisation rules naming a project the portfolio does not hold."""
    rules = [{"exclusive": ["NOPE", "P01"]}]
    standards = {**(p.standards or {}), "prioritisation": {"rules": rules}}
    return pz.portfolio_rules(dataclasses.replace(p, standards=standards))


@pytest.mark.parametrize(
    ("call", "old", "kind", "field"),
    [
        (lambda p: pmkit.propagate_slip(p, "NOPE", 5), errors.SlipError, "task", "task_id"),
        (
            lambda p: pmkit.schedule_project(p, "P01").driving_chain("NOPE"),
            errors.ScheduleError,
            "task",
            "uid",
        ),
        (
            lambda p: pz.selection_problem(p).index("NOPE"),
            errors.PrioritiseError,
            "project",
            "project_id",
        ),
        (
            lambda p: pz.prioritise_run(p, forced_out=["NOPE"]),
            errors.PrioritiseError,
            "project",
            "--force-out",
        ),
        (_rules_naming_nope, errors.PrioritiseError, "project", "prioritisation.rules[0]"),
    ],
)
def test_unknown_task_or_project_is_one_error_and_still_the_engines_own(  # type: ignore[no-untyped-def]
    call, old, kind, field
) -> None:
    """The code review: "unknown task" was a SlipError in a slip and a ScheduleError in a
    driving chain, "unknown project" a PrioritiseError in Prioritise. Now each is an
    UnknownIdError, and still the engine's own type (the review's slip box and the Prioritise
    tab catch those)."""
    p = pmkit.load_sample()
    with pytest.raises(pmkit.UnknownIdError) as info:
        call(p)
    err = info.value
    assert isinstance(err, old) and isinstance(err, KeyError)
    assert err.value == "NOPE" and err.field == field and err.kind == kind
    assert f"unknown {kind}" in str(err) and "NOPE" in str(err)
    assert inspect.getmodule(type(err)) is errors
