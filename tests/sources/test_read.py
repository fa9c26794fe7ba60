"""The reader: every accepted layout, and a clear, located error for every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.errors import InputError
from fhir_adapter.sources import ReadResult, TrialRecord, read_trials
from tests.conftest import CTGOV, FIXTURES, SEED, study_json


def _write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _trials(results: list[ReadResult]) -> list[TrialRecord]:
    return [r for r in results if isinstance(r, TrialRecord)]


def _errors(results: list[ReadResult]) -> list[InputError]:
    return [r for r in results if isinstance(r, InputError)]


def test_single_study_file_gives_one_trial() -> None:
    results = list(read_trials([SEED]))
    assert [r.nct_id for r in _trials(results)] == ["NCT06158412"]
    assert _errors(results) == []


@pytest.mark.parametrize(
    "layout",
    [
        lambda studies: {"studies": studies, "nextPageToken": "abc"},
        lambda studies: studies,
    ],
    ids=["search-page", "json-array-export"],
)
def test_pages_and_arrays_give_every_study_in_order(tmp_path: Path, layout: Any) -> None:
    studies = [study_json("NCT06158412"), study_json("NCT03418623")]
    path = _write(tmp_path, "page.json", layout(studies))
    assert [t.nct_id for t in _trials(list(read_trials([path])))] == ["NCT06158412", "NCT03418623"]


def test_directory_is_read_in_name_order_skipping_hidden_files(tmp_path: Path) -> None:
    _write(tmp_path, "b.json", study_json("NCT06158412"))
    _write(tmp_path, "a.json", study_json("NCT03418623"))
    (tmp_path / ".cache").mkdir()
    _write(tmp_path / ".cache", "x.json", study_json("NCT00033839"))
    assert [t.nct_id for t in _trials(list(read_trials([tmp_path])))] == ["NCT03418623", "NCT06158412"]


def test_whole_fixture_directory_reads_without_errors() -> None:
    results = list(read_trials([CTGOV]))
    assert _errors(results) == []
    assert len(_trials(results)) == len(list(CTGOV.glob("*.json")))


def test_malformed_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"protocolSection": {', encoding="utf-8")
    [error] = list(read_trials([path]))
    assert isinstance(error, InputError)
    assert error.file == str(path)
    assert "not valid JSON" in str(error) and str(path) in str(error)


def test_one_broken_study_in_a_list_does_not_stop_the_others(tmp_path: Path) -> None:
    broken = study_json("NCT03418623")
    broken["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = "twenty-four"
    path = _write(tmp_path, "export.json", [study_json("NCT06158412"), broken, study_json("NCT00033839")])
    results = list(read_trials([path]))
    assert [t.nct_id for t in _trials(results)] == ["NCT06158412", "NCT00033839"]
    [error] = _errors(results)
    # Record numbers count from 1, as a person counts the studies in the file.
    assert (error.file, error.record, error.nct_id) == (str(path), 2, "NCT03418623")
    assert error.field == "protocolSection.designModule.enrollmentInfo.count"
    assert error.value == "twenty-four"
    assert str(error) == (
        f"NCT03418623 ({path}) record 2: protocolSection.designModule.enrollmentInfo.count: "
        "expected a number, got a string"
    )


def test_missing_protocol_section_is_an_error_naming_the_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.json", {"studies": [{"derivedSection": {}}]})
    [error] = list(read_trials([path]))
    assert isinstance(error, InputError)
    assert (error.field, error.record) == ("protocolSection", 1)
    assert "missing" in str(error)


def test_missing_nct_id_is_an_error(tmp_path: Path) -> None:
    study = study_json()
    del study["protocolSection"]["identificationModule"]["nctId"]
    [error] = list(read_trials([_write(tmp_path, "x.json", study)]))
    assert isinstance(error, InputError)
    assert error.field == "protocolSection.identificationModule.nctId"


def test_malformed_nct_id_is_an_error(tmp_path: Path) -> None:
    study = study_json()
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT123"
    [error] = list(read_trials([_write(tmp_path, "x.json", study)]))
    assert isinstance(error, InputError)
    assert "'NCT123' is not an NCT number" in str(error)


@pytest.mark.parametrize(
    ("module", "field", "value", "expected"),
    [
        ("conditionsModule", "conditions", "Myeloma", "expected a list of strings"),
        ("conditionsModule", "conditions", ["Myeloma", 7], "expected a string"),
        ("eligibilityModule", "healthyVolunteers", "No", "expected true or false"),
        ("armsInterventionsModule", "armGroups", {"label": "A"}, "expected a list"),
        ("statusModule", "startDateStruct", "2023-11-22", "expected an object"),
        ("designModule", "enrollmentInfo", {"count": True}, "expected a number"),
    ],
    ids=[
        "list-as-string",
        "number-in-string-list",
        "bool-as-string",
        "object-as-list",
        "string-as-object",
        "bool-as-count",
    ],
)
def test_wrong_types_are_errors_naming_field_and_value(
    tmp_path: Path, module: str, field: str, value: Any, expected: str
) -> None:
    study = study_json()
    study["protocolSection"][module][field] = value
    [error] = list(read_trials([_write(tmp_path, "x.json", study)]))
    assert isinstance(error, InputError)
    assert error.nct_id == "NCT06158412"
    assert error.field is not None and error.field.startswith(f"protocolSection.{module}.{field}")
    assert expected in str(error)


def test_unknown_extra_fields_are_ignored(tmp_path: Path) -> None:
    study = study_json()
    study["protocolSection"]["identificationModule"]["somethingNew"] = {"nested": [1, 2]}
    study["futureSection"] = 42
    [trial] = list(read_trials([_write(tmp_path, "x.json", study)]))
    assert isinstance(trial, TrialRecord)


def test_missing_file_is_an_error_not_an_exception(tmp_path: Path) -> None:
    [error] = list(read_trials([tmp_path / "nope.json"]))
    assert isinstance(error, InputError)
    assert "cannot read the file" in str(error)


def test_seed_record_reads_its_facts() -> None:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    assert trial.overall_status == "RECRUITING"
    assert trial.phases == ("PHASE2",)
    assert trial.enrollment_count == 25
    assert trial.eligibility.minimum_age == "18 Years"
    assert trial.eligibility.healthy_volunteers is False
    [arm] = trial.arms
    [intervention] = trial.interventions_for(arm)
    assert intervention.label == "Drug: All-trans Retinoic Acid in combination with the KPD Regimen"
    assert "ATRA mg/m2/day in 2 oral doses" in (intervention.description or "")


@pytest.mark.parametrize(
    ("module", "field", "good"),
    [
        ("conditionsModule", "conditions", "Asthma"),
        ("conditionsModule", "keywords", "wheeze"),
        ("designModule", "phases", "PHASE2"),
        ("eligibilityModule", "stdAges", "ADULT"),
    ],
    ids=["conditions", "keywords", "phases", "std-ages"],
)
def test_null_in_a_list_of_strings_is_left_out_with_a_finding(
    tmp_path: Path, module: str, field: str, good: str
) -> None:
    study = study_json()
    study["protocolSection"][module][field] = [None, good]
    [trial] = list(read_trials([_write(tmp_path, "x.json", study)]))
    assert isinstance(trial, TrialRecord)
    [finding] = trial.reading_issues
    assert (finding.nct_id, finding.field) == ("NCT06158412", f"protocolSection.{module}.{field}[0]")
    assert "null" in finding.message and "left out" in finding.message


def test_null_in_a_list_of_objects_is_left_out_and_the_others_kept(tmp_path: Path) -> None:
    study = study_json("NCT03418623")
    arms = study["protocolSection"]["armsInterventionsModule"]
    labels = [arm["label"] for arm in arms["armGroups"]]
    arms["armGroups"].insert(1, None)
    locations = study["protocolSection"]["contactsLocationsModule"]["locations"]
    locations[0]["contacts"] = [None]
    [trial] = list(read_trials([_write(tmp_path, "x.json", study)]))
    assert isinstance(trial, TrialRecord)
    assert [arm.label for arm in trial.arms] == labels
    assert trial.sites[0].contacts == ()
    assert [f.field for f in trial.reading_issues] == [
        "protocolSection.armsInterventionsModule.armGroups[1]",
        "protocolSection.contactsLocationsModule.locations[0].contacts[0]",
    ]


def test_a_list_without_nulls_gives_no_finding() -> None:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    assert trial.reading_issues == ()


def test_empty_list_elements_in_legacy_xml_are_left_out_as_v2_empty_strings_are(tmp_path: Path) -> None:
    # XML has no null; an empty repeated element is its nearest kin and never refused the trial.
    text = (FIXTURES / "ctgov-xml" / "NCT01341288.xml").read_text(encoding="utf-8")
    text = text.replace(
        "<condition>Prostate Cancer</condition>", "<condition/><condition>Prostate Cancer</condition>"
    )
    text = text.replace("<keyword>EUCLIDIAN</keyword>", "<keyword>  </keyword><keyword>EUCLIDIAN</keyword>")
    path = tmp_path / "x.xml"
    path.write_text(text, encoding="utf-8")
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    assert trial.conditions == ("Prostate Cancer",)
    assert trial.keywords[:2] == ("prostate cancer", "EUCLIDIAN")
