"""Read CT.gov's structured ages ("18 Years", "6 Months"), and the age range a record states with them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+([A-Za-z]+)\s*$")
# CT.gov's age unit words (singular and plural), as fractions of a year; "Minutes" and "Hours" are ages too
YEARS_PER_UNIT = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / 8766,
    "minute": 1 / 525_960,
}


@dataclass(frozen=True)
class AgeRange:
    """The patients' age range a record states in its structured fields (CT.gov minimumAge/maximumAge,
    legacy minimum_age/maximum_age), in years; an end is None when the record does not state it."""

    low: float | None = None
    high: float | None = None


def parse_age(text: str) -> tuple[float, str] | None:
    """Return (number, unit word) for a CT.gov age, or None when it is not of that form.

    >>> parse_age("18 Years")
    (18.0, 'Years')
    >>> parse_age("N/A") is None
    True
    """
    match = _AGE.match(text)
    return (float(match.group(1)), match.group(2)) if match else None


def age_in_years(text: str | None) -> float | None:
    """Return a CT.gov age in years, None when absent or not of the form "<number> <unit>".

    >>> age_in_years("18 Years"), age_in_years("6 Months"), age_in_years("N/A")
    (18.0, 0.5, None)
    """
    parsed = parse_age(text) if text else None
    if parsed is None:
        return None
    per_unit = YEARS_PER_UNIT.get(parsed[1].lower().removesuffix("s"))
    return None if per_unit is None else parsed[0] * per_unit


def age_range(minimum: str | None, maximum: str | None) -> AgeRange | None:
    """Return the range the record's minimum and maximum ages state, None when it states neither.

    >>> age_range("18 Years", "N/A")
    AgeRange(low=18.0, high=None)
    """
    low, high = age_in_years(minimum), age_in_years(maximum)
    return None if low is None and high is None else AgeRange(low, high)
