"""`validate --server URL`: the server's $validate goes through the push client (auth, TLS, CA bundle, retries,
timeouts) and is reported beside ours; a server without it is a note; a server that is down or refuses our
credentials is reported once, and the run exits 3. `responses` fakes the faults; the real test server
(tests/fhir_server) answers the success path."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from fhir_adapter.cli import EXIT_CANNOT_PROCEED, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, main
from fhir_adapter.client import FhirClient, ServerValidation
from fhir_adapter.settings import DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, Settings
from fhir_adapter.validation import validate_on_server
from tests.fhir_server.harness import FhirTestServer, free_port

BASE = "https://ehr.example.org/fhir"
BROKEN = Path(__file__).resolve().parent / "broken"
MEMBERS = BROKEN / "group-members-on-definitional-group.json"
GROUP = {"resourceType": "Group", "type": "person", "actual": False}
TOKEN = "s3cr3t-validate-token"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The CLI's client records its backoff waits instead of sleeping them."""
    waits: list[float] = []
    client = functools.partial(FhirClient, sleep=waits.append)
    monkeypatch.setattr("fhir_adapter.cli.server_options.FhirClient", client)
    return waits


def _capabilities(*, with_validate: bool, resource_type: str = "Group") -> dict[str, Any]:
    operations = [
        {"name": "validate", "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate"}
    ]
    resource = {"type": resource_type, "operation": operations if with_validate else []}
    return {"resourceType": "CapabilityStatement", "rest": [{"mode": "server", "resource": [resource]}]}


