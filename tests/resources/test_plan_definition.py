"""The regimen PlanDefinition: the seed's acceptance points on the built resource, the KDN5 structure, and
every fixture record's PlanDefinitions passing every validation layer."""

from __future__ import annotations

import re
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
from tests.conftest import CTGOV, FIXTURES, SEED, load_json

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


def test_seed_dexamethasone_is_one_of_40_or_20_mg_a_day_by_age_on_days_1_8_15_22(
    seed_plan: tuple[Json, list[Any]],
) -> None:
    # Defect 8 (issue 10): "40 mg/day" is a daily dose of 40 mg given once a day, not a rate.
    plan, _ = seed_plan
    for phase in phases(plan):
        [group] = [a for a in phase["action"] if a.get("title") == "Dexamethasone"]
        assert group["selectionBehavior"] == "exactly-one" and group["textEquivalent"]
        found = []
        for option in group["action"]:
            expression = option["condition"][0]["expression"]
            dosage = activity(plan, option)["dosage"][0]
            [dose_and_rate] = dosage["doseAndRate"]
            assert list(dose_and_rate) == ["doseQuantity"]
            assert dosage["timing"]["repeat"] == {"frequency": 1, "period": 1, "periodUnit": "d"}
            found.append((expression["expression"], dose_and_rate["doseQuantity"]["value"]))
            assert dose_and_rate["doseQuantity"]["code"] == "mg"
            assert option["condition"][0]["kind"] == "applicability" and expression["language"] == "text/cql"
            assert days(option) == [1, 8, 15, 22] and option["textEquivalent"]
        assert found == [("AgeInYears() <= 75", 40), ("AgeInYears() > 75", 20)]


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


def test_auc_dose_is_a_target_exposure_in_mg_per_ml_min_never_a_mass(terms: Terms) -> None:
    # Defect 11 (issue 10): NCT02175381 "Carboplatin: 2.5 AUC i.v on day 1".
    [trial] = list(read_trials([CTGOV / "NCT02175381.json"]))
    assert isinstance(trial, TrialRecord)
    plan, _ = build(trial, terms)
    [carboplatin] = [c for c in plan["contained"] if c["productCodeableConcept"]["text"] == "Carboplatin"]
    [dose_and_rate] = carboplatin["dosage"][0]["doseAndRate"]
    assert dose_and_rate["doseQuantity"] == {
        "value": 2.5,
        "unit": "mg/mL.min",
        "system": UCUM_SYSTEM,
        "code": "mg/mL.min",
    }
    assert "target area under the curve" in carboplatin["description"]


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


# Issue 10, defects 7 to 13, on the built resources (the parser's side: tests/text/test_regimen_faithful.py).

MARKDOWN_ELEMENTS = {
    "description"
}  # PlanDefinition.description and ActivityDefinition.description are markdown
ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")


def fixture_plans(terms: Terms, nct_id: str) -> list[tuple[Json, list[DataQualityIssue]]]:
    path = CTGOV / f"{nct_id}.json"
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    return [build(trial, terms, arm) for arm in plan_arms(trial)]


