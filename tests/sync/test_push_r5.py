"""Push in R5 (issue 12). The tests' FHIR server is R4 only (tests/fhir_server), so an R5 server is faked with
`responses`: a CapabilityStatement declaring 5.0.0, empty searches, and a transaction answered 201 per entry.
The exchange is recorded and checked: the same conditional updates as R4, with R5 content. An R4 server is
never written R5 resources: the run stops before anything is sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from fhir_adapter.cli import EXIT_OK, main
from fhir_adapter.client import FhirClient
from fhir_adapter.resources import FhirVersion
from fhir_adapter.settings import Settings
from fhir_adapter.sync import SyncOptions, TrialSync, sync_trials
from fhir_adapter.terms import Terms
from tests.conftest import SEED

BASE = "https://r5.example.org/fhir"
EMPTY = {"resourceType": "Bundle", "type": "searchset", "entry": []}


def _capabilities(version: str) -> dict[str, Any]:
    resources = ["ResearchStudy", "Group", "EvidenceVariable", "PlanDefinition", "Organization", "Location"]
    return {
        "resourceType": "CapabilityStatement",
        "fhirVersion": version,
        "rest": [
            {
                "mode": "server",
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
                "resource": [{"type": t, "conditionalUpdate": True} for t in resources],
            }
        ],
    }


def _transaction_answer(request: Any) -> tuple[int, dict[str, str], str]:
    sent = json.loads(request.body)
    answer = {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [{"response": {"status": "201 Created"}} for _ in sent["entry"]],
    }
    return 200, {"Content-Type": "application/fhir+json"}, json.dumps(answer)


@pytest.fixture
def r5_server() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/metadata", json=_capabilities("5.0.0"))
        mock.get(re.compile(rf"{re.escape(BASE)}/\w+\?.*"), json=EMPTY)
        mock.add_callback(responses.POST, BASE, callback=_transaction_answer)
        yield mock


def _push(terms: Terms, version: FhirVersion) -> list[TrialSync]:
    with FhirClient(Settings(BASE)) as client:
        return list(sync_trials([str(SEED)], client, terms, SyncOptions(version=version)))


def _sent(mock: responses.RequestsMock) -> dict[str, Any]:
    [post] = [c for c in mock.calls if c.request.method == "POST"]
    body: dict[str, Any] = json.loads(post.request.body or b"")
    return body


def test_an_r5_push_sends_conditional_updates_of_r5_resources(
    terms: Terms, r5_server: responses.RequestsMock
) -> None:
    [result] = _push(terms, FhirVersion.R5)
    assert result.outcome == "created", result.error
    bundle = _sent(r5_server)
    assert bundle["type"] == "transaction"
    assert all(
        e["request"]["method"] == "PUT" and "?identifier=" in e["request"]["url"] for e in bundle["entry"]
    )
    by_type = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    assert by_type["Group"]["membership"] == "definitional"
    assert by_type["ResearchStudy"]["status"] == "active" and "comparisonGroup" in by_type["ResearchStudy"]
    assert by_type["EvidenceVariable"]["characteristic"][0]["definitionByCombination"]["code"] == "all-of"


def test_r5_resources_are_never_written_to_an_r4_server(terms: Terms) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/metadata", json=_capabilities("4.0.1"))
        [result] = _push(terms, FhirVersion.R5)
        assert (result.outcome, result.stops_run) == ("failed", True)
        assert "declares FHIR 4.0.1" in (result.error or "") and "5.0.0" in (result.error or "")
        assert [c.request.method for c in mock.calls] == ["GET"]


def test_push_command_takes_the_fhir_version(
    r5_server: responses.RequestsMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "journal.jsonl"
    argv = ["push", str(SEED), "--server", BASE, "--journal", str(journal), "--fhir-version", "r5"]
    assert main(argv) == EXIT_OK
    assert "1 trial: 1 created" in capsys.readouterr().out
    assert any(e["resource"]["resourceType"] == "EvidenceVariable" for e in _sent(r5_server)["entry"])
