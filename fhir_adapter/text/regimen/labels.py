"""Who a dose is for, read from the label written just before it: "≤75 years: 40 mg/day", "Cohort 4: 8 mg
BID", "MD: ATG Thymo: 2,5mg/kg". A label is the text before a colon that is not a drug name, a heading word
("Regimen:", "Experimental:") or a sentence; an age label becomes an age condition. Plain results."""

from __future__ import annotations

import re
from collections.abc import Sequence

from fhir_adapter.text.regimen.doses import Dose
from fhir_adapter.text.regimen.lexicon import Mention
from fhir_adapter.text.regimen.model import DoseCondition
from fhir_adapter.text.regimen.schedule import AGE_CONDITION, age_condition

_CLAUSE_END = re.compile(r"[;\n]|\.\s")
_BULLET = re.compile(r"^\s*(?:[*\-•]|\d{1,2}[.)])\s*")
_GENERIC = frozenset(
    {
        *("regimen", "dose", "doses", "dosage", "dosing", "schedule", "treatment", "administration"),
        *("intervention", "drug", "drugs", "experimental", "arm", "route", "frequency", "note", "notes"),
        *("description", "group", "therapy", "study"),
    }
)
_MAX_LABEL_WORDS = 6
_SPACES = re.compile(r"\s+")
# A weight or age band written right before the dose: "weight based dosage (> 12 kg 400 mg/m2/day, < 12 kg
# 13.3 mg/kg/day" (NCT00070200).
_BAND_BEFORE = re.compile(
    r"(?P<band>(?:[<>≤≥]=?|\b(?:over|under))[ \t]*+\d{1,3}(?:\.\d{1,2})?[ \t]*+"
    r"(?:kg|years?(?:[ \t]++old)?|yrs?|months?(?:[ \t]++old)?))[ \t]*+:?[ \t]*+$",
    re.IGNORECASE,
)
_NUMBER_OR_COMPARATOR = re.compile(r"[\d<>≤≥]")
_SCHEDULE_LABEL = re.compile(r"^(?:days?|d\d|cycles?|weeks?|courses?)\b", re.IGNORECASE)
# What the previous dose says of itself ("MD: 15mg/kg BW/d 3 days MMD: 10mg/kg", NCT01949129) is not a label.
_LEADING_DURATION = re.compile(
    r"^\s*(?:for\s+)?\d+\s*(?:days?|weeks?|months?|years?|d)\b[\s,]*", re.IGNORECASE
)


def dose_condition(norm: str, dose: Dose, floor: int, mentions: Sequence[Mention]) -> DoseCondition | None:
    """Return the condition written for `dose`: a label before it, else an age just after it.

    `floor` is where the previous dose ends: a label never reaches back past another dose.

    >>> from fhir_adapter.text.regimen.doses import find_doses
    >>> text = "Dexamethasone on days 1, 8; ≤75 years: 40 mg/day;  >75 years: 20 mg/day."
    >>> [dose_condition(text, d, 0, []) for d in find_doses(text)]  # doctest: +NORMALIZE_WHITESPACE
    [DoseCondition(kind='age', text='≤75 years', comparator='<=', age_years=75.0),
     DoseCondition(kind='age', text='>75 years', comparator='>', age_years=75.0)]
    """
    window = norm[floor : dose.start]
    boundaries = list(_CLAUSE_END.finditer(window))
    clause_start = floor + (boundaries[-1].end() if boundaries else 0)
    label = _label(norm, clause_start, dose.start, mentions)
    if label is None:
        band = _BAND_BEFORE.search(norm, max(clause_start, dose.start - 30), dose.start)
        if band is not None:
            return _band_condition(band.group("band"))
        return _age_after(norm, dose)
    age = age_condition(label)
    if age:
        return DoseCondition("age", label, age[0], age[1])
    return DoseCondition("label", label)


def _label(norm: str, start: int, end: int, mentions: Sequence[Mention]) -> str | None:
    clause = norm[start:end]
    if ":" not in clause:
        return None
    parts = clause.split(":")
    gap = parts[-1]
    if len(gap.split()) > 3 or any(ch.isdigit() for ch in gap) or _has_mention(mentions, end - len(gap), end):
        return None
    position = end - len(gap) - 1
    for part in reversed(parts[:-1]):
        part_start = position - len(part)
        label = _LEADING_DURATION.sub("", _BULLET.sub("", part)).strip()
        position = part_start - 1
        if label and _has_mention(mentions, part_start, part_start + len(part)):
            continue  # "Carfilzomib: 27 mg/m2" names the drug, not a patient group
        return label if _is_group_label(label) else None
    return None


def _is_group_label(label: str) -> bool:
    words = label.split()
    if not words or len(words) > _MAX_LABEL_WORDS or all(w.lower().strip("()") in _GENERIC for w in words):
        return False
    # "Day 1:", "Cycle 2 and beyond:" say when, and are read as days and cycles
    return not _SCHEDULE_LABEL.match(label)


def _has_mention(mentions: Sequence[Mention], start: int, end: int) -> bool:
    return any(m.start < end and start < m.end for m in mentions)


def _band_condition(band: str) -> DoseCondition:
    text = _SPACES.sub(" ", band.strip())
    age = age_condition(text)
    return DoseCondition("age", text, age[0], age[1]) if age else DoseCondition("label", text)


def _age_after(norm: str, dose: Dose) -> DoseCondition | None:
    after = norm[dose.end : dose.end + 40]
    match = AGE_CONDITION.search(after)
    if not match or _CLAUSE_END.search(after[: match.start()]) or ":" in after[: match.end() + 1]:
        return None
    if _NUMBER_OR_COMPARATOR.search(after, 0, match.start()):
        return None  # "400 mg/m2/day, < 12 kg 13.3 mg/kg/day, < 2 years old": the age is a later item's
    age = age_condition(match.group())
    return DoseCondition("age", match.group(), age[0], age[1]) if age else None
