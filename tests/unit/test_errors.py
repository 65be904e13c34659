"""One exceptions module: every error pmkit raises on purpose lives in pmkit.errors."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import pmkit
from pmkit import errors

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
