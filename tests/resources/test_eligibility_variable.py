"""The R5 EvidenceVariable states the same criteria as the R4 Group, and exactly where R4 keeps text (issue 12).

Every fixture record (fixtures/ctgov/*.json, fixtures/ctgov-xml/*.xml) is built in R4 and R5 and compared
criterion by criterion: the Group's coded facts are the EvidenceVariable's, the structured fields are the
same, and a criterion R4 had to keep as text ("A or B", a subgroup's threshold) is, in R5, either an exact
combination of the same facts or the same text with the same eligibility-logic marker. Small hand-written
criteria check the combinations themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.resources import FhirVersion, build_trial_resources
from fhir_adapter.resources.common import ResourceKey
from fhir_adapter.resources.criteria_characteristics import EXT_CRITERION, EXT_LOGIC
from fhir_adapter.resources.eligibility_variable import build_eligibility_variable
from fhir_adapter.sources import Eligibility, TrialRecord, read_trials
from fhir_adapter.terms import Terms
from tests.conftest import CTGOV, FIXTURES

Json = dict[str, Any]
RECORDS = sorted(CTGOV.glob("*.json")) + sorted((FIXTURES / "ctgov-xml").glob("*.xml"))
KEY = ResourceKey("EvidenceVariable", "urn:test", "NCT00000001")


def _resource(trial: TrialRecord, terms: Terms, version: FhirVersion, resource_type: str) -> Json:
    built = build_trial_resources(trial, terms, version=version)
    [found] = [r.resource for r in built.resources if r.resource["resourceType"] == resource_type]
    return found


def _members(variable: Json) -> list[Json]:
    [whole] = variable.get("characteristic", [{"definitionByCombination": {"characteristic": []}}])
    assert whole["definitionByCombination"]["code"] == "all-of"
    members: list[Json] = whole["definitionByCombination"]["characteristic"]
    return members


def _leaves(characteristic: Json) -> Iterator[Json]:
    if "definitionByTypeAndValue" in characteristic:
        yield characteristic["definitionByTypeAndValue"]
    for inner in characteristic.get("definitionByCombination", {}).get("characteristic", []):
        yield from _leaves(inner)


def _fact(coding: Json, holder: Json) -> str:
    [value_key] = [k for k in holder if k.startswith("value")]
    return json.dumps([coding["system"], coding["code"], holder[value_key]], sort_keys=True)


def _logic(characteristic: Json) -> str | None:
    return next((e["valueCode"] for e in characteristic.get("extension", []) if e["url"] == EXT_LOGIC), None)


def _walk(characteristic: Json) -> Iterator[Json]:
    yield characteristic
    for inner in characteristic.get("definitionByCombination", {}).get("characteristic", []):
        yield from _walk(inner)


def _has_any_of(characteristic: Json) -> bool:
    combination = characteristic.get("definitionByCombination")
    if combination is None:
        return False
    return combination["code"] == "any-of" or any(_has_any_of(c) for c in combination["characteristic"])


@pytest.mark.parametrize("path", [p for p in RECORDS if p.stem != "NCT03182660"], ids=lambda p: p.name)
def test_evidence_variable_and_r4_group_state_the_same_criteria(terms: Terms, path: Path) -> None:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    group = _resource(trial, terms, FhirVersion.R4, "Group")
    members = _members(_resource(trial, terms, FhirVersion.R5, "EvidenceVariable"))
    by_criterion: dict[str, list[Json]] = {}
    structured = []
    for characteristic in group.get("characteristic", []):
        label = next(
            (e["valueString"] for e in characteristic.get("extension", []) if e["url"] == EXT_CRITERION), None
        )
        if label is None:
            structured.append(characteristic)
        else:
            by_criterion.setdefault(label.replace(" ", "-"), []).append(characteristic)
    criteria = {m["linkId"]: m for m in members if "linkId" in m}
    assert list(criteria) == list(by_criterion), path.name
    assert [m["description"] for m in members if "linkId" not in m] == [c["code"]["text"] for c in structured]
    for link_id, characteristic in criteria.items():
        r4 = by_criterion[link_id]
        coded = {_fact(c["code"]["coding"][0], c) for c in r4 if c["code"].get("coding")}
        leaves = {_fact(leaf["type"]["coding"][0], leaf) for leaf in _leaves(characteristic)}
        r4_logic = {_logic(c) for c in r4} - {None}
        assert characteristic["exclude"] == r4[0]["exclude"], (path.name, link_id)
        assert coded <= leaves, (path.name, link_id)
        if r4_logic:  # R4 kept "A or B" / a subgroup's threshold as text: R5 is exact, or the same text
            logic = {_logic(c) for c in _walk(characteristic)}
            exact = _has_any_of(characteristic) or any("timeFromEvent" in c for c in _walk(characteristic))
            assert exact or logic & r4_logic, (path.name, link_id)
        else:
            assert leaves == coded, (path.name, link_id)


def _variable(criteria: str, terms: Terms) -> list[Json]:
    trial = TrialRecord("NCT00000001", "test", eligibility=Eligibility(criteria=criteria))
    return _members(build_eligibility_variable(trial, KEY, terms))


def _codes(characteristic: Json) -> list[tuple[str, Any]]:
    return [
        (leaf["type"]["coding"][0]["code"], leaf.get("valueQuantity", leaf.get("valueRange")))
        for leaf in _leaves(characteristic)
    ]


def test_inclusion_a_or_b_of_different_measures_is_any_of(terms: Terms) -> None:
    [criterion] = _variable(
        "Inclusion Criteria:\n\n* Creatinine < ULN or creatinine clearance >= 60 mL/min/1.73 m2\n", terms
    )
    combination = criterion["definitionByCombination"]
    assert combination["code"] == "any-of" and len(combination["characteristic"]) == 2
    assert [code for code, _ in _codes(criterion)] == ["2160-0", "creatinine-clearance"]
    assert criterion["description"].startswith("Creatinine < ULN or")


def test_a_subgroup_threshold_is_any_of_the_general_one_and_the_subgroup_with_its_own(terms: Terms) -> None:
    text = (
        "Inclusion Criteria:\n\n* ECOG performance status 0-2 (0 to 3 for participants >= 60 to 74 years)\n"
    )
    [criterion] = _variable(text, terms)
    assert criterion["definitionByCombination"]["code"] == "any-of"
    general, subgroup = criterion["definitionByCombination"]["characteristic"]
    # everyone else: not in the subgroup, ECOG 0-2 (so the 0-2 never binds the subgroup, whatever its limit)
    outside, limit = general["definitionByCombination"]["characteristic"]
    assert general["definitionByCombination"]["code"] == "all-of"
    assert outside["exclude"] is True and outside["definitionCodeableConcept"]["text"] == (
        "for participants >= 60 to 74 years"
    )
    assert limit["definitionByTypeAndValue"]["valueRange"]["high"]["value"] == 2
    words, threshold = subgroup["definitionByCombination"]["characteristic"]
    assert subgroup["definitionByCombination"]["code"] == "all-of"
    assert words["exclude"] is False and words["definitionCodeableConcept"]["text"] == (
        "for participants >= 60 to 74 years"
    )
    assert threshold["definitionByTypeAndValue"]["valueRange"]["high"]["value"] == 3


def test_the_threshold_for_everyone_else_and_the_subgroups_are_separate_branches(terms: Terms) -> None:
    text = (
        "Inclusion Criteria:\n\n* Total bilirubin <= 1.5 x ULN (< 3 x ULN if Gilbert's disease is present)\n"
        "* AST and ALT <= 2.5 x ULN (<= 5 x ULN for participants with liver metastases)\n"
    )
    bilirubin, transaminases = _variable(text, terms)
    general, gilbert = bilirubin["definitionByCombination"]["characteristic"]
    assert [code for code, _ in _codes(general)] == ["1975-2"]
    assert gilbert["description"] == "if Gilbert's disease is present"
    general, metastases = transaminases["definitionByCombination"]["characteristic"]
    assert [q["value"] for _, q in _codes(general)] == [2.5, 2.5]
    assert [q["value"] for _, q in _codes(metastases)] == [5, 5]
    assert metastases["description"] == "for participants with liver metastases"


def test_male_and_female_thresholds_are_exact_in_an_exclusion(terms: Terms) -> None:
    [criterion] = _variable("Exclusion Criteria:\n\n* QTcF > 450 ms (males) or > 470 ms (females)\n", terms)
    assert criterion["exclude"] is True and "extension" not in json.dumps(criterion)
    males, females = criterion["definitionByCombination"]["characteristic"]
    assert [(c["description"], [q["value"] for _, q in _codes(c)]) for c in (males, females)] == [
        ("males", [450]),
        ("females", [470]),
    ]


def test_age_at_diagnosis_is_the_age_then(terms: Terms) -> None:
    [criterion] = _variable(
        "Inclusion Criteria:\n\n* Age at diagnosis <= 18 years; age at HSCT <= 21 years\n", terms
    )
    diagnosis, transplant = criterion["definitionByCombination"]["characteristic"]
    assert diagnosis["timeFromEvent"] == [
        {"description": "at diagnosis", "eventCodeableConcept": {"text": "diagnosis"}}
    ]
    assert transplant["timeFromEvent"][0]["eventCodeableConcept"] == {"text": "HSCT"}
    assert [q["value"] for _, q in _codes(criterion)] == [18, 21]


def test_an_alternative_the_parser_cannot_code_keeps_the_criterion_as_text(terms: Terms) -> None:
    [criterion] = _variable("Inclusion Criteria:\n\n* Age >= 18 years (or per national guidelines)\n", terms)
    assert criterion["definitionCodeableConcept"]["text"].startswith("Age >= 18 years")
    assert _logic(criterion) == "any-of" and not _codes(criterion)


def test_two_subgroup_thresholds_under_one_condition_before_them_stay_text(terms: Terms) -> None:
    # Which threshold is the subgroup's cannot be told when the condition comes first: never guess.
    text = "Inclusion Criteria:\n\n* In patients with liver metastases: ALT <= 5 x ULN, otherwise ALT <= 2.5 x ULN\n"
    [criterion] = _variable(text, terms)
    assert not _has_any_of(criterion) or all(code == "1742-6" for code, _ in _codes(criterion))


def test_an_exclusion_a_or_b_excludes_either(terms: Terms) -> None:
    text = (
        "Exclusion Criteria:\n\n* Platelet count < 30 x 10^9/L or absolute neutrophil count < 1.0 x 10^9/L\n"
    )
    [criterion] = _variable(text, terms)
    assert criterion["exclude"] is True
    assert criterion["definitionByCombination"]["code"] == "any-of"
    assert [code for code, _ in _codes(criterion)] == ["777-3", "751-8"]


def test_every_characteristic_keeps_its_words(terms: Terms) -> None:
    [trial] = list(read_trials([CTGOV / "NCT02513394.json"]))
    assert isinstance(trial, TrialRecord)
    variable = build_eligibility_variable(trial, KEY, terms)
    assert all(c.get("description") for c in _walk(variable["characteristic"][0]))


def test_pallas_creatinine_or_clearance_is_exact_in_r5_where_r4_keeps_text(terms: Terms) -> None:
    [trial] = list(read_trials([CTGOV / "NCT02513394.json"]))
    assert isinstance(trial, TrialRecord)
    group = _resource(trial, terms, FhirVersion.R4, "Group")
    r4 = [
        c
        for c in group["characteristic"]
        if {"url": EXT_CRITERION, "valueString": "inclusion 21"} in c.get("extension", [])
    ]
    assert [_logic(c) for c in r4] == ["any-of"] and "coding" not in r4[0]["code"]
    members = _members(_resource(trial, terms, FhirVersion.R5, "EvidenceVariable"))
    [criterion] = [m for m in members if m.get("linkId") == "inclusion-21"]
    assert criterion["definitionByCombination"]["code"] == "any-of"
    assert [code for code, _ in _codes(criterion)] == ["2160-0", "creatinine-clearance"]


def test_subgroups_that_split_everyone_by_age_are_one_choice(terms: Terms) -> None:
    # NCT05464836's wording: each age side has its own scale.
    text = "Inclusion Criteria:\n\n* ECOG ≤2 for patients ≥16 years old, Lansky score >50 for patients <16 years old\n"
    [criterion] = _variable(text, terms)
    assert criterion["definitionByCombination"]["code"] == "any-of"
    adults, children = criterion["definitionByCombination"]["characteristic"]
    assert [c["description"] for c in (adults, children)] == [
        "for patients ≥16 years old",
        "for patients <16 years old",
    ]
    assert [code for code, _ in _codes(adults)] == ["89247-1"]


def test_lone_subgroups_that_do_not_split_everyone_stay_text(terms: Terms) -> None:
    text = "Inclusion Criteria:\n\n* ECOG ≤2 for patients ≥16 years old, Lansky score >50 for patients <12 years old\n"
    [criterion] = _variable(text, terms)
    assert _logic(criterion) == "conditional" or any(_logic(c) == "conditional" for c in _walk(criterion))
