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
from tests.conftest import CTGOV, FIXTURES, SEED

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


def _is_exact(characteristic: Json) -> bool:
    """Return True for a criterion stated as a combination (any-of, or a subgroup's words with its
    threshold) or at another time, with no part kept as the eligibility-logic text."""
    walked = list(_walk(characteristic))
    if any(_logic(c) for c in walked):
        return False
    return "definitionByCombination" in characteristic or any("timeFromEvent" in c for c in walked)


def _marked_pieces(characteristic: Json) -> bool:
    """Return True for a criterion stated as its sub-items' combination (inclusion-6.1, ...) where each
    sub-item kept as text carries its own eligibility-logic marker and no other part does."""
    marked = [c for c in _walk(characteristic) if _logic(c)]
    pieces = characteristic.get("definitionByCombination", {}).get("characteristic", [])
    return bool(marked) and all(any(m is p for p in pieces) and "." in m["linkId"] for m in marked)


def _words(characteristic: Json) -> list[str]:
    inner = list(_walk(characteristic))[1:]
    return [c["definitionCodeableConcept"]["text"] for c in inner if "definitionCodeableConcept" in c]


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
        # items joined by "OR" carry one choice: compared with what R4 states of all of them
        run = [link for link, m in criteria.items() if _same_choice(m, characteristic)]
        r4 = [c for link in run for c in by_criterion[link]]
        coded = {_fact(c["code"]["coding"][0], c) for c in r4 if c["code"].get("coding")}
        leaves = {_fact(leaf["type"]["coding"][0], leaf) for leaf in _leaves(characteristic)}
        r4_logic = {_logic(c) for c in r4} - {None}
        assert characteristic["exclude"] == r4[0]["exclude"], (path.name, link_id)
        assert coded <= leaves, (path.name, link_id)
        if r4_logic:  # R4 kept "A or B" / a subgroup's threshold as text: R5 is exact, or the same text
            logic = {_logic(c) for c in _walk(characteristic)}
            assert _is_exact(characteristic) or logic & r4_logic or _marked_pieces(characteristic), (
                path.name,
                link_id,
            )
            # words carried inside an exact statement (an alternative, a subgroup) are the criterion's own,
            # or, for items joined by "OR", those of the items that carry the same choice
            said = "\n".join(m["description"] for m in criteria.values() if _same_choice(m, characteristic))
            assert all(w in said for w in _words(characteristic)), (path.name, link_id)
        else:
            assert leaves == coded, (path.name, link_id)


def _same_choice(member: Json, characteristic: Json) -> bool:
    combination = characteristic.get("definitionByCombination")
    return member is characteristic or (
        combination is not None and member.get("definitionByCombination") == combination
    )


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


def test_an_alternative_the_parser_cannot_code_is_carried_in_its_words(terms: Terms) -> None:
    [criterion] = _variable("Inclusion Criteria:\n\n* Age >= 18 years (or per national guidelines)\n", terms)
    assert criterion["definitionByCombination"]["code"] == "any-of" and _logic(criterion) is None
    age, words = criterion["definitionByCombination"]["characteristic"]
    assert _codes(age) == [("397669002", {**_YEARS, "value": 18, "comparator": ">="})]
    assert words == {
        "description": "per national guidelines",
        "definitionCodeableConcept": {"text": "per national guidelines"},
    }


def test_age_bands_per_study_phase_are_any_of_each_phase_with_its_range(terms: Terms) -> None:
    path = CTGOV / "NCT02782117.json"  # "Age 4 to <8 years (phase 1) or age 4 to <13 years (phase 2)"
    assert _r4_logic(terms, path, "inclusion 1") == ["any-of"]
    [criterion] = _member(terms, path, "inclusion-1")
    assert criterion["definitionByCombination"]["code"] == "any-of"
    stated = []
    for phase in criterion["definitionByCombination"]["characteristic"]:
        who = phase["definitionByCombination"]["characteristic"][0]
        assert phase["definitionByCombination"]["code"] == "all-of" and who["exclude"] is False
        stated.append(
            (
                who["definitionCodeableConcept"]["text"],
                [(q["comparator"], q["value"]) for _, q in _codes(phase)],
            )
        )
    assert stated == [("phase 1", [("<", 8), (">=", 4)]), ("phase 2", [("<", 13), (">=", 4)])]


