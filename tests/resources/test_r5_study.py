"""R5 output of the builders (issue 12): one builder per resource, the versions differing at the element.

Built from the real records: NCT02513394 (PALLAS: four PIs, actual and estimated dates, collaborators, arms),
NCT06158412 (the seed: a central contact who is also the responsible investigator, site contacts' phones).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.resources import FhirVersion, TrialResources, build_trial_resources
from fhir_adapter.resources.research_study import R4_CROSS_VERSION, R5_ORDER
from fhir_adapter.resources.versions import CROSS_VERSION, cross_version_extension
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import R5_EXTENSION_BASE, Terms
from tests.conftest import CTGOV, FIXTURES

Json = dict[str, Any]
RECORDS = sorted(CTGOV.glob("*.json")) + sorted((FIXTURES / "ctgov-xml").glob("*.xml"))


def _built(terms: Terms, path: Path, version: FhirVersion) -> TrialResources:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    return build_trial_resources(trial, terms, version=version)


def _one(built: TrialResources, resource_type: str) -> Json:
    [found] = [r.resource for r in built.resources if r.resource["resourceType"] == resource_type]
    return found


@pytest.fixture(scope="module")
def pallas(terms: Terms) -> TrialResources:
    return _built(terms, CTGOV / "NCT02513394.json", FhirVersion.R5)


@pytest.fixture(scope="module")
def seed(terms: Terms) -> TrialResources:
    return _built(terms, CTGOV / "NCT06158412.json", FhirVersion.R5)


@pytest.mark.parametrize("path", [p for p in RECORDS if p.stem != "NCT03182660"], ids=lambda p: p.name)
def test_r4_cross_version_extensions_are_the_r5_elements(terms: Terms, path: Path) -> None:
    """R4's extensions for R5-only elements are made from the R5 values: one builder, two spellings."""
    r4 = _one(_built(terms, path, FhirVersion.R4), "ResearchStudy")
    r5 = _one(_built(terms, path, FhirVersion.R5), "ResearchStudy")
    for name in R4_CROSS_VERSION:
        url = f"{R5_EXTENSION_BASE}ResearchStudy.{name}"
        in_r4 = [e for e in r4.get("extension", []) if e["url"] == url]
        value = r5.get(name)
        items = value if isinstance(value, list) else [value] if value is not None else []
        if name == "recruitment":  # R4 refers to the eligibility Group in `enrollment` instead
            items = [{k: v for k, v in i.items() if k != "eligibility"} for i in items]
            items = [i for i in items if i]
        expected = [cross_version_extension(f"ResearchStudy.{name}", item) for item in items]
        if name == "associatedParty":  # R4 has elements for the lead sponsor, the PI and central contacts
            assert all(e in expected for e in in_r4), path.name
        else:
            assert in_r4 == expected, (path.name, name)


def test_r5_study_has_only_r5_elements_in_r5_order(pallas: TrialResources) -> None:
    study = _one(pallas, "ResearchStudy")
    names = [k for k in study if k != "resourceType"]
    assert names == [n for n in R5_ORDER if n in names]
    r4_only = {
        "arm",
        "enrollment",
        "sponsor",
        "principalInvestigator",
        "reasonStopped",
        "location",
        "contact",
    }
    assert not r4_only & set(study)
    assert not [e for e in study["extension"] if e["url"].startswith(R5_EXTENSION_BASE)]


def test_r5_status_is_the_record_published_and_the_lifecycle_is_progress(pallas: TrialResources) -> None:
    study = _one(pallas, "ResearchStudy")
    assert study["status"] == "active"
    states = [p["state"]["coding"][0]["code"] for p in study["progressStatus"]]
    assert states[0] == "active-but-not-recruiting" and "overall-study" in states


def test_r5_parties_name_the_lead_sponsor_and_every_pi(pallas: TrialResources) -> None:
    parties = _one(pallas, "ResearchStudy")["associatedParty"]
    roles = [p["role"]["coding"][0]["code"] for p in parties if "coding" in p["role"]]
    assert roles[0] == "lead-sponsor"
    assert roles.count("primary-investigator") >= 4  # the four PIs, and the responsible party's role


