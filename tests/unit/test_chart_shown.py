"""The chart module every page runs draws a hidden chart when it is shown (#12).

:mod:`pmkit.ui._shown` edits altair's bundled render; these tests pin that the installed
altair's text is the one it knows, and that any other text is left as altair wrote it. (What
the pages draw, hidden tabs included, is checked in ``tests/browser/test_hidden_charts.py``.)
"""

from __future__ import annotations

import logging
import re

import pytest

from pmkit.ui._shown import MARKER, PATCH, patch_shown, shown_js


def test_the_installed_altair_render_is_patched(installed_esm: str) -> None:
    esm = installed_esm
    old, new = PATCH
    assert esm.startswith(MARKER)
    assert esm.count(new) == 1 and old not in esm
    assert esm.endswith(shown_js()) and "function pmkitWhenShown(" in esm
    # every path to an embed goes through the deferral: altair's render calls it nowhere else
    assert len(re.findall(r"[(,]reembed[,)]", esm)) == 1 and "await reembed()" not in esm
    assert "pmkitWhenShown(el,reembed,model)" in esm  # the model: is the chart hidden in it


def test_another_render_is_kept_as_altair_wrote_it(caplog: pytest.LogCaptureFixture) -> None:
    text = "async function render({model,el}){/* another altair */await reembed();}"
    with caplog.at_level(logging.WARNING, logger="pmkit.ui"):
        assert patch_shown(text) == text
    assert "drawn at once" in caplog.text


def test_a_bundle_is_patched_once() -> None:
    once = patch_shown(PATCH[0])
    assert once.startswith(MARKER) and once.count("function pmkitWhenShown(") == 1
    assert patch_shown(once) == once
    assert patch_shown(PATCH[0] + PATCH[0]) == PATCH[0] + PATCH[0]  # found twice: not patched
