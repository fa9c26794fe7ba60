"""Small hand-written eligibility Groups and patients, following the decided R4 representation.

Each characteristic from a written criterion carries the eligibility-criterion extension and its verbatim text
in code.text; "A or B" inclusions and conditional thresholds are one uncoded characteristic with the
eligibility-logic extension (docs/eligibility-r4.md, rules 1 and 3); healthy volunteers not accepted is the
`healthy-volunteers` code with exclude true (rule 4).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fhir_adapter.screening import (
    Characteristic,
    PatientRecord,
    ScreeningContext,
    ScreeningTrial,
    load_screening_rules,
    trial_from_group,
)
from fhir_adapter.screening.trial import EXT_CRITERION, EXT_LOGIC, read_characteristic
from fhir_adapter.terms import CHARACTERISTIC_SYSTEM, LOINC_SYSTEM, SNOMED_SYSTEM, UCUM_SYSTEM

Json = dict[str, Any]
SCREENING_DATE = date(2025, 1, 31)
IN_WINDOW = "2025-01-20"
STALE = "2024-11-15"  # 77 days before the screening date
V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
POSITIVE = {"coding": [{"system": SNOMED_SYSTEM, "code": "10828004"}]}
NEGATIVE = {"coding": [{"system": SNOMED_SYSTEM, "code": "260385009"}]}


def context(lookback: int = 30) -> ScreeningContext:
    return ScreeningContext(load_screening_rules(), SCREENING_DATE, lookback)


def quantity(value: float, unit: str, comparator: str | None = None) -> Json:
    out: Json = {"value": value}
    if comparator:
        out["comparator"] = comparator
    return {**out, "unit": unit, "system": UCUM_SYSTEM, "code": unit}


def criterion(
    label: str, text: str, *, code: tuple[str, str] | None = None, exclude: bool = False, **value: Any
) -> Json:
    """Return a characteristic from a written criterion: label 'inclusion 3', verbatim text, coded or not."""
    concept: Json = {"text": text}
    if code is not None:
        concept = {"coding": [{"system": code[0], "code": code[1]}], "text": text}
    return {
        "extension": [{"url": EXT_CRITERION, "valueString": label}],
        "code": concept,
        **(value or {"valueBoolean": True}),
        "exclude": exclude,
    }


def with_logic(characteristic: Json, logic: str) -> Json:
    """Return the characteristic as R4 keeps an any-of or conditional criterion: text, valueBoolean, logic."""
    return {
        "extension": [*characteristic["extension"], {"url": EXT_LOGIC, "valueCode": logic}],
        "code": {"text": characteristic["code"]["text"]},
        "valueBoolean": True,
        "exclude": characteristic["exclude"],
    }


def healthy_volunteers_not_accepted() -> Json:
    return {
        "code": {
            "coding": [{"system": CHARACTERISTIC_SYSTEM, "code": "healthy-volunteers"}],
            "text": "Accepts healthy volunteers: No",
        },
        "valueBoolean": True,
        "exclude": True,
    }


def group(*characteristics: Json) -> Json:
    return {
        "resourceType": "Group",
        "type": "person",
        "actual": False,
        "characteristic": list(characteristics),
    }


def trial(*characteristics: Json) -> ScreeningTrial:
    return trial_from_group(group(*characteristics), nct_id="NCT00000000")


def one(item: Json) -> Characteristic:
    return read_characteristic(item, 1)


def loinc(code: str) -> tuple[str, str]:
    return (LOINC_SYSTEM, code)


def snomed(code: str) -> tuple[str, str]:
    return (SNOMED_SYSTEM, code)


def observation(code: tuple[str, str], day: str = IN_WINDOW, *, oid: str = "o1", **value: Any) -> Json:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": value.pop("status", "final"),
        "code": {"coding": [{"system": code[0], "code": code[1]}]},
        "effectiveDateTime": day,
        **value,
    }


def condition(
    code: str, clinical: str = "active", *, verification: str = "confirmed", cid: str = "c1"
) -> Json:
    return {
        "resourceType": "Condition",
        "id": cid,
        "clinicalStatus": {"coding": [{"code": clinical}]},
        "verificationStatus": {"coding": [{"code": verification}]},
        "code": {"coding": [{"system": SNOMED_SYSTEM, "code": code}]},
    }


def patient(
    *resources: Json, birth: str | None = "1970-01-01", gender: str = "female", extra: Json | None = None
) -> PatientRecord:
    record: Json = {"resourceType": "Patient", "id": "p1", "gender": gender, **(extra or {})}
    if birth:
        record["birthDate"] = birth
    out = PatientRecord("p1", record)
    for resource in resources:
        out.add(resource)
    return out
