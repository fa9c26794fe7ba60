"""The patient's age limits in a criterion: "Age >= 18 years", "18-75 years old", "18 years or older"."""

from __future__ import annotations

import re

from fhir_adapter.text.criteria.measures import (
    AGE_BEFORE,
    AGE_BETWEEN,
    AGE_COMPARATOR_FIRST,
    AGE_CONTEXT,
    AGE_RANGE,
    AGE_SUBJECT,
    CONDITIONAL_BEFORE,
    NOT_PATIENT_AGE,
)
from fhir_adapter.text.criteria.model import Fact, Found
from fhir_adapter.text.criteria.values import facts_in_window, inclusive, window_after
from fhir_adapter.text.criteria.words import COMPARATOR_CODES, allowed_units, parse_number
from fhir_adapter.text.first_chars import guarded

_AGE_HINT = guarded(re.compile(r"year|yr|month|\bage|\bans\b", re.IGNORECASE))  # issue 16: 2.5x faster
_LINE = re.compile(r"[^\n]+")


def age_facts(text: str) -> list[Found]:
    """Return the patient's age limits, line by line: a line about relatives, donors, cohorts or a menopause
    definition states someone else's age, and an age after "for patients with" is a subgroup's."""
    found: list[Found] = []
    for line in _LINE.finditer(text):
        if _AGE_HINT.search(line.group()) and not NOT_PATIENT_AGE.search(line.group()):
            found.extend(
                f._replace(start=f.start + line.start(), end=f.end + line.start())
                for f in _in_line(line.group())
            )
    return found


def _in_line(text: str) -> list[Found]:
    found: list[Found] = []
    for pattern, unit_required in ((AGE_CONTEXT, False), (AGE_SUBJECT, True)):
        for match in pattern.finditer(text):
            if _closes_bracket(text, match.end()):
                continue
            if not _is_conditional(text, match.end()):
                window = window_after(text, match.end())
                read = facts_in_window("age", window, match.group(0), unit_required=unit_required)
                found.extend(Found(w.fact, match.start(), match.end() + w.end) for w in read)
    for pattern in (AGE_RANGE, AGE_BETWEEN):
        for match in pattern.finditer(text):
            low, high = parse_number(match.group("num")), parse_number(match.group("num2"))
            unit = allowed_units("age", match.groupdict().get("unit") or "years")
            if unit and low < high and not _is_conditional(text, match.start()):
                fact = Fact("age", match.group(0), low=low, high=high, unit=unit)
                found.append(Found(fact, match.start(), match.end()))
    for match in AGE_COMPARATOR_FIRST.finditer(text):
        comparator = inclusive(COMPARATOR_CODES.lookup(match.group("comp")), text, match.end())
        unit = allowed_units("age", match.group("unit") or "years")
        if comparator and unit and not _is_conditional(text, match.start()):
            fact = Fact("age", match.group(0), comparator, parse_number(match.group("num")), unit=unit)
            found.append(Found(fact, match.start(), match.end()))
    for match in AGE_BEFORE.finditer(text):
        before = _age_before(text, match)
        if before:
            found.append(Found(before, match.start(), match.end()))
    return found


def _closes_bracket(text: str, position: int) -> bool:
    """Return True for "(depending on the patient's age) >= 50": the value after the bracket is the outer
    measure's, not an age (a few characters only, so no pattern rescans long runs of spaces)."""
    return text[position : position + 3].lstrip().startswith(")")


def _is_conditional(text: str, position: int) -> bool:
    return bool(CONDITIONAL_BEFORE.search(text[max(0, position - 40) : position]))


def _age_before(text: str, match: re.Match[str]) -> Fact | None:
    """Return the fact of "18 years of age or older" or "at least 18 years old"; None for a bare duration."""
    written = match.group("post") or (match.group("comp") if match.group("of") else None)
    comparator = COMPARATOR_CODES.lookup(written.strip(" ,")) if written else None
    comparator = inclusive(comparator, text, match.end())
    unit = allowed_units("age", match.group("unit"))
    if comparator is None or unit is None:
        return None
    if _is_conditional(text, match.start()):
        return None
    return Fact("age", match.group(0).strip(), comparator, parse_number(match.group("num")), unit=unit)
