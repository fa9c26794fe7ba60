"""The requests seam: timeouts and TLS on every request, error messages from OperationOutcomes, redaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from fhir_adapter.client import ConnectFailed, TlsFailed
from fhir_adapter.client.http import error_for_status, outcome_text, redact_url
from fhir_adapter.errors import FatalServerError, RetryableServerError, ServerUnavailable
from fhir_adapter.settings import DEFAULT_TIMEOUT
from tests.client.conftest import BASE, NCT, MakeClient, Sleeps, outcome, study_bundle
from tests.client.faulty_proxy import FaultyServer

TRANSACTION_RESPONSE = {"resourceType": "Bundle", "type": "transaction-response", "entry": []}


def _kwargs(fake: responses.RequestsMock, index: int = 0) -> dict[str, Any]:
    kwargs: dict[str, Any] = getattr(fake.calls[index].request, "req_kwargs")  # noqa: B009 - set by responses
    return kwargs


def test_tls_is_verified_by_default(fake: responses.RequestsMock, make_client: MakeClient) -> None:
    fake.post(BASE, json=TRANSACTION_RESPONSE)
    make_client().send_bundle(study_bundle(), nct_id=NCT)
    assert _kwargs(fake)["verify"] is True


def test_tls_verification_is_off_only_when_set(fake: responses.RequestsMock, make_client: MakeClient) -> None:
    fake.post(BASE, json=TRANSACTION_RESPONSE)
    make_client(verify_tls=False).send_bundle(study_bundle(), nct_id=NCT)
    assert _kwargs(fake)["verify"] is False


def test_a_ca_bundle_is_passed_as_verify(fake: responses.RequestsMock, make_client: MakeClient) -> None:
    fake.post(BASE, json=TRANSACTION_RESPONSE)
    make_client(ca_bundle=Path("/etc/hospital-ca.pem")).send_bundle(study_bundle(), nct_id=NCT)
    assert _kwargs(fake)["verify"] == "/etc/hospital-ca.pem"


def test_every_request_carries_the_timeout_and_fhir_headers(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.get(f"{BASE}/metadata", json={"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1"})
    fake.get(f"{BASE}/Group/1", json={"resourceType": "Group", "id": "1"})
    fake.delete(f"{BASE}/Group/1", status=204)
    client = make_client(capabilities=None)
    client.capabilities()
    client.read("Group/1")
    client.delete("Group/1")
    assert [_kwargs(fake, i)["timeout"] for i in range(3)] == [DEFAULT_TIMEOUT] * 3
    headers = fake.calls[0].request.headers
    assert headers["Accept"] == "application/fhir+json"
    assert headers["User-Agent"].startswith("fhir-adapter")


def test_a_custom_timeout_is_used(fake: responses.RequestsMock, make_client: MakeClient) -> None:
    fake.get(f"{BASE}/Group/1", json={"resourceType": "Group", "id": "1"})
    make_client(timeout=(1.0, 2.0)).read("Group/1")
    assert _kwargs(fake)["timeout"] == (1.0, 2.0)


def test_a_tls_failure_is_fatal_and_says_what_to_check(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.get(f"{BASE}/Group/1", body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(TlsFailed, match=r"TLS handshake failed .* --ca-bundle") as raised:
        make_client().read("Group/1", nct_id=NCT)
    assert len(fake.calls) == 1
    assert isinstance(raised.value, FatalServerError) and raised.value.stops_run  # every trial would fail


def test_a_refused_connection_is_connect_failed_and_stops_a_run(
    make_client: MakeClient, sleeps: Sleeps
) -> None:
    with FaultyServer() as server:
        closed = server.base_url  # the port is closed when the block ends
    with pytest.raises(ConnectFailed) as raised:
        make_client(base_url=closed).read("Group/1", nct_id=NCT)
    assert str(raised.value) == (
        f"{NCT}: GET {closed}/Group/1 -> no response: could not connect (connection refused or host not found)"
    )
    assert raised.value.stops_run and len(sleeps.delays) == 4  # the whole budget, then the run stops


def test_a_connection_dropped_mid_answer_does_not_stop_a_run(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.get(f"{BASE}/Group/1", body=requests.exceptions.ConnectionError("Connection aborted."))
    with pytest.raises(RetryableServerError) as raised:
        make_client().read("Group/1", nct_id=NCT)
    assert not raised.value.stops_run and not isinstance(raised.value, ConnectFailed)


def test_a_write_is_not_redirected(fake: responses.RequestsMock, make_client: MakeClient) -> None:
    fake.put(
        f"{BASE}/Group/1", status=301, headers={"Location": "https://elsewhere.example.org/fhir/Group/1"}
    )
    with pytest.raises(FatalServerError) as raised:
        make_client().update("Group/1", {"resourceType": "Group", "id": "1"}, nct_id=NCT)
    assert "redirect to https://elsewhere.example.org/fhir/Group/1" in str(raised.value)
    assert len(fake.calls) == 1  # followed, it would have reached an unregistered host


def test_a_url_off_the_server_is_refused_before_sending(make_client: MakeClient) -> None:
    with pytest.raises(ValueError, match="is not on the server"):
        make_client().read("https://elsewhere.example.org/fhir/Group/1")


def test_a_non_json_success_is_fatal(fake: responses.RequestsMock, make_client: MakeClient) -> None:
    fake.get(f"{BASE}/Group/1", body="<html>login</html>", content_type="text/html")
    with pytest.raises(FatalServerError, match=r"not a JSON object \(text/html, 18 bytes\)"):
        make_client().read("Group/1")


def test_outcome_text_prefers_details_text_then_diagnostics() -> None:
    both = {
        "resourceType": "OperationOutcome",
        "issue": [{"details": {"text": "words"}, "diagnostics": "stack"}],
    }
    assert outcome_text(both) == "words"
    assert (
        outcome_text({"resourceType": "OperationOutcome", "issue": [{"diagnostics": "  two\n lines "}]})
        == "two lines"
    )
    assert (
        outcome_text(outcome("first") | {"issue": [{"details": {}}, *outcome("second")["issue"]]}) == "second"
    )
    assert outcome_text({"resourceType": "OperationOutcome", "issue": []}) is None


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (408, RetryableServerError),
        (429, RetryableServerError),
        (500, RetryableServerError),
        (502, ServerUnavailable),
        (503, ServerUnavailable),
        (504, RetryableServerError),
        (None, RetryableServerError),
        (400, FatalServerError),
        (404, FatalServerError),
        (422, FatalServerError),
    ],
    ids=["408", "429", "500", "502", "503", "504", "no-response", "400", "404", "422"],
)
def test_status_picks_retryable_or_fatal(status: int | None, kind: type[Exception]) -> None:
    error = error_for_status(status, method="GET", url=BASE, detail="x", nct_id=NCT)
    assert type(error) is kind
    assert error.stops_run is (status in (502, 503))  # the server (or its gateway) is down: the run stops


def test_error_message_names_trial_method_redacted_url_status_and_words() -> None:
    error = error_for_status(
        422,
        method="POST",
        url=f"{BASE}?access_token=abc123&x=1",
        detail="ResearchStudy.status: 'bogus' is not a valid code",
        nct_id="NCT06158412",
    )
    assert (
        str(error)
        == f"NCT06158412: POST {BASE}?access_token=***&x=1 -> 422: ResearchStudy.status: 'bogus' is not a valid code"
    )
    assert (error.nct_id, error.method, error.status) == ("NCT06158412", "POST", 422)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://fhir.example.org/fhir/Group?api_key=x&_count=5",
            "https://fhir.example.org/fhir/Group?api_key=***&_count=5",
        ),
        (
            "https://fhir.example.org/fhir/ResearchStudy?keyword=k&code=c&X-Amz-Signature=s",
            "https://fhir.example.org/fhir/ResearchStudy?keyword=k&code=c&X-Amz-Signature=***",
        ),
        ("https://u:pw@fhir.example.org/fhir", "https://fhir.example.org/fhir"),
        (
            "https://fhir.example.org/fhir/Group?client_secret=s&password=p",
            "https://fhir.example.org/fhir/Group?client_secret=***&password=***",
        ),
        (
            "https://fhir.example.org/fhir/Group?identifier=a|b",
            "https://fhir.example.org/fhir/Group?identifier=a|b",
        ),
    ],
    ids=["api-key", "search-words-kept", "userinfo", "secret-and-password", "plain-kept"],
)
def test_redact_url_hides_credentials(url: str, shown: str) -> None:
    assert redact_url(url) == shown
