"""The ClinicalTrials.gov API v2 client against the fake API (tests/ctgov_api): real paging, filters, 429 with
Retry-After, pacing; `responses` only for what the fake does not do on demand (broken answers, a closed
port, the API's 400 text)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import responses

from fhir_adapter.client import CtgovClient, StudyQuery, study_nct_id
from fhir_adapter.client.http import AnswerCutShort, ConnectFailed
from fhir_adapter.errors import FatalServerError, SettingsError
from fhir_adapter.settings import RetrySettings, Settings
from tests.client.conftest import FrozenClock, Sleeps
from tests.ctgov_api.server import FakeCtgovApi
from tests.fhir_server.harness import free_port

API = "https://ctgov.example/api/v2"
LEUKEMIA = StudyQuery(condition="leukemia", statuses=("RECRUITING",))
LEUKEMIA_RECRUITING = [
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
]


@pytest.fixture
def api() -> Iterator[FakeCtgovApi]:
    with FakeCtgovApi() as fake:
        yield fake


def _client(base_url: str, sleeps: Sleeps, clock: FrozenClock, **options: float) -> CtgovClient:
    settings = Settings(base_url, retry=RetrySettings(max_attempts=3))
    return CtgovClient(settings, sleep=sleeps, clock=clock, jitter=lambda: 1.0, **options)  # type: ignore[arg-type]


def test_pages_follow_next_page_token_until_the_last_page(
    api: FakeCtgovApi, sleeps: Sleeps, clock: FrozenClock
) -> None:
    with _client(api.base_url, sleeps, clock, page_size=4) as client:
        pages = list(client.pages(LEUKEMIA))
    assert [len(p.studies) for p in pages] == [4, 4, 2]
    assert [study_nct_id(s) for p in pages for s in p.studies] == LEUKEMIA_RECRUITING
    assert [p.total for p in pages] == [10, None, None]  # countTotal answers on the first page only
    assert pages[-1].next_token is None
    calls = api.calls()
    assert [c.get("pageToken") is None for c in calls] == [True, False, False]
    assert all(c["query.cond"] == "leukemia" and c["filter.overallStatus"] == "RECRUITING" for c in calls)
    assert [c.get("countTotal") for c in calls] == ["true", None, None]
    assert {c["pageSize"] for c in calls} == {"4"}


def test_requests_are_spaced_to_the_rate_limit(api: FakeCtgovApi, sleeps: Sleeps, clock: FrozenClock) -> None:
    with _client(api.base_url, sleeps, clock, page_size=4, requests_per_minute=30) as client:
        assert len(list(client.pages(LEUKEMIA))) == 3
    assert sleeps.delays == [2.0, 2.0]  # 30 a minute: 2 s apart, the first at once (the clock stands still)


def test_429_waits_as_long_as_retry_after_says(api: FakeCtgovApi, sleeps: Sleeps, clock: FrozenClock) -> None:
    api.throttle(2, retry_after=7)
    with _client(api.base_url, sleeps, clock, requests_per_minute=6000) as client:
        [page] = list(client.pages(StudyQuery(condition="myeloma")))
    assert [study_nct_id(s) for s in page.studies] == ["NCT05827016", "NCT05882279", "NCT06158412"]
    assert sleeps.delays == [7.0, 7.0]
    assert client.requests_sent == 3


def test_since_limits_to_studies_updated_on_or_after_that_day(
    api: FakeCtgovApi, sleeps: Sleeps, clock: FrozenClock
) -> None:
    with _client(api.base_url, sleeps, clock) as client:
        pages = list(client.pages(StudyQuery(condition="lymphoma", since=date(2025, 4, 10))))
    assert [study_nct_id(s) for s in pages[0].studies] == ["NCT03934567", "NCT04318938"]
    assert api.calls()[0]["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2025-04-10,MAX]"


def test_ids_go_to_filter_ids_and_only_ids_come_back_with_fields_nctid(
    api: FakeCtgovApi, sleeps: Sleeps, clock: FrozenClock
) -> None:
    with _client(api.base_url, sleeps, clock) as client:
        [page] = list(client.pages(StudyQuery(), nct_ids=["NCT06158412", "NCT00033839"], fields=["NCTId"]))
    assert page.studies == (
        {"protocolSection": {"identificationModule": {"nctId": "NCT00033839"}}},
        {"protocolSection": {"identificationModule": {"nctId": "NCT06158412"}}},
    )
    assert api.calls()[0]["filter.ids"] == "NCT06158412,NCT00033839"


def test_one_study_by_id_an_unknown_one_is_none(
    api: FakeCtgovApi, sleeps: Sleeps, clock: FrozenClock
) -> None:
    with _client(api.base_url, sleeps, clock) as client:
        study = client.study("nct06158412")
        assert study is not None and study_nct_id(study) == "NCT06158412"
        assert client.study("NCT00000001") is None


def test_an_alias_is_redirected_to_the_study_it_belongs_to(sleeps: Sleeps, clock: FrozenClock) -> None:
    with FakeCtgovApi() as api:
        api.update_study(
            "NCT06158412",
            lambda s: s["protocolSection"]["identificationModule"].update(nctIdAliases=["NCT00000002"]),
            posted=date(2026, 1, 5),
        )
        with _client(api.base_url, sleeps, clock) as client:
            study = client.study("NCT00000002")
    assert study is not None and study_nct_id(study) == "NCT06158412"


@responses.activate
def test_a_bad_request_names_the_apis_own_words(sleeps: Sleeps, clock: FrozenClock) -> None:
    responses.get(
        f"{API}/studies",
        status=400,
        body="Unknown area: LastUpdate\n",
        content_type="text/plain",
    )
    with _client(API, sleeps, clock) as client, pytest.raises(FatalServerError) as caught:
        list(client.pages(StudyQuery(term="x")))
    assert caught.value.status == 400
    assert caught.value.detail == "Bad Request: Unknown area: LastUpdate"
    assert sleeps.delays == []  # a 400 is not retried


@responses.activate
def test_an_answer_cut_short_is_fetched_again(sleeps: Sleeps, clock: FrozenClock) -> None:
    responses.get(f"{API}/studies", body='{"studies": [{"protocolSection"', content_type="application/json")
    responses.get(f"{API}/studies", json={"studies": []})
    with _client(API, sleeps, clock) as client:
        [page] = list(client.pages(StudyQuery(term="x")))
    assert page.studies == () and page.next_token is None
    assert len(responses.calls) == 2


@responses.activate
def test_an_answer_cut_short_every_time_is_an_error_after_the_retries(
    sleeps: Sleeps, clock: FrozenClock
) -> None:
    responses.get(f"{API}/studies", body='{"studies": [', content_type="application/json")
    with _client(API, sleeps, clock) as client, pytest.raises(AnswerCutShort):
        list(client.pages(StudyQuery(term="x")))
    assert len(responses.calls) == 3


def test_an_api_that_cannot_be_reached_stops_the_run(sleeps: Sleeps, clock: FrozenClock) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/v2"
    with _client(closed, sleeps, clock) as client, pytest.raises(ConnectFailed) as caught:
        list(client.pages(StudyQuery(term="x")))
    assert caught.value.stops_run


def test_a_query_becomes_the_apis_parameters() -> None:
    query = StudyQuery(
        nct_ids=("nct06158412",),
        term="ATRA",
        condition="myeloma",
        sponsor="Xiamen",
        location="China",
        statuses=("recruiting", "NOT_YET_RECRUITING,RECRUITING"),
        since=date(2026, 1, 1),
    )
    assert query.nct_ids == ("NCT06158412",)
    assert query.api_params() == [
        ("query.term", "ATRA"),
        ("query.cond", "myeloma"),
        ("query.spons", "Xiamen"),
        ("query.locn", "China"),
        ("filter.overallStatus", "NOT_YET_RECRUITING,RECRUITING"),
        ("filter.advanced", "AREA[LastUpdatePostDate]RANGE[2026-01-01,MAX]"),
    ]
    assert "since" not in query.selection() and query.selection()["nct_ids"] == ["NCT06158412"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"nct_ids": ("NCT123",)}, "'NCT123' is not an NCT id (NCT followed by 8 digits)"),
        ({"statuses": ("OPEN",)}, "status 'OPEN' is not one of ACTIVE_NOT_RECRUITING, COMPLETED"),
        ({"condition": "  "}, "--condition is empty"),
    ],
    ids=["short-id", "unknown-status", "empty-condition"],
)
def test_a_wrong_selection_is_a_settings_error(fields: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        StudyQuery(**fields)  # type: ignore[arg-type]
