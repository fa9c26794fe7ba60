"""`fhir-adapter sync` end to end: the fake ClinicalTrials.gov API -> the tool -> the real test FHIR server.

A second sync writes nothing; a study changed on ClinicalTrials.gov updates exactly its resources; one that no
longer matches is reported and kept; a run with a failed trial keeps its state from moving on; a run killed
midway and started again ends with every trial on the server once.
"""

from __future__ import annotations

import copy
import functools
import json
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.cli import EXIT_CANNOT_PROCEED, EXIT_OK, EXIT_SOME_FAILED, main
from fhir_adapter.client import CtgovClient, FhirClient
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.settings import Settings
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.sync import write_study
from fhir_adapter.terms import Terms
from tests.ctgov_api.server import FakeCtgovApi
from tests.fhir_server.harness import FhirTestServer, free_port

TYPES = (
    "ResearchStudy",
    "Group",
    "PlanDefinition",
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Location",
)
LEUKEMIA = ["--condition", "leukemia", "--status", "RECRUITING"]
LEUKEMIA_RECRUITING = {
    "NCT01949129",
    "NCT03937544",
    "NCT04501120",
    "NCT04547049",
    "NCT04767165",
    "NCT04965649",
    "NCT05014165",
    "NCT05147467",
    "NCT05464836",
    "NCT05480501",
}
FAST = ["--requests-per-minute", "60000", "--page-size", "4"]


def sync_args(api: FakeCtgovApi, server: FhirTestServer, state: Path, *selection: str) -> list[str]:
    return [
        "sync",
        *selection,
        "--ctgov-url",
        api.base_url,
        "--server",
        server.base_url,
        "--state-dir",
        str(state),
        *FAST,
    ]


def held(server: FhirTestServer) -> dict[str, dict[str, Any]]:
    """Return every resource on the server by `Type/id`."""
    with FhirClient(Settings(server.base_url)) as client:
        return {f"{t}/{r['id']}": r for t in TYPES for r in client.search(t, {"_count": "1000"})}


def versions(server: FhirTestServer) -> dict[str, str]:
    return {ref: str(r["meta"]["versionId"]) for ref, r in held(server).items()}


def studies(server: FhirTestServer) -> dict[str, dict[str, Any]]:
    return {
        r["identifier"][0]["value"]: r for ref, r in held(server).items() if ref.startswith("ResearchStudy/")
    }


def today() -> date:
    return datetime.now(UTC).date()


def differing_keys(old: dict[str, Any], new: dict[str, Any], terms: Terms) -> set[tuple[str, str]]:
    """Return (type, identifier value) of the resources our builders make differently from the two records."""
    built = []
    for record in (old, new):
        [trial] = [
            t
            for t in read_trials([write_study(Path(tempfile.mkdtemp()), record)])
            if isinstance(t, TrialRecord)
        ]
        built.append({r.key: r.resource for r in build_trial_resources(trial, terms).resources})
    return {
        (k.resource_type, k.value)
        for k in built[0].keys() | built[1].keys()
        if built[0].get(k) != built[1].get(k)
    }


def identifier_of(resource: dict[str, Any]) -> tuple[str, str]:
    return resource["resourceType"], resource["identifier"][0]["value"]


