"""`fhir-adapter screen` against the real test FHIR server loaded with the seed trial's hand-built patients."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import requests

from fhir_adapter.cli import EXIT_OK, EXIT_SOME_FAILED, main
from fhir_adapter.client import FhirClient
from fhir_adapter.screening import (
    Verdict,
    data_needs,
    load_screening_rules,
    read_server_patients,
    read_trial_from_server,
)
from fhir_adapter.settings import Settings
from tests.conftest import SEED
from tests.fhir_server.harness import FhirTestServer
from tests.screening.test_trials import PATIENTS
from tests.screening.trial_expectations import SEED as EXPECTED

DATE = ["--date", "2025-01-31"]
TIMEOUT = 30


def load_patients(base_url: str, folder: Path) -> int:
    """PUT every resource of the folder's patient Bundles to the server, one transaction per patient."""
    count = 0
    for path in sorted(folder.glob("*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        entries = [
            {"resource": e["resource"], "request": {"method": "PUT", "url": _type_and_id(e["resource"])}}
            for e in bundle["entry"]
        ]
        transaction = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
        answer = requests.post(
            base_url, json=transaction, headers={"Content-Type": "application/fhir+json"}, timeout=TIMEOUT
        )
        assert answer.status_code == 200, answer.text[:500]
        count += 1
    return count


def _type_and_id(resource: dict[str, Any]) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


def _subjects(base_url: str) -> list[dict[str, Any]]:
    page = requests.get(f"{base_url}/ResearchSubject", params={"_count": "500"}, timeout=TIMEOUT).json()
    return [e["resource"] for e in page.get("entry", [])]


@pytest.fixture
def seeded(clean_fhir_server: FhirTestServer, tmp_path: Path) -> str:
    base = clean_fhir_server.base_url
    assert load_patients(base, PATIENTS / "NCT06158412") == len(EXPECTED)
    assert (
        main(["push", str(SEED), "--server", base, "--journal", str(tmp_path / "journal.jsonl")]) == EXIT_OK
    )
    return base


@pytest.mark.server
def test_screening_from_the_server_gives_the_verdicts_the_text_calls_for(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["screen", "NCT06158412", "--server", seeded, "--format", "json", *DATE]) == EXIT_OK
    output = json.loads(capsys.readouterr().out)
    assert output["trial"]["id"] == "NCT06158412"
    verdicts = {p["id"]: p["verdict"] for p in output["patients"]}
    assert verdicts == {patient_id: verdict.value for patient_id, (verdict, _) in EXPECTED.items()}


@pytest.mark.server
def test_write_candidates_twice_creates_no_duplicates(
    seeded: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    not_excluded = {p for p, (verdict, _) in EXPECTED.items() if verdict is not Verdict.EXCLUDED}
    args = ["screen", "NCT06158412", "--server", seeded, "--write-candidates", *DATE]
    assert main(args) == EXIT_OK
    assert f"candidates: {len(not_excluded)} created, 0 already on the worklist" in capsys.readouterr().out
    assert main(args) == EXIT_OK
    assert f"candidates: 0 created, {len(not_excluded)} already on the worklist" in capsys.readouterr().out
    subjects = _subjects(seeded)
    assert len(subjects) == len(not_excluded)
    assert {s["individual"]["reference"] for s in subjects} == {f"Patient/{p}" for p in not_excluded}
    assert {s["status"] for s in subjects} == {"candidate"}
    study = requests.get(f"{seeded}/{subjects[0]['study']['reference']}", timeout=TIMEOUT).json()
    assert study["identifier"][0]["value"] == "NCT06158412"
    logged = " ".join(r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG)
    assert "candidates" in logged and not [p for p in EXPECTED if p in logged]  # counts, never patients


@pytest.mark.server
def test_a_patient_query_limits_who_is_screened(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "screen",
        "NCT06158412",
        "--server",
        seeded,
        "--patients",
        "_id=s-likely,s-age-17",
        "--format",
        "csv",
    ]
    assert main([*args, *DATE]) == EXIT_OK
    rows = capsys.readouterr().out.splitlines()[1:]
    assert {(row.split(",")[1], row.split(",")[2]) for row in rows} == {
        ("s-likely", "likely"),
        ("s-age-17", "excluded"),
    }


@pytest.mark.server
def test_patients_are_read_page_by_page(seeded: str) -> None:
    with FhirClient(Settings(base_url=seeded)) as client:
        trial = read_trial_from_server(client, "NCT06158412")
        needs = data_needs(trial, load_screening_rules())
        patients = list(read_server_patients(client, None, needs, nct_id=trial.nct_id, page_size=7))
    assert sorted(p.id for p in patients) == sorted(EXPECTED)  # type: ignore[union-attr]
    likely = next(p for p in patients if p.id == "s-likely")  # type: ignore[union-attr]
    assert len(likely.observations) == 11  # type: ignore[union-attr]


@pytest.mark.server
def test_candidates_need_the_trial_on_the_server(
    clean_fhir_server: FhirTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    base = clean_fhir_server.base_url
    load_patients(base, PATIENTS / "NCT06158412")
    args = ["screen", str(SEED), "--server", base, "--patients", "_id=s-likely", "--write-candidates", *DATE]
    assert main(args) == EXIT_SOME_FAILED
    assert "holds no ResearchStudy NCT06158412; push the trial first" in capsys.readouterr().err
    assert _subjects(base) == []
