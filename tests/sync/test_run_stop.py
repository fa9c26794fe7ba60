"""A failure that would repeat for every trial stops the run (issue 11, item 12): a server that is down (a closed
port, a test server that goes away mid-run), a token endpoint that answers 401, a missing token variable,
credentials the FHIR server refuses. The trials after it are `not attempted` and stay out of the journal;
a failure of one trial alone (a 504, a refused Bundle) never stops the others."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from fhir_adapter.client import FhirClient
from fhir_adapter.settings import AuthKind, AuthSettings, RetrySettings, Settings
from fhir_adapter.sync import NOT_ATTEMPTED, Journal, SyncOptions, TrialSync, sync_trials
from fhir_adapter.terms import Terms
from tests.client.conftest import TOKEN_URL, Sleeps
from tests.client.faulty_proxy import FaultyServer
from tests.conftest import CTGOV
from tests.fhir_server.harness import FhirTestServer, free_port

BASE = "https://ehr.example.org/fhir"
TRIALS = ("NCT00033839", "NCT03418623", "NCT06158412")  # read in this order (sorted file names)
EMPTY = {"resourceType": "Bundle", "type": "searchset", "entry": []}
# Transactions, no batch and no updateCreate: what the server holds is found by identifier searches.
SEARCH_ONLY = {
    "resourceType": "CapabilityStatement",
    "fhirVersion": "4.0.1",
    "rest": [{"mode": "server", "interaction": [{"code": "transaction"}]}],
}
CLIENT_SECRET = AuthSettings(
    AuthKind.CLIENT_SECRET, client_id="adapter", client_secret_env="FHIR_TEST_SECRET", token_url=TOKEN_URL
)


@pytest.fixture
def trials(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for nct_id in TRIALS:
        shutil.copy(CTGOV / f"{nct_id}.json", folder / f"{nct_id}.json")
    return folder


@pytest.fixture
def fake() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _client(base_url: str, sleeps: Sleeps | None = None, **settings: Any) -> FhirClient:
    return FhirClient(Settings(base_url, **settings), sleep=sleeps or Sleeps(), jitter=lambda: 1.0)


def _sync(folder: Path, client: FhirClient, terms: Terms, **options: Any) -> list[TrialSync]:
    with client:
        return list(sync_trials([str(folder)], client, terms, SyncOptions(**options)))


def _outcomes(results: list[TrialSync]) -> list[tuple[str | None, str, bool]]:
    return [(r.nct_id, r.outcome, r.stops_run) for r in results]


def test_a_closed_port_stops_the_run_after_one_retry_budget(
    trials: Path, terms: Terms, tmp_path: Path
) -> None:
    sleeps = Sleeps()
    closed = f"http://127.0.0.1:{free_port()}"
    journal = Journal(tmp_path / "journal.jsonl", closed)
    results = _sync(trials, _client(closed, sleeps), terms, journal=journal)
    assert _outcomes(results) == [
        ("NCT00033839", "failed", True),
        ("NCT03418623", NOT_ATTEMPTED, False),
        ("NCT06158412", NOT_ATTEMPTED, False),
    ]
    assert "could not connect (connection refused or host not found)" in (results[0].error or "")
    assert sleeps.delays == [0.5, 1.0, 2.0, 4.0]  # one request's budget for the whole run
    lines = [json.loads(line) for line in journal.path.read_text(encoding="utf-8").splitlines()]
    assert [(line["trial"], line["outcome"]) for line in lines] == [("NCT00033839", "failed")]


def test_a_server_that_goes_down_mid_run_stops_it_and_the_rest_are_pushed_next_time(
    trials: Path, terms: Terms, clean_fhir_server: FhirTestServer, tmp_path: Path
) -> None:
    with FaultyServer(upstream=clean_fhir_server.base_url) as proxy:
        journal = Journal(tmp_path / "journal.jsonl", proxy.base_url)

        def stop_after_the_first(result: TrialSync) -> None:
            if result.outcome == "created":
                proxy.stop()

        results = _sync(
            trials, _client(proxy.base_url), terms, journal=journal, on_trial=stop_after_the_first
        )
    assert _outcomes(results) == [
        ("NCT00033839", "created", False),
        ("NCT03418623", "failed", True),
        ("NCT06158412", NOT_ATTEMPTED, False),
    ]
    again = Journal(journal.path, proxy.base_url).load()
    assert again.is_done("NCT00033839", results[0].content_hash or "")
    assert not again.is_done("NCT03418623", "") and "NCT06158412" not in journal.path.read_text("utf-8")


def test_401_on_the_token_endpoint_stops_the_run(
    trials: Path, terms: Terms, fake: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FHIR_TEST_SECRET", "client-s3cret")
    fake.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    results = _sync(trials, _client(BASE, auth=CLIENT_SECRET), terms)
    assert _outcomes(results)[0] == ("NCT00033839", "failed", True)
    assert [r.outcome for r in results[1:]] == [NOT_ATTEMPTED, NOT_ATTEMPTED]
    assert results[0].error == f"token endpoint {TOKEN_URL} answered 401: invalid_client"
    assert [call.request.url for call in fake.calls] == [TOKEN_URL]  # asked once, not once per trial


def test_a_missing_token_variable_stops_the_run_before_anything_is_sent(
    trials: Path, terms: Terms, fake: responses.RequestsMock
) -> None:
    bearer = AuthSettings(AuthKind.BEARER, token_env="FHIR_TEST_TOKEN")
    results = _sync(trials, _client(BASE, auth=bearer), terms)
    assert [(r.outcome, r.stops_run) for r in results] == [
        ("failed", True),
        (NOT_ATTEMPTED, False),
        (NOT_ATTEMPTED, False),
    ]
    assert results[0].error == "environment variable FHIR_TEST_TOKEN is not set or empty"
    assert len(fake.calls) == 0


def test_credentials_the_fhir_server_refuses_stop_the_run(
    trials: Path, terms: Terms, fake: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FHIR_TEST_TOKEN", "expired-token")
    fake.get(f"{BASE}/metadata", json=SEARCH_ONLY)
    fake.get(f"{BASE}/Organization", status=401)
    fake.get(f"{BASE}/ResearchStudy", status=401)
    bearer = AuthSettings(AuthKind.BEARER, token_env="FHIR_TEST_TOKEN")
    results = _sync(trials, _client(BASE, auth=bearer), terms)
    assert [r.outcome for r in results] == ["failed", NOT_ATTEMPTED, NOT_ATTEMPTED]
    assert "-> 401 with auth bearer" in (results[0].error or "")
    # The capabilities, then one search for all three trials' studies: refused, and nothing more is sent.
    assert [str(call.request.url).split("?")[0] for call in fake.calls] == [
        f"{BASE}/metadata",
        f"{BASE}/ResearchStudy",
    ]


@pytest.mark.parametrize(
    ("status", "stops"),
    [(502, True), (503, True), (504, False), (500, False)],
    ids=["502", "503", "504", "500"],
)
def test_only_an_unavailable_server_stops_the_run_not_a_slow_or_failing_request(
    status: int, stops: bool, trials: Path, terms: Terms, fake: responses.RequestsMock
) -> None:
    fake.get(f"{BASE}/metadata", json=SEARCH_ONLY)
    for resource_type in (
        "ResearchStudy",
        "Group",
        "PlanDefinition",
        "Organization",
        "Practitioner",
        "Location",
    ):
        fake.get(f"{BASE}/{resource_type}", status=status)
    results = _sync(trials, _client(BASE, retry=RetrySettings(max_attempts=2)), terms)
    expected = ["failed", NOT_ATTEMPTED, NOT_ATTEMPTED] if stops else ["failed", "failed", "failed"]
    assert [r.outcome for r in results] == expected
    assert results[0].stops_run is stops and f"-> {status}" in (results[0].error or "")
