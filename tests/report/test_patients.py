"""`--patient`: each patient's per-criterion results on the trial's page, by the screening's own evaluation.

The expected verdicts are the hand-written ones of tests/screening/trial_expectations.py (written from the
seed's criteria text), so the page says what `screen` says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fhir_adapter.report import write_reports
from fhir_adapter.terms import Terms
from tests.conftest import SEED
from tests.report.conftest import patient_options
from tests.report.pages import PageReader, read_page, table_with_caption
from tests.screening.trial_expectations import SEED as EXPECTED

SHOWN = ("s-likely", "s-plt-29", "s-ecog-none", "s-qtc-stale")


@pytest.fixture(scope="module")
def patient_page(tmp_path_factory: pytest.TempPathFactory, terms: Terms) -> PageReader:
    out = tmp_path_factory.mktemp("patients")
    [result] = list(write_reports([SEED], out, terms, patients=patient_options(*SHOWN, "s-nobody")))
    assert result.page is not None
    return read_page(result.page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("patient_id", SHOWN)
def test_each_patient_named_has_a_table_with_the_expected_verdict(
    patient_page: PageReader, patient_id: str
) -> None:
    verdict, _ = EXPECTED[patient_id]
    table = table_with_caption(patient_page, f"Patient {patient_id}: ")
    assert table.caption == f"Patient {patient_id}: {verdict.value}, criterion by criterion"
    assert [c.attrs.get("scope") for c in table.rows[0]] == ["col"] * 4
    overview = table_with_caption(patient_page, "Patients: verdict")
    assert overview.row(patient_id)[1].text == verdict.value


def test_only_the_patients_named_are_shown_and_a_missing_one_is_said(patient_page: PageReader) -> None:
    overview = table_with_caption(patient_page, "Patients: verdict")
    assert sorted(r[0].text for r in overview.rows[1:]) == sorted(SHOWN)
    assert "patient s-nobody: not found in the sources given" in "".join(patient_page.text)


def test_platelets_29_fails_the_platelet_exclusion_and_names_the_result(patient_page: PageReader) -> None:
    # EXC 6 "platelet count <30 x 109/L": 29 x 10^9/L is under it, so the exclusion is met.
    row = table_with_caption(patient_page, "Patient s-plt-29: ").row("Exclusion 6")
    assert row[1].text == "met: ✗ fails"
    assert "Platelets 29 10*9/L on 2025-01-20" in row[2].text
    assert "Observation/" in row[3].text and "2025-01-20" in row[3].text


def test_no_ecog_result_leaves_inclusion_4_unknown_with_why(patient_page: PageReader) -> None:
    row = table_with_caption(patient_page, "Patient s-ecog-none: ").row("Inclusion 4")
    assert row[1].text == "unknown: ? undecided"
    assert "no ECOG" in row[2].text and row[3].text == "none"


def test_text_only_criteria_are_left_for_review(patient_page: PageReader) -> None:
    row = table_with_caption(patient_page, "Patient s-likely: ").row("Inclusion 3")
    assert row[1].text == "unknown: review by hand"


def test_without_patients_the_page_has_no_screening_section(seed_html: str) -> None:
    assert "Pre-screening of patients" not in seed_html


def test_every_patient_of_the_folder_when_none_is_named(tmp_path: Path, terms: Terms) -> None:
    [result] = list(write_reports([SEED], tmp_path, terms, patients=patient_options()))
    assert result.page is not None and result.entry is not None
    overview = table_with_caption(read_page(result.page.read_text(encoding="utf-8")), "Patients: verdict")
    assert sorted(r[0].text for r in overview.rows[1:]) == sorted(EXPECTED)
    assert {r[0].text: r[1].text for r in overview.rows[1:]} == {p: v.value for p, (v, _) in EXPECTED.items()}
