"""Numeric criteria: latest result in the window, unit conversion, multiples of ULN, scores in every form."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_adapter.screening import evaluate_characteristic
from tests.screening.groups import (
    STALE,
    V3_INTERPRETATION,
    context,
    criterion,
    loinc,
    observation,
    one,
    patient,
    quantity,
)

PLATELETS_AT_LEAST_100 = criterion(
    "inclusion 1",
    "Platelets >= 100 x 10^9/L",
    code=loinc("777-3"),
    valueQuantity=quantity(100, "10*9/L", ">="),
)
AST_AT_MOST_1_5_ULN = criterion(
    "inclusion 2", "AST <= 1.5 x ULN", code=loinc("1920-8"), valueQuantity=quantity(1.5, "{ULN}", "<=")
)
CREATININE_AT_MOST_1_5 = criterion(
    "inclusion 3",
    "Serum creatinine <= 1.5 mg/dL",
    code=loinc("2160-0"),
    valueQuantity=quantity(1.5, "mg/dL", "<="),
)
BILIRUBIN_AT_MOST_1_5 = criterion(
    "inclusion 4",
    "Total bilirubin <= 1.5 mg/dL",
    code=loinc("1975-2"),
    valueQuantity=quantity(1.5, "mg/dL", "<="),
)
ECOG_0_TO_1 = criterion(
    "inclusion 5",
    "ECOG 0-1",
    code=loinc("89247-1"),
    valueRange={"low": quantity(0, "1"), "high": quantity(1, "1")},
)


def _holds(item: dict[str, object], *resources: dict[str, object]) -> bool | None:
    return evaluate_characteristic(one(item), patient(*resources), context()).holds


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (100, "10*9/L", True),
        (99.9, "10*9/L", False),
        (100, "10*3/uL", True),  # 10^3/uL is 10^9/L
        (100000, "/uL", True),
        (99000, "/mm3", False),  # 1 mm3 = 1 uL
        (100, "K/uL", None),  # not a UCUM code: never read as one
    ],
    ids=["at-threshold", "just-below", "per-microlitre-thousands", "per-microlitre", "per-mm3", "non-ucum"],
)
def test_platelet_counts_compare_after_unit_conversion(
    value: float, unit: str, expected: bool | None
) -> None:
    result = observation(loinc("777-3"), valueQuantity=quantity(value, unit))
    assert _holds(PLATELETS_AT_LEAST_100, result) is expected


def test_an_equivalent_loinc_code_from_the_mapping_file_counts() -> None:
    methodless = observation(loinc("26515-7"), valueQuantity=quantity(150, "10*9/L"))
    assert _holds(PLATELETS_AT_LEAST_100, methodless) is True


def test_a_code_not_declared_equivalent_does_not_count() -> None:
    other = observation(loinc("778-1"), valueQuantity=quantity(150, "10*9/L"))
    finding = evaluate_characteristic(one(PLATELETS_AT_LEAST_100), patient(other), context())
    assert finding.holds is None
    assert "no 777-3 result on record" in finding.reason


def test_the_latest_result_in_the_window_decides_and_names_its_date() -> None:
    older = observation(loinc("777-3"), "2025-01-05", oid="old", valueQuantity=quantity(50, "10*9/L"))
    newer = observation(loinc("777-3"), "2025-01-25", oid="new", valueQuantity=quantity(150, "10*9/L"))
    finding = evaluate_characteristic(one(PLATELETS_AT_LEAST_100), patient(older, newer), context())
    assert finding.holds is True
    assert [(e.resource, e.date) for e in finding.evidence] == [("Observation/new", "2025-01-25")]


def test_a_stale_result_is_unknown_and_says_how_old_it_is() -> None:
    stale = observation(loinc("777-3"), STALE, valueQuantity=quantity(150, "10*9/L"))
    finding = evaluate_characteristic(one(PLATELETS_AT_LEAST_100), patient(stale), context())
    assert finding.holds is None
    assert "no 777-3 result in the 30 days before 2025-01-31; the latest is from 2024-11-15" in finding.reason
    assert evaluate_characteristic(one(PLATELETS_AT_LEAST_100), patient(stale), context(lookback=90)).holds


@pytest.mark.parametrize(
    ("extra", "day"),
    [
        ({"status": "preliminary"}, "2025-01-20"),
        ({"status": "entered-in-error"}, "2025-01-20"),
        ({}, "2025-02-05"),
    ],
    ids=["preliminary", "entered-in-error", "after-the-screening-date"],
)
def test_results_that_must_not_decide_are_ignored(extra: dict[str, str], day: str) -> None:
    result = observation(loinc("777-3"), day, valueQuantity=quantity(20, "10*9/L"), **extra)
    assert _holds(PLATELETS_AT_LEAST_100, result) is None


@pytest.mark.parametrize(
    ("value", "comparator", "expected"),
    [(150, ">", True), (0.2, "<", False), (120, "<", None), (99, ">", None)],
    ids=[
        "above-a-limit-that-passes",
        "below-a-limit-that-fails",
        "below-a-limit-undecided",
        "above-99-undecided",
    ],
)
def test_a_result_with_a_comparator_is_a_range_of_values(
    value: float, comparator: str, expected: bool | None
) -> None:
    result = observation(loinc("777-3"), valueQuantity=quantity(value, "10*9/L", comparator))
    assert _holds(PLATELETS_AT_LEAST_100, result) is expected


@pytest.mark.parametrize(
    ("value", "unit", "high", "expected"),
    [
        (60, "U/L", 40, True),  # exactly 1.5 x ULN
        (61, "U/L", 40, False),
        (1.0, "ukat/L", 0.67, True),  # 1.49 x ULN in SI units
        (1.0, "ukat/L", 0.66, False),  # 1.52 x ULN
    ],
)
def test_multiples_of_uln_use_the_results_own_reference_range(
    value: float, unit: str, high: float, expected: bool
) -> None:
    result = observation(
        loinc("1920-8"), valueQuantity=quantity(value, unit), referenceRange=[{"high": quantity(high, unit)}]
    )
    assert _holds(AST_AT_MOST_1_5_ULN, result) is expected


def test_uln_without_a_reference_range_is_unknown_never_guessed() -> None:
    result = observation(loinc("1920-8"), valueQuantity=quantity(30, "U/L"))
    finding = evaluate_characteristic(one(AST_AT_MOST_1_5_ULN), patient(result), context())
    assert finding.holds is None
    assert "no referenceRange.high (upper limit of normal)" in finding.reason


@pytest.mark.parametrize(
    ("code", "value", "unit", "expected"),
    [
        ("2160-0", 1.5, "mg/dL", True),
        ("14682-9", 132, "umol/L", True),  # 132 umol/L = 1.49 mg/dL through the declared 113.12 g/mol
        ("14682-9", 134, "umol/L", False),  # 1.516 mg/dL
        ("2160-0", 140, "umol/L", False),  # the mass code sent in molar units converts all the same
    ],
)
def test_creatinine_converts_between_mass_and_moles_through_the_declared_molar_mass(
    code: str, value: float, unit: str, expected: bool
) -> None:
    result = observation(loinc(code), valueQuantity=quantity(value, unit))
    assert _holds(CREATININE_AT_MOST_1_5, result) is expected


def test_bilirubin_in_umol_per_l_is_unknown_without_a_declared_molar_mass() -> None:
    result = observation(loinc("1975-2"), valueQuantity=quantity(20, "umol/L"))
    finding = evaluate_characteristic(one(BILIRUBIN_AT_MOST_1_5), patient(result), context())
    assert finding.holds is None
    assert "umol/L does not convert to mg/dL: no molar mass is declared for it" in finding.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"valueInteger": 1}, True),
        ({"valueInteger": 2}, False),
        ({"valueQuantity": quantity(1, "{score}")}, True),
        ({"valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA9622-7"}]}}, True),
        ({"valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA9624-3"}]}}, False),
        ({"valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "422512005"}]}}, True),
        ({"interpretation": [{"coding": [{"system": "http://loinc.org", "code": "LA9625-0"}]}]}, False),
        ({"valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA29175-9"}]}}, None),
        ({"valueQuantity": quantity(1, "mg")}, None),
    ],
    ids=["integer-1", "integer-2", "quantity", "la-ecog-0", "la-ecog-2", "snomed-grade-1", "interpretation-3",
         "karnofsky-answer", "not-a-score-unit"],
)  # fmt: skip
def test_ecog_is_read_in_each_form_an_ehr_sends(value: dict[str, Any], expected: bool | None) -> None:
    result = observation(loinc("89247-1"), **value)
    assert _holds(ECOG_0_TO_1, result) is expected


def test_lookback_zero_keeps_only_results_of_the_screening_day() -> None:
    today = observation(loinc("777-3"), "2025-01-31", valueQuantity=quantity(150, "10*9/L"))
    yesterday = observation(loinc("777-3"), "2025-01-30", valueQuantity=quantity(150, "10*9/L"))
    assert evaluate_characteristic(one(PLATELETS_AT_LEAST_100), patient(today), context(lookback=0)).holds
    assert (
        evaluate_characteristic(one(PLATELETS_AT_LEAST_100), patient(yesterday), context(lookback=0)).holds
        is None
    )


def test_a_result_without_a_value_says_why() -> None:
    absent = observation(loinc("777-3"), dataAbsentReason={"text": "specimen clotted"})
    finding = evaluate_characteristic(one(PLATELETS_AT_LEAST_100), patient(absent), context())
    assert finding.holds is None and "no value (specimen clotted)" in finding.reason


def test_v3_interpretation_codes_are_not_scores() -> None:
    result = observation(
        loinc("89247-1"), interpretation=[{"coding": [{"system": V3_INTERPRETATION, "code": "N"}]}]
    )
    assert _holds(ECOG_0_TO_1, result) is None


KARNOFSKY_BELOW_50 = criterion(
    "exclusion 1",
    "Karnofsky score < 50%",
    code=loinc("89243-0"),
    valueQuantity=quantity(50, "%", "<"),
    exclude=True,
)


@pytest.mark.parametrize(
    ("value", "holds"),
    [({"valueInteger": 50}, False), ({"valueInteger": 40}, True),
     ({"valueQuantity": quantity(40, "%")}, True),
     ({"valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA29180-9"}]}}, False),
     ({"interpretation": [{"coding": [{"system": "http://loinc.org", "code": "LA29181-7"}]}]}, True),
     ({"valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA9627-6"}]}}, True)],
    ids=["50", "40", "40-percent", "answer-kps-50", "interpretation-kps-40", "dead-is-kps-0"],
)  # fmt: skip
def test_karnofsky_is_read_in_each_form_an_ehr_sends(value: dict[str, Any], holds: bool) -> None:
    assert _holds(KARNOFSKY_BELOW_50, observation(loinc("89243-0"), **value)) is holds


QTC_ANY_METHOD_ABOVE_470 = criterion(
    "exclusion 2", "QTc > 470 ms", code=loinc("8636-3"), valueQuantity=quantity(470, "ms", ">"), exclude=True
)
QTCF_ABOVE_470 = criterion(
    "exclusion 3",
    "QTcF > 470 ms",
    code=loinc("76634-5"),
    valueQuantity=quantity(470, "ms", ">"),
    exclude=True,
)


def test_a_qtc_by_a_named_formula_counts_for_a_criterion_that_names_none_never_the_reverse() -> None:
    fridericia = observation(loinc("76634-5"), valueQuantity=quantity(480, "ms"))
    method_less = observation(loinc("8636-3"), valueQuantity=quantity(480, "ms"))
    assert _holds(QTC_ANY_METHOD_ABOVE_470, fridericia) is True
    assert _holds(QTCF_ABOVE_470, fridericia) is True
    assert _holds(QTCF_ABOVE_470, method_less) is None  # which formula? not known: not a QTcF
