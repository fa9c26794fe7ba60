"""Retries: transient answers of idempotent requests are retried with backoff, jitter and Retry-After."""

from __future__ import annotations

import logging

import pytest
import requests
import responses

from fhir_adapter.client import BundleResult, ConnectFailed
from fhir_adapter.client.retry import backoff_delay, retry_after_seconds
from fhir_adapter.errors import FatalServerError, RetryableServerError
from fhir_adapter.settings import RetrySettings
from tests.client.conftest import BASE, NCT, MakeClient, Sleeps, outcome, study_bundle

SEARCH = f"{BASE}/ResearchStudy"
SEARCHSET = {
    "resourceType": "Bundle",
    "type": "searchset",
    "entry": [{"resource": {"resourceType": "ResearchStudy", "id": "1"}}],
}
TRANSACTION_RESPONSE = {
    "resourceType": "Bundle",
    "type": "transaction-response",
    "entry": [{"response": {"status": "201"}}] * 2,
}


def test_429_then_success_is_retried_after_a_jittered_backoff(
    fake: responses.RequestsMock, make_client: MakeClient, sleeps: Sleeps
) -> None:
    fake.get(SEARCH, status=429)
    fake.get(SEARCH, json=SEARCHSET)
    found = make_client().search("ResearchStudy", {"status": "active"})
    assert [r["id"] for r in found] == ["1"]
    assert len(fake.calls) == 2
    assert sleeps.delays == [0.5]  # base delay 0.5 s * 2**0, full jitter drawn as 1.0


