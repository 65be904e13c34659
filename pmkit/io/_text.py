"""Read a CSV file as people really write it: encoding, delimiter, line endings, header.

Excel, ERP systems and text editors write "CSV" in many dialects: semicolon-separated with a
decimal comma (Spanish, French, German Excel), tab-separated UTF-16 ("Unicode text"),
Windows-1252 without a BOM, CRLF or old-Mac CR line endings. :func:`read_csv_table` turns any of
them into the text cells the validation door expects, and says what it detected; a file it cannot
read becomes a located :class:`~pmkit.validation.ValidationIssue`, never a traceback.

Detection uses libraries, not hand rules: the byte-order mark and ``charset-normalizer`` for the
encoding, ``csv.Sniffer`` for the delimiter and quote, checked against the header the schema
expects (so a comma inside a quoted name never fools it).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pmkit.validation import RawTable, ValidationIssue

__all__ = ["Dialect", "decode", "read_csv_table"]

DELIMITERS = ",;\t|"
_DELIM_NAME = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 with BOM"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 with BOM"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 with BOM"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 with BOM"),
)
# What a file that is not text at all starts with: say what it is instead of "bad CSV".
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook?), not a CSV text file"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.xls/.mpp?), not a CSV text file"),
    (b"%PDF", "a PDF document, not a CSV text file"),
    (b"\x89PNG", "a PNG image, not a CSV text file"),
    (b"\x1f\x8b", "a gzip archive, not a CSV text file"),
)
_LATIN = {"cp1252", "windows-1252", "latin_1", "iso8859_1", "iso8859_15", "cp1250", "mac_roman"}
_SAMPLE = 64 * 1024
MAX_RAGGED = 20  # rows of the wrong width listed one by one


@dataclass
class Dialect:
    """What was detected in one file (shown to the user when it is not plain UTF-8 CSV)."""

    encoding: str = "UTF-8"
    delimiter: str = ","
    line_endings: str = "LF"
    assumed: list[str] = field(default_factory=list)  # guesses the user should check

    @property
    def plain(self) -> bool:
        """Comma-separated UTF-8 (BOM or not): nothing worth a note."""
        return (
            self.delimiter == ","
            and self.encoding.startswith("UTF-8")
            and self.line_endings in ("LF", "CRLF")
            and not self.assumed
        )

    def describe(self) -> str:
        extra = [a for a in self.assumed if a not in self.encoding]
        return (
            f"{_DELIM_NAME.get(self.delimiter, repr(self.delimiter))}-separated, "
            f"{self.encoding}, {self.line_endings} line endings"
        ) + "".join(f", {a}" for a in extra)


def _issue(file: str, message: str, line: int | None = None, expected: str | None = None):
    return ValidationIssue(file, line, None, None, expected, message)


def _sniff_binary(data: bytes, file: str) -> ValidationIssue | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return _issue(file, f"file is {what}", 1, "a CSV text file")
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte is NUL (ASCII text in UTF-16)."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _guess_single_byte(data: bytes) -> str | None:
    """charset-normalizer's best guess on a sample around the first non-ASCII bytes."""
    from charset_normalizer import from_bytes

    arr = np.frombuffer(data, np.uint8)
    hi = np.flatnonzero(arr >= 0x80)
    start = max(0, int(hi[0]) - 1024) if hi.size else 0
    best = from_bytes(data[start : start + _SAMPLE]).best()
    return None if best is None else str(best.encoding)


def decode(data: bytes, file: str) -> tuple[str | None, str, list[str], ValidationIssue | None]:
    """(text, encoding label, guesses made, problem). ``text`` is None when unreadable."""
    if problem := _sniff_binary(data, file):
        return None, "", [], problem
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label, [], None
            except UnicodeDecodeError as exc:
                return None, label, [], _bad_bytes(data, exc, file, label)
    head = data[:_SAMPLE]
    if b"\x00" in head:
        codec16 = _utf16_without_bom(head)
        if codec16 is None:
            line = head[: head.index(b"\x00")].count(b"\n") + 1
            return None, "", [], _issue(file, "file is binary, not text", line, "a CSV text file")
        try:
            return data.decode(codec16), "UTF-16 without BOM", [], None
        except UnicodeDecodeError as exc:
            return None, "UTF-16", [], _bad_bytes(data, exc, file, "UTF-16")
    try:
        return data.decode("utf-8"), "UTF-8", [], None
    except UnicodeDecodeError as exc:
        if _mostly_utf8(data):  # one encoding per file: never turn its UTF-8 names into mojibake
            return None, "UTF-8", [], _mixed_encodings(data, exc, file)
    return _decode_legacy(data, file)


