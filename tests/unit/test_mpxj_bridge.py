"""Reading non-MSPDI schedule files through MPXJ (optional: needs Java and the mpxj package)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pmkit.errors import PmkitError
from pmkit.io.mpxj import mpxj_available, read_project_file
from pmkit.io.mspdi import read_mspdi

CORPUS = Path(
    os.environ.get("PMKIT_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus")
)
SAMPLE = CORPUS / "mspdi" / "legacy-sample.xml"


def test_unknown_suffix_is_named(tmp_path: Path) -> None:
    f = tmp_path / "plan.docx"
    f.write_text("x")
    with pytest.raises(PmkitError) as err:
        read_project_file(f)
    assert "plan.docx" in str(err.value) and ".docx" in str(err.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PmkitError, match=r"nope\.mpp"):
        read_project_file(tmp_path / "nope.mpp")


@pytest.mark.skipif(not mpxj_available(), reason="MPXJ needs the mpxj package and Java")
def test_mpx_file_read_through_mpxj_matches_the_mspdi_original(tmp_path: Path) -> None:
    if not SAMPLE.exists():
        pytest.skip(f"corpus not found at {CORPUS} (set PMKIT_CORPUS)")
    import jpype
    import mpxj  # noqa: F401

    if not jpype.isJVMStarted():
        from pmkit.io.mpxj import start_jvm

        start_jvm()
    from org.mpxj.mpx import MPXWriter
    from org.mpxj.reader import UniversalProjectReader

    mpx = tmp_path / "sample.mpx"
    MPXWriter().write(UniversalProjectReader().read(str(SAMPLE)), str(mpx))
    via_mpxj = read_project_file(mpx)
    native = read_mspdi(SAMPLE)
    assert via_mpxj.path == str(mpx)
    names = lambda p: sorted(p.tasks.loc[p.tasks["uid"].astype(int) > 0, "name"])  # noqa: E731
    assert names(via_mpxj) == names(native)
    assert len(via_mpxj.links) == len(native.links)
