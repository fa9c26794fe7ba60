"""fhir-adapter's rules on doses and text: a daily dose is never a rate, and no Markdown escape reaches a
string element (markdown elements keep theirs)."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_adapter.terms import UCUM_SYSTEM
from fhir_adapter.validation import RuleSet, check_resource
from tests.validation import new_convention as nc


def _activity(dose_and_rate: dict[str, Any], text: str = "Dexamethasone 40 mg/day") -> dict[str, Any]:
    return {
        "resourceType": "ActivityDefinition",
        "status": "active",
        "kind": "MedicationRequest",
        "description": "Dexamethasone \\>75 years: 20 mg/day",  # markdown: escapes are Markdown here
        "dosage": [{"text": text, "doseAndRate": [dose_and_rate]}],
    }


def _project(resource: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (issue.location, issue.message)
        for issue in check_resource(resource, rules=RuleSet.FHIR_ADAPTER)
        if issue.layer == "project"
    ]


DAY = {"value": 1, "unit": "d", "system": UCUM_SYSTEM, "code": "d"}


@pytest.mark.parametrize(
    ("dose_and_rate", "element"),
    [
        ({"rateRatio": {"numerator": nc.quantity(40, "mg"), "denominator": DAY}}, "rateRatio"),
        ({"rateQuantity": nc.quantity(2.5, "mg/kg/d")}, "rateQuantity"),
        ({"rateRange": {"low": nc.quantity(20, "mg/d"), "high": nc.quantity(40, "mg/d")}}, "rateRange"),
        ({"rateQuantity": nc.quantity(40, "mg/(24.h)")}, "rateQuantity"),
    ],
    ids=["ratio-per-day", "quantity-mg-per-kg-per-day", "range-per-day", "quantity-per-24-hours"],
)
def test_a_dose_per_day_as_a_rate_is_flagged(dose_and_rate: dict[str, Any], element: str) -> None:
    assert _project(_activity(dose_and_rate)) == [
        (f"ActivityDefinition.dosage[0].doseAndRate[0].{element}", _DAILY_DOSE)
    ]


_DAILY_DOSE = (
    "a dose per day is a doseQuantity with a once-a-day Timing (repeat frequency 1, period 1 d), not a rate: "
    "rate* is the speed of an infusion"
)


@pytest.mark.parametrize(
    "dose_and_rate",
    [
        {"doseQuantity": nc.quantity(40, "mg")},
        {"doseQuantity": nc.quantity(500, "mL"), "rateQuantity": nc.quantity(250, "mL/h")},
        {"rateRatio": {"numerator": nc.quantity(1, "mg"), "denominator": nc.quantity(1, "min")}},
    ],
    ids=["daily-dose-as-dose", "infusion-rate-per-hour", "infusion-rate-per-minute"],
)
def test_a_dose_or_a_real_rate_passes(dose_and_rate: dict[str, Any]) -> None:
    assert _project(_activity(dose_and_rate)) == []


@pytest.mark.parametrize(
    ("text", "escape"),
    [("<=75 years: 40 mg/day; \\>75 years: 20 mg/day", "\\>"), ("2mg/m\\^2 IV", "\\^"), ("D\\&C", "\\&")],
)
def test_a_markdown_escape_in_a_string_is_flagged(text: str, escape: str) -> None:
    [(location, message)] = _project(_activity({"doseQuantity": nc.quantity(40, "mg")}, text))
    assert location == "ActivityDefinition.dosage[0].text"
    assert message.startswith(f"Markdown escape '{escape}' in plain text")


def test_a_backslash_before_a_letter_is_no_markdown_escape() -> None:
    assert _project(_activity({"doseQuantity": nc.quantity(40, "mg")}, "and\\or as written")) == []


def test_the_markdown_description_keeps_its_escapes() -> None:
    resource = _activity({"doseQuantity": nc.quantity(40, "mg")})
    assert "\\>" in resource["description"] and _project(resource) == []
