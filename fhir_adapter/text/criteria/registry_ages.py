"""Withhold an age read from the text that is not a limit of the age range the record itself states.

The age most often read wrong is one that is not a limit on the patient's current age: a subgroup's row
("Patients under 6 years old: ..."), a cohort's band ("patients aged 30-49 years"), a relative's or a
menopause age, a list number. The record states the patients' age range in structured fields (CT.gov
minimumAge/maximumAge, `text.ages.AgeRange`), so an age the text states for everyone now can be checked
against it: its limit should be an end of that range, within a year of rounding ("< 76" beside "75 Years",
"> 17" beside "18 Years").

A record's structured range is not always the text's, though: a registry may state "18 Years" while the text
asks for "Age >= 60" throughout. So an age is doubted only when the text also states the range's own limit
somewhere (an age read that does match an end): then the text and the range agree on who may enrol, and an
age beside it that does not match names someone else. It is withheld (the Group keeps its words as text, and
its age from the structured range), never corrected.

Only ages that hold for everyone now are checked: one with a subgroup (`condition`), a time (`timing`, "at
diagnosis") or an alternative is a limit that need not be an end of the whole range. An exclusion states
the complement of a limit ("Age < 18" excludes the younger: a lower limit of 18); an exclusion's band
("aged 30-49") excludes a middle and is not checked. An end of the range the record does not state (N/A)
checks nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from fhir_adapter.text.ages import YEARS_PER_UNIT, AgeRange
from fhir_adapter.text.criteria.model import INCLUSION, Criterion, Fact, Unclear

# The age units the criteria parser reads (words.py, UCUM) as fractions of a year, from the table CT.gov's
# structured ages are read with (text.ages), so a text's age and the record's range are on one scale.
_UCUM_AGE_WORDS = {"a": "year", "mo": "month", "wk": "week", "d": "day", "h": "hour"}
_YEARS_PER_UNIT = {code: YEARS_PER_UNIT[word] for code, word in _UCUM_AGE_WORDS.items()}
# Written ages are rounded ("< 76 years" beside a maximum of "75 Years"): a year either way matches.
ROUNDING_YEARS = 1.0
_LOWER = "low"
_UPPER = "high"
# Which end of the patient's range a one-sided limit is, by section: an exclusion states the complement.
_END_OF = {
    (True, ">"): _LOWER,
    (True, ">="): _LOWER,
    (True, "<"): _UPPER,
    (True, "<="): _UPPER,
    (False, "<"): _LOWER,
    (False, "<="): _LOWER,
    (False, ">"): _UPPER,
    (False, ">="): _UPPER,
}


def withhold_unbounded_ages(criteria: tuple[Criterion, ...], ages: AgeRange | None) -> tuple[Criterion, ...]:
    """Return the criteria with each age for everyone now that no end of `ages` bounds moved to `unclear`,
    when another age of the text matches the range; unchanged without a range or such an age."""
    if ages is None or not any(_matches(c, f, ages) for c in criteria for f in _ages(c)):
        return criteria
    return tuple(_withheld(criterion, ages) for criterion in criteria)


def _withheld(criterion: Criterion, ages: AgeRange) -> Criterion:
    doubted = [f for f in _ages(criterion) if _plain(f) and _matches(criterion, f, ages) is False]
    return criterion.withholding([(f, Unclear(f.kind, f.phrase, _reason(ages))) for f in doubted])


def _reason(ages: AgeRange) -> str:
    stated = f"{_years(ages.low)} to {_years(ages.high)}"
    return (
        f"an age that is no end of the record's own age range ({stated}), which the text states elsewhere: "
        "a subgroup's, a relative's or another age, not the patient's limit"
    )


def _years(value: float | None) -> str:
    return "no limit" if value is None else f"{value:g} years"


def _ages(criterion: Criterion) -> Iterator[Fact]:
    return (f for f in criterion.facts if f.kind == "age" and f.is_threshold and f.unit in _YEARS_PER_UNIT)


def _plain(fact: Fact) -> bool:
    """Return True for an age that holds for everyone now: no subgroup, time or alternative."""
    return not (fact.condition or fact.timing or fact.alternative)


def _matches(criterion: Criterion, fact: Fact, ages: AgeRange) -> bool | None:
    """Return whether the age's limits are ends of the range, within rounding; None when the range states
    none of the ends they would be (or the fact is an exclusion's band)."""
    checked = [
        (value, end)
        for side, value in _ends(criterion.section == INCLUSION, fact)
        if (end := ages.low if side == _LOWER else ages.high) is not None
    ]
    if not checked:
        return None
    return all(abs(value - end) <= ROUNDING_YEARS for value, end in checked)


def _ends(inclusion: bool, fact: Fact) -> list[tuple[str, float]]:
    """Return the ends of the patient's range the age states, in years: (side, value)."""
    per_unit = _YEARS_PER_UNIT[fact.unit or ""]
    if fact.comparator is not None and fact.value is not None:
        side = _END_OF.get((inclusion, fact.comparator))
        return [] if side is None else [(side, fact.value * per_unit)]
    if not inclusion or fact.low is None or fact.high is None:
        return []
    return [(_LOWER, fact.low * per_unit), (_UPPER, fact.high * per_unit)]