def test_two_thresholds_of_one_measure_without_their_conditions_stay_text(terms: Terms) -> None:
    # Which phase each band is for is not said: coding "4-8 or 4-13" would drop the phases.
    text = "Inclusion Criteria:\n\n* Age 4 to <8 years (phase one) or age 4 to <13 years (phase two)\n"
    [criterion] = _variable(text, terms)
    assert _logic(criterion) == "any-of" and not _codes(criterion)


@pytest.mark.parametrize(
    "text",
    [
        # the condition's words are a bare name: here it stands in "not due to ... Gilbert's syndrome"
        "Total bilirubin <= 2.5 x ULN and not due to Gilbert's syndrome",
        # a range the parser does not read ("PS 2-3") may be the limit for everyone else
        "ECOG PS 0-1 (patients with PS 2-3 may enrol if due to the tumour, at the investigator's decision)",
        # the inclusion's threshold is an exclusion
        "If creatinine > ULN, patients with creatinine clearance < 60 mL/min should be excluded",
    ],
)
def test_a_lone_subgroup_threshold_that_may_be_misread_stays_text(terms: Terms, text: str) -> None:
    [criterion] = _variable(f"Inclusion Criteria:\n\n* {text}\n", terms)
    assert any(_logic(c) == "conditional" for c in _walk(criterion))


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


def test_lone_subgroups_leave_everyone_else_without_a_limit(terms: Terms) -> None:
    # Nothing is said for patients aged 12 to 15: each threshold binds only its own subgroup.
    text = "Inclusion Criteria:\n\n* ECOG ≤2 for patients ≥16 years old, Lansky score >50 for patients <12 years old\n"
    [criterion] = _variable(text, terms)
    assert criterion["definitionByCombination"]["code"] == "all-of" and _logic(criterion) is None
    ecog, lansky = criterion["definitionByCombination"]["characteristic"]
    for choice, who in ((ecog, "for patients ≥16 years old"), (lansky, "for patients <12 years old")):
        outside, inside = choice["definitionByCombination"]["characteristic"]
        assert choice["definitionByCombination"]["code"] == "any-of"
        assert (outside["exclude"], outside["definitionCodeableConcept"]["text"]) == (True, who)
        assert inside["description"] == who and len(_codes(inside)) == 1


def test_a_subgroup_threshold_with_a_comparator_left_unread_stays_text(terms: Terms) -> None:
    # NCT02526537: "Total bilirubin <= the normal value of 1.5 times ULN" is not read, so what holds for
    # patients without liver metastases is not known: no option "anyone else" is added.
    [criterion] = _member(terms, CTGOV / "NCT02526537.json", "inclusion-7")
    assert _logic(criterion) == "conditional" and not _codes(criterion)


@pytest.mark.parametrize("section", ["Inclusion", "Exclusion"])
def test_a_range_written_with_to_that_was_not_read_keeps_the_criterion_text(
    terms: Terms, section: str
) -> None:
    # The parser reads the subgroup's "4 to 8" but not the "5 to 7" for everyone else: stating the subgroup
    # alone would drop a limit the text sets (before, this was counted exact).
    text = f"{section} Criteria:\n\n* Age 4 to 8 years (for patients with X) or age 5 to 7 years\n"
    [criterion] = _variable(text, terms)
    assert any(_logic(c) == "conditional" for c in _walk(criterion)) and not _codes(criterion)


_YEARS = {"unit": "years", "system": "http://unitsofmeasure.org", "code": "a"}


