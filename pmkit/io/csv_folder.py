"""A portfolio as a folder of CSV files (+ ``standards.yaml``): read, validate, write.

``load_portfolio`` either returns a fully validated :class:`~pmkit.model.Portfolio` or raises
:class:`~pmkit.errors.PortfolioValidationError` with every problem of every file; it never
returns half a portfolio. ``validate_portfolio`` returns the same report without raising.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pmkit.bundle import sample_path
from pmkit.errors import PmkitError
from pmkit.io._cells import format_column, normalise_cells
from pmkit.io._standards import STANDARDS_FILE, cell_reading, drop_restated, read_standards
from pmkit.io._text import read_csv_table
from pmkit.model import TABLES, Portfolio, TableSpec
from pmkit.validation import RawTable, ValidationIssue, ValidationReport, validate_tables
from pmkit.vocabulary import DATE_FORMAT

__all__ = [
    "cli_validate",
    "guard_formulas",
    "guard_frame",
    "guard_table",
    "guard_text",
    "load_portfolio",
    "read_folder",
    "sample_data_path",
    "unguard_formulas",
    "unguard_text",
    "validate_portfolio",
    "write_portfolio",
]

NEEDS_ROWS = ("projects", "tasks", "calendars")  # a portfolio has at least one of each


def _read_csv(
    path: Path, spec: TableSpec | None = None, reading: tuple[str, str] = ("auto", "auto")
) -> tuple[RawTable | None, list[ValidationIssue]]:
    """Text cells (stripped, empty -> ``""``, numbers/dates canonical) and each row's file line.

    Any dialect people write (see :mod:`pmkit.io._text`); one note says what was detected
    when it is not plain comma-separated UTF-8 with ISO dates.
    """
    spec = spec or next((t for t in TABLES.values() if t.file == path.name), None)
    raw, dialect, issues = read_csv_table(path, spec.columns if spec else [])
    if raw is None or spec is None:
        return raw, issues
    for col in _text_columns(spec, raw.data):
        raw.data[col] = unguard_formulas(raw.data[col])
    date_order, decimal = reading  # declared in standards.yaml, or "auto"
    raw, fmt, found = normalise_cells(
        spec,
        raw,
        spec.file,
        european=dialect.delimiter == ";",
        date_order=date_order,
        decimal=decimal,
    )
    issues += found
    parts = [p for p in [dialect.describe(), *fmt.describe(), *fmt.notes] if p]
    if not dialect.plain or fmt.describe() or fmt.notes:
        issues.append(
            ValidationIssue(
                spec.file, None, None, None, None,
                "read as " + ", ".join(parts),
                "note",
            )
        )  # fmt: skip
    return raw, issues


EMPTY_PORTFOLIO = "empty portfolio: no project yet; import a schedule or add a project"


def needs_rows(
    raw: Mapping[str, RawTable | None], files: Mapping[str, str], kind: str
) -> list[ValidationIssue]:
    """A header-only projects, tasks or calendars table is an error, except in an empty
    portfolio (no project and no task: what ``pmkit init --empty`` writes), which gets a note."""
    present = {n: t for n, t in raw.items() if t is not None}
    if all(n in present and len(present[n].data) == 0 for n in ("projects", "tasks")):
        return [ValidationIssue(files["projects"], None, None, None, None, EMPTY_PORTFOLIO, "note")]
    return [
        ValidationIssue(
            files[n], 2, None, None, f"at least one row of {n}", f"{kind} has a header but no rows"
        )
        for n in NEEDS_ROWS
        if n in present and len(present[n].data) == 0
    ]


def read_folder(
    path: str | os.PathLike[str],
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], ValidationReport]:
    """Read and validate a folder: (typed tables, standards, report). Raises only if no folder."""
    folder = Path(path)
    _check_folder(folder)
    issues: list[ValidationIssue] = []
    raw: dict[str, RawTable | None] = {}
    # read first: its date_order / decimal say how to read the tables' text cells
    standards, standards_found = read_standards(folder)
    reading = cell_reading(standards)
    for name, spec in TABLES.items():
        file = folder / spec.file
        if not file.exists() and not spec.required_file and not spec.warn_if_missing:
            raw[name] = None
            continue
        if not file.exists():
            issues.append(
                ValidationIssue(
                    spec.file,
                    None,
                    None,
                    None,
                    "a file named " + spec.file,
                    "file is missing",
                    code="missing-file",
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
                    code="missing-file",
                )
            )
            raw[name] = None
            continue
        raw[name], found = _read_csv(file, spec, reading)
        issues.extend(found)
    issues += needs_rows(raw, {n: t.file for n, t in TABLES.items()}, "file")
    issues.extend(standards_found)
    tables, report = validate_tables(raw, standards, pre_issues=issues, source=str(folder))
    report.issues[:] = drop_restated(report.issues)
    return tables, standards, report


def _check_folder(folder: Path) -> None:
    """A missing path or a file where the folder should be: one clear error (CLI exit 2)."""
    if folder.is_dir():
        return
    if folder.is_file():
        raise PmkitError(
            "is a file, not a portfolio folder",
            file=str(folder),
            expected="the folder holding projects.csv, tasks.csv, ... (or a .xlsx workbook)",
        )
    raise PmkitError(
        "portfolio folder not found", file=str(folder), expected="a folder of CSV files"
    )


def validate_portfolio(path: str | os.PathLike[str]) -> ValidationReport:
    """Every problem of the folder's files; never raises for bad data (only for no folder)."""
    return read_folder(path)[2]