def test_a_retry_logs_the_query_only_at_debug(
    fake: responses.RequestsMock, make_client: MakeClient, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    # A screening search names the patient in its query; INFO lines must not (only DEBUG may).
    observations = f"{BASE}/Observation"
    fake.get(observations, status=503)
    fake.get(observations, json={"resourceType": "Bundle", "type": "searchset"})
    with caplog.at_level(logging.DEBUG, logger="fhir_adapter"):
        make_client().search("Observation", {"subject": "Patient/p-4711"})
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("503" in line for line in info)
    assert not any("p-4711" in line for line in info)
    assert any("p-4711" in line for line in debug)


def test_503_with_retry_after_seconds_waits_as_long_as_asked(
    fake: responses.RequestsMock, make_client: MakeClient, sleeps: Sleeps
) -> None:
    fake.post(BASE, status=503, headers={"Retry-After": "7"})
    fake.post(BASE, json=TRANSACTION_RESPONSE)
    result = make_client().send_bundle(study_bundle(), nct_id=NCT)
    assert isinstance(result, BundleResult) and result.ok
    assert sleeps.delays == [7.0]


def test_retry_after_as_an_http_date_counts_from_the_injected_clock(
    fake: responses.RequestsMock, make_client: MakeClient, sleeps: Sleeps
) -> None:
    fake.get(SEARCH, status=503, headers={"Retry-After": "Sun, 15 Jun 2025 15:07:00 GMT"})  # START + 20 s
    fake.get(SEARCH, json=SEARCHSET)
    make_client().search("ResearchStudy", {})
    assert sleeps.delays == [20.0]


def test_retry_after_beyond_the_cap_ends_the_retries_at_once(
    fake: responses.RequestsMock, make_client: MakeClient, sleeps: Sleeps
) -> None:
    fake.get(SEARCH, status=503, headers={"Retry-After": "3600"})
    with pytest.raises(RetryableServerError) as raised:
        make_client(retry=RetrySettings(retry_after_cap=60)).search("ResearchStudy", {}, nct_id=NCT)
    assert len(fake.calls) == 1 and sleeps.delays == []
    assert raised.value.status == 503
    assert "(Retry-After: 3600)" in str(raised.value)


def test_a_read_timeout_then_success_is_retried(
    fake: responses.RequestsMock, make_client: MakeClient, sleeps: Sleeps
) -> None:
    fake.get(SEARCH, body=requests.exceptions.ReadTimeout("read timed out"))
    fake.get(SEARCH, json=SEARCHSET)
    assert len(make_client().search("ResearchStudy", {})) == 1
    assert len(fake.calls) == 2 and len(sleeps.delays) == 1


def test_a_spent_budget_raises_retryable_error_with_the_server_words(
    fake: responses.RequestsMock, make_client: MakeClient, sleeps: Sleeps
) -> None:
    fake.post(BASE, status=502, json=outcome("upstream EHR did not answer"))
    client = make_client(retry=RetrySettings(max_attempts=4, base_delay=1.0, max_delay=3.0))
    with pytest.raises(RetryableServerError) as raised:
        client.send_bundle(study_bundle(), nct_id=NCT)
    assert len(fake.calls) == 4
    assert sleeps.delays == [1.0, 2.0, 3.0]  # doubling, bounded by max_delay
    assert str(raised.value) == f"{NCT}: POST {BASE} -> 502: upstream EHR did not answer"


def test_timeouts_until_the_budget_is_spent_raise_retryable_error_without_status(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.get(SEARCH, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(RetryableServerError) as raised:
        make_client(retry=RetrySettings(max_attempts=2)).search("ResearchStudy", {}, nct_id=NCT)
    assert raised.value.status is None
    assert str(raised.value) == f"{NCT}: GET {SEARCH} -> no response: no answer within 60.0 s"


def test_a_non_idempotent_bundle_is_not_retried(
    fake: responses.RequestsMock, make_client: MakeClient, sleeps: Sleeps
) -> None:
    bundle = study_bundle()
    bundle["entry"][0]["request"] = {"method": "POST", "url": "Group"}  # a plain create: twice makes two
    fake.post(BASE, status=503)
    with pytest.raises(RetryableServerError):
        make_client().send_bundle(bundle, nct_id=NCT)
    assert len(fake.calls) == 1 and sleeps.delays == []


def test_a_non_idempotent_bundle_is_not_resent_after_a_read_timeout(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    bundle = study_bundle()
    bundle["entry"][0]["request"] = {"method": "POST", "url": "Group"}
    fake.post(BASE, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(RetryableServerError):
        make_client().send_bundle(bundle, nct_id=NCT)
    assert len(fake.calls) == 1


def test_a_connect_timeout_is_retried_even_for_a_non_idempotent_bundle(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    bundle = study_bundle()
    bundle["entry"][0]["request"] = {"method": "POST", "url": "Group"}
    fake.post(BASE, body=requests.exceptions.ConnectTimeout("connect timed out"))
    fake.post(BASE, json=TRANSACTION_RESPONSE)
    assert make_client().send_bundle(bundle, nct_id=NCT).ok
    assert len(fake.calls) == 2


def test_a_conditional_create_bundle_counts_as_idempotent(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    bundle = study_bundle()
    bundle["entry"][0]["request"] = {"method": "POST", "url": "Group", "ifNoneExist": "identifier=s|v"}
    fake.post(BASE, status=504)
    fake.post(BASE, json=TRANSACTION_RESPONSE)
    assert make_client().send_bundle(bundle, nct_id=NCT).ok


def test_a_400_is_not_retried(fake: responses.RequestsMock, make_client: MakeClient) -> None:
    fake.get(SEARCH, status=400, json=outcome("Unknown search parameter: foo"))
    with pytest.raises(FatalServerError, match="Unknown search parameter: foo"):
        make_client().search("ResearchStudy", {"foo": "1"})
    assert len(fake.calls) == 1


def test_connection_failures_raise_connect_failed_after_the_budget(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.get(SEARCH, body=requests.exceptions.ConnectTimeout("connect timed out"))
    with pytest.raises(ConnectFailed, match=r"could not connect within 5\.0 s"):
        make_client(retry=RetrySettings(max_attempts=3)).search("ResearchStudy", {})
    assert len(fake.calls) == 3


@pytest.mark.parametrize(
    ("attempt", "jitter", "expected"),
    [(1, 1.0, 0.5), (2, 1.0, 1.0), (3, 0.25, 0.5), (10, 1.0, 30.0), (10, 0.0, 0.0)],
    ids=["first", "doubled", "jittered", "capped", "zero-jitter"],
)
def test_backoff_is_full_jitter_over_a_capped_exponential(
    attempt: int, jitter: float, expected: float
) -> None:
    assert backoff_delay(attempt, RetrySettings(), jitter) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("12", 12.0),
        ("Thu, 01 Jan 1970 00:00:50 GMT", 0.0),
        ("Thu, 01 Jan 1970 00:02:00 GMT", 20.0),
        ("-3", None),
        ("", None),
    ],
    ids=["seconds", "date-in-the-past", "date-ahead", "negative", "empty"],
)
def test_retry_after_reads_seconds_and_http_dates(header: str, expected: float | None) -> None:
    assert retry_after_seconds(header, 100.0) == expected
