"""The regimen PlanDefinition: the seed's acceptance points on the built resource, the KDN5 structure, and
every fixture record's PlanDefinitions passing every validation layer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.resources import FhirVersion, build_trial_resources
from fhir_adapter.resources.keys import trial_keys
from fhir_adapter.resources.plan_definition import build_plan_definition, plan_arms
from fhir_adapter.sources import Arm, DataQualityIssue, Intervention, TrialRecord, read_trials
from fhir_adapter.terms import RXNORM_SYSTEM, SNOMED_SYSTEM, UCUM_SYSTEM, Terms
from fhir_adapter.validation import check_resource
from fhir_adapter.validation.model import model_class
from tests.conftest import CTGOV, SEED

Json = dict[str, Any]
DAYS = "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"


def build(trial: TrialRecord, terms: Terms, arm: Arm | None = None) -> tuple[Json, list[DataQualityIssue]]:
    arm = arm or plan_arms(trial)[0]
    key = {a.label: k for a, k in trial_keys(trial, plan_arms(trial)).arms}[arm.label]
    report: list[DataQualityIssue] = []
    return build_plan_definition(trial, arm, key, terms, version=FhirVersion.R4, report=report), report


def seed() -> TrialRecord:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    return trial


def walk(actions: list[Json]) -> Iterator[Json]:
    for action in actions:
        yield action
        yield from walk(action.get("action", []))


def days(action: Json) -> list[int]:
    return [
        e["valueInteger"] for x in action.get("extension", []) if x["url"] == DAYS for e in x["extension"]
    ]


def activity(plan: Json, action: Json) -> Json:
    wanted = action["definitionCanonical"].removeprefix("#")
    found: list[Json] = [c for c in plan["contained"] if c["id"] == wanted]
    assert len(found) == 1
    return found[0]


def leaves(phase: Json, name: str) -> list[Json]:
    return [
        a for a in walk(phase["action"]) if "definitionCanonical" in a and a["title"].lower().startswith(name)
    ]


@pytest.fixture(scope="module")
def seed_plan(terms: Terms) -> tuple[Json, list[DataQualityIssue]]:
    return build(seed(), terms)


def phases(plan: Json) -> list[Json]:
    [regimen] = [a for a in plan["action"] if a.get("id") == "regimen"]
    return list(regimen["action"])


def test_seed_has_a_28_day_cycle_1_then_cycles_until_progression(seed_plan: tuple[Json, list[Any]]) -> None:
    plan, _ = seed_plan
    assert plan["type"]["coding"][0]["code"] == "clinical-protocol"
    first, later = phases(plan)
    assert first["title"] == "Cycle 1"
    assert first["timingTiming"]["repeat"] == {
        "count": 1,
        "duration": 28,
        "durationUnit": "d",
        "period": 28,
        "periodUnit": "d",
    }
    assert later["title"] == "Cycles 2+" and "count" not in later["timingTiming"]["repeat"]
    assert later["relatedAction"] == [{"actionId": first["id"], "relationship": "after-end"}]
    assert "until disease progression" in later["description"]


def test_seed_carfilzomib_is_20_on_days_1_2_of_cycle_1_then_27_without_a_route(
    seed_plan: tuple[Json, list[Any]],
) -> None:
    plan, _ = seed_plan
    first, later = phases(plan)
    doses = {tuple(days(a)): activity(plan, a)["dosage"][0] for a in leaves(first, "carfilzomib")}
    assert doses[(1, 2)]["doseAndRate"][0]["doseQuantity"] == {
        "value": 20,
        "unit": "mg/m2",
        "system": UCUM_SYSTEM,
        "code": "mg/m2",
    }
    assert doses[(8, 9, 15, 16)]["doseAndRate"][0]["doseQuantity"]["value"] == 27
    [every] = leaves(later, "carfilzomib")
    assert days(every) == [1, 2, 8, 9, 15, 16]
    assert activity(plan, every)["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 27
    assert all("route" not in d for d in doses.values())
    rxnorm = activity(plan, every)["productCodeableConcept"]["coding"][0]
    assert (rxnorm["system"], rxnorm["code"]) == (RXNORM_SYSTEM, "1302966")


def test_seed_pomalidomide_is_4_mg_oral_daily_on_days_1_to_21(seed_plan: tuple[Json, list[Any]]) -> None:
    plan, _ = seed_plan
    for phase in phases(plan):
        [action] = leaves(phase, "pomalidomide")
        dosage = activity(plan, action)["dosage"][0]
        assert days(action) == list(range(1, 22))
        assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 4
        assert dosage["route"]["coding"] == [
            {"system": SNOMED_SYSTEM, "code": "26643006", "display": "Oral route"}
        ]
        assert dosage["timing"]["repeat"] == {"frequency": 1, "period": 1, "periodUnit": "d"}


def test_seed_dexamethasone_is_one_of_40_or_20_mg_by_age_on_days_1_8_15_22(
    seed_plan: tuple[Json, list[Any]],
) -> None:
    plan, _ = seed_plan
    for phase in phases(plan):
        [group] = [a for a in phase["action"] if a.get("title") == "Dexamethasone"]
        assert group["selectionBehavior"] == "exactly-one" and group["textEquivalent"]
        found = []
        for option in group["action"]:
            expression = option["condition"][0]["expression"]
            rate = activity(plan, option)["dosage"][0]["doseAndRate"][0]["rateRatio"]
            found.append((expression["expression"], rate["numerator"]["value"], rate["denominator"]["code"]))
            assert option["condition"][0]["kind"] == "applicability" and expression["language"] == "text/cql"
            assert days(option) == [1, 8, 15, 22] and option["textEquivalent"]
        assert found == [("AgeInYears() <= 75", 40, "d"), ("AgeInYears() > 75", 20, "d")]


def test_seed_atra_is_oral_twice_daily_for_3_days_two_days_before_carfilzomib(
    seed_plan: tuple[Json, list[Any]],
) -> None:
    plan, _ = seed_plan
    for phase in phases(plan):
        [atra] = leaves(phase, "all-trans")
        dosage = activity(plan, atra)["dosage"][0]
        assert "doseAndRate" not in dosage and "ATRA mg/m2/day in 2 oral doses" in dosage["text"]
        assert dosage["route"]["coding"][0]["code"] == "26643006"
        assert (
            dosage["timing"]["repeat"]["frequency"] == 2
            and dosage["timing"]["repeat"]["boundsDuration"]["value"] == 3
        )
        [related] = atra["relatedAction"]
        target = next(a for a in walk(phase["action"]) if a.get("id") == related["actionId"])
        assert target["title"].lower().startswith("carfilzomib") and 1 in days(target)
        assert related["relationship"] == "before-start"
        assert related["offsetDuration"] == {"value": 2, "unit": "d", "system": UCUM_SYSTEM, "code": "d"}


def test_seed_warnings_name_trial_arm_drug_and_field(seed_plan: tuple[Json, list[Any]]) -> None:
    _, report = seed_plan
    found = {(i.drug, i.message.split(";")[0].split(" (")[0]) for i in report}
    assert ("All-trans Retinoic Acid", "dose has no number") in found
    assert ("Carfilzomib", "no route stated") in found
    assert all(i.nct_id == "NCT06158412" and i.arm and i.field.startswith("protocolSection.") for i in report)


def test_every_dose_action_keeps_its_verbatim_text_and_every_definition_resolves(
    seed_plan: tuple[Json, list[Any]],
) -> None:
    plan, _ = seed_plan
    ids = {c["id"] for c in plan["contained"]}
    referenced = {a["definitionCanonical"][1:] for a in walk(plan["action"]) if "definitionCanonical" in a}
    assert referenced == ids
    action_ids = [a["id"] for a in walk(plan["action"]) if "id" in a]
    assert len(action_ids) == len(set(action_ids))
    assert all(a.get("textEquivalent") or a.get("title") for a in walk(plan["action"]))


def test_auc_dose_stays_text_without_a_ucum_quantity(terms: Terms) -> None:
    [trial] = list(read_trials([CTGOV / "NCT02175381.json"]))
    assert isinstance(trial, TrialRecord)
    plan, _ = build(trial, terms)
    [carboplatin] = [c for c in plan["contained"] if c["productCodeableConcept"]["text"] == "Carboplatin"]
    assert "doseAndRate" not in carboplatin["dosage"][0] and "AUC" in carboplatin["description"]


def test_alternative_agents_are_one_choice_and_procedures_stay_plain_actions(terms: Terms) -> None:
    interventions = (
        Intervention("DRUG", "Tislelizumab or sugemalimab", "200 mg IV every 3 weeks", ("Arm",)),
        Intervention("PROCEDURE", "Surgery", "Radical resection", ("Arm",)),
    )
    arm = Arm("Arm", "EXPERIMENTAL", None, tuple(i.label for i in interventions))
    trial = TrialRecord("NCT00000000", "test", arms=(arm,), interventions=interventions)
    plan, report = build(trial, terms)
    [choice] = [a for a in walk(plan["action"]) if a.get("selectionBehavior") == "exactly-one"]
    assert [a["title"] for a in choice["action"]] == ["Tislelizumab", "sugemalimab"]
    # The one description serves both names: its dose is not given to either.
    assert any("not written next to a drug name" in i.message for i in report)
    assert {"title": "Procedure: Surgery", "description": "Radical resection"} in plan["action"]


def test_builder_is_deterministic(terms: Terms) -> None:
    assert build(seed(), terms) == build(seed(), terms)


@pytest.mark.parametrize("path", sorted(CTGOV.glob("*.json")), ids=lambda p: p.stem)
def test_every_fixture_plan_definition_passes_every_check_and_round_trips(terms: Terms, path: Path) -> None:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    for built in build_trial_resources(trial, terms).resources:
        if built.resource["resourceType"] != "PlanDefinition":
            continue
        assert [str(i) for i in check_resource(built.resource)] == []
        cls = model_class("PlanDefinition")
        model = cls.model_validate(built.resource)
        assert cls.model_validate(model.model_dump(mode="json", exclude_none=True)) == model
