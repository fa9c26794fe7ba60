"""`fhir-adapter push` of two records of one study, against the real test server: the newest lands whichever
is read last, the other is reported as a duplicate, and the journal records only the one pushed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fhir_adapter.cli import EXIT_OK, EXIT_SOME_FAILED, main
from fhir_adapter.client import FhirClient
from fhir_adapter.settings import Settings
from tests.conftest import study_json
from tests.fhir_server.harness import FhirTestServer


def _record(folder: Path, name: str, title: str, updated: str) -> Path:
    study = study_json()
    study["protocolSection"]["identificationModule"]["briefTitle"] = title
    study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = updated
    path = folder / name
    path.write_text(json.dumps(study), encoding="utf-8")
    return path


def test_push_keeps_the_2015_record_when_the_2014_one_is_read_last(
    clean_fhir_server: FhirTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    newer = _record(folder, "a.json", "2015 version", "2015-03-02")
    older = _record(folder, "b.json", "2014 version", "2014-11-20")
    failing = study_json("NCT03418623")  # a failure keeps the journal (a complete run removes it)
    failing["protocolSection"]["statusModule"]["overallStatus"] = "WITHHELD"
    (folder / "c.json").write_text(json.dumps(failing), encoding="utf-8")
    journal = tmp_path / "j.jsonl"
    args = ["push", str(folder), "--server", clean_fhir_server.base_url, "--journal", str(journal)]
    assert main(args) == EXIT_SOME_FAILED
    out = capsys.readouterr().out
    assert "3 trials: 1 created, 0 updated, 0 unchanged, 1 duplicate, 1 failed" in out
    assert f"  duplicate: NCT06158412 ({older}): duplicate, left out; kept {newer}: last updated" in out
    with FhirClient(Settings(base_url=clean_fhir_server.base_url)) as client:
        [study] = client.search("ResearchStudy", {"identifier": "NCT06158412"})
    assert study["title"] == "2015 version"
    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    journaled = sorted((line["trial"], line["outcome"]) for line in lines)
    assert journaled == [("NCT03418623", "failed"), ("NCT06158412", "created")]  # not the duplicate


def test_dry_run_names_the_duplicate(
    clean_fhir_server: FhirTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _record(folder, "a.json", "2014 version", "2014-11-20")
    _record(folder, "b.json", "2015 version", "2015-03-02")
    assert main(["push", str(folder), "--server", clean_fhir_server.base_url, "--dry-run"]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"NCT06158412 ({folder / 'a.json'}): duplicate, left out; kept {folder / 'b.json'}" in out
    assert "NCT06158412: would create" in out