def _member(terms: Terms, path: Path, link_id: str) -> list[Json]:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    members = _members(_resource(trial, terms, FhirVersion.R5, "EvidenceVariable"))
    return [m for m in members if m.get("linkId") == link_id]


def _r4_logic(terms: Terms, path: Path, label: str) -> list[str | None]:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    group = _resource(trial, terms, FhirVersion.R4, "Group")
    criterion = {"url": EXT_CRITERION, "valueString": label}
    return [_logic(c) for c in group["characteristic"] if criterion in c.get("extension", [])]


@pytest.mark.parametrize("path", [CTGOV / "NCT02513394.json", FIXTURES / "ctgov-xml" / "NCT02513394.xml"])
def test_age_or_per_national_guidelines_is_exact_in_r5(terms: Terms, path: Path) -> None:
    assert _r4_logic(terms, path, "inclusion 2") == ["any-of"]
    [criterion] = _member(terms, path, "inclusion-2")
    age, words = criterion["definitionByCombination"]["characteristic"]
    assert criterion["definitionByCombination"]["code"] == "any-of"
    assert _codes(age) == [("397669002", {**_YEARS, "value": 18, "comparator": ">="})]
    assert words["definitionCodeableConcept"]["text"] == "per national guidelines"


def test_ecog_by_age_or_lansky_is_exact_in_r5(terms: Terms) -> None:
    path = CTGOV / "NCT05480501.json"  # "ECOG ... 0 or 1(age ≥ 16 years) or Lansky (age < 16 years)."
    assert _r4_logic(terms, path, "inclusion 6") == ["any-of"]
    [criterion] = _member(terms, path, "inclusion-6")
    adults, lansky = criterion["definitionByCombination"]["characteristic"]
    assert criterion["definitionByCombination"]["code"] == "any-of"
    who, ecog = adults["definitionByCombination"]["characteristic"]
    assert adults["definitionByCombination"]["code"] == "all-of"
    assert who["definitionCodeableConcept"]["text"] == "age ≥ 16 years" and who["exclude"] is False
    assert [code for code, _ in _codes(ecog)] == ["89247-1"]
    assert lansky == {
        "description": "Lansky (age < 16 years)",
        "definitionCodeableConcept": {"text": "Lansky (age < 16 years)"},
    }


def test_an_exclusion_for_a_subgroup_excludes_only_the_subgroup(terms: Terms) -> None:
    path = (
        CTGOV / "NCT04431453.json"
    )  # "eGFR < 30 ... using Schwartz formula for individuals ≥ 1 year of age"
    assert _r4_logic(terms, path, "exclusion 3") == ["conditional"]
    [criterion] = _member(terms, path, "exclusion-3")
    assert criterion["exclude"] is True and criterion["definitionByCombination"]["code"] == "all-of"
    who, egfr = criterion["definitionByCombination"]["characteristic"]
    assert (who["exclude"], who["definitionCodeableConcept"]["text"]) == (
        False,
        "for individuals ≥ 1 year of age",
    )
    assert _codes(egfr) == [
        (
            "69405-9",
            {"value": 30, "comparator": "<", "unit": "mL/min/1.73m2", "system": _UCUM, "code": _PER_AREA},
        )
    ]


_UCUM = "http://unitsofmeasure.org"
_PER_AREA = "mL/min/{1.73_m2}"
NCT02465060 = FIXTURES / "ctgov-xml" / "NCT02465060.xml"


def test_an_inclusion_for_a_subgroup_sets_no_limit_for_everyone_else(terms: Terms) -> None:
    # "Creatinine clearance >= 45 mL/min/1.73 m^2 for patients with creatinine levels above institutional normal"
    assert _r4_logic(terms, NCT02465060, "inclusion 21") == ["conditional"]
    [criterion] = _member(terms, NCT02465060, "inclusion-21")
    anyone_else, subgroup = criterion["definitionByCombination"]["characteristic"]
    assert criterion["definitionByCombination"]["code"] == "any-of"
    who = "for patients with creatinine levels above institutional normal"
    assert (anyone_else["exclude"], anyone_else["definitionCodeableConcept"]["text"]) == (True, who)
    assert "definitionByTypeAndValue" not in json.dumps(anyone_else)
    words, clearance = subgroup["definitionByCombination"]["characteristic"]
    assert (words["exclude"], words["definitionCodeableConcept"]["text"]) == (False, who)
    assert [q["value"] for _, q in _codes(clearance)] == [45]