def strings(element: Any, name: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """Yield (element name, value) of every string in a resource, below its top level too."""
    if isinstance(element, dict):
        for key, value in element.items():
            yield from strings(value, key, depth + 1)
    elif isinstance(element, list):
        for value in element:
            yield from strings(value, name, depth)
    elif isinstance(element, str):
        yield name, element


def dosages(plan: Json, drug: str) -> list[Json]:
    return [
        d
        for c in plan.get("contained", [])
        if c["productCodeableConcept"]["text"].lower() == drug
        for d in c["dosage"]
    ]


@pytest.mark.parametrize("path", sorted(CTGOV.glob("*.json")), ids=lambda p: p.stem)
def test_no_markdown_escape_reaches_a_string_element(terms: Terms, path: Path) -> None:
    # Defect 7: seed "\>75 years", NCT04501120 "2mg/m\^2". Markdown-typed descriptions keep the escapes.
    for plan, _ in fixture_plans(terms, path.stem):
        escaped = [(n, v) for n, v in strings(plan) if n not in MARKDOWN_ELEMENTS and ESCAPE.search(v)]
        actions = [(n, v) for n, v in strings(plan.get("action")) if n == "description" and ESCAPE.search(v)]
        assert escaped + actions == []


def test_seed_texts_read_greater_than_75_not_the_escape(seed_plan: tuple[Json, list[Any]]) -> None:
    plan, _ = seed_plan
    [dosage, *_] = dosages(plan, "dexamethasone")
    assert ">75 years: 20 mg/day" in dosage["text"] and "\\" not in dosage["text"]


@pytest.mark.parametrize(
    ("nct_id", "drug", "expected"),
    [
        ("NCT01949129", "atg thymoglobulin", (2.5, "mg/kg", 3)),  # "2,5mg/kg BW/d 3 days"
        ("NCT01949129", "cyclophosphamide", (50, "mg/kg", 2)),  # "50mg/kg BW/d 2 days with Mesna"
        ("NCT04547049", "cyclosporin a", (2.5, "mg/kg", None)),  # "2.5 mg/kg/day administered intravenously"
    ],
)
def test_daily_dose_is_a_dose_given_once_a_day_never_a_rate(
    terms: Terms, nct_id: str, drug: str, expected: tuple[float, str, int | None]
) -> None:
    # Defect 8
    dose, unit, days = expected
    found = [d for plan, _ in fixture_plans(terms, nct_id) for d in dosages(plan, drug)]
    assert found
    for dosage in found:
        [dose_and_rate] = dosage["doseAndRate"]
        assert dose_and_rate == {
            "doseQuantity": {"value": dose, "unit": unit, "system": UCUM_SYSTEM, "code": unit}
        }
        repeat = dosage["timing"]["repeat"]
        assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (1, 1, "d")
        assert (repeat["boundsDuration"]["value"] if days else None) == days


@pytest.mark.parametrize("path", sorted(CTGOV.glob("*.json")), ids=lambda p: p.stem)
def test_a_rate_is_only_ever_a_flow(terms: Terms, path: Path) -> None:
    for plan, _ in fixture_plans(terms, path.stem):
        for contained in plan.get("contained", []):
            for dose_and_rate in (x for d in contained["dosage"] for x in d.get("doseAndRate", [])):
                rates = [v for k, v in dose_and_rate.items() if k.startswith("rate")]
                assert all(r.get("low", r).get("code") == "L/min" for r in rates), dose_and_rate


def test_a_daily_amount_given_in_several_doses_has_no_dose(terms: Terms) -> None:
    trial = small_trial(("X", "X 40 mg/day in 2 doses on days 1-5"))
    plan, report = build(trial, terms)
    [dosage] = dosages(plan, "x")
    assert "doseAndRate" not in dosage and dosage["timing"]["repeat"]["frequency"] == 2
    assert any("daily amount" in i.message and i.severity == "warning" for i in report)


def test_nct01949129_treosulfan_is_given_over_3_days_with_a_finding(terms: Terms) -> None:
    # Defect 9: "14g/m² BS, 3 days": how often within the 3 days is not written.
    plan, report = fixture_plans(terms, "NCT01949129")[0]
    [dosage] = dosages(plan, "treosulfan")
    assert dosage["timing"]["repeat"] == {
        "boundsDuration": {"value": 3, "unit": "days", "system": UCUM_SYSTEM, "code": "d"}
    }
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 14
    [note] = [i for i in report if i.drug == "Treosulfan" and i.severity == "information"]
    assert "'3 days'" in note.message and note.field.endswith("interventions[3].description")
    assert (note.nct_id, note.arm) == ("NCT01949129", "Flu/Thio/Treo")


def test_until_progression_is_a_stop_condition_with_the_words_written(terms: Terms) -> None:
    # Defect 10: NCT04267848 "... in the absence of disease progression or unacceptable toxicity."
    plans = fixture_plans(terms, "NCT04267848")
    for plan, _ in plans:
        [regimen] = [a for a in plan.get("action", []) if a.get("id") == "regimen"]
        [condition] = regimen["condition"]
        assert condition["kind"] == "stop"
        expression = condition["expression"]
        assert expression["description"] == "in the absence of disease progression or unacceptable toxicity"
        assert expression["language"] == "text/cql" and expression["expression"].startswith('"in the absence')


def test_no_stop_condition_when_the_text_gives_none(terms: Terms) -> None:
    plan, _ = build(small_trial(("X", "X 10 mg on days 1-21 of each 28-day cycle")), terms)
    assert all("condition" not in a for a in plan["action"])


@pytest.mark.parametrize(
    ("nct_id", "drug", "element", "quantity"),
    [
        (
            "NCT00576225",
            "carboplatin",
            "doseQuantity",
            {"value": 6, "unit": "mg/mL.min", "code": "mg/mL.min"},
        ),
        ("NCT02967393", "iiv4", "doseQuantity", {"value": 0.5, "unit": "mL", "code": "mL"}),
        ("NCT06097962", "nk510", "doseQuantity", {"value": 1000000000, "unit": "cells", "code": "{cells}"}),
    ],
)
def test_target_auc_volume_and_cells_are_quantities_in_their_ucum_units(
    terms: Terms, nct_id: str, drug: str, element: str, quantity: Json
) -> None:
    # Defect 11: carboplatin "AUC 6" is an exposure, never 6 mg.
    found = [d for plan, _ in fixture_plans(terms, nct_id) for d in dosages(plan, drug)]
    assert found
    assert all(d["doseAndRate"][0][element] == {**quantity, "system": UCUM_SYSTEM} for d in found[:1])


def test_nct03511846_oxygen_flow_is_a_rate_range(terms: Terms) -> None:
    plans = fixture_plans(terms, "NCT03511846")
    found = [
        d for plan, _ in plans for c in plan.get("contained", []) for d in c["dosage"] if "L/min" in str(d)
    ]
    dosage = next(d for d in found if "1-9 L/min" in d["text"])
    low_high = dosage["doseAndRate"][0]["rateRange"]
    assert (low_high["low"]["value"], low_high["high"]["value"], low_high["high"]["code"]) == (1, 9, "L/min")


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        (
            "X 2 x 10^6 CAR+ T cells/kg IV on day 0",
            {"value": 2000000, "unit": "cells/kg", "code": "{cells}/kg"},
        ),
        ("X 2500 IU/m2 IM on day 4", {"value": 2500, "unit": "IU/m2", "code": "[iU]/m2"}),
        # a busulfan target exposure (NCT02724163 "AUC 70-100mg/L x hr") in its own unit, never mg/mL.min
        ("X AUC 90 mg.h/L IV on day -3", {"value": 90, "unit": "mg/L.h", "code": "mg/L.h"}),
    ],
)
def test_cell_doses_and_international_units_are_ucum_quantities(
    terms: Terms, text: str, quantity: Json
) -> None:
    plan, _ = build(small_trial(("X", text)), terms)
    [dosage] = dosages(plan, "x")
    assert dosage["doseAndRate"] == [{"doseQuantity": {**quantity, "system": UCUM_SYSTEM}}]