def _outcome(*issues: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": list(issues)}


def _check(base: str = BASE) -> ServerValidation:
    return ServerValidation(FhirClient(Settings(base), sleep=lambda _: None))


GRP_1 = {
    "severity": "error",
    "code": "invariant",
    "details": {"text": "grp-1: Can only have members if group is actual"},
    "expression": ["Group"],
}


@responses.activate
def test_server_issues_are_reported_beside_ours(capsys: pytest.CaptureFixture[str]) -> None:
    responses.get(f"{BASE}/metadata", json=_capabilities(with_validate=True))
    responses.post(f"{BASE}/Group/$validate", json=_outcome(GRP_1), status=412)
    assert main(["validate", "--server", BASE, str(MEMBERS)]) == EXIT_SOME_FAILED
    out = capsys.readouterr().out
    assert 'grp-1: Can only have members if group is "actual"  [invariant]' in out
    assert "grp-1: Can only have members if group is actual  [server]" in out
    assert f"note: {BASE} $validate answered 412: 1 issue" in out
    sent = responses.calls[1].request
    assert sent.headers["Content-Type"] == "application/fhir+json"
    assert json.loads(sent.body or b"")["resourceType"] == "Group"


@responses.activate
def test_validate_sends_with_the_push_clients_auth_ca_bundle_and_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FHIR_VALIDATE_TOKEN", TOKEN)
    ca_bundle = tmp_path / "hospital-ca.pem"
    ca_bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    responses.get(f"{BASE}/metadata", json=_capabilities(with_validate=True))
    responses.post(
        f"{BASE}/Group/$validate", json=_outcome({"severity": "information", "code": "informational"})
    )
    args = [
        "validate",
        str(MEMBERS),
        "--server",
        BASE,
        "--auth",
        "bearer",
        "--token-env",
        "FHIR_VALIDATE_TOKEN",
    ]
    assert main([*args, "--ca-bundle", str(ca_bundle)]) == EXIT_SOME_FAILED  # our own layers find grp-1
    assert [call.request.method for call in responses.calls] == ["GET", "POST"]
    for call in responses.calls:
        assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert call.request.headers["User-Agent"] == DEFAULT_USER_AGENT
        kwargs = call.request.req_kwargs  # type: ignore[attr-defined]  # responses records them
        assert kwargs["timeout"] == DEFAULT_TIMEOUT and kwargs["verify"] == str(ca_bundle)
    assert TOKEN not in capsys.readouterr().out


@responses.activate
def test_a_503_from_validate_is_retried_with_backoff(no_waiting: list[float]) -> None:
    responses.get(f"{BASE}/metadata", json=_capabilities(with_validate=True))
    responses.post(f"{BASE}/Group/$validate", status=503)
    responses.post(f"{BASE}/Group/$validate", json=_outcome(GRP_1))
    assert main(["validate", "--server", BASE, str(MEMBERS)]) == EXIT_SOME_FAILED
    assert len(responses.calls) == 3 and len(no_waiting) == 1


@responses.activate
def test_server_without_validate_in_its_capabilities_is_not_asked(capsys: pytest.CaptureFixture[str]) -> None:
    responses.get(f"{BASE}/metadata", json=_capabilities(with_validate=False))
    path = BROKEN / "research-study-valued-primitive-with-extension.json"
    assert main(["validate", "--server", BASE, str(path)]) == EXIT_OK
    assert (
        "does not offer $validate for ResearchStudy (per its CapabilityStatement)" in capsys.readouterr().out
    )
    assert len(responses.calls) == 1


@responses.activate
def test_validate_declared_for_every_resource_type_is_asked() -> None:
    responses.get(f"{BASE}/metadata", json=_capabilities(with_validate=True, resource_type="Resource"))
    responses.post(f"{BASE}/Group/$validate", json=_outcome(GRP_1))
    answer = validate_on_server(GROUP, _check())
    assert answer.supported and [i.message for i in answer.issues] == [GRP_1["details"]["text"]]  # type: ignore[index]


@pytest.mark.parametrize("status", [404, 405, 501])
@responses.activate
def test_server_answering_not_supported_is_a_note_not_a_failure(status: int) -> None:
    responses.get(f"{BASE}/metadata", status=404)  # no CapabilityStatement: $validate is asked anyway
    responses.post(f"{BASE}/Group/$validate", status=status)
    answer = validate_on_server(GROUP, _check())
    assert (answer.supported, answer.issues) == (False, ())
    assert f"does not support $validate for Group (POST {BASE}/Group/$validate -> {status})" in answer.note


@responses.activate
def test_an_error_answer_names_method_url_status_and_never_the_body() -> None:
    responses.get(f"{BASE}/metadata", json=_capabilities(with_validate=True))
    responses.post(f"{BASE}/Group/$validate", body="<html>proxy error: upstream 10.0.0.7</html>", status=500)
    [issue] = validate_on_server(GROUP, _check()).issues
    assert (issue.severity, issue.layer) == ("warning", "server")
    assert issue.message == (
        f"POST {BASE}/Group/$validate -> 500: Internal Server Error (no OperationOutcome)"
    )
    assert len(responses.calls) == 1 + 5  # the retry budget, as for any idempotent request


@responses.activate
def test_an_error_answer_gives_its_first_operation_outcome_issue() -> None:
    responses.get(f"{BASE}/metadata", json=_capabilities(with_validate=True))
    refused = _outcome({"severity": "error", "code": "forbidden", "diagnostics": "scope lacks Group.read"})
    responses.post(f"{BASE}/Group/$validate", json=refused, status=403)
    [issue] = validate_on_server(GROUP, _check()).issues
    assert (issue.severity, issue.message) == ("error", "scope lacks Group.read")


@responses.activate
def test_refused_credentials_are_reported_once_and_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FHIR_VALIDATE_TOKEN", TOKEN)
    responses.get(f"{BASE}/metadata", json=_outcome({"severity": "error", "code": "login"}), status=401)
    args = ["validate", str(MEMBERS), str(BROKEN / "group-missing-type.json"), "--server", BASE]
    assert main([*args, "--auth", "bearer", "--token-env", "FHIR_VALIDATE_TOKEN"]) == EXIT_CANNOT_PROCEED
    captured = capsys.readouterr()
    assert f"GET {BASE}/metadata -> 401 with auth bearer" in captured.out
    assert f"note: {BASE} $validate not asked: the server failed earlier in this run" in captured.out
    assert "the server's $validate could not be used" in captured.err
    assert len(responses.calls) == 1 and TOKEN not in captured.out + captured.err


def test_an_unreachable_server_is_reported_once_and_exit_3(
    capsys: pytest.CaptureFixture[str], no_waiting: list[float]
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    args = ["validate", str(MEMBERS), str(BROKEN / "group-missing-type.json"), "--server", closed]
    assert main(args) == EXIT_CANNOT_PROCEED
    out = capsys.readouterr().out
    assert f"GET {closed}/metadata -> no response: could not connect (connection refused" in out
    assert out.count("could not connect") == 1 and "$validate not asked" in out
    assert len(no_waiting) == 4  # one retry budget for the run, not one per file


def test_a_missing_ca_bundle_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-ca.pem"
    assert main(["validate", str(MEMBERS), "--server", BASE, "--ca-bundle", str(missing)]) == EXIT_USAGE
    assert f"--ca-bundle {missing}: no such file" in capsys.readouterr().err


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
    [found] = validate_on_server({"resourceType": "Bundle", "type": "transaction"}, _check()).issues
    assert (found.location, found.message, found.code) == ("Bundle.entry[0]", "unresolved", "not-found")


def test_the_real_test_server_answers_validate(
    fhir_server: FhirTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--server", fhir_server.base_url, str(BROKEN / "group-missing-type.json")]) == 1
    out = capsys.readouterr().out
    assert f"note: {fhir_server.base_url} $validate answered 200:" in out
    assert "[server]" in out  # the server's own words about the missing type, beside ours


def test_a_valid_resource_passes_the_real_test_server(clean_fhir_server: FhirTestServer) -> None:
    answer = validate_on_server(GROUP, _check(clean_fhir_server.base_url))
    assert answer.supported and {i.severity for i in answer.issues} == {"information"}
    assert (
        requests.get(f"{clean_fhir_server.base_url}/Group", timeout=10).json()["total"] == 0
    )  # nothing written
