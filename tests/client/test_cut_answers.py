"""Answers cut short (issue 11, item 9): a body that breaks off, a chunked body without its end, and complete
answers whose JSON is cut are retried for idempotent requests, within the same budget and backoff as a 503;
a request that is not idempotent is sent once. The faults come from a real socket (tests/client/faulty_proxy.py),
as a dropped connection gives them; `responses` checks the mapping of `requests`' own exceptions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from fhir_adapter.client import AnswerCutShort, FhirClient
from fhir_adapter.errors import FatalServerError, RetryableServerError
from fhir_adapter.settings import RetrySettings
from tests.client.conftest import BASE, NCT, NEITHER, MakeClient, Sleeps, study_bundle
from tests.client.faulty_proxy import Fault, FaultyServer, Reply

SEARCHSET = {
    "resourceType": "Bundle",
    "type": "searchset",
    "entry": [{"resource": {"resourceType": "ResearchStudy", "id": str(n)}} for n in range(40)],
}
TRANSACTION_RESPONSE = {
    "resourceType": "Bundle",
    "type": "transaction-response",
    "entry": [{"response": {"status": "201 Created"}}] * 2,
}
CUTS: list[Fault] = ["cut", "chunked-cut", "broken-json"]


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


@pytest.fixture
def faulty() -> Iterator[FaultyServer]:
    with FaultyServer() as server:
        yield server


def _client(make_client: MakeClient, server: FaultyServer, **settings: Any) -> FhirClient:
    return make_client(base_url=server.base_url, **settings)


@pytest.mark.parametrize("fault", CUTS)
def test_a_search_answer_cut_short_is_fetched_again(
    fault: Fault, faulty: FaultyServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    faulty.script = [Reply(_json(SEARCHSET), fault=fault), Reply(_json(SEARCHSET))]
    found = _client(make_client, faulty).search("ResearchStudy", {"_count": "40"})
    assert len(found) == 40
    assert [seen.method for seen in faulty.seen] == ["GET", "GET"]
    assert sleeps.delays == [0.5]  # the same backoff as after a 503: base 0.5 s, jitter drawn as 1.0


@pytest.mark.parametrize("fault", CUTS)
def test_a_conditional_transaction_whose_answer_is_cut_is_sent_again(
    fault: Fault, faulty: FaultyServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    faulty.script = [Reply(_json(TRANSACTION_RESPONSE), fault=fault), Reply(_json(TRANSACTION_RESPONSE))]
    result = _client(make_client, faulty).send_bundle(study_bundle(), nct_id=NCT)
    assert result.ok and result.mode == "transaction"
    assert [seen.method for seen in faulty.seen] == ["POST", "POST"]
    assert faulty.seen[0].body == faulty.seen[1].body  # the very same Bundle
    assert len(sleeps.delays) == 1


def test_a_transaction_with_a_plain_create_is_not_sent_twice(
    faulty: FaultyServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    bundle = study_bundle()
    bundle["entry"][0]["request"] = {"method": "POST", "url": "Group"}  # a second POST would duplicate it
    faulty.script = [Reply(_json(TRANSACTION_RESPONSE), fault="cut"), Reply(_json(TRANSACTION_RESPONSE))]
    with pytest.raises(AnswerCutShort) as raised:
        _client(make_client, faulty).send_bundle(bundle, nct_id=NCT)
    assert len(faulty.seen) == 1 and sleeps.delays == []
    assert str(raised.value) == (
        f"{NCT}: POST {faulty.base_url} -> 200: the answer broke off (ChunkedEncodingError)"
    )


def test_a_conditional_create_sent_alone_is_retried_after_a_cut(
    faulty: FaultyServer, make_client: MakeClient
) -> None:
    bundle = study_bundle()
    bundle["entry"] = bundle["entry"][:1]
    bundle["entry"][0]["request"] = {"method": "POST", "url": "Group", "ifNoneExist": "identifier=s|v"}
    created = {"resourceType": "Group", "id": "g1", "type": "person", "actual": False}
    faulty.script = [Reply(_json(created), 201, fault="chunked-cut"), Reply(_json(created), 201)]
    result = _client(make_client, faulty, capabilities=NEITHER).send_bundle(bundle, nct_id=NCT)
    assert result.ok and result.mode == "single"
    assert [(seen.method, seen.path) for seen in faulty.seen] == [("POST", "/Group"), ("POST", "/Group")]


def test_cut_answers_until_the_budget_is_spent_raise_a_retryable_error(
    faulty: FaultyServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    faulty.script = [Reply(_json(SEARCHSET), fault="broken-json")] * 3
    client = _client(make_client, faulty, retry=RetrySettings(max_attempts=3))
    with pytest.raises(AnswerCutShort) as raised:
        client.search("ResearchStudy", {}, nct_id=NCT)
    assert isinstance(raised.value, RetryableServerError) and not raised.value.stops_run
    assert len(faulty.seen) == 3 and sleeps.delays == [0.5, 1.0]
    url = f"{faulty.base_url}/ResearchStudy"
    assert str(raised.value).startswith(f"{NCT}: GET {url} -> 200: the JSON answer is broken or cut short (")


def test_a_success_that_is_not_json_at_all_is_not_retried(
    faulty: FaultyServer, make_client: MakeClient
) -> None:
    faulty.script = [Reply(b"<html>captive portal</html>", content_type="text/html")]
    with pytest.raises(FatalServerError, match=r"the answer is not a JSON object \(text/html, 27 bytes\)"):
        _client(make_client, faulty).search("ResearchStudy", {})
    assert len(faulty.seen) == 1


def test_an_error_answer_with_broken_json_keeps_its_status(
    faulty: FaultyServer, make_client: MakeClient
) -> None:
    faulty.script = [Reply(b'{"resourceType": "OperationOutcome", "iss', 400)]
    with pytest.raises(FatalServerError) as raised:
        _client(make_client, faulty).search("ResearchStudy", {})
    assert raised.value.status == 400 and len(faulty.seen) == 1


@pytest.mark.parametrize(
    "exc",
    [
        requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead(10 bytes read)"),
        requests.exceptions.ContentDecodingError("incorrect header check"),
    ],
    ids=["chunked-encoding", "content-decoding"],
)
def test_requests_body_errors_become_answer_cut_short(
    exc: Exception, fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.get(f"{BASE}/ResearchStudy", body=exc)
    fake.get(f"{BASE}/ResearchStudy", json=SEARCHSET)
    assert len(make_client().search("ResearchStudy", {})) == 40
    assert len(fake.calls) == 2
