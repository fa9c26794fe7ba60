"""Markdown as CT.gov writes it in free text: backslash escapes before <, >, [, ^ and friends."""

from __future__ import annotations

import re

# CommonMark: a backslash before any ASCII punctuation character is an escape (CT.gov writes \< \> \[ \& \^).
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# The escaping backslash alone, for parsers that blank it out and keep every position of the text.
MARKDOWN_ESCAPE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")


def unescape(text: str) -> str:
    r"""Return `text` as a reader sees it: CT.gov's Markdown escapes removed, nothing else changed.

    >>> unescape(r"platelets \<30 x 109/L and \[CTCAE\]; 2mg/m\^2; D\&C")
    'platelets <30 x 109/L and [CTCAE]; 2mg/m^2; D&C'
    >>> unescape("\\>75 years: 20 mg/day; a\\_b; C:\\path")
    '>75 years: 20 mg/day; a_b; C:\\path'
    """
    if "\\" not in text:  # most texts: nothing to unescape, no pattern run
        return text
    return _ESCAPE.sub(r"\1", text)
