"""`convert` checks what it writes at its `--check` level (fhir-adapter's own rules by default, every layer at
`full`): an error stops the Bundle, a warning does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.bundle import build_bundle
from fhir_adapter.convert import convert_trial
from fhir_adapter.resources import FhirVersion
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import CHARACTERISTIC_SYSTEM, UCUM_SYSTEM, Terms
from fhir_adapter.validation.levels import CheckLevel
from tests.conftest import SEED


def _seed() -> TrialRecord:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    return trial


def _with_characteristic(characteristic: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    def build_and_add(*args: Any, **kwargs: Any) -> dict[str, Any]:
        bundle = build_bundle(*args, **kwargs)
        [group] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Group"]
        group["characteristic"].append(characteristic)
        return bundle

    return build_and_add


def test_an_invariant_error_stops_the_bundle(
    tmp_path: Path, terms: Terms, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_code = {"code": {}, "valueBoolean": True, "exclude": False}
    monkeypatch.setattr("fhir_adapter.convert.build_bundle", _with_characteristic(empty_code))
    result = convert_trial(_seed(), tmp_path, terms, version=FhirVersion.R4, check=CheckLevel.FULL)
    assert not result.ok and result.error is not None and "2 validation errors" in result.error
    assert [(p.layer, p.message[:5]) for p in result.problems if p.severity == "error"] == [
        ("invariant", "ele-1"),
        ("project", "a cha"),
    ]
    assert not (tmp_path / "NCT06158412.json").exists()


def test_the_default_check_stops_a_bundle_on_fhir_adapters_own_rules_without_the_r4_layers(
    tmp_path: Path, terms: Terms, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_code = {"code": {}, "valueBoolean": True, "exclude": False}
    monkeypatch.setattr("fhir_adapter.convert.build_bundle", _with_characteristic(empty_code))
    result = convert_trial(_seed(), tmp_path, terms, version=FhirVersion.R4)
    assert not result.ok and result.error is not None and "1 validation error;" in result.error
    assert [(p.layer, p.message[:5]) for p in result.problems if p.severity == "error"] == [
        ("project", "a cha")
    ]
    assert not (tmp_path / "NCT06158412.json").exists()


def test_check_none_writes_the_bundle_unchecked(
    tmp_path: Path, terms: Terms, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_code = {"code": {}, "valueBoolean": True, "exclude": False}
    monkeypatch.setattr("fhir_adapter.convert.build_bundle", _with_characteristic(empty_code))
    result = convert_trial(_seed(), tmp_path, terms, version=FhirVersion.R4, check=CheckLevel.NONE)
    assert result.ok and not result.problems and (tmp_path / "NCT06158412.json").exists()


def test_a_warning_does_not_stop_the_bundle(
    tmp_path: Path, terms: Terms, monkeypatch: pytest.MonkeyPatch
) -> None:
    quantity = {"value": 100, "comparator": ">=", "unit": "10^9/L", "system": UCUM_SYSTEM, "code": "10^9/L"}
    platelets = {"code": {"text": "Platelets >= 100 x 10^9/L"}, "valueQuantity": quantity, "exclude": False}
    monkeypatch.setattr("fhir_adapter.convert.build_bundle", _with_characteristic(platelets))
    result = convert_trial(_seed(), tmp_path, terms, version=FhirVersion.R4)
    assert result.ok and (tmp_path / "NCT06158412.json").exists()
    assert ("warning", "ucum") in [(p.severity, p.layer) for p in result.problems]
    assert {p.severity for p in result.problems} == {"warning"}


def test_convert_applies_fhir_adapters_rules_to_what_it_writes(
    tmp_path: Path, terms: Terms, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Bundle names itself fhir-adapter's: the semantic self-check runs on it (a warning: still written).
    requires_healthy = {
        "code": {
            "coding": [{"system": CHARACTERISTIC_SYSTEM, "code": "healthy-volunteers"}],
            "text": "Healthy",
        },
        "valueBoolean": True,
        "exclude": False,
    }
    monkeypatch.setattr("fhir_adapter.convert.build_bundle", _with_characteristic(requires_healthy))
    result = convert_trial(_seed(), tmp_path, terms, version=FhirVersion.R4)
    assert result.ok and (tmp_path / "NCT06158412.json").exists()
    assert any(
        p.layer == "project" and "requires every member to be a healthy volunteer" in p.message
        for p in result.problems
    )