def _mostly_utf8(data: bytes) -> bool:
    """Most non-ASCII bytes form valid UTF-8 sequences (a UTF-8 file with some foreign bytes).

    In Windows-1252 or Latin-1 text an accented letter is one byte, followed by ASCII; a lead
    byte followed by continuation bytes (``Ã©``) is mojibake there and the rule in UTF-8.
    """
    a = np.frombuffer(data, np.uint8)
    hi = np.flatnonzero(a >= 0x80)  # memory in proportion to the non-ASCII bytes only
    if hi.size == 0:
        return False
    last = a.size - 1
    lead, nxt1, nxt2 = a[hi], a[np.minimum(hi + 1, last)], a[np.minimum(hi + 2, last)]
    cont1 = (nxt1 >= 0x80) & (nxt1 <= 0xBF) & (hi + 1 <= last)
    cont2 = (nxt2 >= 0x80) & (nxt2 <= 0xBF) & (hi + 2 <= last)
    two = (lead >= 0xC2) & (lead <= 0xDF) & cont1
    three = (lead >= 0xE0) & (lead <= 0xEF) & cont1 & cont2
    covered = 2 * int(np.count_nonzero(two)) + 3 * int(np.count_nonzero(three))
    high = hi.size
    return covered >= 0.5 * high


def _mixed_encodings(data: bytes, exc: UnicodeDecodeError, file: str) -> ValidationIssue:
    line = data[: exc.start].count(b"\n") + 1
    bad = data[exc.start : exc.end].hex(" ")
    return _issue(
        file,
        f"not UTF-8 at byte(s) {bad}, while the rest of the file is UTF-8 (two files joined, "
        "or a line pasted from another program?)",
        line,
        "one encoding for the whole file: save it again as UTF-8",
    )


def _decode_legacy(
    data: bytes, file: str
) -> tuple[str | None, str, list[str], ValidationIssue | None]:
    """Not UTF-8: Windows-1252 (Excel's "CSV" on Western Windows) or Latin-1, said so."""
    guess = (_guess_single_byte(data) or "").lower()
    if guess and guess not in _LATIN and not guess.startswith(("iso8859", "cp125")):
        label = guess
    else:
        label = "cp1252"
    for codec in dict.fromkeys([label, "cp1252", "latin_1"]):
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        name = {"cp1252": "Windows-1252", "latin_1": "Latin-1"}.get(codec, codec)
        note = f"{name} (assumed: the file is not UTF-8; check accented letters)"
        return text, note, [note], None
    raise AssertionError("latin_1 decodes any bytes")  # pragma: no cover


def _bad_bytes(data: bytes, exc: UnicodeDecodeError, file: str, label: str) -> ValidationIssue:
    line = data[: exc.start].count(b"\n") + 1
    return _issue(file, f"cannot decode as {label}: {exc.reason}", line, f"{label} text")


_SEP_HINT = re.compile(r"(?i)sep=(.)[,;\t|]*")


def _excel_hints(text: str, dialect: Dialect) -> tuple[str, str | None, int, bool]:
    """(text, delimiter named by Excel's ``sep=;`` first line, lines skipped, text changed).

    Excel writes and reads a first line ``sep=;`` that names the delimiter; a byte-order mark
    inside the file (two files joined) is an invisible character that would stick to an id:
    both are dropped, and said.
    """
    hint, skipped, changed = None, 0, False
    first = _first_line(text)
    if (m := _SEP_HINT.fullmatch(first.strip())) and m.group(1) in DELIMITERS:
        hint, skipped, changed = m.group(1), 1, True
        text = text[len(first) + 1 :]
        dialect.assumed.append(f"delimiter {m.group(1)!r} from the first line {first.strip()!r}")
    if "\ufeff" in text:
        n = text.count("\ufeff")
        text, changed = text.replace("\ufeff", ""), True
        dialect.assumed.append(f"{n} byte-order mark(s) inside the file removed (files joined?)")
    return text, hint, skipped, changed


