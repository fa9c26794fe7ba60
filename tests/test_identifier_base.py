"""The identifier namespace is a setting: built under another base, every identifier system, code system and
extension of ours moves there, the NCT identifier and everyone else's URLs do not, ids stay put, and the
output is still checked by the project's rules. A push under the placeholder warns; one under a real base,
after a push under the placeholder, updates the same resources instead of duplicating them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from fhir_adapter.bundle import build_bundle
from fhir_adapter.cli import EXIT_OK, main
from fhir_adapter.errors import SettingsError
from fhir_adapter.resources import FhirVersion, build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.sync.workers import Workers
from fhir_adapter.terms import DEFAULT_IDENTIFIER_BASE, NCT_SYSTEM, Terms, load_terms
from fhir_adapter.validation.versions import check_document_as
from tests.conftest import CTGOV, SEED, load_json
from tests.fhir_server.harness import FhirTestServer
from tests.screening.test_server_screen import load_patients
from tests.screening.test_trials import PATIENTS
from tests.screening.trial_expectations import SEED as EXPECTED

HOSPITAL = "https://fhir.hospital.example/fhir-adapter"


def _strings(value: Any) -> Iterator[tuple[str, str]]:
    """Yield (key, string) for every string in a JSON tree."""
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, str):
                yield key, child
            else:
                yield from _strings(child)
    elif isinstance(value, list):
        for child in value:
            if isinstance(child, str):
                yield "", child
            else:
                yield from _strings(child)


def _seed() -> TrialRecord:
    [trial] = [t for t in read_trials([SEED]) if isinstance(t, TrialRecord)]
    return trial


@pytest.mark.parametrize("version", list(FhirVersion), ids=["r4", "r5"])
def test_every_url_of_ours_moves_to_the_base_and_nothing_else_does(
    terms: Terms, version: FhirVersion
) -> None:
    trial = _seed()
    placeholder = build_bundle(build_trial_resources(trial, terms, version=version), version=version)
    hospital_terms = load_terms(identifier_base=HOSPITAL + "/")  # a trailing slash is dropped
    hospital = build_bundle(build_trial_resources(trial, hospital_terms, version=version), version=version)
    ours = [(k, s) for k, s in _strings(placeholder) if s.startswith(DEFAULT_IDENTIFIER_BASE + "/")]
    assert {k for k, _ in ours} >= {"system", "url"}  # identifier and code systems, extension URLs
    moved = {s.replace(DEFAULT_IDENTIFIER_BASE, HOSPITAL, 1) for _, s in ours}
    found = {s for _, s in _strings(hospital)}
    assert moved <= found
    assert not any(DEFAULT_IDENTIFIER_BASE in s for s in found)
    theirs = sorted(s for _, s in _strings(placeholder) if DEFAULT_IDENTIFIER_BASE not in s)
    assert theirs == sorted(s for _, s in _strings(hospital) if HOSPITAL not in s)  # ids and references too
    assert hospital["identifier"]["system"] == f"{HOSPITAL}/sid/ctgov-bundle"
    study = next(e["resource"] for e in hospital["entry"] if e["resource"]["resourceType"] == "ResearchStudy")
    assert {"use": "official", "system": NCT_SYSTEM, "value": "NCT06158412"} in study["identifier"]
    assert NCT_SYSTEM == "https://clinicaltrials.gov"


def test_each_resource_kind_is_identified_under_the_base(terms: Terms) -> None:
    built = build_trial_resources(_seed(), load_terms(identifier_base=HOSPITAL))
    systems = {b.key.resource_type: b.key.system for b in built.resources}
    for kind in ("Organization", "Practitioner", "Location", "Group", "PlanDefinition"):
        assert systems[kind].startswith(f"{HOSPITAL}/sid/"), kind
    assert systems["ResearchStudy"] == NCT_SYSTEM
    default = build_trial_resources(_seed(), terms)
    assert [b.key.uuid for b in built.resources] == [b.key.uuid for b in default.resources]
    for item in built.resources:  # each resource carries the identifier its key (and a push) finds it by
        systems_written = {i.get("system") for i in item.resource["identifier"]}
        assert item.key.system in systems_written, item.key


def test_output_under_another_base_still_gets_the_project_rules(terms: Terms) -> None:
    trial = _seed()
    default = check_document_as(build_bundle(build_trial_resources(trial, terms)), FhirVersion.R4)
    moved = build_bundle(build_trial_resources(trial, load_terms(identifier_base=HOSPITAL)))
    checked = check_document_as(moved, FhirVersion.R4)
    assert checked.project_rules and default.project_rules
    assert [(i.location, i.message) for i in checked.issues] == [
        (i.location, i.message) for i in default.issues
    ]


@pytest.mark.parametrize(
    "base",
    [
        "fhir.hospital.example/ids",
        "ftp://fhir.hospital.example",
        "https://h.example/x?y=1",
        "https://u:p@h.example",
    ],
)
def test_an_identifier_base_that_is_no_http_url_is_refused(base: str) -> None:
    with pytest.raises(SettingsError, match="--identifier-base"):
        load_terms(identifier_base=base)


def test_convert_writes_under_the_base_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["convert", str(SEED), "--out", str(out), "--identifier-base", HOSPITAL]) == EXIT_OK
    bundle = load_json(out / "NCT06158412.json")
    assert bundle["identifier"]["system"] == f"{HOSPITAL}/sid/ctgov-bundle"
    assert DEFAULT_IDENTIFIER_BASE not in (out / "NCT06158412.json").read_text(encoding="utf-8")


def test_worker_processes_build_under_the_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fhir_adapter.sync.workers.INLINE_FIRST", 0)  # straight to the worker processes
    workers = Workers(load_terms(identifier_base=HOSPITAL), FhirVersion.R4, processes=2)
    try:
        [built] = workers.build([_seed()])
    finally:
        workers.close()
    assert not isinstance(built, Exception)
    assert built.bundle["identifier"]["system"] == f"{HOSPITAL}/sid/ctgov-bundle"


def _count(server: FhirTestServer, resource_type: str) -> int:
    answer = requests.get(f"{server.base_url}/{resource_type}", params={"_summary": "count"}, timeout=10)
    total: int = answer.json()["total"]
    return total


def test_push_under_the_placeholder_warns_then_a_real_base_updates_in_place(
    clean_fhir_server: FhirTestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    argv = ["push", str(CTGOV / "NCT06158412.json"), "--server", clean_fhir_server.base_url, "--restart"]
    argv += ["--journal", str(tmp_path / "journal.jsonl")]
    with caplog.at_level(logging.WARNING, logger="fhir_adapter"):
        assert main(argv) == EXIT_OK
    assert any("placeholder namespace" in r.getMessage() for r in caplog.records)
    organizations = _count(clean_fhir_server, "Organization")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fhir_adapter"):
        assert main([*argv, "--identifier-base", HOSPITAL]) == EXIT_OK
    assert not any("placeholder namespace" in r.getMessage() for r in caplog.records)
    assert _count(clean_fhir_server, "Organization") == organizations  # moved, not duplicated
    found = requests.get(
        f"{clean_fhir_server.base_url}/Group",
        params={"identifier": f"{HOSPITAL}/sid/ctgov-eligibility|NCT06158412"},
        timeout=10,
    ).json()
    assert len(found.get("entry", [])) == 1
    assert _count(clean_fhir_server, "Group") == 1


def test_screen_reads_a_group_written_under_the_base_and_writes_candidates_there(
    clean_fhir_server: FhirTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base_url = clean_fhir_server.base_url
    assert load_patients(base_url, PATIENTS / "NCT06158412") == len(EXPECTED)
    push = ["push", str(SEED), "--server", base_url, "--journal", str(tmp_path / "j.jsonl")]
    assert main([*push, "--identifier-base", HOSPITAL]) == EXIT_OK
    capsys.readouterr()
    screen = ["screen", "NCT06158412", "--server", base_url, "--date", "2025-01-31", "--format", "json"]
    assert main([*screen, "--identifier-base", HOSPITAL, "--write-candidates"]) == EXIT_OK
    output = json.loads(capsys.readouterr().out)
    verdicts = {p["id"]: p["verdict"] for p in output["patients"]}
    assert verdicts == {patient_id: verdict.value for patient_id, (verdict, _) in EXPECTED.items()}
    subjects = requests.get(f"{base_url}/ResearchSubject", params={"_count": "100"}, timeout=10).json()
    systems = {i["system"] for e in subjects["entry"] for i in e["resource"]["identifier"]}
    assert systems == {f"{HOSPITAL}/sid/screening-candidate"}
