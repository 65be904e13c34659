"""The chart module every page runs applies data updates as row diffs (#12).

:mod:`pmkit.ui._rowdiff` edits altair's bundled text; these tests pin that the installed
altair's text is the one it knows, and that any other text is left as altair wrote it.
(What the patched module draws is compared with fresh embeds in
``tests/browser/test_rowdiff_page.py``.)
"""

from __future__ import annotations

import logging

import pytest

from pmkit.ui._rowdiff import MARKER, PATCHES, patch_bundle, rowdiff_js
from pmkit.ui._shown import MARKER as SHOWN


def test_the_installed_altair_bundle_is_patched(installed_esm: str) -> None:
    esm = installed_esm
    assert esm.startswith(SHOWN + MARKER)  # rowdiff inside, the deferred draw around it
    for old, new in PATCHES:
        assert esm.count(new) == 1 and old not in esm.replace(new, "")
    assert "function pmkitSetData(" in esm and rowdiff_js() in esm


def test_another_text_is_kept_as_altair_wrote_it(caplog: pytest.LogCaptureFixture) -> None:
    text = "function setDataValue(view,name,scope,value){/* another altair */}"
    with caplog.at_level(logging.WARNING, logger="pmkit.ui"):
        assert patch_bundle(text) == text
    assert "replace every row" in caplog.text


def test_a_bundle_is_patched_once() -> None:
    text = "".join(old for old, _new in PATCHES)
    once = patch_bundle(text)
    assert once.startswith(MARKER) and once.count("function pmkitSetData(") == 1
    assert patch_bundle(once) == once


def test_a_pattern_found_twice_is_not_patched() -> None:
    text = "".join(old for old, _new in PATCHES) + PATCHES[0][0]
    assert patch_bundle(text) == text
