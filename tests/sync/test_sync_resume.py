"""A sync killed midway (SIGKILL, in a subprocess, several trials in flight) and started again ends with every
trial on the server exactly once: the trials that landed before the kill are skipped by the journal, the
others are written, and nothing is duplicated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from fhir_adapter.cli import EXIT_OK, main
from fhir_adapter.client import FhirClient
from fhir_adapter.settings import Settings
from tests.conftest import REPO
from tests.ctgov_api.server import FakeCtgovApi
from tests.fhir_server.harness import FhirTestServer
from tests.sync.test_sync import LEUKEMIA, LEUKEMIA_RECRUITING, TYPES, sync_args


def _identifiers(server: FhirTestServer) -> Counter[tuple[str, str]]:
    """Return how many resources on the server carry each (type, first identifier value)."""
    with FhirClient(Settings(server.base_url)) as client:
        return Counter(
            (t, r["identifier"][0]["value"]) for t in TYPES for r in client.search(t, {"_count": "2000"})
        )


def _journal_lines(state: Path) -> list[dict[str, str]]:
    return [
        json.loads(line) for p in state.glob("*.journal.jsonl") for line in p.read_text("utf-8").splitlines()
    ]


def test_a_sync_killed_midway_and_run_again_leaves_every_trial_once(
    ctgov_api: FakeCtgovApi,
    clean_fhir_server: FhirTestServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = tmp_path / "state"
    args = [
        *sync_args(ctgov_api, clean_fhir_server, state, *LEUKEMIA),
        "--page-size",
        "2",
        "--concurrency",
        "4",
    ]
    ctgov_api.delay = 0.5  # a slow API: the run spans several seconds, pages of two studies
    with (tmp_path / "sync.log").open("wb") as log:  # the killed run's progress lines, for a failing test
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "fhir-adapter"), *args],  # the installed command
            cwd=REPO,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 120
            while len(_journal_lines(state)) < 2 and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert process.poll() is None, "the sync ended before it could be killed"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    landed = {line["trial"] for line in _journal_lines(state)}
    on_server = {
        value for (kind, value), _ in _identifiers(clean_fhir_server).items() if kind == "ResearchStudy"
    }
    assert len(landed) >= 2 and landed <= on_server < LEUKEMIA_RECRUITING  # killed midway
    assert not list(state.glob("sync-*[0-9a-f].json"))  # no state: the next run starts over

    ctgov_api.delay = 0.0
    summary = tmp_path / "summary.json"
    assert main([*args, "--summary", str(summary)]) == EXIT_OK
    outcomes = {t["nct_id"]: t["outcome"] for t in json.loads(summary.read_text("utf-8"))["trials"]}
    assert {
        n for n, o in outcomes.items() if o == "resumed"
    } == landed  # skipped: the journal says they landed
    assert set(outcomes) == LEUKEMIA_RECRUITING
    counts = _identifiers(clean_fhir_server)
    assert {value for (kind, value) in counts if kind == "ResearchStudy"} == LEUKEMIA_RECRUITING
    assert [key for key, count in counts.items() if count > 1] == []  # nothing written twice
    assert not list(state.glob("*.journal.jsonl"))  # a run that succeeded drops its journal
