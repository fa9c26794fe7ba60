"""List items joined by an "OR" that ends each but the last, stated in R5 as one choice (issue 12).

The parser marks such items each other's alternatives (R4 keeps them as text). The EvidenceVariable gives
every item of the run the same any-of, one alternative per item read as its own statement (its coded
thresholds, beside its verbatim words when it says more). A three-valued matcher that ANDs the top-level
characteristics (met, not met, unknown when only words could say) must then agree with the text on
patients the text decides, and say "unknown" where only words decide: neither stricter nor looser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fhir_adapter.resources import r5_statement
from fhir_adapter.resources.common import ResourceKey
from fhir_adapter.resources.criteria_characteristics import EXT_LOGIC
from fhir_adapter.resources.eligibility_variable import build_eligibility_variable
from fhir_adapter.sources import Eligibility, TrialRecord, read_trials
from fhir_adapter.terms import Terms
from fhir_adapter.text import parse_criteria
from fhir_adapter.text.criteria.statement import joined_by_or, without_join
from tests.conftest import FIXTURES
from tests.resources.test_eligibility_nested import _met  # the same three-valued matcher

Json = dict[str, Any]
NCT00002475 = FIXTURES / "ctgov-xml" / "NCT00002475.xml"
NCT02958956 = FIXTURES / "ctgov-xml" / "NCT02958956.xml"
KEY = ResourceKey("EvidenceVariable", "urn:test", "NCT00000001")
ECOG, KARNOFSKY, AGE, HEMOGLOBIN = "89247-1", "89243-0", "397669002", "718-7"
LVEF = "10230-1"


def _all_met(members: list[Json], patient: dict[str, Any]) -> bool | None:
    """Return what a matcher ANDing the criteria says (the combination every member is in)."""
    return _met({"definitionByCombination": {"code": "all-of", "characteristic": members}}, patient)


def _criteria(path: Path) -> tuple[TrialRecord, str]:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    return trial, trial.eligibility.criteria or ""


def _members(trial: TrialRecord, terms: Terms) -> dict[str, Json]:
    [whole] = build_eligibility_variable(trial, KEY, terms)["characteristic"]
    return {m["linkId"]: m for m in whole["definitionByCombination"]["characteristic"] if "linkId" in m}


def _written(criteria: str) -> TrialRecord:
    return TrialRecord("NCT00000001", "test", eligibility=Eligibility(criteria=criteria))


def test_ecog_or_karnofsky_on_two_items_is_one_choice_carried_by_both(terms: Terms) -> None:
    trial, text = _criteria(NCT00002475)
    members = _members(trial, terms)
    ecog, karnofsky = members["inclusion-5"], members["inclusion-6"]
    assert (ecog["description"], karnofsky["description"]) == ("ECOG 0-2 OR", "Karnofsky 70-100%")
    assert ecog["definitionByCombination"] == karnofsky["definitionByCombination"]
    choice = ecog["definitionByCombination"]
    assert choice["code"] == "any-of"
    assert [c["description"] for c in choice["characteristic"]] == ["ECOG 0-2", "Karnofsky 70-100%"]
    assert [c["definitionByTypeAndValue"]["type"]["coding"][0]["code"] for c in choice["characteristic"]] == [
        ECOG,
        KARNOFSKY,
    ]
    parsed = parse_criteria(text)
    statements = {c.index: r5_statement(c, terms, parsed) for c in parsed if c.index in (5, 6)}
    assert set(statements.values()) == {
        "exact: any-of of 2 items joined by OR (any-of), each threshold coded"
    }
    # without the trial's other criteria the item alone is kept as text, as before
    assert r5_statement(parsed[4], terms) == "kept as text (any-of), as in R4"


def test_ecog_or_karnofsky_is_neither_stricter_nor_looser_for_a_matcher_anding_the_items(
    terms: Terms,
) -> None:
    trial, _ = _criteria(NCT00002475)
    members = _members(trial, terms)
    run = [members["inclusion-5"], members["inclusion-6"]]
    assert _all_met(run, {ECOG: 1, KARNOFSKY: 60}) is True  # ECOG alone is enough
    assert _all_met(run, {ECOG: 3, KARNOFSKY: 80}) is True  # Karnofsky alone is enough
    assert _all_met(run, {ECOG: 3, KARNOFSKY: 60}) is False  # neither
    assert _all_met(run, {ECOG: 3}) is None  # Karnofsky not known: the text does not decide


def test_cohort_definitions_joined_by_or_are_one_choice_each_with_its_words(terms: Terms) -> None:
    trial, text = _criteria(NCT02958956)
    members = _members(trial, terms)
    run = [members[f"inclusion-{n}"] for n in (1, 2, 3)]
    assert all(m["definitionByCombination"] == run[0]["definitionByCombination"] for m in run)
    assert [m["description"] for m in run] == [c.full_text for c in parse_criteria(text)[:3]]
    first, second, third = run[0]["definitionByCombination"]["characteristic"]
    # item 1: age >= 40 coded beside its words (registry, membership), which say more than the age
    words_1 = without_join(parse_criteria(text)[0].text)
    assert first["definitionByCombination"]["code"] == "all-of"
    age, said = first["definitionByCombination"]["characteristic"]
    assert age["definitionByTypeAndValue"]["valueQuantity"]["value"] == 40
    assert said["definitionCodeableConcept"]["text"] == words_1 and not words_1.endswith("or")
    # item 2: no threshold read ("reached aged 40 years between ..."): its words alone
    assert second["definitionCodeableConcept"]["text"].startswith(
        "has been in the DM registry, reached aged 40"
    )
    assert third["definitionByCombination"]["code"] == "all-of"
    parsed = parse_criteria(text)
    assert r5_statement(parsed[0], terms, parsed) == (
        "exact: any-of of 3 items joined by OR (any-of), each threshold coded, 3 in its words"
    )
    # a matcher ANDing the items: under 40, only item 2's words could still say (unknown, not "no")
    assert _all_met(run, {AGE: 35}) is None
    assert _all_met(run, {AGE: 35, second["description"]: False}) is False
    assert _all_met(run, {AGE: 50, words_1: True}) is True
    assert _all_met(run, {AGE: 50}) is None  # age alone is not item 1: the registry is still unknown


def test_hand_written_item_with_words_beside_its_threshold(terms: Terms) -> None:
    criteria = (
        "Inclusion Criteria:\n\n* Age >= 18 years\n* Hemoglobin >= 9 g/dL OR\n"
        "* on a chronic transfusion programme with hemoglobin >= 8 g/dL\n* ECOG 0-1\n"
    )
    members = _members(_written(criteria), terms)
    assert (
        members["inclusion-2"]["definitionByCombination"] == members["inclusion-3"]["definitionByCombination"]
    )
    everyone = list(members.values())
    transfused = "on a chronic transfusion programme with hemoglobin >= 8 g/dL"
    patient = {AGE: 40, ECOG: 1}
    assert _all_met(everyone, {**patient, HEMOGLOBIN: 9.5}) is True
    assert _all_met(everyone, {**patient, HEMOGLOBIN: 8.5, transfused: True}) is True
    assert _all_met(everyone, {**patient, HEMOGLOBIN: 8.5}) is None  # transfusion programme unknown
    assert _all_met(everyone, {**patient, HEMOGLOBIN: 8.5, transfused: False}) is False
    assert _all_met(everyone, {**patient, HEMOGLOBIN: 7.5, transfused: True}) is False
    assert _all_met(everyone, {**patient, HEMOGLOBIN: 9.5, ECOG: 2}) is False  # the other criteria still hold


def test_items_under_a_flattened_heading_or_with_a_value_unread_stay_text(terms: Terms) -> None:
    # "Women must be:" heads the two items: their choice is the women's, not everyone's
    under_heading = "Inclusion Criteria:\n\n* Women must be:\n* aged >= 50 years OR\n* FSH > 40 IU/L\n"
    members = _members(_written(under_heading), terms)
    assert members["inclusion-2"]["extension"] == [{"url": EXT_LOGIC, "valueCode": "any-of"}]
    # "FSH > 40 IU/L" unread beside the age read: which words are whose is not certain
    unread = "Inclusion Criteria:\n\n* Age >= 50 years and FSH > 40 IU/L OR\n* Age >= 60 years\n"
    members = _members(_written(unread), terms)
    assert members["inclusion-1"]["extension"] == [{"url": EXT_LOGIC, "valueCode": "any-of"}]
    parsed = parse_criteria(unread)
    assert r5_statement(parsed[0], terms, parsed) == "kept as text (any-of), as in R4"


def test_an_item_with_no_value_read_is_its_words_in_the_choice(terms: Terms) -> None:
    criteria = (
        "Inclusion Criteria:\n\n* Shortening fraction at least 27% by echocardiogram OR\n* LVEF >= 50%\n"
    )
    members = _members(_written(criteria), terms)
    run = [members["inclusion-1"], members["inclusion-2"]]
    words = "Shortening fraction at least 27% by echocardiogram"
    assert [c["description"] for c in run[0]["definitionByCombination"]["characteristic"]] == [
        words,
        "LVEF >= 50%",
    ]
    assert _all_met(run, {LVEF: 55}) is True
    assert _all_met(run, {LVEF: 45}) is None  # the shortening fraction, in words, may still be met
    assert _all_met(run, {LVEF: 45, words: False}) is False


def test_runs_are_the_items_the_parser_joins_by_or() -> None:
    parsed = parse_criteria("Inclusion Criteria:\n\n* A\n* ECOG 0-2 OR\n* Karnofsky 70-100%\n* B or\n")
    assert [[c.index for c in run] for run in joined_by_or(parsed)] == [[2, 3]]
    # an exclusion item ending with "or" joins nothing (the parser joins inclusions only)
    parsed = parse_criteria("Exclusion Criteria:\n\n* ECOG > 2 OR\n* Karnofsky < 70%\n")
    assert joined_by_or(parsed) == ()
