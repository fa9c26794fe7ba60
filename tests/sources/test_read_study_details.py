"""What the readers now keep that they used to lose (issue 10, defects 15 and 16): date and enrollment types,
the responsible party, and MeSH ids in NLM's form, from v2 JSON and legacy XML alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fhir_adapter.sources import (
    ResponsibleParty,
    TrialRecord,
    canonical_mesh_id,
    is_unsure_mesh_id,
    read_trials,
)
from tests.conftest import CTGOV, FIXTURES, study_json

CTGOV_XML = FIXTURES / "ctgov-xml"


def _read(path: Path) -> TrialRecord:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord), trial
    return trial


def test_dates_and_enrollment_keep_whether_they_are_actual_or_estimated() -> None:
    # NCT02513394: start 2015-08 (no type), primary completion 2020-11 ACTUAL, completion 2025-09
    # ESTIMATED, 5796 enrolled (ACTUAL), last update posted 2023-06-15.
    trial = _read(CTGOV / "NCT02513394.json")
    assert (trial.start_date, trial.start_date_type) == ("2015-08", None)
    assert (trial.primary_completion_date, trial.primary_completion_date_type) == ("2020-11", "ACTUAL")
    assert (trial.completion_date, trial.completion_date_type) == ("2025-09", "ESTIMATED")
    assert (trial.enrollment_count, trial.enrollment_type) == (5796, "ACTUAL")
    assert trial.last_update_date == "2023-06-15"


def test_legacy_xml_date_types_become_v2_codes() -> None:
    # The XML of NCT02513394 (an older version) says <primary_completion_date type="Anticipated">.
    trial = _read(CTGOV_XML / "NCT02513394.xml")
    assert (trial.primary_completion_date, trial.primary_completion_date_type) == ("2020-09", "ESTIMATED")
    assert trial.completion_date_type == "ESTIMATED"
    assert trial.enrollment_type == "ACTUAL"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (CTGOV / "NCT02513394.json", ResponsibleParty(type="SPONSOR")),
        (
            CTGOV / "NCT02526537.json",
            ResponsibleParty(
                type="SPONSOR_INVESTIGATOR",
                investigator_name="Lunxu Liu",
                investigator_title="chief physician",
                investigator_affiliation="West China Hospital",
            ),
        ),
        (
            CTGOV / "NCT00033839.json",
            ResponsibleParty(
                old_name_title="Scott B. Phillips, M.D., Study Director",
                old_organization="Winston Laboratories, Inc.",
            ),
        ),
        (
            CTGOV_XML / "NCT00734539.xml",
            ResponsibleParty(
                type="SPONSOR_INVESTIGATOR",
                investigator_name="Daniel Benjamin",
                investigator_title="Professor of Pediatrics",
                investigator_affiliation="Duke University Medical Center",
            ),
        ),
        (CTGOV_XML / "NCT00002475.xml", ResponsibleParty(old_name_title="Charles L. Wiseman")),
        (CTGOV_XML / "NCT03182660.xml", None),  # name_title and organization '[Redacted]'
    ],
    ids=lambda value: value.stem if isinstance(value, Path) else "",
)
def test_responsible_party_is_read(path: Path, expected: ResponsibleParty | None) -> None:
    assert _read(path).responsible_party == expected


def test_the_seeds_responsible_investigator_is_read_as_written() -> None:
    party = _read(CTGOV / "NCT06158412.json").responsible_party
    assert party is not None
    assert (party.type, party.person_name, party.investigator_title) == (
        "PRINCIPAL_INVESTIGATOR",
        "Bing, Xu",
        "Principal Investigator",
    )


def test_who_is_masked_is_read() -> None:
    trial = _read(CTGOV / "NCT00712335.json")
    assert trial.design.masking and trial.design.who_masked
    raw = study_json("NCT00712335")["protocolSection"]["designModule"]["designInfo"]["maskingInfo"]
    assert list(trial.design.who_masked) == raw["whoMasked"]


# --- MeSH ids in NLM's form (defect 16) -------------------------------------------------------------------


def test_padded_mesh_ids_of_the_real_record_read_in_nlm_form() -> None:
    # NCT02513394's export pads every id: Breast Neoplasms D000001943 is NLM's D001943, palbociclib's
    # supplementary concept C000500026 is NLM's C500026.
    trial = _read(CTGOV / "NCT02513394.json")
    assert [(m.id, m.term) for m in trial.condition_meshes] == [("D001943", "Breast Neoplasms")]
    assert [(m.id, m.term) for m in trial.intervention_meshes] == [("C500026", "Palbociclib")]


def test_nlm_ten_character_ids_are_kept() -> None:
    # NCT04326231 mixes NLM's own forms: Autism Spectrum Disorder D000067877 is a 10-character NLM id.
    trial = _read(CTGOV / "NCT04326231.json")
    assert [m.id for m in trial.condition_meshes] == ["D000067877"]


@pytest.mark.parametrize(
    ("registry_id", "nlm_id"),
    [
        ("D000000437", "D000437"),  # AACT's padding of D000437
        ("D000001943", "D001943"),
        ("D000064419", "D064419"),  # the same descriptor appears as D064419 in NCT05160233
        ("D000065886", "D065886"),  # the highest 7-character number seen
        ("C000582435", "C582435"),
        ("D001943", "D001943"),  # already NLM's
        ("D000067877", "D000067877"),  # NLM 10-character ids continue the numbering
        ("D000086382", "D000086382"),  # COVID-19
        ("C000596361", "C000596361"),  # osimertinib
        ("D000066000", "D000066000"),  # between the two: not known, kept
        ("Q000000941", "Q000000941"),  # a qualifier: no rule for Q, kept
        ("D0000019430", "D0000019430"),  # not the 10-character form
        ("D00001943", "D00001943"),
    ],
)
def test_mesh_padding_is_stripped_only_from_aact_ten_character_form(registry_id: str, nlm_id: str) -> None:
    assert canonical_mesh_id(registry_id) == nlm_id


def test_an_id_in_the_unknown_range_is_flagged_not_changed() -> None:
    assert is_unsure_mesh_id("D000066000")
    assert not is_unsure_mesh_id("D000001943") and not is_unsure_mesh_id("D000067877")


def test_a_hand_written_record_with_padded_ids_reads_canonical(tmp_path: Path) -> None:
    study = study_json("NCT06158412")
    study["derivedSection"] = {
        "conditionBrowseModule": {"meshes": [{"id": "D000009101", "term": "Multiple Myeloma"}]},
        "interventionBrowseModule": {"meshes": [{"id": "D000014212", "term": "Tretinoin"}]},
    }
    path = tmp_path / "padded.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    trial = _read(path)
    assert [m.id for m in trial.condition_meshes + trial.intervention_meshes] == ["D009101", "D014212"]
