"""`--server URL`: the server's $validate answer is reported beside ours; a server without it is reported, not
an error. `responses` fakes the server (the real test server lives in tests/fhir_server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from fhir_adapter.cli import EXIT_OK, EXIT_SOME_FAILED, main
from fhir_adapter.validation import validate_on_server
from fhir_adapter.validation.server import DEFAULT_TIMEOUT

BASE = "https://ehr.example.org/fhir"
BROKEN = Path(__file__).resolve().parent / "broken"
GROUP = {"resourceType": "Group", "type": "person", "actual": False}


def _capabilities(*, with_validate: bool) -> dict[str, Any]:
    operations = [
        {"name": "validate", "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate"}
    ]
    resource = {"type": "Group", "operation": operations if with_validate else []}
    return {"resourceType": "CapabilityStatement", "rest": [{"mode": "server", "resource": [resource]}]}


def _outcome(*issues: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": list(issues)}


@responses.activate
def test_server_issues_are_reported_beside_ours(capsys: pytest.CaptureFixture[str]) -> None:
    responses.get(f"{BASE}/metadata", json=_capabilities(with_validate=True))
    server_issue = {
        "severity": "error",
        "code": "invariant",
        "details": {"text": "grp-1: Can only have members if group is actual"},
        "expression": ["Group"],
    }
    responses.post(f"{BASE}/Group/$validate", json=_outcome(server_issue), status=412)
    path = BROKEN / "group-members-on-definitional-group.json"
    assert main(["validate", "--server", BASE, str(path)]) == EXIT_SOME_FAILED
    out = capsys.readouterr().out
    assert 'grp-1: Can only have members if group is "actual"  [invariant]' in out
    assert "grp-1: Can only have members if group is actual  [server]" in out
    assert f"note: {BASE} $validate answered 412: 1 issues" in out
    sent = responses.calls[1].request
    assert sent.headers["Content-Type"] == "application/fhir+json"
    assert json.loads(sent.body or b"")["resourceType"] == "Group"


@responses.activate
def test_every_call_has_a_timeout_and_verifies_tls() -> None:
    responses.get(f"{BASE}/metadata", json=_capabilities(with_validate=True))
    responses.post(
        f"{BASE}/Group/$validate", json=_outcome({"severity": "information", "code": "informational"})
    )
    answer = validate_on_server(GROUP, BASE + "/")
    assert answer.supported and [i.severity for i in answer.issues] == ["information"]
    for call in responses.calls:
        kwargs = call.request.req_kwargs  # type: ignore[attr-defined]  # responses records them
        assert kwargs["timeout"] == DEFAULT_TIMEOUT and kwargs["verify"] is True


@responses.activate
def test_server_without_validate_in_its_capabilities_is_not_asked(capsys: pytest.CaptureFixture[str]) -> None:
    responses.get(f"{BASE}/metadata", json=_capabilities(with_validate=False))
    assert (
        main(
            [
                "validate",
                "--server",
                BASE,
                str(BROKEN / "research-study-valued-primitive-with-extension.json"),
            ]
        )
        == EXIT_OK
    )
    assert (
        "does not offer $validate for ResearchStudy (per its CapabilityStatement)" in capsys.readouterr().out
    )
    assert len(responses.calls) == 1


@pytest.mark.parametrize("status", [404, 405, 501])
@responses.activate
def test_server_answering_not_supported_is_a_note_not_a_failure(status: int) -> None:
    responses.get(f"{BASE}/metadata", status=404)
    responses.post(f"{BASE}/Group/$validate", status=status)
    answer = validate_on_server(GROUP, BASE)
    assert (answer.supported, answer.issues) == (False, ())
    assert f"does not support $validate for Group (POST {BASE}/Group/$validate -> {status})" in answer.note


@responses.activate
def test_unreachable_server_is_a_warning() -> None:
    responses.get(f"{BASE}/metadata", body=requests.ConnectionError("refused"))
    responses.post(f"{BASE}/Group/$validate", body=requests.ConnectionError("refused"))
    [issue] = validate_on_server(GROUP, BASE).issues
    assert (issue.severity, issue.layer) == ("warning", "server")
    assert f"POST {BASE}/Group/$validate -> no response" in issue.message


@responses.activate
def test_answer_that_is_not_an_operation_outcome_is_a_warning() -> None:
    responses.get(f"{BASE}/metadata", json=_capabilities(with_validate=True))
    responses.post(f"{BASE}/Group/$validate", body="<html>proxy error</html>", status=502)
    [issue] = validate_on_server(GROUP, BASE).issues
    assert issue.severity == "warning" and "-> 502: the answer is not an OperationOutcome" in issue.message


@responses.activate
def test_a_bundle_goes_to_the_bundle_type_endpoint() -> None:
    responses.get(f"{BASE}/metadata", status=500)
    issue = {
        "severity": "warning",
        "code": "not-found",
        "diagnostics": "unresolved",
        "location": ["Bundle.entry[0]"],
    }
    responses.post(f"{BASE}/Bundle/$validate", json=_outcome(issue))
    [found] = validate_on_server({"resourceType": "Bundle", "type": "transaction"}, BASE).issues
    assert (found.location, found.message, found.code) == ("Bundle.entry[0]", "unresolved", "not-found")
