"""Read CT.gov's structured ages ("18 Years", "6 Months")."""

from __future__ import annotations

import re

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+([A-Za-z]+)\s*$")


def parse_age(text: str) -> tuple[float, str] | None:
    """Return (number, unit word) for a CT.gov age, or None when it is not of that form.

    >>> parse_age("18 Years")
    (18.0, 'Years')
    >>> parse_age("N/A") is None
    True
    """
    match = _AGE.match(text)
    return (float(match.group(1)), match.group(2)) if match else None
