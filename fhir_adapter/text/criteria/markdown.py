"""Markdown as CT.gov writes it in criteria: backslash escapes before <, >, [ and friends."""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>=~|^])")


def unescape(text: str) -> str:
    r"""Remove markdown backslash escapes, which CT.gov adds before <, >, [ and friends.

    >>> unescape(r"platelets \<30 x 109/L and \[CTCAE\]")
    'platelets <30 x 109/L and [CTCAE]'
    """
    return _ESCAPE.sub(r"\1", text)
