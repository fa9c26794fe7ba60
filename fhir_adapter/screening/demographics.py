"""Age at the screening date from Patient.birthDate, and sex from Patient.gender.

Age is counted in completed units of the criterion's unit (years for `a`, months for `mo`, weeks, days), as
people count birthdays: 17 years and 364 days is 17. A birthDate of only a year (or year and month) gives
the youngest and oldest possible age; the criterion is decided only when both agree.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from typing import Any

from fhir_adapter.screening.evidence import Evidence, ScreeningContext, reference
from fhir_adapter.screening.findings import Finding
from fhir_adapter.screening.intervals import Interval, decide, describe
from fhir_adapter.screening.patients import PatientRecord
from fhir_adapter.screening.trial import Characteristic

AGE_UNITS = ("a", "mo", "wk", "d")
GENDER_SYSTEM = "http://hl7.org/fhir/administrative-gender"


def completed(unit: str, born: date, on: date) -> int:
    """Return the completed years, months, weeks or days from `born` to `on`.

    >>> day = date(2025, 1, 31)
    >>> completed("a", date(2007, 2, 1), day), completed("a", date(2007, 1, 31), day)
    (17, 18)
    >>> completed("mo", date(2024, 1, 31), date(2024, 2, 29)), completed("wk", date(2025, 1, 1), day)
    (0, 4)
    """
    if unit == "d":
        return (on - born).days
    if unit == "wk":
        return (on - born).days // 7
    months = (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)
    return months // 12 if unit == "a" else months


def birth_range(text: str) -> tuple[date, date] | None:
    """Return the earliest and latest day a FHIR birthDate allows ('1980' is 1980-01-01 .. 1980-12-31).

    >>> birth_range("1980-02")
    (datetime.date(1980, 2, 1), datetime.date(1980, 2, 29))
    >>> birth_range("born") is None
    True
    """
    try:
        if len(text) == 4:
            year = int(text)
            return date(year, 1, 1), date(year, 12, 31)
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:7])
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        day = date.fromisoformat(text[:10])
        return day, day
    except ValueError:
        return None


def evaluate_age(
    characteristic: Characteristic, patient: PatientRecord, context: ScreeningContext
) -> Finding:
    """Return whether the patient's age at the screening date lies in the characteristic's range.

    Each bound is counted in its own unit: "1 Month to 18 Years" is at least 1 completed month and at most 18
    completed years (so until the 19th birthday), as CT.gov states ages.
    """
    bounds = age_bounds(characteristic.value)
    if isinstance(bounds, str):
        return Finding(characteristic, None, bounds)
    birth_date = patient.patient.get("birthDate")
    born = birth_range(birth_date) if isinstance(birth_date, str) else None
    if born is None:
        return Finding(characteristic, None, "the patient has no usable birthDate")
    on = context.screening_date
    decisions, ages = [], []
    for interval, unit in bounds:
        age = Interval(completed(unit, born[1], on), completed(unit, born[0], on))
        decisions.append(decide(age, interval))
        ages.append(describe(age, unit))
    holds = False if False in decisions else (True if all(decisions) else None)
    wanted = " and ".join(describe(interval, unit) for interval, unit in bounds)
    age_text = " / ".join(dict.fromkeys(ages))
    evidence = Evidence(reference(patient.patient), f"birthDate {birth_date}", note=f"age {age_text} on {on}")
    return Finding(characteristic, holds, f"age {age_text} on {on}; criterion {wanted}", (evidence,))


def age_bounds(value: Mapping[str, Any]) -> list[tuple[Interval, str]] | str:
    """Return the age conditions of a characteristic value, one per bound, each in its own unit.

    >>> one_month_to_18 = {"low": {"value": 1, "code": "mo"}, "high": {"value": 18, "code": "a"}}
    >>> bounds = age_bounds({"valueRange": one_month_to_18})
    >>> [(describe(interval), unit) for interval, unit in bounds]
    [('>= 1', 'mo'), ('<= 18', 'a')]
    """
    quantity = value.get("valueQuantity")
    if isinstance(quantity, Mapping):
        parts = [(quantity.get("comparator"), quantity)]
    elif isinstance(value.get("valueRange"), Mapping):
        parts = [(c, value["valueRange"].get(k)) for c, k in ((">=", "low"), ("<=", "high"))]
    else:
        return "the criterion's age is not a quantity or range"
    bounds = []
    for comparator, bound in parts:
        if not isinstance(bound, Mapping) or not isinstance(bound.get("value"), int | float):
            continue
        unit = str(bound.get("code") or bound.get("unit") or "")
        if unit not in AGE_UNITS:
            return f"an age in {unit!r} is not counted; review"
        bounds.append((Interval.from_comparator(comparator, float(bound["value"])), unit))
    return bounds or "the criterion states no age"


def evaluate_sex(
    characteristic: Characteristic, patient: PatientRecord, context: ScreeningContext
) -> Finding:
    """Return whether Patient.gender is the sex the characteristic asks for (the date plays no part)."""
    concept = characteristic.value.get("valueCodeableConcept")
    wanted = {
        str(c.get("code"))
        for c in (concept.get("coding") or [] if isinstance(concept, dict) else [])
        if c.get("system") == GENDER_SYSTEM
    }
    if not wanted:
        return Finding(characteristic, None, "the criterion names no administrative gender")
    gender = patient.patient.get("gender")
    evidence = (Evidence(reference(patient.patient), f"gender {gender or '(none)'}"),)
    if gender not in ("male", "female"):
        return Finding(characteristic, None, f"Patient.gender is {gender or 'not recorded'}", evidence)
    reason = f"gender {gender}; criterion {' or '.join(sorted(wanted))}"
    return Finding(characteristic, gender in wanted, reason, evidence)
