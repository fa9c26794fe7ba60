"""ResearchStudy carries what the registry says (issue 10, defects 15 and 16), on the real records named there.

NCT02513394 (PALLAS): four principal investigators, dates and enrollment marked actual or estimated, a
sponsor as responsible party, MeSH ids padded in the export, sites in 21 countries. NCT06158412 (the seed):
a site whose 'facility' is a person's name, a responsible investigator who is also a site contact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.bundle import build_bundle
from fhir_adapter.resources import TrialResources, build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import (
    EXT_R5_ASSOCIATED_PARTY,
    EXT_R5_DATE,
    EXT_R5_OUTCOME_MEASURE,
    EXT_R5_PROGRESS_STATUS,
    EXT_R5_RECRUITMENT,
    ISO_3166_SYSTEM,
    MESH_SYSTEM,
    Terms,
)
from tests.conftest import CTGOV, FIXTURES, study_json

Json = dict[str, Any]


def _built(terms: Terms, path: Path) -> TrialResources:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    return build_trial_resources(trial, terms)


def _resources(built: TrialResources, resource_type: str) -> list[Json]:
    return [r.resource for r in built.resources if r.resource["resourceType"] == resource_type]


def _study(built: TrialResources) -> Json:
    [study] = _resources(built, "ResearchStudy")
    return study


def _extensions(study: Json, url: str) -> list[dict[str, Any]]:
    """Return each complex extension with `url` as {sub-extension url: its value}."""
    found = []
    for extension in study["extension"]:
        if extension["url"] == url:
            if "extension" in extension:
                found.append({sub["url"]: _value(sub) for sub in extension["extension"]})
            else:
                found.append({"value": _value(extension)})
    return found


def _value(extension: Json) -> Any:
    [key] = [k for k in extension if k.startswith("value")]
    return extension[key]


def _by_full_url(built: TrialResources) -> dict[str, Json]:
    return {r.key.full_url: r.resource for r in built.resources}


@pytest.fixture(scope="module")
def pallas(terms: Terms) -> TrialResources:
    return _built(terms, CTGOV / "NCT02513394.json")


@pytest.fixture(scope="module")
def seed(terms: Terms) -> TrialResources:
    return _built(terms, CTGOV / "NCT06158412.json")


# --- the parties (defect 15) ------------------------------------------------------------------------------


def test_every_pi_of_pallas_is_referenced_with_their_affiliation(pallas: TrialResources) -> None:
    study, resources = _study(pallas), _by_full_url(pallas)
    first = resources[study["principalInvestigator"]["reference"]]
    others = [resources[p["party"]["reference"]] for p in _extensions(study, EXT_R5_ASSOCIATED_PARTY)]
    roles = [first, *(r for r in others if r["resourceType"] == "PractitionerRole")]
    named = {
        resources[r["practitioner"]["reference"]]["name"][0]["text"]: r["organization"]["display"]
        for r in roles
    }
    assert named == {
        "Suzanne George, MD": "Alliance Foundation Trials, LLC.",
        "Erica Mayer, MD": "Dana-Farber Cancer Institute",
        "Angela DeMichele, MD": "University of Pennsylvania",
        "Michael Gnant, MD": "ABCSG, Medical University Vienna",
    }
    for role in roles:
        assert resources[role["organization"]["reference"]]["resourceType"] == "Organization"


def test_the_other_pis_are_associated_parties_with_the_primary_investigator_role(
    pallas: TrialResources,
) -> None:
    parties = _extensions(_study(pallas), EXT_R5_ASSOCIATED_PARTY)
    investigators = [p["name"] for p in parties if p["role"]["coding"][0]["code"] == "primary-investigator"]
    assert investigators == ["Erica Mayer, MD", "Angela DeMichele, MD", "Michael Gnant, MD"]


@pytest.mark.parametrize("nct_id", ["NCT02513394", "NCT06158412", "NCT04267848", "NCT01949129"])
def test_every_practitioner_and_every_role_is_referenced(terms: Terms, nct_id: str) -> None:
    built = _built(terms, CTGOV / f"{nct_id}.json")
    bundle = build_bundle(built)
    referenced = _references(bundle)
    for resource_type in ("Practitioner", "Location", "Organization"):
        for item in built.resources:
            if item.key.resource_type == resource_type:
                assert item.key.full_url in referenced, f"{resource_type} {item.key.value} is referenced"
    roles = _resources(built, "PractitionerRole")
    assert roles
    for role in roles:  # a role without a place in the study is still tied to a person or a site
        assert "practitioner" in role or "location" in role or "organization" in role


def _references(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["reference"]} if isinstance(node.get("reference"), str) else set()
        return found.union(*(_references(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(v) for v in node))
    return set()


def test_site_investigators_and_contacts_are_roles_at_their_location(terms: Terms) -> None:
    # NCT01949129 names a contact, a principal investigator and sub-investigators at most of its sites; at
    # the first (Hospital de Pediatria "Juan P. Garrahan") Raquel Staciuk is both contact and PI.
    built = _built(terms, CTGOV / "NCT01949129.json")
    resources = _by_full_url(built)
    site_roles = [r for r in _resources(built, "PractitionerRole") if "location" in r]
    assert len(site_roles) == 169
    for role in site_roles:
        assert resources[role["location"][0]["reference"]]["resourceType"] == "Location"
        assert resources[role["practitioner"]["reference"]]["resourceType"] == "Practitioner"
    [garrahan] = [loc for loc in _resources(built, "Location") if "Garrahan" in loc["name"]]
    first_site = next(r.key for r in built.resources if r.resource is garrahan)
    [staciuk] = [r for r in site_roles if r["location"][0]["reference"] == first_site.full_url]
    assert staciuk["practitioner"]["display"] == "Raquel Staciuk, MD PhD"
    assert [c["coding"][0]["code"] for c in staciuk["code"]] == [
        "recruitment-contact",
        "primary-investigator",
    ]


def test_a_placeholder_contact_is_not_a_practitioner(terms: Terms) -> None:
    # 659 of NCT04267848's site contacts are called 'Site Public Contact': a function, not a person.
    built = _built(terms, CTGOV / "NCT04267848.json")
    names = {n["text"] for p in _resources(built, "Practitioner") for n in p["name"]}
    assert "Site Public Contact" not in names
    assert all(not name.startswith("Site ") for name in names)


def test_a_company_named_as_official_gets_a_role_but_no_practitioner(terms: Terms) -> None:
    # NCT04431453's study director is 'Gilead Study Director' of Gilead Sciences.
    built = _built(terms, CTGOV / "NCT04431453.json")
    assert _resources(built, "Practitioner") == []
    [role] = _resources(built, "PractitionerRole")
    assert "practitioner" not in role
    assert role["organization"]["display"] == "Gilead Sciences"
    [party] = [
        p for p in _extensions(_study(built), EXT_R5_ASSOCIATED_PARTY) if p["name"] == "Gilead Study Director"
    ]
    assert party["role"]["coding"][0]["code"] == "study-director"


def test_one_person_spelled_three_ways_is_one_practitioner(seed: TrialResources) -> None:
    # The seed's responsible investigator 'Bing, Xu' is also site contact 'Bing Xu, PhD'.
    names = sorted(tuple(n["text"] for n in p["name"]) for p in _resources(seed, "Practitioner"))
    assert names == [("Bing, Xu", "Bing Xu, PhD"), ("Zhijuan Lin", "Zhijuan Lin, PhD")]


def test_site_contacts_keep_their_own_phone(seed: TrialResources) -> None:
    resources = _by_full_url(seed)
    phones = {
        resources[r["practitioner"]["reference"]]["name"][0]["text"]: [t["value"] for t in r["telecom"]]
        for r in _resources(seed, "PractitionerRole")
        if "location" in r
    }
    assert phones == {"Zhijuan Lin": ["+8615960283462"], "Bing, Xu": ["+8618750918842"]}


def test_a_sponsor_investigator_is_the_responsible_party(terms: Terms) -> None:
    # NCT02526537: responsible party Lunxu Liu, sponsor-investigator, 'chief physician' at West China Hospital.
    built = _built(terms, CTGOV / "NCT02526537.json")
    resources = _by_full_url(built)
    [party] = [p for p in _extensions(_study(built), EXT_R5_ASSOCIATED_PARTY) if "classifier" in p]
    assert party["name"] == "Lunxu Liu"
    assert party["role"]["coding"][0]["code"] == "sponsor-investigator"
    assert party["classifier"]["text"] == "Responsible party"
    role = resources[party["party"]["reference"]]
    assert role["organization"]["display"] == "West China Hospital"
    assert {"text": "chief physician"} in role["code"]
    # Also the trial's principal investigator 'Lunxu Liu, Professor': one person, both spellings kept.
    assert resources[role["practitioner"]["reference"]]["name"] == [
        {"text": "Lunxu Liu, Professor"},
        {"text": "Lunxu Liu"},
    ]


def test_a_responsible_sponsor_is_the_lead_sponsor(pallas: TrialResources) -> None:
    study = _study(pallas)
    [party] = [p for p in _extensions(study, EXT_R5_ASSOCIATED_PARTY) if "classifier" in p]
    assert party["name"] == "Alliance Foundation Trials, LLC."
    assert party["role"]["coding"][0]["code"] == "lead-sponsor"
    assert party["party"]["reference"] == study["sponsor"]["reference"]


# --- dates, enrollment, masking, outcomes (defect 15) -----------------------------------------------------


def test_enrollment_is_the_actual_number_when_the_registry_says_actual(pallas: TrialResources) -> None:
    assert _extensions(_study(pallas), EXT_R5_RECRUITMENT) == [{"actualNumber": 5796}]


def test_an_estimated_enrollment_is_the_target_number(terms: Terms) -> None:
    # NCT00399243 (an older record) estimated 20 participants and never updated the count.
    built = _built(terms, CTGOV / "NCT00399243.json")
    assert _extensions(_study(built), EXT_R5_RECRUITMENT) == [{"targetNumber": 20}]


def test_an_untyped_enrollment_is_left_to_the_group_with_a_finding(seed: TrialResources) -> None:
    assert _extensions(_study(seed), EXT_R5_RECRUITMENT) == []
    [group] = _resources(seed, "Group")
    assert group["quantity"] == 25
    assert any(i.field.endswith("enrollmentInfo.type") for i in seed.issues)


def test_progress_keeps_primary_completion_and_which_dates_are_estimates(pallas: TrialResources) -> None:
    states = [
        (s["state"]["text"], s.get("actual"), s.get("period"))
        for s in _extensions(_study(pallas), EXT_R5_PROGRESS_STATUS)
    ]
    assert states == [
        ("Active not recruiting", True, None),
        ("Overall study", None, {"start": "2015-08"}),  # the record does not type its start date
        ("Overall study", False, {"end": "2025-09"}),
        ("Primary completion", True, {"end": "2020-11"}),
    ]


def test_last_update_is_the_r5_date(pallas: TrialResources) -> None:
    assert _extensions(_study(pallas), EXT_R5_DATE) == [{"value": "2023-06-15"}]


def test_who_is_masked_is_a_category(terms: Terms) -> None:
    built = _built(terms, CTGOV / "NCT00712335.json")
    masked = study_json("NCT00712335")["protocolSection"]["designModule"]["designInfo"]["maskingInfo"]
    categories = [
        c["code"]
        for concept in _study(built)["category"]
        for c in concept["coding"]
        if "who-masked" in c["system"]
    ]
    assert categories == masked["whoMasked"]


def test_outcome_measures_keep_description_and_time_frame(pallas: TrialResources) -> None:
    measures = _extensions(_study(pallas), EXT_R5_OUTCOME_MEASURE)
    raw = study_json("NCT02513394")["protocolSection"]["outcomesModule"]
    outcomes = raw["primaryOutcomes"] + raw["secondaryOutcomes"]
    assert [m["name"] for m in measures] == [o["measure"] for o in outcomes]
    first = measures[0]
    assert first["type"]["coding"][0]["code"] == "primary"
    assert first["description"] == f"{outcomes[0]['description']}\n\nTime frame: {outcomes[0]['timeFrame']}"


# --- codes (defect 16) ------------------------------------------------------------------------------------


def test_conditions_carry_nlm_mesh_ids(pallas: TrialResources) -> None:
    study = _study(pallas)
    codes = {c["code"] for concept in study["condition"] + study["focus"] for c in concept.get("coding", [])}
    assert codes == {"D001943", "C500026"}
    assert all(
        c["system"] == MESH_SYSTEM for concept in study["condition"] for c in concept.get("coding", [])
    )


def test_countries_are_iso_3166_coded(pallas: TrialResources) -> None:
    locations = {c["text"]: c["coding"][0]["code"] for c in _study(pallas)["location"]}
    assert locations["United States"] == "US"
    assert locations["Korea, Republic of"] == "KR"
    assert locations["Taiwan"] == "TW"
    assert len(locations) == 21
    [site] = [
        loc
        for loc in _resources(pallas, "Location")
        if loc["name"] == "University of South Alabama Mitchell Cancer Institute"
    ]
    coding = site["address"]["_country"]["extension"][0]["valueCoding"]
    assert (site["address"]["country"], coding["system"], coding["code"]) == (
        "United States",
        ISO_3166_SYSTEM,
        "US",
    )


def test_a_country_that_no_longer_exists_stays_text_with_a_finding(terms: Terms) -> None:
    built = _built(terms, FIXTURES / "ctgov-xml" / "NCT01076361.xml")
    [serbia] = [c for c in _study(built)["location"] if c["text"] == "Former Serbia and Montenegro"]
    assert "coding" not in serbia
    assert any("Former Serbia and Montenegro" in i.message for i in built.issues)


def test_a_site_named_after_a_person_is_a_warning_without_the_name(seed: TrialResources) -> None:
    [finding] = [i for i in seed.issues if i.field.endswith("locations[0].facility")]
    assert finding.severity == "warning"
    assert "Bing" not in str(finding) and "Xu" not in str(finding)


def test_real_facility_names_give_no_such_warning(pallas: TrialResources) -> None:
    assert not [i for i in pallas.issues if i.field.endswith(".facility")]


def _facility_warnings(built: TrialResources) -> Iterator[str]:
    return (i.field for i in built.issues if i.field.endswith(".facility"))


def test_each_site_named_after_an_investigator_is_flagged(terms: Terms) -> None:
    # NCT05816499 lists four of its five sites under its principal investigators' names.
    built = _built(terms, CTGOV / "NCT05816499.json")
    indexes = sorted(field.split("[")[1].split("]")[0] for field in _facility_warnings(built))
    assert indexes == ["0", "1", "2", "4"]


def test_a_mesh_id_of_unknown_form_is_kept_with_a_finding(terms: Terms, tmp_path: Path) -> None:
    study = study_json("NCT06158412")
    study["derivedSection"] = {"conditionBrowseModule": {"meshes": [{"id": "D000066000", "term": "Example"}]}}
    path = tmp_path / "unsure.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    built = _built(terms, path)
    codes = [c["code"] for concept in _study(built)["condition"] for c in concept.get("coding", [])]
    assert codes == ["D000066000"]
    [finding] = [i for i in built.issues if "MeSH" in i.message]
    assert finding.field == "derivedSection.conditionBrowseModule.meshes"