def load_portfolio(path: str | os.PathLike[str]) -> Portfolio:
    """Read and validate a portfolio folder; raise ``PortfolioValidationError`` on any error.

    Examples
    --------
    >>> pf = load_portfolio(sample_data_path())
    >>> pf.project_ids[:2]
    ['P01', 'P02']
    """
    tables, standards, report = read_folder(path)
    report.raise_if_errors()
    return Portfolio.from_tables(tables, standards, source=Path(path).resolve())


_RISKY = r"[=+\-@\t\r]"  # what Excel and LibreOffice take for the start of a formula (OWASP)
_GUARDED = r"'[=+\-@\t\r']"  # a guard apostrophe: what guard_formulas adds, and only that


def guard_formulas(text: pd.Series) -> pd.Series:
    """Text cells a spreadsheet would run, with a leading apostrophe: ``'=HYPERLINK(...)``.

    Opened in Excel, a CSV cell starting ``=``, ``+``, ``-`` or ``@`` is a formula (OWASP's
    "CSV injection"); the apostrophe makes it text there. A cell that already starts with an
    apostrophe before one of those (or before another apostrophe) gets one more, so
    :func:`unguard_formulas` gives back exactly what was written, whatever the name.
    """
    text = text.astype("str")
    risky = text.str.match(_RISKY) | text.str.match(_GUARDED)
    return text.where(~risky, "'" + text)


def guard_text(value: str) -> str:
    """:func:`guard_formulas` on one cell (the decisions log and audit trail: text typed on a
    dashboard, appended row by row)."""
    return "'" + value if re.match(_RISKY, value) or re.match(_GUARDED, value) else value


def unguard_text(value: str) -> str:
    """:func:`unguard_formulas` on one cell."""
    return value[1:] if re.match(_GUARDED, value) else value


def unguard_formulas(text: pd.Series) -> pd.Series:
    """The inverse of :func:`guard_formulas` (one leading apostrophe before a risky start)."""
    guarded = text.astype("str").str.match(_GUARDED)
    return text.where(~guarded, text.str.slice(1))


def _text_columns(spec: TableSpec, df: pd.DataFrame) -> list[str]:
    """Free-text columns (ids, names, comments, unknown extras): never numbers or dates, so a
    negative lag ``-2`` is not a formula to guard."""
    kinds = {f.name: f.kind for f in spec.fields}
    return [c for c in df.columns if kinds.get(c, "str") == "str"]