def _line_endings(text: str) -> tuple[str, str]:
    """(label, text with ``\\n`` line ends)."""
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    if cr == 0:
        return ("CRLF" if crlf else "LF"), text
    return ("CR" if crlf == 0 else "mixed"), text.replace("\r\n", "\n").replace("\r", "\n")


def _first_line(text: str) -> str:
    end = text.find("\n")
    return text if end < 0 else text[:end]


def sniff_delimiter(text: str, expected: list[str]) -> str:
    """``csv.Sniffer`` on the first lines, confirmed by the header the schema expects."""
    sample = "\n".join(text[:_SAMPLE].split("\n")[:50])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    wanted = set(expected)
    header = _first_line(text)

    def known(d: str) -> int:
        cells = next(csv.reader([header], delimiter=d), [])
        return sum(c.strip().strip("\ufeff") in wanted for c in cells)

    best = max(DELIMITERS, key=lambda d: (known(d), d == sniffed))
    return best if known(best) > known(sniffed) else sniffed


def _parse(buf: bytes, delim: str, file: str) -> tuple[pd.DataFrame | None, ValidationIssue | None]:
    try:
        df = pd.read_csv(
            io.BytesIO(buf),
            sep=delim,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skip_blank_lines=False,
            skipinitialspace=True,
            encoding="utf-8",
            engine="c",
        )
    except pd.errors.EmptyDataError:
        return None, _issue(file, "file is empty", 1, "a header line")
    except pd.errors.ParserError as exc:
        text = str(exc).strip()
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
        if m:
            want, line, saw = (int(g) for g in m.groups())
            return None, ValidationIssue(
                file,
                line,
                None,
                f"{saw} fields",
                f"{want} fields, as in the header",
                "row has more fields than the header",
            )
        m = re.search(r"line (\d+)", text)
        return None, _issue(file, f"cannot parse CSV: {text}", int(m.group(1)) if m else None)
    return df, None


@dataclass
class _Parsed:
    data: pd.DataFrame
    lines: np.ndarray
    issues: list[ValidationIssue]


