"""MSPDI files in the encodings Project and .NET tools write read as their UTF-8 twin (s15c).

Project saves XML as UTF-8 or UTF-16 (with a byte-order mark); a file without the mark says
UTF-16 in its declaration. .NET's ``XmlSerializer`` writing through a ``StringWriter``
declares ``utf-16`` and the file is then saved as UTF-8: MPXJ reads it (through a character
stream), and so does pmkit now; so is a file an editor saved as UTF-16 (with its mark) that
kept ``encoding="UTF-8"``. Before (452d6ea) pmkit refused both ("encoding specified in XML
declaration is incorrect"). Numbers in the XML are XML numbers: ``1_0`` and ``١٠``, which
Python's float() reads, are an error naming the element (before: read as 10).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import pmkit
from pmkit.errors import MspdiError
from pmkit.io.mspdi import read_mspdi

DATA = Path(__file__).resolve().parents[2] / "data"
NAME = "Tâche – coût € 5 « ok »"


@pytest.fixture(scope="module")
def body(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An exported project's XML without its declaration, one task renamed with non-ASCII."""
    p = pmkit.load_portfolio(DATA)
    path = pmkit.export_project(p, "P03", tmp_path_factory.mktemp("x") / "P03.xml")
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
    return re.sub(r"<Name>[^<]*</Name>", f"<Name>{NAME}</Name>", text, count=3)


def _decl(enc: str) -> str:
    return f'<?xml version="1.0" encoding="{enc}"?>\n'


CASES = {
    "utf-16 LE, BOM and declaration": lambda b: ("\ufeff" + _decl("UTF-16") + b).encode(
        "utf-16-le"
    ),
    "utf-16 BE, BOM and declaration": lambda b: ("\ufeff" + _decl("UTF-16") + b).encode(
        "utf-16-be"
    ),
    "utf-16 LE, BOM, no declaration": lambda b: ("\ufeff" + b).encode("utf-16-le"),
    "utf-16 LE, no BOM, declaration": lambda b: (_decl("UTF-16") + b).encode("utf-16-le"),
    "utf-16 BE, no BOM, declaration": lambda b: (_decl("UTF-16") + b).encode("utf-16-be"),
    "utf-8 with BOM": lambda b: ("\ufeff" + _decl("UTF-8") + b).encode("utf-8"),
    "utf-8 declared utf-16 (.NET StringWriter)": lambda b: (_decl("utf-16") + b).encode("utf-8"),
    "utf-8 + BOM declared utf-16": lambda b: ("\ufeff" + _decl("utf-16") + b).encode("utf-8"),
    # an editor's "save as Unicode" keeps the declaration: the byte-order mark says UTF-16
    "utf-16 LE + BOM declared utf-8": lambda b: ("\ufeff" + _decl("UTF-8") + b).encode("utf-16-le"),
    "utf-16 BE + BOM declared utf-8": lambda b: ("\ufeff" + _decl("UTF-8") + b).encode("utf-16-be"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_encodings_read_as_utf8(tmp_path: Path, body: str, case: str) -> None:
    ref_path = tmp_path / "ref.xml"
    ref_path.write_bytes((_decl("UTF-8") + body).encode("utf-8"))
    path = tmp_path / "f.xml"
    path.write_bytes(CASES[case](body))
    ref, got = read_mspdi(ref_path), read_mspdi(path)
    assert NAME in set(got.tasks["name"])
    pd.testing.assert_frame_equal(ref.tasks, got.tasks)
    pd.testing.assert_frame_equal(ref.links, got.links)


def test_a_lying_declaration_is_an_error_naming_the_file(tmp_path: Path, body: str) -> None:
    """Declared UTF-16, bytes neither UTF-16 nor UTF-8 (Latin-1): refused, not misread."""
    path = tmp_path / "lying.xml"
    path.write_bytes((_decl("utf-16") + body.replace("–", "-").replace("€", "E")).encode("latin-1"))
    with pytest.raises(MspdiError, match=r"lying\.xml"):
        read_mspdi(path)


@pytest.mark.parametrize(
    ("pattern", "value", "element"),
    [
        (r"<PercentComplete>[^<]*</PercentComplete>", "1_0", "PercentComplete"),
        (r"<LinkLag>[^<]*</LinkLag>", "\u0664\u0668\u0660\u0660", "LinkLag"),
        (r"<Duration>PT[^<]*</Duration>", "PT\u0668H0M0S", "Duration"),
    ],
)
def test_a_python_only_number_is_an_error_naming_the_element(
    tmp_path: Path, body: str, pattern: str, value: str, element: str
) -> None:
    path = tmp_path / "n.xml"
    text = re.sub(pattern, f"<{element}>{value}</{element}>", body, count=1)
    path.write_bytes((_decl("UTF-8") + text).encode("utf-8"))
    with pytest.raises(MspdiError, match=element) as err:
        read_mspdi(path)
    assert value in str(err.value)
