"""One form for the characters of registry text, applied once to every string a reader reads.

FHIR strings may hold any character except those below U+0020 other than TAB, CR and LF. Pasted registry
text carries no-break and other Unicode spaces, Unicode line ends and invisible marks; the README's table
("Whitespace and control characters") says what becomes of each, and this module is that table.
"""

from __future__ import annotations

import re

_SPACES = "\u00a0\u2007\u202f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B))
_LINE_ENDS = "\u2028\u2029\u0085\u000b\u000c"
_INVISIBLE = "\u200b\ufeff"
_CONTROLS = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r\u000b\u000c")
_TABLE = str.maketrans(
    {
        **dict.fromkeys(_SPACES, " "),
        **dict.fromkeys(_LINE_ENDS, "\n"),
        **dict.fromkeys(_INVISIBLE + _CONTROLS),  # None: removed
    }
)
_CR = re.compile(r"\r\n?")
CHANGED = "\r" + _SPACES + _LINE_ENDS + _INVISIBLE + _CONTROLS  # every character normalize_characters changes
NEEDS_WORK = re.compile(f"[{re.escape(CHANGED)}]")


def normalize_characters(text: str) -> str:
    r"""Return `text` with Unicode spaces as a space, line ends as LF, invisible marks and controls removed.

    >>> normalize_characters("Age\u00a0\u2265\u202f18 years\u2028ECOG 0-1\r\nHb\u200b \u0007> 9")
    'Age \u2265 18 years\nECOG 0-1\nHb > 9'
    >>> normalize_characters("plain text stays the same object") == "plain text stays the same object"
    True
    """
    if not NEEDS_WORK.search(text):
        return text  # the common case: nothing to change, no copy made
    return _CR.sub("\n", text).translate(_TABLE)
