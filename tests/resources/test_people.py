"""Who is a person, when two spellings are one person, and that contact names and phones stay out of logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.convert import convert_trial
from fhir_adapter.resources import FhirVersion, build_trial_resources
from fhir_adapter.resources.people import is_person_name, person_key
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms
from tests.conftest import SEED, study_json


@pytest.mark.parametrize(
    ("spellings", "same"),
    [
        (("Bing Xu, PhD", "Bing, Xu", "Dr. Bing Xu"), True),  # NCT06158412
        (("Zhijuan Lin", "Zhijuan Lin, PhD"), True),
        (("Lunxu Liu, Professor", "Lunxu Liu"), True),  # NCT02526537
        (("Ronald J Sigal, MD MPH FRCPC", "Ronald J Sigal"), True),  # NCT00195884
        (("Ulrich J Spreng, Dr. med.", "Ulrich J Spreng"), True),  # NCT00353704
        (("Khanh Do, DO", "Khanh Do"), True),  # a surname that is also a degree keeps its place
        (("Jun Bai", "Bai Jun"), False),  # NCT02387086: the order may mean two people; not merged
        (("Jing Wang, M.D", "Jun Wang, M.D"), False),
    ],
)
def test_spellings_of_one_name_meet_under_one_key(spellings: tuple[str, ...], same: bool) -> None:
    assert (len({person_key(s) for s in spellings}) == 1) is same


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("Alison K. Conlin", True),
        ("urielle desalbres", True),  # NCT02585739, lower case as written
        ("PETROS NIKOLINAKOS, Site 0019", True),  # a person, then the sponsor's site number
        ("Zhong Dr., MD", True),  # NCT06610240
        ("Site Public Contact", False),  # NCT04267848, 659 times
        ("Site Coordinator", False),
        ("Site 0259", False),
        ("Clinical Trial Management", False),  # NCT02210780
        ("Gilead Study Director", False),  # NCT04431453
        ("Study Director", False),  # NCT05882279
        ("ABBVIE INC.", False),  # NCT05843643
        ("Email contact via H. Lundbeck A/S", False),  # NCT04688775
        ("4968 Clinical Trial Leader", False),  # NCT01076361 (XML)
        ("Medical Director", False),  # NCT02958956 (XML)
    ],
)
def test_function_and_company_names_are_not_people(name: str, person: bool) -> None:
    assert is_person_name(name) is person


def test_an_official_named_as_their_own_affiliation_is_a_company() -> None:
    # NCT05827016: study director 'Bristol-Myers Squibb', affiliation 'Bristol-Myers Squibb'.
    assert not is_person_name("Bristol-Myers Squibb", ["Bristol-Myers Squibb"])
    assert is_person_name("Bristol-Myers Squibb")


def _trial(tmp_path: Path, study: dict[str, Any]) -> TrialRecord:
    path = tmp_path / "study.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    return trial


def test_a_placeholder_contacts_phone_stays_on_the_location(terms: Terms, tmp_path: Path) -> None:
    study = study_json("NCT06158412")
    site = study["protocolSection"]["contactsLocationsModule"]["locations"][0]
    site["facility"] = "Xiamen University Hospital"
    site["contacts"] = [{"name": "Site Public Contact", "role": "CONTACT", "phone": "+86-592-0000000"}]
    built = build_trial_resources(_trial(tmp_path, study), terms)
    [location] = [r.resource for r in built.resources if r.resource["resourceType"] == "Location"]
    assert location["telecom"] == [{"system": "phone", "value": "+86-592-0000000", "use": "work"}]
    site_roles = [
        r for r in built.resources if r.key.resource_type == "PractitionerRole" and "location" in r.resource
    ]
    assert site_roles == []
    assert not [i for i in built.issues if i.field.endswith(".facility")]  # a real facility name now


def test_a_facility_named_after_a_central_contact_is_flagged(terms: Terms, tmp_path: Path) -> None:
    study = study_json("NCT06158412")
    study["protocolSection"]["contactsLocationsModule"]["locations"][0]["contacts"] = []
    study["protocolSection"]["sponsorCollaboratorsModule"]["responsibleParty"] = {"type": "SPONSOR"}
    built = build_trial_resources(_trial(tmp_path, study), terms)
    # 'Bing Xu' is now named only as central contact 'Bing Xu, PhD': still a person's name.
    assert [i.field for i in built.issues if i.field.endswith(".facility")] == [
        "protocolSection.contactsLocationsModule.locations[0].facility"
    ]


def test_contact_names_and_phones_stay_out_of_info_logs(
    terms: Terms, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    caplog.set_level(logging.DEBUG, logger="fhir_adapter")
    result = convert_trial(trial, tmp_path, terms, version=FhirVersion.R4)
    assert result.ok
    logged = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert logged, "the conversion logs at INFO"
    for private in ("Bing", "Zhijuan", "+8615960283462", "+8618750918842"):
        assert private not in logged
