"""Report pages built once per session: the seed (with and without patients) and a trial whose criteria
the R5 EvidenceVariable states exactly where R4 keeps the text (NCT02856893)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fhir_adapter.report import PatientOptions, write_reports
from fhir_adapter.screening import ScreeningContext, load_screening_rules, read_patient_folder
from fhir_adapter.terms import Terms
from tests.conftest import CTGOV, FIXTURES, SEED

SEED_PATIENTS = FIXTURES / "patients" / "NCT06158412"
SCREENING_DATE = date(2025, 1, 31)  # the date the hand-built patients assume (fixtures/patients/README.md)


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory: pytest.TempPathFactory, terms: Terms) -> Path:
    out = tmp_path_factory.mktemp("report")
    results = list(write_reports([SEED, CTGOV / "NCT02856893.json"], out, terms))
    assert [r.outcome for r in results] == ["written", "written"]
    return out


@pytest.fixture(scope="session")
def seed_html(report_dir: Path) -> str:
    return (report_dir / "NCT06158412.html").read_text(encoding="utf-8")


def patient_options(*ids: str) -> PatientOptions:
    context = ScreeningContext(load_screening_rules(), SCREENING_DATE)
    return PatientOptions(lambda trial: read_patient_folder(SEED_PATIENTS), context, frozenset(ids))
