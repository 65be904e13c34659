"""A portfolio as a folder of CSV files (+ ``standards.yaml``): read, validate, write.

``load_portfolio`` either returns a fully validated :class:`~pmkit.model.Portfolio` or raises
:class:`~pmkit.errors.PortfolioValidationError` with every problem of every file; it never
returns half a portfolio. ``validate_portfolio`` returns the same report without raising.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pmkit.errors import PmkitError
from pmkit.model import TABLES, Portfolio
from pmkit.validation import RawTable, ValidationIssue, ValidationReport, validate_tables

__all__ = [
    "cli_validate",
    "load_portfolio",
    "load_sample",
    "read_folder",
    "sample_data_path",
    "validate_portfolio",
    "write_portfolio",
]

STANDARDS_FILE = "standards.yaml"


def _has_trailing_blank(data: bytes) -> bool:
    """Does any cell end in a blank? One numpy pass over the bytes (a per-cell strip is
    Python-level and costs ~0.3 s per 100k rows, so it only runs when needed)."""
    a = np.frombuffer(data, np.uint8)
    if a.size == 0:
        return False
    if a[-1] in (32, 9):
        return True
    idx = np.flatnonzero((a[:-1] == 32) | (a[:-1] == 9))  # space, tab
    nxt = a[idx + 1]
    return bool(((nxt == 44) | (nxt == 10) | (nxt == 13)).any())  # before , \n \r


def _read_csv(path: Path) -> tuple[RawTable | None, list[ValidationIssue]]:
    """Text cells (stripped, empty -> ``""``) and the file line where each record starts."""
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [ValidationIssue(file, None, None, None, None, f"cannot read: {exc}")]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [ValidationIssue(file, line, None, None, "UTF-8 text", "file is not UTF-8")]
    try:
        df = pd.read_csv(
            io.BytesIO(data),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            skipinitialspace=True,  # leading blanks go in the C parser
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError:
        return None, [ValidationIssue(file, 1, None, None, "a header line", "file is empty")]
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        bad_line = int(m.group(1)) if m else None
        return None, [
            ValidationIssue(
                file,
                bad_line,
                None,
                None,
                "the same number of fields as the header",
                f"cannot parse CSV: {str(exc).strip()}",
            )
        ]
    df.columns = [str(c).strip() for c in df.columns]
    n = len(df)
    physical = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if physical == n + 1:  # no quoted newline anywhere: record i is on line i + 2
        lines = np.arange(2, n + 2, dtype=np.int64)
    else:  # a quoted cell spans lines: shift every later record
        extra = np.zeros(n, dtype=np.int64)
        for c in df.columns:
            extra += df[c].str.count("\n").to_numpy(dtype=np.int64)
        lines = 2 + np.arange(n, dtype=np.int64) + np.concatenate(([0], np.cumsum(extra)[:-1]))
    if _has_trailing_blank(data):  # per-cell strip is slow (Python-level): only when needed
        for c in df.columns:
            df[c] = df[c].str.strip()
    blank = np.zeros(n, bool)
    if len(df.columns):  # blank lines: test the first column, then the rest of those rows only
        cand = np.flatnonzero(df.iloc[:, 0].to_numpy(dtype=object) == "")
        if cand.size:
            blank[cand] = (df.iloc[cand].to_numpy(dtype=object) == "").all(axis=1)
    if blank.any():
        df = df[~blank]
        lines = lines[~blank]
    return RawTable(df.reset_index(drop=True), lines), []


def _read_standards(folder: Path) -> tuple[dict[str, Any], list[ValidationIssue]]:
    path = folder / STANDARDS_FILE
    if not path.exists():
        return {}, [
            ValidationIssue(
                STANDARDS_FILE,
                None,
                None,
                None,
                None,
                "file is missing; default standards apply",
                "warning",
            )
        ]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return {}, [
            ValidationIssue(
                STANDARDS_FILE,
                line,
                None,
                None,
                "valid YAML",
                f"cannot read YAML: {getattr(exc, 'problem', exc)}",
            )
        ]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [
            ValidationIssue(
                STANDARDS_FILE,
                1,
                None,
                type(data).__name__,
                "a mapping of settings",
                "standards must be a mapping",
            )
        ]
    return data, []


def read_folder(
    path: str | os.PathLike[str],
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], ValidationReport]:
    """Read and validate a folder: (typed tables, standards, report). Raises only if no folder."""
    folder = Path(path)
    if not folder.is_dir():
        raise PmkitError(
            "portfolio folder not found", file=str(folder), expected="a folder of CSV files"
        )
    issues: list[ValidationIssue] = []
    raw: dict[str, RawTable | None] = {}
    for name, spec in TABLES.items():
        file = folder / spec.file
        if not file.exists():
            issues.append(
                ValidationIssue(
                    spec.file, None, None, None, "a file named " + spec.file, "file is missing"
                )
                if spec.required_file
                else ValidationIssue(
                    spec.file,
                    None,
                    None,
                    None,
                    None,
                    "file is missing; treated as empty",
                    "warning",
                )
            )
            raw[name] = None
            continue
        raw[name], found = _read_csv(file)
        issues.extend(found)
    standards, found = _read_standards(folder)
    issues.extend(found)
    tables, report = validate_tables(raw, standards, pre_issues=issues, source=str(folder))
    return tables, standards, report


def validate_portfolio(path: str | os.PathLike[str]) -> ValidationReport:
    """Every problem of the folder's files; never raises for bad data (only for no folder)."""
    return read_folder(path)[2]


