"""`fhir-adapter push` in-process against the real test server: exit codes, progress, summary, dry run; a run
that cannot proceed (exit 3); file options that cannot be used (exit 2, naming flag and path)."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest
import responses

from fhir_adapter.cli import EXIT_CANNOT_PROCEED, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, main
from fhir_adapter.client import FhirClient
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import load_terms
from tests.conftest import CTGOV, SEED
from tests.fhir_server.harness import FhirTestServer, free_port


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
    assert not (tmp_path / "j.jsonl").exists()  # a complete run leaves no journal to resume
    assert main(args) == EXIT_OK  # a plain second run checks the server again, as the README says
    assert "2 trials: 0 created, 0 updated, 2 unchanged, 0 failed" in capsys.readouterr().out


def test_a_run_with_a_failure_keeps_its_journal_and_the_next_run_resumes(
    clean_fhir_server: FhirTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _inputs(tmp_path, "NCT06158412")
    broken = json.loads((CTGOV / "NCT03418623.json").read_text(encoding="utf-8"))
    broken["protocolSection"]["statusModule"]["overallStatus"] = "WITHHELD"
    (folder / "withheld.json").write_text(json.dumps(broken), encoding="utf-8")
    journal = tmp_path / "j.jsonl"
    args = ["push", str(folder), "--server", clean_fhir_server.base_url, "--journal", str(journal)]
    assert main(args) == EXIT_SOME_FAILED
    assert journal.exists()
    assert main(args) == EXIT_SOME_FAILED
    assert "2 trials: 0 created, 0 updated, 0 unchanged, 1 resumed, 1 failed" in capsys.readouterr().out


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
    assert "dry run, nothing written: 1 trial: 1 created" in out
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


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The push command's client records its backoff waits instead of sleeping them."""
    waits: list[float] = []
    monkeypatch.setattr("fhir_adapter.cli.push.FhirClient", functools.partial(FhirClient, sleep=waits.append))
    return waits


def test_a_server_that_is_down_stops_the_run_with_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_waiting: list[float]
) -> None:
    folder = _inputs(tmp_path, "NCT06158412", "NCT03418623", "NCT00033839")
    closed = f"http://127.0.0.1:{free_port()}"
    assert main(["push", str(folder), "--server", closed, "--journal", str(tmp_path / "j.jsonl")]) == 3
    captured = capsys.readouterr()
    assert "3 trials: 0 created, 0 updated, 0 unchanged, 1 failed, 2 not attempted" in captured.out
    assert "  run stopped at NCT00033839: its failure would repeat for every other trial" in captured.out
    assert f"  failed: NCT00033839: GET {closed}/metadata -> no response: could not connect" in captured.out
    assert "  not attempted (2): NCT03418623, NCT06158412" in captured.out
    assert "[3/3] NCT06158412 not attempted" in captured.err
    assert len(no_waiting) == 4  # one request's retries, then the run stopped


@responses.activate
def test_401_on_the_token_endpoint_stops_the_run_with_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FHIR_PUSH_SECRET", "client-s3cret")
    responses.post("https://auth.example/token", status=401, json={"error": "invalid_client"})
    folder = _inputs(tmp_path, "NCT06158412", "NCT03418623")
    args = [
        "push",
        str(folder),
        "--server",
        "https://ehr.example/fhir",
        "--journal",
        str(tmp_path / "j.jsonl"),
    ]
    auth = ["--auth", "client-secret", "--client-id", "adapter", "--client-secret-env", "FHIR_PUSH_SECRET"]
    assert main([*args, *auth, "--token-url", "https://auth.example/token"]) == EXIT_CANNOT_PROCEED
    out = capsys.readouterr().out
    assert "2 trials: 0 created, 0 updated, 0 unchanged, 1 failed, 1 not attempted" in out
    assert "token endpoint https://auth.example/token answered 401: invalid_client" in out
    assert len(responses.calls) == 1 and "client-s3cret" not in out


SMART = ["--auth", "smart", "--client-id", "adapter", "--key-id", "k1", "--scope", "system/*.write"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--ca-bundle", "{tmp}/missing-ca.pem"], "--ca-bundle {tmp}/missing-ca.pem: no such file"),
        ([*SMART, "--private-key", "{tmp}/missing.pem"], "--private-key {tmp}/missing.pem: no such file"),
        (
            [*SMART, "--private-key", "{tmp}/not-a-key.pem"],
            "--private-key: private key file {tmp}/not-a-key.pem is not a PEM private key",
        ),
        (["--journal", "{tmp}"], "--journal {tmp}: is a directory, not a file"),
        (
            ["--journal", "{tmp}/not-a-key.pem/j.jsonl"],
            "--journal {tmp}/not-a-key.pem/j.jsonl: cannot be created",
        ),
        (["--mappings", "{tmp}/no-maps"], "--mappings {tmp}/no-maps: no such directory"),
    ],
    ids=[
        "ca-bundle",
        "private-key",
        "private-key-not-pem",
        "journal-is-a-folder",
        "journal-under-a-file",
        "mappings",
    ],
)
def test_a_file_option_that_cannot_be_used_is_a_usage_error_naming_flag_and_path(
    flags: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "not-a-key.pem").write_text("not a key\n", encoding="utf-8")
    args = [flag.format(tmp=tmp_path) for flag in flags]
    assert main(["push", str(SEED), "--server", "https://ehr.example/fhir", *args]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"fhir-adapter: error: {message.format(tmp=tmp_path)}" in err
    assert "Traceback" not in err
