"""The UCUM checker: the units docs/architecture.md ("Identifiers and codes") names are valid, the usual mistakes are not, and the units
layer asks for a unit of time where a duration is meant."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_adapter.terms import UCUM_SYSTEM
from fhir_adapter.validation.elements import walk_resource
from fhir_adapter.validation.ucum import UcumError, parse_ucum
from fhir_adapter.validation.units import check_units

DOCUMENTED_UNITS = [
    "a", "mo", "wk", "d", "10*9/L", "10*3/uL", "/uL", "g/dL", "g/L", "mg/dL", "umol/L", "mL/min",
    "mL/min/{1.73_m2}", "ms", "%", "mg", "mg/m2", "mg/kg", "ug", "[iU]", "{ULN}",
]  # fmt: skip
MORE_VALID = ["1", "kg/m2", "mm[Hg]", "mg/(kg.d)", "/100{cells}", "[IU]/L", "10*-3", "Cel", "meq/L", "/mm3"]


@pytest.mark.parametrize("code", DOCUMENTED_UNITS + MORE_VALID)
def test_valid_ucum_code_parses(code: str) -> None:
    assert parse_ucum(code).code == code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("mg/m²", "'²' is not allowed"),
        ("y", "a year is 'a'"),
        ("mcg", "a microgram is 'ug'"),
        ("IU", "'[iU]'"),
        ("x10*9/L", "without 'x'"),
        ("mg//m2", "a unit is missing before '/'"),
        ("mg/", "a unit is missing at the end"),
        ("(mg", "'(' is not closed"),
        ("kg m2", "spaces are not allowed"),
        ("mmo", "'mo' takes no prefix"),
        ("µg", "micro is 'u'"),
        ("mg{", "not closed"),
        ("", "empty"),
    ],
)
def test_invalid_ucum_code_says_why(code: str, reason: str) -> None:
    with pytest.raises(UcumError) as error:
        parse_ucum(code)
    assert reason in error.value.reason


@pytest.mark.parametrize(
    ("code", "is_time"), [("a", True), ("mo", True), ("min", True), ("ms", True), ("m", False)]
)
def test_time_units_are_told_from_others(code: str, is_time: bool) -> None:
    assert parse_ucum(code).is_time is is_time


def test_caret_ten_is_valid_ucum_but_flagged() -> None:
    assert parse_ucum("10^9/L").caret and parse_ucum("10^9/L").dimension == parse_ucum("10*9/L").dimension


def _quantity(code: str) -> dict[str, Any]:
    return {"value": 1, "unit": code, "system": UCUM_SYSTEM, "code": code}


@pytest.mark.parametrize(
    ("resource", "location"),
    [
        (
            {"resourceType": "ResearchStudy", "status": "active", "extension": [{"url": "https://e.org/x", "valueAge": _quantity("m")}]},
            "ResearchStudy.extension[0].valueAge.code",
        ),
        (
            {"resourceType": "ActivityDefinition", "status": "active", "timingDuration": _quantity("kg")},
            "ActivityDefinition.timingDuration.code",
        ),
        (
            {"resourceType": "Group", "type": "person", "actual": False, "characteristic": [
                {"code": {"coding": [{"system": "http://snomed.info/sct", "code": "397669002"}], "text": "Age"},
                 "valueRange": {"low": _quantity("a"), "high": _quantity("m")}, "exclude": False}]},
            "Group.characteristic[0].valueRange.high.code",
        ),
    ],
    ids=["age", "duration", "age-characteristic"],
)  # fmt: skip
def test_a_unit_of_time_is_required_where_a_duration_is_meant(
    resource: dict[str, Any], location: str
) -> None:
    issues = check_units(walk_resource(resource))
    assert [(i.location, i.severity) for i in issues] == [(location, "error")]
    assert "not a unit of time" in issues[0].message


def test_non_ucum_systems_are_left_alone() -> None:
    group = {"resourceType": "Group", "characteristic": [{"valueQuantity": {"value": 1, "code": "m²"}}]}
    assert check_units(walk_resource(group)) == []


def test_ucum_coding_is_checked_too() -> None:
    coding = {"system": UCUM_SYSTEM, "code": "mg/m²"}
    study = {"resourceType": "ResearchStudy", "status": "active", "category": [{"coding": [coding]}]}
    [issue] = check_units(walk_resource(study))
    assert issue.location == "ResearchStudy.category[0].coding[0].code"
