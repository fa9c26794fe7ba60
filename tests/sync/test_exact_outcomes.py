"""Exact outcomes under faults (issue 11, item 9): a transaction that landed on the real test server while
its answer was cut short is reported created or updated, not failed; a write that really failed stays
failed. A socket proxy (tests/client/faulty_proxy.py) sits between the client and the test server and
breaks the answers of transaction POSTs after the server has carried them out."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from fhir_adapter.client import FhirClient
from fhir_adapter.settings import RetrySettings, Settings
from fhir_adapter.sync import SyncOptions, TrialSync, sync_trials
from fhir_adapter.terms import Terms
from tests.client.faulty_proxy import Fault, FaultPlan, FaultyServer
from tests.conftest import SEED, study_json
from tests.fhir_server.harness import FhirTestServer

MakeProxy = Callable[..., FhirClient]


def _is_transaction(method: str, path: str) -> bool:
    return method == "POST" and path == "/"


@pytest.fixture
def through_proxy(clean_fhir_server: FhirTestServer) -> Iterator[Callable[[FaultPlan], FhirClient]]:
    """Return a factory: a client whose requests pass a FaultyServer in front of the real test server."""
    opened: list[tuple[FaultyServer, FhirClient]] = []

    def factory(plan: FaultPlan) -> FhirClient:
        proxy = FaultyServer(upstream=clean_fhir_server.base_url, plan=plan).__enter__()
        client = FhirClient(
            Settings(proxy.base_url, retry=RetrySettings(max_attempts=3)), sleep=lambda _: None
        )
        opened.append((proxy, client))
        return client

    yield factory
    for proxy, client in opened:
        client.close()
        proxy.stop()


def _push(path: Path, client: FhirClient, terms: Terms) -> TrialSync:
    [result] = sync_trials([str(path)], client, terms, SyncOptions())
    return result


def _studies(server: FhirTestServer) -> list[dict[str, Any]]:
    bundle = requests.get(f"{server.base_url}/ResearchStudy", timeout=10).json()
    return [entry["resource"] for entry in bundle.get("entry", [])]


def _retitled(tmp_path: Path, title: str) -> Path:
    study = study_json()
    study["protocolSection"]["identificationModule"]["briefTitle"] = title
    path = tmp_path / "NCT06158412.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    return path


@pytest.mark.parametrize("fault", ["cut", "chunked-cut", "broken-json"])
def test_a_first_push_whose_answer_is_cut_is_created_once(
    fault: Fault,
    through_proxy: Callable[[FaultPlan], FhirClient],
    clean_fhir_server: FhirTestServer,
    terms: Terms,
) -> None:
    result = _push(SEED, through_proxy(FaultPlan(_is_transaction, [fault])), terms)
    assert (result.outcome, result.error) == ("created", None)
    assert [s["identifier"][0]["value"] for s in _studies(clean_fhir_server)] == ["NCT06158412"]


@pytest.mark.parametrize("fault", ["cut", "broken-json"])
def test_an_update_that_landed_before_its_answer_broke_is_reported_updated(
    fault: Fault,
    through_proxy: Callable[[FaultPlan], FhirClient],
    clean_fhir_server: FhirTestServer,
    terms: Terms,
    tmp_path: Path,
) -> None:
    # The retried transaction meets the If-Match versions its first try moved on, and the server refuses it
    # (412): only reading the server again shows that the update is there.
    with FhirClient(Settings(clean_fhir_server.base_url)) as direct:
        assert _push(SEED, direct, terms).outcome == "created"
    plan = FaultPlan(_is_transaction, [fault])
    result = _push(_retitled(tmp_path, "A new title"), through_proxy(plan), terms)
    assert (result.outcome, result.error) == ("updated", None)
    [study] = _studies(clean_fhir_server)
    assert study["title"] == "A new title" and study["meta"]["versionId"] != "1"


def test_every_answer_cut_but_the_write_landed_is_still_reported_created(
    through_proxy: Callable[[FaultPlan], FhirClient], clean_fhir_server: FhirTestServer, terms: Terms
) -> None:
    result = _push(SEED, through_proxy(FaultPlan(_is_transaction, ["cut"] * 3)), terms)
    assert (result.outcome, result.error) == ("created", None)
    assert len(_studies(clean_fhir_server)) == 1


def test_an_update_refused_because_someone_else_changed_the_study_stays_failed(
    through_proxy: Callable[[FaultPlan], FhirClient],
    clean_fhir_server: FhirTestServer,
    terms: Terms,
    tmp_path: Path,
) -> None:
    with FhirClient(Settings(clean_fhir_server.base_url)) as direct:
        _push(SEED, direct, terms)

    def someone_else_edits() -> None:
        [study] = _studies(clean_fhir_server)
        study["title"] = "Edited by the hospital"
        url = f"{clean_fhir_server.base_url}/ResearchStudy/{study['id']}"
        assert requests.put(url, json=study, timeout=10).status_code == 200

    plan = FaultPlan(_is_transaction, before=someone_else_edits)
    result = _push(_retitled(tmp_path, "Our title"), through_proxy(plan), terms)
    assert result.outcome == "failed" and not result.stops_run
    assert "-> 412" in (result.error or "")
    assert _studies(clean_fhir_server)[0]["title"] == "Edited by the hospital"  # never overwritten