def test_unless_x_is_everyone_without_x(terms: Terms) -> None:
    [criterion] = _variable(
        "Inclusion Criteria:\n\n* Total bilirubin <= 1.5 x ULN unless Gilbert's syndrome\n", terms
    )
    exempt, limited = criterion["definitionByCombination"]["characteristic"]
    assert criterion["definitionByCombination"]["code"] == "any-of"
    assert (exempt["exclude"], exempt["definitionCodeableConcept"]["text"]) == (False, "Gilbert's syndrome")
    who, limit = limited["definitionByCombination"]["characteristic"]
    assert (who["exclude"], who["definitionCodeableConcept"]["text"]) == (True, "Gilbert's syndrome")
    assert [q["value"] for _, q in _codes(limit)] == [1.5]


def test_unless_gilberts_is_the_limit_for_everyone_without_it(terms: Terms) -> None:
    # "Total bilirubin =< 1.5 X institutional ULN (unless documented Gilbert's syndrome, for which
    # bilirubin =< 3 x institutional ULN is permitted)": the 1.5 x ULN for everyone without Gilbert's, the
    # 3 x ULN for those with it - never the other way round.
    assert _r4_logic(terms, NCT02465060, "inclusion 19") == ["conditional"]
    [criterion] = _member(terms, NCT02465060, "inclusion-19")
    choices = criterion["definitionByCombination"]["characteristic"]
    assert criterion["definitionByCombination"]["code"] == "any-of"
    stated = []
    for choice in choices:
        who, limit = choice["definitionByCombination"]["characteristic"]
        stated.append(
            (who["exclude"], who["definitionCodeableConcept"]["text"], _codes(limit)[0][1]["value"])
        )
    assert sorted(stated) == [
        (False, "documented Gilbert's syndrome", 3),
        (True, "documented Gilbert's syndrome", 1.5),
    ]


def test_seed_measurable_disease_is_any_of_with_the_ratio_beside_the_light_chain(terms: Terms) -> None:
    # NCT06158412 inclusion 2: "...; or urinary M protein level ≥ 200 mg/24 hours; or serum immunoglobulin free
    # light chain ≥ 100 mg/L (10 mg/dL) and abnormal serum immunoglobulin kap/lam light chain ratio."
    assert _r4_logic(terms, SEED, "inclusion 2") == ["any-of"]
    [criterion] = _member(terms, SEED, "inclusion-2")
    protein, urine, light_chain = criterion["definitionByCombination"]["characteristic"]
    assert criterion["definitionByCombination"]["code"] == "any-of"
    assert [_codes(c) for c in (protein, urine)] == [
        [("m-protein", {"value": 5, "comparator": ">=", "unit": "g/L", "system": _UCUM, "code": "g/L"})],
        [
            (
                "urine-m-protein",
                {"value": 200, "comparator": ">=", "unit": "mg/24 h", "system": _UCUM, "code": "mg/(24.h)"},
            )
        ],
    ]
    chain, ratio = light_chain["definitionByCombination"]["characteristic"]
    assert light_chain["definitionByCombination"]["code"] == "all-of"
    assert [q["value"] for _, q in _codes(chain)] == [100]
    assert (
        ratio["definitionCodeableConcept"]["text"]
        == "abnormal serum immunoglobulin kap/lam light chain ratio"
    )


def test_a_or_b_and_c_without_semicolons_stays_text(terms: Terms) -> None:
    # Whether "abnormal ratio" is the light chain's or the whole choice's the text does not say.
    text = (
        "Inclusion Criteria:\n\n* Serum M protein >= 5 g/L or serum free light chain >= 100 mg/L and abnormal "
        "kappa/lambda ratio\n"
    )
    [criterion] = _variable(text, terms)
    assert _logic(criterion) == "any-of" and not _codes(criterion)


