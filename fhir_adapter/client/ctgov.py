"""ClinicalTrials.gov API v2: studies page by page, or one by one, within the API's rate limit.

Through the project's own transport (client/transport.py): the run's timeouts, TLS choice, proxy settings
from the environment, and the one retry function, which honours 429 and 503 with Retry-After.

What the API's reference says (https://clinicaltrials.gov/data-api/api, from its OpenAPI 3.0 spec, read
2026-12):
- `GET /studies` answers `{"studies": [...], "nextPageToken": "...", "totalCount": n}`. "If response contains
  nextPageToken, use its value in pageToken to get next page. The last page will not contain nextPageToken. A
  page may have empty studies array. Request for each subsequent page must have the same parameters as for the
  first page, except countTotal, pageSize, and pageToken parameters."
- `pageSize` defaults to 10 and "will be coerced down to 1,000, if greater"; `countTotal=true` returns
  `totalCount` "with first page" only; `fields` limits each study to the pieces named (`NCTId` alone lists
  ids).
- `GET /studies/{nctId}` answers one study; an id found only in NCTIdAlias answers "301 HTTP redirect to the
  actual study"; an unknown id answers 404.
- Rate: the reference publishes no figure and the API sends no rate-limit headers; about 50 requests per
  minute per client is the figure commonly given, and a gateway says 429 (with Retry-After) beyond it. We
  space requests to 50 a minute by default and retry a 429 after the wait it asks for.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlencode

import requests

from fhir_adapter.client.ctgov_query import StudyQuery, ids_param, normalize_nct_id
from fhir_adapter.client.http import error_for_status, read_json
from fhir_adapter.client.retry import Pacing
from fhir_adapter.client.transport import Transport
from fhir_adapter.errors import FatalServerError
from fhir_adapter.settings import Settings

logger = logging.getLogger(__name__)

Json = dict[str, Any]
CTGOV_API = "https://clinicaltrials.gov/api/v2"
DEFAULT_PAGE_SIZE = 1000  # the API's largest page: the fewest requests under its rate limit
DEFAULT_REQUESTS_PER_MINUTE = 50.0
IDS_PER_REQUEST = 200  # NCT ids in one filter.ids list: 12 characters each, a URL of about 2.6 KB
MAX_PAGES = 10_000  # 560,000 studies are 560 pages of 1,000; far more means the paging went round in circles
_JSON = "application/json"


@dataclass(frozen=True)
class StudyPage:
    """One page of `/studies`: its studies, the total (first page, when asked for) and the next token."""

    studies: tuple[Json, ...]
    total: int | None
    next_token: str | None


def study_nct_id(study: Json) -> str | None:
    """Return a study's NCT id (`protocolSection.identificationModule.nctId`), or None when it has none.

    >>> study_nct_id({"protocolSection": {"identificationModule": {"nctId": "NCT06158412"}}})
    'NCT06158412'
    """
    section = study.get("protocolSection")
    module = section.get("identificationModule") if isinstance(section, dict) else None
    nct_id = module.get("nctId") if isinstance(module, dict) else None
    return nct_id if isinstance(nct_id, str) else None


def study_aliases(study: Json) -> tuple[str, ...]:
    """Return the older NCT ids a study is also known by (`identificationModule.nctIdAliases`)."""
    module = (study.get("protocolSection") or {}).get("identificationModule") or {}
    aliases = module.get("nctIdAliases") if isinstance(module, dict) else None
    return tuple(a for a in aliases or () if isinstance(a, str))


class RequestPacer:
    """Spaces request starts evenly, `60 / per_minute` seconds apart (the first one goes at once)."""

    def __init__(
        self, per_minute: float, *, sleep: Callable[[float], None], clock: Callable[[], float]
    ) -> None:
        if per_minute <= 0:
            raise ValueError(f"requests per minute must be positive, not {per_minute}")
        self.interval = 60.0 / per_minute
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None

    def wait(self) -> None:
        """Sleep until the next request may start."""
        now = self._clock()
        if self._last is not None:
            # min(): a clock set back must not make us wait longer than one interval.
            delay = min(self.interval, self._last + self.interval - now)
            if delay > 0:
                self._sleep(delay)
                now += delay
        self._last = now


class CtgovClient:
    """Reads studies from a ClinicalTrials.gov API v2 base URL (`settings.base_url`, e.g. CTGOV_API)."""

    def __init__(
        self,
        settings: Settings,
        *,
        requests_per_minute: float = DEFAULT_REQUESTS_PER_MINUTE,
        page_size: int = DEFAULT_PAGE_SIZE,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if not 1 <= page_size <= DEFAULT_PAGE_SIZE:
            raise ValueError(f"page size must be 1 to {DEFAULT_PAGE_SIZE}, not {page_size}")
        self.settings = settings
        self.page_size = page_size
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        self._transport = Transport(settings, self._session, Pacing(sleep=sleep, clock=clock, jitter=jitter))
        self._pacer = RequestPacer(requests_per_minute, sleep=sleep, clock=clock)

    def __enter__(self) -> CtgovClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the session if this client made it."""
        if self._owns_session:
            self._session.close()

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    @property
    def requests_sent(self) -> int:
        """Return how many requests went to the API (each retry counts)."""
        return self._transport.requests_sent

    def pages(
        self,
        query: StudyQuery,
        *,
        nct_ids: Sequence[str] = (),
        fields: Sequence[str] = (),
        count_total: bool = True,
    ) -> Iterator[StudyPage]:
        """Yield every page of `/studies` for `query` (limited to `nct_ids` when given, as `filter.ids`).

        `fields` limits what each study carries (`["NCTId"]` lists ids). Raises a ServerError when a page
        cannot be had after the retries, or when the paging does not end.
        """
        params = query.api_params()
        if nct_ids:
            params.append(ids_param(nct_ids))
        if fields:
            params.append(("fields", ",".join(fields)))
        token: str | None = None
        for number in range(MAX_PAGES):
            sent = [*params, ("pageSize", str(self.page_size))]
            if token is None and count_total:
                sent.append(("countTotal", "true"))
            if token is not None:
                sent.append(("pageToken", token))
            page = self._page(f"{self.base_url}/studies?{urlencode(sent)}")
            logger.info("ctgov: page %d: %d studies", number + 1, len(page.studies))
            yield page
            if page.next_token is None:
                return
            token = page.next_token
        url = f"{self.base_url}/studies?{urlencode(params)}"
        raise FatalServerError(
            method="GET", url=url, status=200, detail=f"more than {MAX_PAGES} pages: the paging does not end"
        )

    def study(self, nct_id: str) -> Json | None:
        """Return one study by NCT id (an alias leads to the study it belongs to now), or None if unknown."""
        url = f"{self.base_url}/studies/{quote(normalize_nct_id(nct_id))}"
        response = self._get(url)
        if response.status_code == 404:
            return None
        return read_json(self._checked(response, url), method="GET", url=url)

    def _page(self, url: str) -> StudyPage:
        body = read_json(self._checked(self._get(url), url), method="GET", url=url)
        studies = body.get("studies")
        if not isinstance(studies, list) or not all(isinstance(s, dict) for s in studies):
            raise FatalServerError(
                method="GET", url=url, status=200, detail="the answer has no list of studies"
            )
        total = body.get("totalCount")
        token = body.get("nextPageToken")
        return StudyPage(
            tuple(studies),
            total if isinstance(total, int) else None,
            token if isinstance(token, str) and token else None,
        )

    def _get(self, url: str) -> requests.Response:
        self._pacer.wait()
        return self._transport.request("GET", url, idempotent=True, auth=None, headers={"Accept": _JSON})

    @staticmethod
    def _checked(response: requests.Response, url: str) -> requests.Response:
        if response.ok and response.status_code < 300:
            return response
        raise error_for_status(response.status_code, method="GET", url=url, detail=_api_words(response))


def _api_words(response: requests.Response) -> str:
    """Return what the API said about an error: its short plain-text message, else the status words.

    The API answers a bad parameter with 400 and a one-line text; that line is the only useful detail, so
    up to 200 characters of it are kept (never a whole body).
    """
    words = response.reason or "no reason given"
    content_type = response.headers.get("Content-Type", "")
    if response.content and ("text/plain" in content_type or "json" in content_type):
        text = " ".join(response.content[:400].decode("utf-8", "replace").split())[:200]
        if text:
            words = f"{words}: {text}"
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        words = f"{words} (Retry-After: {retry_after[:40]})"
    return words