@pytest.mark.parametrize("path", sorted(CTGOV.glob("*.json")), ids=lambda p: p.stem)
def test_no_carboplatin_auc_becomes_a_mass(terms: Terms, path: Path) -> None:
    for plan, _ in fixture_plans(terms, path.stem):
        for dosage in dosages(plan, "carboplatin"):
            if "AUC" in dosage["text"].upper():
                codes = {q.get("code") for x in dosage.get("doseAndRate", []) for q in x.values()}
                assert codes <= {"mg/mL.min", None}, dosage


def test_seed_atra_is_tretinoin_given_morning_and_evening(seed_plan: tuple[Json, list[Any]]) -> None:
    # Defect 13
    plan, _ = seed_plan
    [atra] = [
        c for c in plan["contained"] if c["productCodeableConcept"]["text"] == "All-trans Retinoic Acid"
    ]
    assert {"system": RXNORM_SYSTEM, "code": "10753", "display": "tretinoin"} in atra[
        "productCodeableConcept"
    ]["coding"]
    assert atra["dosage"][0]["timing"]["repeat"]["when"] == ["MORN", "EVE"]


def test_a_time_of_day_that_does_not_match_the_frequency_is_kept_as_text(terms: Terms) -> None:
    plan, report = build(small_trial(("X", "X 10 mg three times daily, in the morning")), terms)
    [dosage] = dosages(plan, "x")
    assert "when" not in dosage["timing"]["repeat"]
    assert any(i.severity == "information" and "morning" in i.message for i in report)


