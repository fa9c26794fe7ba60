"""The eligibility Group: structured fields, one characteristic per criterion, coded facts, verbatim text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