def test_a_central_contact_who_is_an_investigator_is_that_practitioner(seed: TrialResources) -> None:
    contacts = [
        p
        for p in _one(seed, "ResearchStudy")["associatedParty"]
        if p["role"].get("coding", [{}])[0].get("code") == "recruitment-contact"
    ]
    practitioners = {r.key.full_url for r in seed.resources if r.key.resource_type == "Practitioner"}
    assert {c["name"] for c in contacts} == {"Zhijuan Lin, PhD", "Bing Xu, PhD"}
    assert all(c["party"]["reference"] in practitioners for c in contacts)


def test_central_contacts_phones_stay_in_the_r4_contact_extension(seed: TrialResources) -> None:
    study = _one(seed, "ResearchStudy")
    details = [
        e["valueContactDetail"] for e in study["extension"] if e["url"].endswith("ResearchStudy.contact")
    ]
    assert [d["telecom"][0]["value"] for d in details] == ["+8615960283462", "+8618750918842"]


def test_each_arm_exposure_points_to_its_plan_definition(pallas: TrialResources) -> None:
    study = _one(pallas, "ResearchStudy")
    contained = {c["id"]: c for c in study["contained"]}
    plans = {r.key.full_url: r.resource for r in pallas.resources if r.key.resource_type == "PlanDefinition"}
    for group in study["comparisonGroup"]:
        [exposure] = group["intendedExposure"]
        variable = contained[exposure["reference"][1:]]
        [artifact] = variable["relatedArtifact"]
        assert plans[artifact["resourceReference"]["reference"]]["title"] == group["name"]
        assert variable["characteristic"], group["name"]


def test_r5_moves_phones_into_contact_and_summary_out_of_description(seed: TrialResources) -> None:
    location = _one(seed, "Location")
    assert "telecom" not in location and location["contact"][0]["telecom"]
    study = _one(seed, "ResearchStudy")
    assert study["descriptionSummary"].startswith("To investigate the safety")
    assert study["description"].startswith("This is an open-label")
    assert study["relatedArtifact"][0]["document"]["url"].endswith("NCT06158412")


def test_r5_group_is_definitional_with_its_criteria_as_description(seed: TrialResources) -> None:
    group = _one(seed, "Group")
    assert group["membership"] == "definitional" and "actual" not in group
    assert group["description"].startswith("Inclusion Criteria")
    study = _one(seed, "ResearchStudy")
    eligibility = {r.key.full_url: r.key.resource_type for r in seed.resources}
    assert eligibility[study["recruitment"]["eligibility"]["reference"]] == "EvidenceVariable"


def test_r5_plan_relates_actions_by_target_id(seed: TrialResources) -> None:
    text = str(_one(seed, "PlanDefinition"))
    assert "'targetId'" in text and "'actionId'" not in text


def test_every_cross_version_row_names_an_r5_element() -> None:
    assert {name.split(".")[0] for name in CROSS_VERSION} <= {"ResearchStudy", "Group"}
    assert set(R4_CROSS_VERSION) <= {name.split(".")[1] for name in CROSS_VERSION}


@pytest.mark.parametrize(
    ("path", "codes"),
    [
        (CTGOV / "NCT02856893.json", ["fda-regulated-drug"]),  # isFdaRegulatedDrug true, device false
        (CTGOV / "NCT02782117.json", ["fda-regulated-device"]),  # drug false, device true
        (CTGOV / "NCT06158412.json", []),  # the seed's oversight module says neither
        (FIXTURES / "ctgov-xml" / "NCT03424005.xml", ["fda-regulated-drug"]),  # <is_fda_regulated_drug>Yes
    ],
    ids=lambda v: v.name if isinstance(v, Path) else str(v),
)
def test_classifier_carries_the_fda_regulation_flags_that_are_true(
    terms: Terms, path: Path, codes: list[str]
) -> None:
    """R5 `classifier` codes from research-study-classifiers; R4 carries the same as HL7's extension."""
    r5 = _one(_built(terms, path, FhirVersion.R5), "ResearchStudy")
    r4 = _one(_built(terms, path, FhirVersion.R4), "ResearchStudy")
    assert [c["coding"][0]["code"] for c in r5.get("classifier", [])] == codes
    r4_classifiers = [e for e in r4["extension"] if e["url"].endswith("ResearchStudy.classifier")]
    assert [e["valueCodeableConcept"] for e in r4_classifiers] == r5.get("classifier", [])