def test_an_unread_alternative_in_the_clause_keeps_the_choice_as_text(terms: Terms) -> None:
    # "or documented measurable plasmacytoma" has no threshold and no measure: a third alternative.
    text = "Inclusion Criteria:\n\n* Serum M protein >= 5 g/L; or urinary M protein >= 200 mg/24 hours; or plasmacytoma\n"
    [criterion] = _variable(text, terms)
    assert _logic(criterion) == "any-of"


def test_an_exclusion_any_of_with_subgroup_thresholds_is_stated_per_subgroup(terms: Terms) -> None:
    # NCT06097962 exclusion 15, "Meet any of the following standards: ... ALT > 3 × ULN (tumor liver
    # metastasis ≥ 5×ULN); AST > 3×ULN (tumor liver metastasis ≥ 5×ULN); TBIL > 1.5 ×ULN or TBIL>2.5 × ULN
    # (3.0 mg/dL) in Gilbert syndrome subjects; ...": an exclusion's "or" is already its any-of, so each
    # measure's subgroup thresholds are stated as for any exclusion - Gilbert's excluded above 2.5 x ULN only.
    [criterion] = _member(terms, CTGOV / "NCT06097962.json", "exclusion-15")
    assert _is_exact(criterion) and criterion["exclude"] is True
    topics = [
        c
        for c in criterion["definitionByCombination"]["characteristic"]
        if c.get("definitionByCombination", {}).get("code") == "any-of"
    ]
    stated = []
    for topic in topics:
        for option in topic["definitionByCombination"]["characteristic"]:
            who, limits = option["definitionByCombination"]["characteristic"]
            values = sorted((code, q["value"]) for code, q in _codes(limits))
            stated.append((who["exclude"], who["definitionCodeableConcept"]["text"], values))
    assert ("gilbert" in json.dumps(stated).lower()) and len(stated) == 4
    gilbert = sorted(s for s in stated if "Gilbert" in s[1])
    assert [(outside, values[0][1]) for outside, _, values in gilbert] == [(False, 2.5), (True, 1.5)]
    liver = sorted(s for s in stated if "liver" in s[1])
    assert [(outside, [v for _, v in values]) for outside, _, values in liver] == [
        (False, [5, 5]),
        (True, [3, 3]),
    ]


def test_an_exclusion_s_subgroup_thresholds_of_two_measures_exclude_either(terms: Terms) -> None:
    [criterion] = _variable(
        "Exclusion Criteria:\n\n* Any of: AST/ALT > 3 x ULN (AST/ALT > 5 x ULN for patients with liver "
        "metastases); creatinine > 2 x ULN or bilirubin > 1.5 x ULN\n",
        terms,
    )
    assert _is_exact(criterion)
    *_, liver = criterion["definitionByCombination"]["characteristic"]
    for option in liver["definitionByCombination"]["characteristic"]:
        _, limits = option["definitionByCombination"]["characteristic"]
        # AST or ALT above the subgroup's limit excludes (an exclusion's facts are an any-of), not both only
        assert limits["definitionByCombination"]["code"] == "any-of"
        assert sorted(code for code, _ in _codes(limits)) == ["1742-6", "1920-8"]


def test_an_exclusion_s_subgroup_value_beside_another_measure_s_or_is_text(terms: Terms) -> None:
    # the "(> 5 x ULN each ...)" may be ALT's too: stating ALT > 3 x ULN for everyone would be stricter
    [criterion] = _variable(
        "Exclusion Criteria:\n\n* Any of: ALT > 3 x ULN or AST > 3 x ULN (> 5 x ULN each for patients with "
        "liver metastases)\n",
        terms,
    )
    assert any(_logic(c) == "conditional" for c in _walk(criterion))
