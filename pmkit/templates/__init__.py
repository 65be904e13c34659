"""Packaged templates: the one commented ``standards.yaml`` every PMO default comes from.

:data:`pmkit.standards.DEFAULTS` loads it, ``pmkit generate`` writes its sample part
(with the sample's status date and prioritisation) and ``pmkit init --empty`` copies it.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["SAMPLE_END", "standards_template"]

#: The line after which the template holds defaults the sample's file leaves out.
SAMPLE_END = "# ---- end of the sample's standards"


def standards_template() -> str:
    """The text of the packaged, commented ``standards.yaml`` template."""
    return resources.files(__package__).joinpath("standards.yaml").read_text(encoding="utf-8")