def test_sync_then_nothing_then_one_change_then_a_study_that_no_longer_matches(
    ctgov_api: FakeCtgovApi,
    clean_fhir_server: FhirTestServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    terms: Terms,
) -> None:
    state = tmp_path / "state"
    args = sync_args(ctgov_api, clean_fhir_server, state, *LEUKEMIA)
    summary = tmp_path / "summary.json"
    assert main([*args, "--summary", str(summary)]) == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"sync condition='leukemia' statuses=RECRUITING -> {clean_fhir_server.base_url}: 10 fetched (all); "
        "10 created, 0 updated, 0 unchanged, 0 failed"
    ]
    report = json.loads(summary.read_text("utf-8"))
    assert (report["exit_code"], report["since"], report["state_saved"]) == (0, None, True)
    assert {t["nct_id"] for t in report["trials"]} == LEUKEMIA_RECRUITING
    assert set(studies(clean_fhir_server)) == LEUKEMIA_RECRUITING
    before = versions(clean_fhir_server)

    # Nothing changed on ClinicalTrials.gov: nothing is fetched but the list of ids, and nothing is written.
    assert main([*args, "--summary", str(summary)]) == EXIT_OK
    yesterday = today() - timedelta(days=1)
    assert json.loads(summary.read_text("utf-8"))["since"] == yesterday.isoformat()
    assert "0 changed since" in capsys.readouterr().out
    assert versions(clean_fhir_server) == before
    # --full reads all of them again and still writes nothing.
    assert main([*args, "--full"]) == EXIT_OK
    assert "10 fetched (all); 0 created, 0 updated, 10 unchanged, 0 failed" in capsys.readouterr().out
    assert versions(clean_fhir_server) == before

    # One study changes: exactly the resources whose content follows from the changed field get a new version.
    old = copy.deepcopy(ctgov_api.studies["NCT05464836"])
    ctgov_api.update_study(
        "NCT05464836",
        lambda s: s["protocolSection"]["identificationModule"].update(briefTitle="A new brief title"),
        posted=today(),
    )
    assert main(args) == EXIT_OK
    assert "1 changed since" in capsys.readouterr().out
    after = versions(clean_fhir_server)
    changed = {ref for ref in after if after[ref] != before.get(ref)}
    expected = differing_keys(old, ctgov_api.studies["NCT05464836"], terms)
    assert {identifier_of(held(clean_fhir_server)[ref]) for ref in changed} == expected
    assert ("ResearchStudy", "NCT05464836") in expected
    assert studies(clean_fhir_server)["NCT05464836"]["title"] == "A new brief title"

    # A study that is no longer recruiting no longer matches: reported, and left on the server as it was.
    ctgov_api.update_study(
        "NCT04767165",
        lambda s: s["protocolSection"]["statusModule"].update(overallStatus="COMPLETED"),
        posted=today(),
    )
    assert main([*args, "--summary", str(summary)]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.out.endswith("; 1 no longer match\n")
    assert "  no longer match (kept on the server): NCT04767165" in captured.err
    assert json.loads(summary.read_text("utf-8"))["no_longer_matching"] == ["NCT04767165"]
    assert "NCT04767165" in studies(clean_fhir_server) and versions(clean_fhir_server) == after


def test_a_failed_trial_keeps_the_state_so_the_next_run_fetches_it_again(
    ctgov_api: FakeCtgovApi,
    clean_fhir_server: FhirTestServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    summary = tmp_path / "summary.json"
    args = [
        *sync_args(ctgov_api, clean_fhir_server, tmp_path / "state", "--condition", "myeloma"),
        "--summary",
        str(summary),
    ]
    assert main(args) == EXIT_OK
    [state_file] = (tmp_path / "state").glob("sync-*.json")
    first_state = state_file.stat().st_mtime_ns, state_file.read_bytes()
    # An UNKNOWN status without a last known one has no R4 status: that trial fails to convert.
    ctgov_api.update_study(
        "NCT05882279",
        lambda s: s["protocolSection"]["statusModule"].update(overallStatus="UNKNOWN"),
        posted=today(),
    )
    assert main(args) == EXIT_SOME_FAILED
    captured = capsys.readouterr()
    assert "1 changed since" in captured.out and "0 updated, 0 unchanged, 1 failed" in captured.out
    assert (
        "  failed: NCT05882279: NCT05882279: protocolSection.statusModule.overallStatus: 'UNKNOWN'"
        in captured.err
    )
    assert json.loads(summary.read_text("utf-8"))["state_saved"] is False
    assert (state_file.stat().st_mtime_ns, state_file.read_bytes()) == first_state
    ctgov_api.update_study(
        "NCT05882279",
        lambda s: s["protocolSection"]["statusModule"].update(overallStatus="COMPLETED"),
        posted=today(),
    )
    assert main(args) == EXIT_OK
    assert "1 changed since" in capsys.readouterr().out
    assert json.loads(summary.read_text("utf-8"))["state_saved"] is True


def test_an_api_that_is_down_stops_the_sync_with_exit_3_and_keeps_no_state(
    clean_fhir_server: FhirTestServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "fhir_adapter.cli.selection.CtgovClient", functools.partial(CtgovClient, sleep=lambda _: None)
    )
    closed = f"http://127.0.0.1:{free_port()}/api/v2"
    args = ["sync", "--condition", "x", "--ctgov-url", closed, "--server", clean_fhir_server.base_url]
    assert main([*args, "--state-dir", str(tmp_path / "state")]) == EXIT_CANNOT_PROCEED
    captured = capsys.readouterr()
    assert captured.out.endswith("0 fetched (all); 0 created, 0 updated, 0 unchanged, 0 failed; stopped\n")
    assert f"  stopped: ClinicalTrials.gov: GET {closed}/studies?query.cond=x" in captured.err
    assert not list((tmp_path / "state").glob("sync-*.json"))
