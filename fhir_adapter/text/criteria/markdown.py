"""Markdown as CT.gov writes it in criteria: backslash escapes before <, >, [ and friends."""

from __future__ import annotations

import re

# CommonMark: a backslash before any ASCII punctuation character is an escape (CT.gov writes \< \> \[ \&).
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape(text: str) -> str:
    r"""Remove markdown backslash escapes, which CT.gov adds before <, >, [ and friends.

    >>> unescape(r"platelets \<30 x 109/L and \[CTCAE\]; 2mg/m\^2; D\&C")
    'platelets <30 x 109/L and [CTCAE]; 2mg/m^2; D&C'
    """
    return _ESCAPE.sub(r"\1", text)
