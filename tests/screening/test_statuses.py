"""Yes/no criteria (pregnancy, breastfeeding, HIV, hepatitis B and C) from Conditions and coded test results."""

from __future__ import annotations

import pytest

from fhir_adapter.screening import Finding, evaluate_characteristic
from fhir_adapter.screening.statuses import US_CORE_BIRTHSEX
from tests.screening.groups import (
    NEGATIVE,
    POSITIVE,
    STALE,
    V3_INTERPRETATION,
    Json,
    condition,
    context,
    criterion,
    loinc,
    observation,
    one,
    patient,
    snomed,
)

HIV = criterion("exclusion 1", "Known HIV infection", code=snomed("86406008"), exclude=True)
HEPATITIS_C = criterion("exclusion 2", "Active hepatitis C", code=snomed("50711007"), exclude=True)
PREGNANT = criterion("exclusion 3", "Pregnant women", code=snomed("77386006"), exclude=True)
NOT_PREGNANT = criterion(
    "inclusion 1", "Negative pregnancy test", code=snomed("77386006"), valueBoolean=False
)  # docs/eligibility-r4.md: an inclusion that says "not" codes the status with valueBoolean false
BREASTFEEDING = criterion("exclusion 4", "Lactating women", code=snomed("169750002"), exclude=True)


def _finding(item: Json, *resources: Json, gender: str = "female", extra: Json | None = None) -> Finding:
    return evaluate_characteristic(one(item), patient(*resources, gender=gender, extra=extra), context())


def test_an_active_condition_shows_the_status() -> None:
    finding = _finding(HIV, condition("86406008"))
    assert finding.holds is True and finding.satisfied is False
    assert [e.resource for e in finding.evidence] == ["Condition/c1"]


@pytest.mark.parametrize(
    ("clinical", "verification"),
    [("resolved", "confirmed"), ("inactive", "confirmed"), ("active", "refuted"), ("active", "entered-in-error"),
     ("active", "provisional")],
)  # fmt: skip
def test_conditions_that_are_not_active_and_confirmed_are_no_evidence(
    clinical: str, verification: str
) -> None:
    assert _finding(HIV, condition("86406008", clinical, verification=verification)).holds is None


def test_no_condition_on_record_is_never_taken_as_absence() -> None:
    finding = _finding(HIV)
    assert finding.holds is None
    assert finding.reason == "no Condition showing 86406008; no 86406008 test result on record"


@pytest.mark.parametrize(
    ("result", "expected"),
    [({"valueCodeableConcept": POSITIVE}, True), ({"valueCodeableConcept": NEGATIVE}, False),
     ({"interpretation": [{"coding": [{"system": V3_INTERPRETATION, "code": "DET"}]}]}, True),
     ({"interpretation": [{"coding": [{"system": V3_INTERPRETATION, "code": "ND"}]}]}, False),
     ({"valueString": "negative"}, None)],
    ids=["positive", "negative", "detected", "not-detected", "uncoded-text"],
)  # fmt: skip
def test_hcv_rna_decides_active_hepatitis_c(result: Json, expected: bool | None) -> None:
    assert _finding(HEPATITIS_C, observation(loinc("11259-9"), **result)).holds is expected


def test_a_stale_negative_test_decides_nothing() -> None:
    finding = _finding(HEPATITIS_C, observation(loinc("11259-9"), STALE, valueCodeableConcept=NEGATIVE))
    assert finding.holds is None and "the latest is from 2024-11-15" in finding.reason


def test_an_active_condition_and_a_negative_test_conflict() -> None:
    test = observation(loinc("9836-8"), valueCodeableConcept=NEGATIVE)
    finding = _finding(HIV, condition("86406008"), test)
    assert finding.holds is None and finding.reason.startswith("conflicting")
    assert {e.resource for e in finding.evidence} == {"Condition/c1", "Observation/o1"}


@pytest.mark.parametrize(
    ("item", "result", "satisfied"),
    [(PREGNANT, POSITIVE, False), (PREGNANT, NEGATIVE, True), (NOT_PREGNANT, NEGATIVE, True),
     (NOT_PREGNANT, POSITIVE, False)],
    ids=["exclusion-positive", "exclusion-negative", "inclusion-negative", "inclusion-positive"],
)  # fmt: skip
def test_pregnancy_test_against_exclusion_and_negated_inclusion(
    item: Json, result: Json, satisfied: bool
) -> None:
    finding = _finding(item, observation(loinc("2106-3"), valueCodeableConcept=result))
    assert finding.satisfied is satisfied


def test_pregnancy_status_observation_values_are_read() -> None:
    pregnant = {"coding": [{"system": "http://snomed.info/sct", "code": "77386006"}]}
    not_pregnant = {"coding": [{"system": "http://snomed.info/sct", "code": "60001007"}]}
    assert _finding(PREGNANT, observation(loinc("82810-3"), valueCodeableConcept=pregnant)).holds is True
    assert _finding(PREGNANT, observation(loinc("82810-3"), valueCodeableConcept=not_pregnant)).holds is False


def test_male_sex_at_birth_rules_out_pregnancy_but_not_breastfeeding() -> None:
    birth_sex = {"extension": [{"url": US_CORE_BIRTHSEX, "valueCode": "M"}]}
    assert _finding(PREGNANT, gender="male", extra=birth_sex).holds is False
    assert _finding(BREASTFEEDING, gender="male", extra=birth_sex).holds is None
    assert _finding(PREGNANT, gender="male").holds is None  # administrative gender alone does not


@pytest.mark.parametrize(("answer", "expected"), [("LA29252-6", True), ("LA29253-4", False)])
def test_breastfeeding_status_answers(answer: str, expected: bool) -> None:
    value = {"coding": [{"system": "http://loinc.org", "code": answer}]}
    assert (
        _finding(BREASTFEEDING, observation(loinc("63895-7"), valueCodeableConcept=value)).holds is expected
    )
