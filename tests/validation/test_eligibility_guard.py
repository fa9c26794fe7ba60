"""validation/eligibility_guard.py: a criterion the eligibility rules doubt is written as text, with a warning.

The guard's input is made by hand here (a Group as a parser that misread the text would build it), since the
parser's own misreadings get fixed; the held-out records show that real output carries no such doubt.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.bundle import build_bundle
from fhir_adapter.errors import FhirAdapterError
from fhir_adapter.resources import FhirVersion, TrialResources, build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import EXT_ELIGIBILITY_CRITERION, EXT_ELIGIBILITY_LOGIC, LOINC_SYSTEM, Terms
from fhir_adapter.validation import check_document
from fhir_adapter.validation.eligibility_guard import guard, guarded_resources
from fhir_adapter.validation.versions import check_document_as
from tests.conftest import FIXTURES, SEED

HELD_OUT = sorted(FIXTURES.glob("ctgov-holdout*"))
HEART = "Normal cardiac function defined as fractional shortening ≥28% or ejection fraction ≥55%."
ECOG = "ECOG performance status 0-2"


def _coded(label: str, text: str, code: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "extension": [{"url": EXT_ELIGIBILITY_CRITERION, "valueString": label}],
        "code": {"coding": [{"system": LOINC_SYSTEM, "code": code, "display": "x"}], "text": text},
        **value,
        "exclude": False,
    }


LVEF = _coded(
    "inclusion 3", HEART, "10230-1", {"valueQuantity": {"value": 55, "comparator": ">=", "code": "%"}}
)
PERFORMANCE = _coded(
    "inclusion 4", ECOG, "89247-1", {"valueRange": {"low": {"value": 0}, "high": {"value": 2}}}
)


def _seed(terms: Terms, version: FhirVersion) -> TrialResources:
    [trial] = read_trials([SEED])
    assert isinstance(trial, TrialRecord)
    return build_trial_resources(trial, terms, version=version)


def _with_group(built: TrialResources, characteristics: list[dict[str, Any]]) -> TrialResources:
    resources = tuple(
        replace(item, resource={**item.resource, "characteristic": characteristics})
        if item.key.resource_type == "Group"
        else item
        for item in built.resources
    )
    return replace(built, resources=resources)


def _group(built: TrialResources) -> dict[str, Any]:
    return next(i.resource for i in built.resources if i.key.resource_type == "Group")


def test_a_doubted_or_criterion_becomes_one_text_characteristic_and_a_warning(terms: Terms) -> None:
    built = _with_group(_seed(terms, FhirVersion.R4), [LVEF, PERFORMANCE])
    guarded = guard(built)
    heart, performance = _group(guarded)["characteristic"]
    assert heart == {
        "extension": [
            {"url": EXT_ELIGIBILITY_CRITERION, "valueString": "inclusion 3"},
            {"url": EXT_ELIGIBILITY_LOGIC, "valueCode": "any-of"},
        ],
        "code": {"text": HEART},
        "valueBoolean": True,
        "exclude": False,
    }
    assert performance == PERFORMANCE  # a criterion the rules agree with stays coded
    [warning] = [i for i in guarded.issues if i not in built.issues]
    assert warning.severity == "warning"
    assert warning.nct_id == "NCT06158412"
    assert warning.message.startswith("inclusion criterion 3: coded by the parser, kept as text (any-of)")
    assert check_document(build_bundle(guarded)).issues == []
    assert [str(i) for i in check_document(build_bundle(built)).issues if i.layer == "project"] != []


def test_only_the_doubted_facts_of_a_conditional_criterion_leave(terms: Terms) -> None:
    text = "Total bilirubin ≤ 1.5 x ULN; creatinine clearance ≥ 60 mL/min for patients over 65 years"
    bilirubin = _coded("inclusion 5", text, "1975-2", {"valueQuantity": {"value": 1.5, "code": "{ULN}"}})
    clearance = _coded("inclusion 5", text, "2164-2", {"valueQuantity": {"value": 60, "code": "mL/min"}})
    guarded = guard(_with_group(_seed(terms, FhirVersion.R4), [bilirubin, clearance]))
    first, second = _group(guarded)["characteristic"]
    assert first["extension"][1] == {"url": EXT_ELIGIBILITY_LOGIC, "valueCode": "conditional"}
    assert first["code"] == {"text": text}
    assert second == bilirubin  # the subgroup's clause is about the clearance, not the bilirubin


def test_the_r5_evidence_variable_keeps_a_doubted_criterion_as_its_text(terms: Terms) -> None:
    built = _seed(terms, FhirVersion.R5)
    variable = next(i.resource for i in built.resources if i.key.resource_type == "EvidenceVariable")
    items = variable["characteristic"][0]["definitionByCombination"]["characteristic"]
    [item] = [i for i in items if i.get("linkId") == "inclusion-3"]
    guarded = guard(_with_group(built, [LVEF]))  # the Group's criterion 3 read as a parser might misread it
    variable = next(i.resource for i in guarded.resources if i.key.resource_type == "EvidenceVariable")
    items = variable["characteristic"][0]["definitionByCombination"]["characteristic"]
    [item_after] = [i for i in items if i.get("linkId") == "inclusion-3"]
    assert item_after == {
        "extension": [{"url": EXT_ELIGIBILITY_LOGIC, "valueCode": "any-of"}],
        "linkId": "inclusion-3",
        "description": item["description"],
        "exclude": False,
        "definitionCodeableConcept": {"text": item["description"]},
    }


def test_nothing_changes_where_the_rules_find_nothing(terms: Terms) -> None:
    built = _seed(terms, FhirVersion.R4)
    assert guard(built) is built


@pytest.mark.parametrize("folder", HELD_OUT, ids=lambda p: p.name)
def test_no_held_out_bundle_keeps_a_criterion_the_rules_doubt(terms: Terms, folder: Path) -> None:
    # Records the parser was never tuned on misread some criteria; what reaches the EHR must not say them.
    for trial in read_trials(sorted(folder.iterdir())):
        if not isinstance(trial, TrialRecord):
            continue
        try:
            version, built = FhirVersion.R4, guarded_resources(trial, terms, version=FhirVersion.R4)
        except FhirAdapterError:  # a status R4 has no code for (UNKNOWN without its last known status)
            version, built = FhirVersion.R5, guarded_resources(trial, terms, version=FhirVersion.R5)
        checked = check_document_as(build_bundle(built, version=version), version)
        eligibility = [
            str(i) for i in checked.issues if i.layer == "project" and "characteristic" in i.location
        ]
        assert eligibility == [], trial.nct_id