def record_layout(buf: bytes, delim: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(file line where each record starts, its number of fields, is it blank), vectorised.

    A delimiter or newline inside double quotes does not count: it is inside quotes when an
    odd number of quote characters precedes it (an escaped ``""`` adds two). The work is
    O(records + quotes) binary searches over the delimiter positions, so a file with few
    quoted names costs about one scan of its bytes.
    """
    a = np.frombuffer(buf, np.uint8)
    nl = np.flatnonzero(a == 10)
    dl = np.flatnonzero(a == ord(delim))
    qt = np.flatnonzero(a == 34)
    rec_nl = nl[np.searchsorted(qt, nl) % 2 == 0] if qt.size else nl
    ends = rec_nl if buf.endswith(b"\n") else np.append(rec_nl, a.size)
    starts = np.concatenate(([0], rec_nl + 1))[: ends.size]
    fields = np.searchsorted(dl, ends) - np.searchsorted(dl, starts) + 1
    if (
        qt.size and ends.size
    ):  # delimiters inside each quoted span [open, close), given to its record
        opens = qt[0::2]
        closes = np.append(qt[1::2], a.size)[: opens.size]
        inside = np.searchsorted(dl, closes) - np.searchsorted(dl, opens)
        rec = np.searchsorted(ends, opens)  # == ends.size: after the last record, ignored
        quoted = np.bincount(rec, weights=inside, minlength=ends.size + 1)[: ends.size]
        fields -= quoted.astype(fields.dtype)
    cr = (ends > starts) & (a[np.maximum(ends - 1, 0)] == 13) if a.size else ends > starts
    blank = (ends - starts - cr) <= 0
    lines = np.searchsorted(nl, starts) + 1
    return lines.astype(np.int64), fields, blank


def _ragged(
    lines: np.ndarray, fields: np.ndarray, blank: np.ndarray, file: str
) -> list[ValidationIssue]:
    """Rows with more or fewer fields than the header (blank lines are fine)."""
    width = int(fields[0])
    bad = np.flatnonzero((fields != width) & ~blank)
    out = []
    for p in bad[:MAX_RAGGED].tolist():
        got = int(fields[p])
        more = "more" if got > width else "fewer"
        out.append(ValidationIssue(file, int(lines[p]), None, f"{got} fields",
                                   f"{width} fields, as in the header",
                                   f"row has {more} fields than the header"))  # fmt: skip
    if bad.size > MAX_RAGGED:
        out.append(_issue(file, f"... and {bad.size - MAX_RAGGED} more rows of another width"))
    return out


def _header(df: pd.DataFrame, file: str) -> tuple[list[str], list[int], list[ValidationIssue]]:
    """Column names (stripped), the positions kept, and duplicate/unnamed-column problems."""
    names = ["" if pd.isna(h) else str(h).strip().lstrip("\ufeff").strip() for h in df.iloc[0]]
    keep: list[int] = []
    issues: list[ValidationIssue] = []
    seen: dict[str, int] = {}
    for pos, name in enumerate(names):
        if not name:
            body = df.iloc[1:, pos]
            if (body.isna() | (body.str.strip() == "")).all():
                continue  # trailing delimiters (Excel's ";;;"): an empty column, dropped
            issues.append(
                ValidationIssue(
                    file, 1, f"column {pos + 1}", None, "a column name", "column has no name; "
                    "its values are ignored", "warning"
                )
            )  # fmt: skip
            continue
        if name in seen:
            issues.append(
                ValidationIssue(
                    file,
                    1,
                    name,
                    f"columns {seen[name] + 1} and {pos + 1}",
                    "each column name once",
                    "duplicate column",
                )
            )
            continue
        seen[name] = pos
        keep.append(pos)
    return [names[p] for p in keep], keep, issues


def _strip_cells(df: pd.DataFrame, buf: bytes, delim: str) -> pd.DataFrame:
    """Strip blanks around cells (only when some cell ends in one: per-cell strip is slow)."""
    d = ord(delim)
    a = np.frombuffer(buf, np.uint8)
    if a.size == 0:
        return df
    idx = np.flatnonzero((a[:-1] == 32) | (a[:-1] == 9) | (a[:-1] == 0xA0))
    nxt = a[idx + 1]
    if not ((nxt == d) | (nxt == 10) | (nxt == 13)).any() and a[-1] not in (32, 9):
        return df
    for c in df.columns:
        df[c] = df[c].str.strip()
    return df


def read_csv_table(
    path: Path, expected: list[str]
) -> tuple[RawTable | None, Dialect, list[ValidationIssue]]:
    """Text cells (stripped, empty -> ``""``), their file lines, the dialect, the problems."""
    file = path.name
    dialect = Dialect()
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        return None, dialect, [_issue(file, "is a folder, not a file", None, "a CSV file")]
    except OSError as exc:
        return None, dialect, [_issue(file, f"cannot read: {exc.strerror or exc}")]
    text, dialect.encoding, dialect.assumed, problem = decode(data, file)
    if problem is not None or text is None:
        return None, dialect, [problem] if problem else []
    dialect.line_endings, text = _line_endings(text)
    text = text.lstrip("\ufeff")
    if not text or text.isspace():  # (no stripped copy of a 50 MB text)
        return None, dialect, [_issue(file, "file is empty", 1, "a header line")]
    text, hint, skipped, changed = _excel_hints(text, dialect)
    dialect.delimiter = hint or sniff_delimiter(text, expected)
    same = dialect.encoding == "UTF-8" and dialect.line_endings in ("LF", "CRLF") and not changed
    buf = data if same else text.encode("utf-8")
    lines, fields, blank = record_layout(buf, dialect.delimiter)
    lines += skipped
    if ragged := _ragged(lines, fields, blank, file):
        return None, dialect, ragged
    df, problem = _parse(buf, dialect.delimiter, file)
    if df is None:
        return None, dialect, [problem] if problem else []
    if len(lines) != len(df):  # not the CSV we measured (odd quoting): trust pandas' rows
        lines = np.arange(1, len(df) + 1, dtype=np.int64) + skipped
    names, keep, found = _header(df, file)
    issues = found
    body = df.iloc[1:, keep]  # no NaN: keep_default_na=False, short rows give ""
    body.columns = names
    body = _strip_cells(body.reset_index(drop=True), buf, dialect.delimiter)
    lines = lines[1:]
    if len(body.columns):
        cand = np.flatnonzero(body.iloc[:, 0].to_numpy(dtype=object) == "")
        if cand.size:
            blank = np.zeros(len(body), bool)
            blank[cand] = (body.iloc[cand].to_numpy(dtype=object) == "").all(axis=1)
            body, lines = body[~blank].reset_index(drop=True), lines[~blank]
    return RawTable(body, lines), dialect, issues
