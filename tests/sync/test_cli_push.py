"""`fhir-adapter push` in-process against the real test server: exit codes, progress, summary, dry run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fhir_adapter.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, main
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import load_terms
from tests.conftest import CTGOV, SEED
from tests.fhir_server.harness import FhirTestServer


def _inputs(tmp_path: Path, *nct_ids: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for nct_id in nct_ids:
        shutil.copy(CTGOV / f"{nct_id}.json", folder / f"{nct_id}.json")
    return folder


def test_push_then_push_again(
    clean_fhir_server: FhirTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _inputs(tmp_path, "NCT06158412", "NCT03418623")
    args = [
        "push",
        str(folder),
        "--server",
        clean_fhir_server.base_url,
        "--journal",
        str(tmp_path / "j.jsonl"),
    ]
    assert main(args) == EXIT_OK
    captured = capsys.readouterr()
    assert "2 trials: 2 created, 0 updated, 0 unchanged, 0 failed" in captured.out
    assert "[1/2] NCT03418623 created" in captured.err  # plain progress lines when not on a terminal
    assert main([*args, "--restart"]) == EXIT_OK
    assert "2 trials: 0 created, 0 updated, 2 unchanged, 0 failed" in capsys.readouterr().out
    assert main(args) == EXIT_OK
    assert "2 trials: 0 created, 0 updated, 0 unchanged, 2 resumed, 0 failed" in capsys.readouterr().out


def test_dry_run_prints_the_plan(
    clean_fhir_server: FhirTestServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["push", str(SEED), "--server", clean_fhir_server.base_url, "--dry-run"]) == EXIT_OK
    captured = capsys.readouterr()
    out = captured.out
    assert "[1/1] NCT06158412 would be created" in captured.err  # progress never claims a write
    [seed] = read_trials([SEED])
    assert isinstance(seed, TrialRecord)
    count = len(build_trial_resources(seed, load_terms()).resources)  # every resource the seed becomes
    assert f"NCT06158412: would create {count}, update 0, leave 0 unchanged" in out
    assert "  + ResearchStudy https://clinicaltrials.gov|NCT06158412" in out
    assert "dry run, nothing written: 1 trials: 1 created" in out
    assert not (tmp_path / "fhir-adapter-push.jsonl").exists()  # a dry run writes no journal


def test_a_failed_trial_gives_exit_1_and_is_listed(
    clean_fhir_server: FhirTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _inputs(tmp_path, "NCT06158412")
    broken = json.loads((CTGOV / "NCT03418623.json").read_text(encoding="utf-8"))
    broken["protocolSection"]["statusModule"]["overallStatus"] = "WITHHELD"
    (folder / "withheld.json").write_text(json.dumps(broken), encoding="utf-8")
    args = [
        "push",
        str(folder),
        "--server",
        clean_fhir_server.base_url,
        "--journal",
        str(tmp_path / "j.jsonl"),
    ]
    assert main(args) == EXIT_SOME_FAILED
    out = capsys.readouterr().out
    assert "2 trials: 1 created" in out and "1 failed" in out
    assert "failed: NCT03418623: NCT03418623: protocolSection.statusModule.overallStatus: 'WITHHELD'" in out


def test_incomplete_auth_settings_are_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["push", str(SEED), "--server", "https://ehr.example/fhir", "--auth", "bearer"]) == EXIT_USAGE
    assert "token" in capsys.readouterr().err.lower()