def load_portfolio(path: str | os.PathLike[str]) -> Portfolio:
    """Read and validate a portfolio folder; raise ``PortfolioValidationError`` on any error.

    Examples
    --------
    >>> pf = load_portfolio(sample_data_path())  # doctest: +SKIP
    >>> pf.project_ids[:2]  # doctest: +SKIP
    ['P01', 'P02']
    """
    tables, standards, report = read_folder(path)
    report.raise_if_errors()
    return Portfolio.from_tables(tables, standards, source=Path(path).resolve())


def _format_column(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_bool_dtype(s):
        return s.map({True: "true", False: "false"})
    if pd.api.types.is_float_dtype(s):
        return s.map(lambda v: "" if pd.isna(v) else repr(float(v)).removesuffix(".0"))
    return s.astype("str")


def write_portfolio(portfolio: Portfolio, path: str | os.PathLike[str]) -> Path:
    """Write every table as CSV (ISO dates, ``true``/``false``) plus ``standards.yaml``.

    ``load_portfolio(write_portfolio(pf, d))`` gives back equal tables.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for spec in TABLES.values():
        df = getattr(portfolio, spec.attr)
        cols = [c for c in spec.columns if c in df.columns] + [
            c for c in df.columns if c not in spec.columns
        ]
        out = pd.DataFrame({c: _format_column(df[c]) for c in cols}, columns=cols)
        out.to_csv(folder / spec.file, index=False, lineterminator="\n")
    standards = {
        k: (v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else v)
        for k, v in portfolio.standards.items()
    }
    (folder / STANDARDS_FILE).write_text(
        yaml.safe_dump(standards, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return folder


def sample_data_path() -> Path:
    """The sample portfolio: ``$PMKIT_DATA`` if set, else ``<repo>/data``."""
    env = os.environ.get("PMKIT_DATA")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[2] / "data"


def load_sample() -> Portfolio:
    """The sample portfolio, loaded once per data version (dashboards share it, across
    kernels, through :mod:`pmkit.cache`; treat it as read-only)."""
    from pmkit.cache import load_portfolio as load_shared

    return load_shared(sample_data_path())  # type: ignore[no-any-return]


def cli_validate(path: str) -> int:
    """``pmkit validate PATH``: print the report; 0 = no error, 1 = errors, 2 = no such folder."""
    folder = Path(path)
    if not folder.is_dir():
        print(f"{path}: no such portfolio folder")
        return 2
    tables, _, report = read_folder(folder)
    if not report.ok:
        print(report)
        return 1
    counts = ", ".join(f"{len(tables[name]):,} {name.replace('_', ' ')}" for name in TABLES)
    print(f"OK: {counts}")
    if report.warnings:
        print(report)
    return 0