@pytest.mark.parametrize(
    ("nct_id", "status"),
    [
        ("NCT06158412", "active"),
        ("NCT00711542", "retired"),
        ("NCT00576225", "retired"),
        ("NCT00033839", "retired"),
    ],
    ids=["recruiting", "terminated", "withdrawn", "completed"],
)
def test_plan_status_says_whether_the_plan_is_in_use(terms: Terms, nct_id: str, status: str) -> None:
    assert {plan["status"] for plan, _ in fixture_plans(terms, nct_id)} == {status}


def test_every_ctgov_status_has_a_plan_status(terms: Terms) -> None:
    statuses = load_json(FIXTURES / "ctgov-enums.json")["ctgov-status-r4"]
    assert {s: bool(terms.map("ctgov-status-plan", s)) for s in statuses} == dict.fromkeys(statuses, True)


@pytest.mark.parametrize("path", sorted(CTGOV.glob("*.json")), ids=lambda p: p.stem)
def test_subtitle_never_repeats_the_study_title(terms: Terms, path: Path) -> None:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    for plan, _ in fixture_plans(terms, path.stem):
        assert plan["subtitle"] not in (trial.brief_title, trial.official_title)
        assert (
            plan["subtitle"].endswith(f"arm of {trial.nct_id}")
            or plan["subtitle"] == f"Arm of {trial.nct_id}"
        )


def test_nct01949129_donor_type_doses_are_kept_as_text_with_a_finding(terms: Terms) -> None:
    # "MD: 15mg/kg BW/d 3 days MMD: 10mg/kg BW/d 3 days": who gets which dose is written in words only.
    _, report = fixture_plans(terms, "NCT01949129")[0]
    notes = {i.message for i in report if i.drug == "Grafalon" and i.severity == "information"}
    assert {"dose for 'MD', a condition written in words; kept as text"} <= notes
    assert {"dose for 'MMD', a condition written in words; kept as text"} <= notes


def test_timing_relative_to_a_drug_the_plan_does_not_list_is_a_finding(terms: Terms) -> None:
    plan, report = build(
        small_trial(("X", "X 10 mg orally two days prior to carboplatin administration")), terms
    )
    assert all("relatedAction" not in a for a in walk(plan["action"]))
    assert any(i.severity == "information" and "which this plan does not list" in i.message for i in report)


def small_trial(*interventions: tuple[str, str | None]) -> TrialRecord:
    linked = tuple(Intervention("DRUG", name, text, ("Arm",)) for name, text in interventions)
    arm = Arm("Arm", "EXPERIMENTAL", None, tuple(i.label for i in linked))
    return TrialRecord("NCT00000000", "test", arms=(arm,), interventions=linked, overall_status="RECRUITING")
