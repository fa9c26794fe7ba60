"""Yes/no characteristics (pregnancy, breastfeeding, HIV, hepatitis B and C) from Conditions and tests.

Evidence, strongest first:
- an active Condition coded with the status's own SNOMED CT code (clinicalStatus active, recurrence or
  relapse; not refuted, entered in error, unconfirmed, provisional or differential; no abatement) shows it
  present;
- the latest test the mapping file lists for the status, inside the lookback window: its coded value or
  interpretation is positive or negative, and the mapping says what that means (present, absent, unknown);
- for pregnancy only, a recorded sex at birth of male (US Core birthsex `M`) shows it absent.
An active Condition and a negative test in the window disagree: the result is unknown, both are shown.
No record of a Condition is never taken as its absence: without a test the status is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_adapter.screening.evidence import (
    Evidence,
    ScreeningContext,
    codes_of,
    latest_result,
    parse_day,
    reference,
    stale_reason,
)
from fhir_adapter.screening.findings import Finding
from fhir_adapter.screening.patients import PatientRecord
from fhir_adapter.screening.rules import StatusTest
from fhir_adapter.screening.trial import Characteristic, Code
from fhir_adapter.terms import SNOMED_SYSTEM

PREGNANCY = (SNOMED_SYSTEM, "77386006")
US_CORE_BIRTHSEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
ACTIVE = frozenset({"active", "recurrence", "relapse"})
NOT_CONFIRMED = frozenset({"refuted", "entered-in-error", "unconfirmed", "provisional", "differential"})

Status = tuple[str | None, str, tuple[Evidence, ...]]  # present / absent / None, why, evidence


def evaluate_status(
    characteristic: Characteristic, patient: PatientRecord, context: ScreeningContext
) -> Finding:
    """Return whether the patient's status is the one the characteristic states (valueBoolean)."""
    wanted = characteristic.value.get("valueBoolean")
    if not isinstance(wanted, bool):
        return Finding(characteristic, None, "the criterion's value is not yes or no")
    codes = [code for code in characteristic.codes if code[0] == SNOMED_SYSTEM]
    presence, reason, evidence = patient_status(codes, patient, context, what=characteristic.display)
    holds = None if presence is None else (presence == "present") == wanted
    return Finding(characteristic, holds, reason, evidence)


def patient_status(
    codes: list[Code], patient: PatientRecord, context: ScreeningContext, *, what: str
) -> Status:
    """Return whether the status is present or absent (None: unknown), why, and the data used."""
    condition = _active_condition(patient, set(codes), context)
    tests = [test for code in codes for test in context.rules.tests_for(code)]
    tested = _latest_test(tests, patient, context, what=what)
    if condition is not None:
        if tested[0] == "absent":
            return None, f"conflicting: an active {what} Condition and {tested[1]}", (condition, *tested[2])
        return "present", f"active {what} Condition recorded", (condition,)
    if tested[0] is not None:
        return tested
    if PREGNANCY in codes and _birth_sex(patient.patient) == "M":
        evidence = Evidence(reference(patient.patient), "US Core birthsex M")
        return "absent", "sex at birth recorded as male", (evidence,)
    return tested


def _active_condition(patient: PatientRecord, codes: set[Code], context: ScreeningContext) -> Evidence | None:
    for condition in patient.conditions:
        if not codes_of(condition.get("code")) & codes or not _is_active(condition):
            continue
        onset = parse_day(condition.get("onsetDateTime")) or parse_day(condition.get("recordedDate"))
        if onset is not None and onset > context.screening_date:
            continue
        status = "/".join(sorted(c for _, c in codes_of(condition.get("clinicalStatus"))))
        return Evidence(reference(condition), f"clinicalStatus {status}", str(onset) if onset else None)
    return None


def _is_active(condition: Mapping[str, Any]) -> bool:
    clinical = {code for _, code in codes_of(condition.get("clinicalStatus"))}
    verification = {code for _, code in codes_of(condition.get("verificationStatus"))}
    abated = any(key.startswith("abatement") for key in condition)
    return bool(clinical & ACTIVE) and not verification & NOT_CONFIRMED and not abated


def _latest_test(
    tests: list[StatusTest], patient: PatientRecord, context: ScreeningContext, *, what: str
) -> Status:
    if not tests:
        return None, f"no Condition showing {what}, and no test for it is listed in the mapping file", ()
    by_code = {test.code: test for test in tests}
    found = latest_result(patient.observations_with(by_code), frozenset(by_code), context)
    if found.in_window is None:
        stale = found.latest
        evidence = (
            (Evidence(reference(stale.observation), "test result", str(stale.day), "outside the window"),)
            if stale
            else ()
        )
        return None, f"no Condition showing {what}; {stale_reason(found, what + ' test', context)}", evidence
    observation, day = found.in_window.observation, str(found.in_window.day)
    meaning, shown = _meaning(observation, context)
    evidence = (Evidence(reference(observation), shown, day),)
    if meaning is None:
        return None, f"the {what} test on {day} is not coded as positive or negative", evidence
    test = next(by_code[c] for c in codes_of(observation.get("code")) if c in by_code)
    presence = test.when_positive if meaning == "positive" else test.when_negative
    said = f"{what} test {meaning} on {day}"
    if presence == "unknown":
        return None, f"{said}, which does not settle it", evidence
    return presence, said, evidence


def _meaning(observation: Mapping[str, Any], context: ScreeningContext) -> tuple[str | None, str]:
    """Return 'positive'/'negative' from the coded value, else from the interpretation, and the code shown."""
    for concept in (observation.get("valueCodeableConcept"), *(observation.get("interpretation") or [])):
        for code in sorted(codes_of(concept)):
            meaning = context.rules.result_meaning(code)
            if meaning is not None:
                return meaning, f"{meaning} ({code[1]})"
    shown = next(iter(sorted(codes_of(observation.get("valueCodeableConcept")))), ("", "uncoded value"))[1]
    return None, shown


def _birth_sex(patient: Mapping[str, Any]) -> str | None:
    for extension in patient.get("extension") or []:
        if isinstance(extension, Mapping) and extension.get("url") == US_CORE_BIRTHSEX:
            return str(extension.get("valueCode") or "") or None
    return None
