"""R5 validation (issue 12): every fixture record converts in R5 and passes; each layer catches what it should.

Layers as R4's: the fhir.resources R5 model, HL7's R5 JSON Schema with its required code lists put back
(checked against the ValueSets of npm hl7.fhir.r5.core 5.0.0, the `r5_core` fixture), the R5 invariants,
references, UCUM, project rules.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.bundle import build_bundle
from fhir_adapter.convert import convert_trial
from fhir_adapter.resources import FhirVersion, build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms
from fhir_adapter.validation import check_resource_as, validate_bundle_as
from fhir_adapter.validation.levels import CheckLevel
from fhir_adapter.validation.release import r5_definitions
from tests.conftest import CTGOV, FIXTURES, SEED, load_json

Json = dict[str, Any]
R5 = FhirVersion.R5


@pytest.fixture(scope="module")
def seed_bundle(terms: Terms) -> Json:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    return build_bundle(build_trial_resources(trial, terms, version=R5), version=R5)


def _entry(bundle: Json, resource_type: str) -> Json:
    resource: Json = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type
    )
    return copy.deepcopy(resource)


def _errors(resource: Json) -> list[tuple[str, str]]:
    return [(i.layer, i.message) for i in check_resource_as(resource, R5) if i.severity == "error"]


def test_every_fixture_record_converts_in_r5_and_passes_the_r5_validator(
    terms: Terms, tmp_path: Path
) -> None:
    # Each folder apart: the XML folder holds some of the same trials, which one run counts as duplicates.
    trials = [t for folder in (CTGOV, FIXTURES / "ctgov-xml") for t in read_trials([folder])]
    results = [
        convert_trial(t, tmp_path, terms, version=R5, check=CheckLevel.FULL)
        for t in trials
        if isinstance(t, TrialRecord)
    ]
    failed = {r.nct_id: r.error for r in results if not r.ok}
    assert not failed
    assert len(results) == len(list(CTGOV.glob("*.json"))) + len(list((FIXTURES / "ctgov-xml").glob("*.xml")))
    assert all(r.resource_counts["EvidenceVariable"] == 1 for r in results)
    written = load_json(tmp_path / "NCT06158412.json")
    assert next(e for e in written["entry"] if e["resource"]["resourceType"] == "Group")["resource"][
        "membership"
    ]


def test_an_r4_bundle_is_not_r5(terms: Terms, seed_bundle: Json) -> None:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    r4 = build_bundle(build_trial_resources(trial, terms))
    problems = [i for i in validate_bundle_as(r4, R5) if i.severity == "error"]
    assert any(i.location.endswith("Group.actual") or ".actual" in i.location for i in problems)
    assert not [i for i in validate_bundle_as(seed_bundle, R5) if i.severity == "error"]


def test_model_layer_rejects_an_r4_element(seed_bundle: Json) -> None:
    group = _entry(seed_bundle, "Group")
    group["actual"] = False
    assert ("r5-model", "unknown element") in _errors(group)


def test_schema_layer_knows_the_required_code_lists(seed_bundle: Json) -> None:
    group = _entry(seed_bundle, "Group")
    group["membership"] = "sometimes"
    assert any(layer == "r5-schema" and "definitional, enumerated" in text for layer, text in _errors(group))


def test_invariant_layer_catches_two_definitions_on_one_characteristic(seed_bundle: Json) -> None:
    variable = _entry(seed_bundle, "EvidenceVariable")
    inner = variable["characteristic"][0]["definitionByCombination"]["characteristic"][0]
    inner["definitionCodeableConcept"] = {"text": "and also this"}
    assert any(layer == "r5-invariant" and text.startswith("evv-1") for layer, text in _errors(variable))


def test_project_layer_wants_words_on_every_characteristic(seed_bundle: Json) -> None:
    variable = _entry(seed_bundle, "EvidenceVariable")
    del variable["characteristic"][0]["definitionByCombination"]["characteristic"][2]["description"]
    assert any(layer == "project" for layer, _ in _errors(variable))


def test_references_and_units_are_checked_in_r5_too(seed_bundle: Json) -> None:
    bundle = copy.deepcopy(seed_bundle)
    study = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ResearchStudy")
    study["recruitment"]["eligibility"]["reference"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
    variable = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "EvidenceVariable"
    )
    age = variable["characteristic"][0]["definitionByCombination"]["characteristic"][0]
    age["definitionByTypeAndValue"]["valueRange"]["low"]["code"] = "yearz"  # not UCUM
    layers = {i.layer for i in validate_bundle_as(bundle, R5) if i.severity == "error"}
    assert {"references", "ucum"} <= layers


@pytest.mark.parametrize(
    ("definition", "element", "value_set"),
    [
        ("ResearchStudy", "status", "ValueSet-publication-status.json"),
        ("Group", "membership", "ValueSet-group-membership-basis.json"),
        ("EvidenceVariable_DefinitionByCombination", "code", "ValueSet-characteristic-combination.json"),
        ("Bundle_Request", "method", "ValueSet-http-verb.json"),
    ],
)
def test_schema_code_lists_are_hl7s(r5_core: Path, definition: str, element: str, value_set: str) -> None:
    include = json.loads((r5_core / value_set).read_text(encoding="utf-8"))["compose"]["include"]
    system = include[0]["system"]
    name = "CodeSystem-" + system.rsplit("/", 1)[-1] + ".json"
    codes = [c["code"] for c in json.loads((r5_core / name).read_text(encoding="utf-8"))["concept"]]
    assert r5_definitions()[definition]["properties"][element]["enum"] == codes