def guard_table(spec: TableSpec, cells: pd.DataFrame) -> pd.DataFrame:
    """A table's cell text as a CSV file holds it: :func:`guard_formulas` on its text columns."""
    out = cells.copy()
    for col in _text_columns(spec, out):
        out[col] = guard_formulas(out[col])
    return out


def guard_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Any table pmkit prints or writes as CSV for a spreadsheet (``pmkit schedule --format
    csv``, ``pmkit prioritise --csv``, a scenario comparison): :func:`guard_text` on every text
    cell. Numbers, booleans, dates and empty cells stay as they are, so a lag of ``-2`` or a
    negative slack is still a number in Excel; only text can become a formula there.
    """
    out = table.copy()
    for col in out.columns:
        cells = out[col]
        if cells.dtype.kind != "O" and not isinstance(cells.dtype, pd.StringDtype):
            continue  # numbers, booleans, datetimes: never text
        out[col] = cells.map(lambda v: guard_text(v) if isinstance(v, str) else v)
    return out


def write_portfolio(portfolio: Portfolio, path: str | os.PathLike[str]) -> Path:
    """Write every table as CSV (ISO dates, ``true``/``false``) plus ``standards.yaml``.

    ``load_portfolio(write_portfolio(pf, d))`` gives back equal tables. Every file is written
    to a temporary name first and only then moved over the old one, so a write that fails
    (a folder in the way, a full disk) leaves the folder as it was: never half a portfolio.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    names = [spec.file for spec in TABLES.values()] + [STANDARDS_FILE]
    for name in names:
        if (folder / name).exists() and not (folder / name).is_file():
            raise PmkitError(
                "cannot write the portfolio: something else is in the way",
                file=str(folder / name),
                expected="a file (or nothing) at that path",
            )
    temps = {name: folder / f".{name}.pmkit-tmp" for name in names}
    try:
        _write_tables(portfolio, temps)
    except BaseException:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        raise
    for name, tmp in temps.items():
        os.replace(tmp, folder / name)
    return folder


def _write_tables(portfolio: Portfolio, temps: Mapping[str, Path]) -> None:
    for spec in TABLES.values():
        df = getattr(portfolio, spec.attr)
        cols = [c for c in spec.columns if c in df.columns] + [
            c for c in df.columns if c not in spec.columns
        ]
        out = pd.DataFrame({c: format_column(df[c]) for c in cols}, columns=cols)
        guard_table(spec, out).to_csv(temps[spec.file], index=False, lineterminator="\n")
    standards = {
        k: (v.strftime(DATE_FORMAT) if isinstance(v, pd.Timestamp) else v)
        for k, v in portfolio.standards.items()
    }
    temps[STANDARDS_FILE].write_text(
        yaml.safe_dump(standards, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )


def sample_data_path() -> Path:
    """The sample portfolio: ``$PMKIT_DATA`` if set, else the bundled one (``<repo>/data``)."""
    env = os.environ.get("PMKIT_DATA")
    if env:
        return Path(env).expanduser().resolve()

    return sample_path()


def cli_validate(path: str) -> int:
    """``pmkit validate PATH`` (a folder of CSV files or a .xlsx workbook): print the report.

    Exit code 0 = no error (warnings and notes are printed), 1 = errors, 2 = nothing to read
    (no such path, a file of another kind, a file that is not a workbook).
    """
    target = Path(path)
    if not target.exists():
        print(f"{path}: no such portfolio folder or workbook")
        return 2
    try:
        if target.suffix.lower() in (".xlsx", ".xlsm"):
            from pmkit.io.excel import read_workbook  # lazy: io.excel imports this module

            tables, _, report = read_workbook(target)
        else:
            tables, _, report = read_folder(target)
    except PmkitError as exc:
        print(f"{path}: {exc}")
        return 2
    if not report.ok:
        print(report)
        return 1
    counts = ", ".join(f"{len(tables[name]):,} {name.replace('_', ' ')}" for name in TABLES)
    print(f"OK: {counts}")
    if report.warnings or report.notes:
        print(report)
    return 0
