"""Age at the screening date from Patient.birthDate, and sex from Patient.gender.

Age is counted in completed units of the criterion's unit (years for `a`, months for `mo`, weeks, days), as
people count birthdays: 17 years and 364 days is 17. A birthDate of only a year (or year and month) gives
the youngest and oldest possible age; the criterion is decided only when both agree.
"""

from __future__ import annotations

import calendar
from datetime import date

from fhir_adapter.screening.evidence import Evidence, ScreeningContext, reference
from fhir_adapter.screening.findings import Finding
from fhir_adapter.screening.intervals import Interval, decide, describe
from fhir_adapter.screening.measures import read_threshold
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
    """Return whether the patient's age at the screening date lies in the characteristic's range."""
    threshold = read_threshold(characteristic.value)
    if isinstance(threshold, str):
        return Finding(characteristic, None, threshold)
    interval, unit = threshold
    birth_date = patient.patient.get("birthDate")
    born = birth_range(birth_date) if isinstance(birth_date, str) else None
    if unit not in AGE_UNITS:
        return Finding(characteristic, None, f"an age in {unit!r} is not counted; review")
    if born is None:
        return Finding(characteristic, None, "the patient has no usable birthDate")
    on = context.screening_date
    age = Interval(completed(unit, born[1], on), completed(unit, born[0], on))
    evidence = Evidence(
        reference(patient.patient), f"birthDate {birth_date}", note=f"age {describe(age, unit)} on {on}"
    )
    reason = f"age {describe(age, unit)} on {on}; criterion {describe(interval, unit)}"
    return Finding(characteristic, decide(age, interval), reason, (evidence,))


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
