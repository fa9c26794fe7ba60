"""The eligibility Group: structured fields, one characteristic per criterion, coded facts, verbatim text."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.resources import build_trial_resources
from fhir_adapter.resources.common import Json
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms
from tests.conftest import CTGOV, SEED, study_json


def _group(terms: Terms, path: Path = SEED) -> tuple[Json, list[str]]:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    built = build_trial_resources(trial, terms)
    [group] = [item.resource for item in built.resources if item.key.resource_type == "Group"]
    return group, [str(issue) for issue in built.issues]


def _criterion(characteristic: Json) -> str | None:
    extensions = characteristic.get("extension", [])
    return str(extensions[0]["valueString"]) if extensions else None


def _coded(group: Json, criterion: str) -> list[tuple[str, Any]]:
    found = []
    for c in group["characteristic"]:
        if _criterion(c) == criterion and "coding" in c["code"]:
            value = {k: v for k, v in c.items() if k.startswith("value")}
            found.append((c["code"]["coding"][0]["code"], value))
    return found


def test_group_is_a_definitional_person_cohort_with_target_size(terms: Terms) -> None:
    group, _ = _group(terms)
    assert (group["type"], group["actual"], group["quantity"]) == ("person", False, 25)
    assert group["extension"][0]["valueMarkdown"].startswith("Inclusion Criteria")


def test_every_criterion_appears_in_source_order_with_its_exclude_flag(terms: Terms) -> None:
    group, _ = _group(terms)
    labels = list(dict.fromkeys(label for c in group["characteristic"] if (label := _criterion(c))))
    assert labels == [f"inclusion {i}" for i in range(1, 7)] + [f"exclusion {i}" for i in range(1, 18)]
    for characteristic in group["characteristic"]:
        label = _criterion(characteristic)
        if label:
            assert characteristic["exclude"] is label.startswith("exclusion")


def test_every_characteristic_keeps_its_verbatim_text(terms: Terms) -> None:
    for path in sorted(CTGOV.glob("*.json")):
        group, _ = _group(terms, path)
        for characteristic in group.get("characteristic", []):
            assert characteristic["code"].get("text"), f"{path.name}: {characteristic}"


def test_seed_thresholds_are_coded_quantities(terms: Terms) -> None:
    group, _ = _group(terms)
    [(_, value)] = _coded(group, "exclusion 10")
    assert value == {
        "valueQuantity": {
            "value": 20,
            "comparator": "<",
            "unit": "mL/min",
            "system": "http://unitsofmeasure.org",
            "code": "mL/min",
        }
    }
    platelets, anc = _coded(group, "exclusion 6")
    assert platelets[1]["valueQuantity"]["code"] == "10*9/L" and platelets[1]["valueQuantity"]["value"] == 30
    assert anc[1]["valueQuantity"]["value"] == 1
    [(_, ecog)] = _coded(group, "inclusion 4")
    assert (ecog["valueRange"]["low"]["value"], ecog["valueRange"]["high"]["value"]) == (0, 2)
    [(_, age)] = _coded(group, "inclusion 1")
    assert age["valueQuantity"]["code"] == "a" and age["valueQuantity"]["comparator"] == ">="


def test_seed_statuses_are_coded_exclusions(terms: Terms) -> None:
    group, _ = _group(terms)
    assert [v for _, v in _coded(group, "exclusion 13")] == [{"valueBoolean": True}] * 3
    assert [v for _, v in _coded(group, "exclusion 16")] == [{"valueBoolean": True}] * 2


def test_three_times_normal_stays_text_with_a_warning(terms: Terms) -> None:
    group, warnings = _group(terms)
    assert _coded(group, "exclusion 9") == []
    assert any("exclusion criterion 9: 'total bilirubin 3 times normal'" in w for w in warnings)


def test_status_in_inclusion_is_coded_only_when_negated(terms: Terms, tmp_path: Path) -> None:
    study = study_json()
    study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = (
        "Inclusion Criteria:\n\n* Negative pregnancy test\n* HIV-infected patients on stable therapy are eligible"
    )
    path = tmp_path / "x.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    group, _ = _group(terms, path)
    assert [v for _, v in _coded(group, "inclusion 1")] == [{"valueBoolean": False}]
    assert _coded(group, "inclusion 2") == []


# Issue 10: the Group says exactly what the trial says (docs/eligibility-r4.md). A reader ANDs every characteristic.

EXT_LOGIC = "https://fhir-adapter.invalid/fhir/StructureDefinition/eligibility-logic"
EXT_ACCEPTS = "https://fhir-adapter.invalid/fhir/StructureDefinition/accepts-healthy-volunteers"


def _record(tmp_path: Path, criteria: str, **eligibility: Any) -> Path:
    study = study_json()
    module = study["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] = criteria
    module.update(eligibility)
    path = tmp_path / "record.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    return path


def _for(group: Json, criterion: str) -> list[Json]:
    return [c for c in group["characteristic"] if _criterion(c) == criterion]


def _logic(characteristic: Json) -> str | None:
    return next((e["valueCode"] for e in characteristic.get("extension", []) if e["url"] == EXT_LOGIC), None)


def _assert_one_text_characteristic(group: Json, criterion: str, logic: str) -> None:
    [characteristic] = _for(group, criterion)
    assert "coding" not in characteristic["code"] and characteristic["code"]["text"]
    assert characteristic["valueBoolean"] is True
    assert _logic(characteristic) == logic


@pytest.mark.parametrize("criterion", ["inclusion 21", "inclusion 19", "inclusion 2"])
def test_inclusion_or_is_one_text_characteristic_with_a_warning(terms: Terms, criterion: str) -> None:
    """Defect 1, NCT02513394: 'creatinine < ULN or CrCl >= 60' (21), 'bilirubin <= ULN; or <= 3 x ULN with
    Gilbert's' (19), 'Age >= 18 years (or per national guidelines)' (2) must not be two ANDed facts."""
    group, findings = _group(terms, CTGOV / "NCT02513394.json")
    _assert_one_text_characteristic(group, criterion, "any-of")
    section, number = criterion.split()
    assert any(f"{section} criterion {number}: alternatives" in f for f in findings)


def test_exclusion_or_is_one_coded_exclusion_per_fact(terms: Terms) -> None:
    group, _ = _group(terms)  # seed exclusion 6: platelets < 30 x 10^9/L or ANC < 1.0 x 10^9/L
    coded = _for(group, "exclusion 6")
    assert [c["code"]["coding"][0]["code"] for c in coded] == ["777-3", "751-8"]
    assert all(c["exclude"] is True and _logic(c) is None for c in coded)


def test_subgroup_threshold_is_one_conditional_text_characteristic(terms: Terms) -> None:
    """Defect 2, NCT04501120: 'ECOG 0-2 (0 to 3 for participants >= 60 to 74 years)' is not ECOG 0-2 for all."""
    group, findings = _group(terms, CTGOV / "NCT04501120.json")
    _assert_one_text_characteristic(group, "inclusion 2", "conditional")
    assert any("inclusion criterion 2: threshold" in f and "participants" in f for f in findings)


def test_age_at_diagnosis_is_never_coded_as_current_age(terms: Terms) -> None:
    """Defect 2, NCT01949129: 'age at diagnosis <= 18 years; age at HSCT <= 21' is not SNOMED 397669002."""
    group, _ = _group(terms, CTGOV / "NCT01949129.json")
    _assert_one_text_characteristic(group, "inclusion 1", "conditional")
    written = [c for c in group["characteristic"] if _criterion(c)]
    assert not any(c["code"].get("coding", [{}])[0].get("code") == "397669002" for c in written)


def test_unconditional_facts_beside_a_conditional_one_stay_coded(terms: Terms) -> None:
    group, _ = _group(
        terms, CTGOV / "NCT04318938.json"
    )  # lab list: bilirubin (Gilbert's), ALT/AST (metastases)
    characteristics = _for(group, "inclusion 7")
    coded = sorted(c["code"]["coding"][0]["code"] for c in characteristics if "coding" in c["code"])
    assert coded == sorted(["69405-9", "777-3", "718-7", "751-8"])  # eGFR, platelets, haemoglobin, ANC
    assert [_logic(c) for c in characteristics if "coding" not in c["code"]] == ["conditional"]


def test_accepting_healthy_volunteers_does_not_require_being_one(terms: Terms) -> None:
    """Defect 3, NCT00712335 (asthmatic smokers; healthyVolunteers true): no 'must be healthy' characteristic."""
    group, _ = _group(terms, CTGOV / "NCT00712335.json")
    codes = [c["code"].get("coding", [{}])[0].get("code") for c in group["characteristic"]]
    assert "healthy-volunteers" not in codes
    assert {"url": EXT_ACCEPTS, "valueBoolean": True} in group["extension"]


def test_not_accepting_healthy_volunteers_excludes_them(terms: Terms) -> None:
    group, _ = _group(terms)  # seed: healthyVolunteers false
    [healthy] = [
        c
        for c in group["characteristic"]
        if c["code"].get("coding", [{}])[0].get("code") == "healthy-volunteers"
    ]
    assert (healthy["valueBoolean"], healthy["exclude"]) == (True, True)
    assert {"url": EXT_ACCEPTS, "valueBoolean": False} in group["extension"]


def test_seed_measurable_disease_thresholds_are_reported_not_silent(terms: Terms) -> None:
    """Defect 4: M-protein >= 5 g/L; urine M-protein >= 200 mg/24 h; FLC >= 100 mg/L (an 'or' list)."""
    group, findings = _group(terms)
    _assert_one_text_characteristic(group, "inclusion 2", "any-of")
    [warning] = [f for f in findings if "inclusion criterion 2:" in f]
    assert "≥ 5 g/L" in warning and "200 mg/24 hours" in warning and "100 mg/L" in warning


def test_questionnaire_scores_are_coded_or_reported(terms: Terms) -> None:
    """Defect 4, NCT04040387: PSQI >= 10 (no verified code: own code + finding), PHQ-9 >= 20, AUDIT >= 8."""
    group, findings = _group(terms, CTGOV / "NCT04040387.json")
    assert [(k, v["valueQuantity"]["value"]) for k, v in _coded(group, "exclusion 1")] == [("44261-6", 20)]
    assert [(k, v["valueQuantity"]["value"]) for k, v in _coded(group, "exclusion 12")] == [("75624-7", 8)]
    assert [k for k, _ in _coded(group, "inclusion 5")] == ["psqi"]
    assert any("inclusion criterion 5:" in f and "own code" in f for f in findings)


def test_karnofsky_slash_lansky_codes_both_scores(terms: Terms) -> None:
    """Defect 4, NCT01949129 exclusion 6 'Karnofsky / Lansky score < 50%' was Karnofsky only."""
    group, _ = _group(terms, CTGOV / "NCT01949129.json")
    assert [k for k, _ in _coded(group, "exclusion 6")] == ["89243-0", "lansky"]


def test_qtcf_uses_the_fridericia_code(terms: Terms) -> None:
    """Defect 5: seed exclusion 8 'QT interval (QTcF) corrected by the Friedreichian formula > 470 ms'."""
    group, _ = _group(terms)
    assert [k for k, _ in _coded(group, "exclusion 8")] == ["76634-5"]


def test_creatinine_clearance_without_a_method_gets_no_method_code(terms: Terms, tmp_path: Path) -> None:
    """Defect 5: seed exclusion 10 'Creatinine clearance < 20 mL/min' is not the 24-h urine clearance 2164-2."""
    group, findings = _group(terms)
    assert [k for k, _ in _coded(group, "exclusion 10")] == ["creatinine-clearance"]
    assert any("exclusion criterion 10:" in f and "does not say how" in f for f in findings)
    stated = _record(
        tmp_path, "Exclusion Criteria:\n* Creatinine clearance < 30 mL/min on a 24-hour urine collection"
    )
    group, _ = _group(terms, stated)
    assert [k for k, _ in _coded(group, "exclusion 1")] == ["2164-2"]


def test_multiples_of_uln_keep_the_uln_unit(terms: Terms) -> None:
    """Defect 5: an x-ULN threshold is compared as result / referenceRange.high (README), never in the
    analyte's own unit: its Quantity says {ULN}."""
    group, _ = _group(terms, CTGOV / "NCT02513394.json")
    for code, value in _coded(group, "inclusion 20"):  # AST / ALT <= 1.5 x institutional ULN
        assert code in {"1920-8", "1742-6"}
        assert (value["valueQuantity"]["code"], value["valueQuantity"]["unit"]) == ("{ULN}", "x ULN")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_no_markdown_escape_reaches_any_characteristic(terms: Terms) -> None:
    """Defect 7: '\\<30', 'D\\&C' and friends are unescaped in every string (the description keeps Markdown)."""
    for path in sorted(CTGOV.glob("*.json")):
        group, _ = _group(terms, path)
        for text in _strings(group.get("characteristic", [])):
            assert not re.search(r"\\[!-/:-@\[-`{-~]", text), f"{path.name}: {text[:80]}"


def test_every_criterion_left_as_text_has_a_finding(terms: Terms) -> None:
    """docs/eligibility-r4.md point 5: coverage is visible per trial."""
    for path in sorted(CTGOV.glob("*.json")):
        group, findings = _group(terms, path)
        for characteristic in group.get("characteristic", []):
            label = _criterion(characteristic)
            if label and "coding" not in characteristic["code"]:
                section, number = label.split()
                assert any(f"{section} criterion {number}:" in f for f in findings), f"{path.name} {label}"


def test_criteria_text_over_the_bound_is_kept_as_description_with_a_warning(
    terms: Terms, tmp_path: Path
) -> None:
    path = _record(tmp_path, "Inclusion Criteria:\n* Age ≥ 18 years\n" + "word " * 12_000)
    group, findings = _group(terms, path)
    assert not any(_criterion(c) for c in group["characteristic"])
    assert group["extension"][0]["valueMarkdown"].startswith("Inclusion Criteria")
    assert any("more than the 50,000 the parser reads" in f for f in findings)
