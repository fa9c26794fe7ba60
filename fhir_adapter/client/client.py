"""`FhirClient`: one FHIR R4 server over REST, for one run (capabilities, Bundles, search, read, update)."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from fhir_adapter.client.auth import build_auth
from fhir_adapter.client.bundles import (
    BundleResult,
    Json,
    SendMode,
    Written,
    child,
    entries,
    is_idempotent_entry,
    rejected_transaction,
    response_entry,
    written,
)
from fhir_adapter.client.capabilities import Capabilities, parse_capabilities
from fhir_adapter.client.fallback import send_in_waves
from fhir_adapter.client.http import FHIR_JSON, check_response, json_body, read_json, redact_url
from fhir_adapter.client.retry import Pacing
from fhir_adapter.client.transport import Transport
from fhir_adapter.errors import FatalServerError, counted
from fhir_adapter.settings import Settings

logger = logging.getLogger(__name__)

SearchParams = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]]
NO_OPERATION = frozenset({404, 405, 501})  # the server has no such operation (for this type)
_ENTRY_HEADERS = {"ifMatch": "If-Match", "ifNoneExist": "If-None-Exist", "ifNoneMatch": "If-None-Match"}


class FhirClient:
    """Talks to the FHIR server of `settings`: every request has a timeout, TLS checks and the run's auth.

    Pass `session` to share a connection pool (it is then not closed here); `capabilities` to skip (or
    override) `GET /metadata`; `sleep`, `clock` and `jitter` to replace waiting, time and randomness in tests.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        capabilities: Capabilities | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        self._transport = Transport(settings, self._session, Pacing(sleep=sleep, clock=clock, jitter=jitter))
        self._auth = build_auth(settings, self._transport, clock=clock)
        self._capabilities = capabilities
        if not settings.verify_tls:
            logger.warning("client: TLS verification is off for %s", settings.base_url)

    def __repr__(self) -> str:
        return f"FhirClient({self.settings.base_url!r}, auth={self._auth.kind!r})"

    def __enter__(self) -> FhirClient:
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
        """Return how many HTTP requests this client sent so far (each retry counts)."""
        return self._transport.requests_sent

    def capabilities(self) -> Capabilities:
        """Return what the server declares in its CapabilityStatement (read once, then cached)."""
        if self._capabilities is None:
            statement = self._get_json(f"{self.base_url}/metadata", nct_id=None)
            if statement.get("resourceType") != "CapabilityStatement":
                raise _unexpected("GET", f"{self.base_url}/metadata", "CapabilityStatement", statement, None)
            self._capabilities = parse_capabilities(statement)
            logger.debug("client: %s declares FHIR %s", self.base_url, self._capabilities.fhir_version)
        return self._capabilities

    def send_bundle(self, bundle: Mapping[str, Any], *, nct_id: str) -> BundleResult:
        """Return the server's answer to one trial's transaction Bundle, with the entries that failed.

        Without transaction support the entries go as batches, or, without batch either, as single
        requests (see fallback.py); those can fail entry by entry, and `BundleResult.failures` says which.
        A refused transaction raises BundleRejected (FatalServerError) naming the entry it blames.
        """
        if bundle.get("type") not in ("transaction", "batch"):
            raise ValueError(
                f"{nct_id}: send_bundle takes a transaction or batch Bundle, not {bundle.get('type')!r}"
            )
        capabilities = self.capabilities()
        if bundle.get("type") == "transaction" and capabilities.transaction:
            return self._send_transaction(bundle, nct_id=nct_id)

        def send_entry(entry: Json) -> Json:
            return self._send_entry(entry, nct_id=nct_id)

        def send_batch(batch: list[Json]) -> list[Json]:
            return self._send_batch(batch, nct_id=nct_id)

        mode: SendMode = "batch" if capabilities.batch else "single"
        count = len(entries(bundle))
        logger.info(
            "%s: client: no transaction support; writing %d entries as %s requests", nct_id, count, mode
        )
        response, failures = send_in_waves(
            bundle,
            nct_id=nct_id,
            base_url=self.base_url,
            send_batch=send_batch if capabilities.batch else None,
            send_entry=send_entry,
        )
        return BundleResult(nct_id, mode, response, tuple(failures))

    def batch(self, requests_: list[Json], *, nct_id: str | None = None) -> list[Json]:
        """Return the response entries of one batch Bundle of `requests_` (entries with `request`), in order.

        Needs batch support (see `capabilities()`); entries succeed or fail one by one, each with its status.
        """
        return self._send_batch(requests_, nct_id=nct_id or "client")

    def search(self, resource_type: str, params: SearchParams, *, nct_id: str | None = None) -> list[Json]:
        """Return every resource a search finds, following `next` links up to the settings' page limit."""
        query = urlencode(params, doseq=True)
        first = f"{self.base_url}/{resource_type}" + (f"?{query}" if query else "")
        url: str | None = first
        found: list[Json] = []
        for _page in range(self.settings.search_page_limit):
            assert url is not None
            page = self._get_json(url, nct_id=nct_id)
            if page.get("resourceType") != "Bundle":
                raise _unexpected("GET", url, "Bundle", page, nct_id)
            for entry in entries(page):
                mode = child(entry, "search").get("mode", "match")
                if mode != "outcome" and isinstance(entry.get("resource"), dict):
                    found.append(entry["resource"])
            url = self._next_link(page, url, nct_id=nct_id)
            if url is None:
                return found
        detail = f"more than {self.settings.search_page_limit} pages of results; narrow the search"
        raise FatalServerError(method="GET", url=redact_url(first), status=None, detail=detail, nct_id=nct_id)

    def read(self, reference: str, *, nct_id: str | None = None) -> Json:
        """Return the resource at `reference` (`Type/id`, or a URL on this server)."""
        return self._get_json(self._url(reference), nct_id=nct_id)

    def update(
        self, url: str, resource: Mapping[str, Any], *, if_match: str | None = None, nct_id: str | None = None
    ) -> Written:
        """Return what the server did with `PUT url` (`Type/id` or `Type?search`); a stale `if_match`
        version raises VersionConflict (a FatalServerError, status 412)."""
        headers = {"Content-Type": FHIR_JSON, "Prefer": "return=representation"}
        if if_match is not None:
            headers["If-Match"] = if_match if if_match.startswith(("W/", '"')) else f'W/"{if_match}"'
        target = self._url(url)
        response = self._request("PUT", target, nct_id=nct_id, headers=headers, data=_json_bytes(resource))
        self._check(response, "PUT", target, nct_id=nct_id)
        return written(response)

    def delete(self, url: str, *, nct_id: str | None = None) -> None:
        """Delete the resource at `url` (`Type/id` or a conditional `Type?search`); gone already is fine."""
        target = self._url(url)
        response = self._request("DELETE", target, nct_id=nct_id)
        if response.status_code not in (404, 410):
            self._check(response, "DELETE", target, nct_id=nct_id)

    def validate(self, resource: Mapping[str, Any]) -> tuple[int, Json | None]:
        """Return the status and OperationOutcome of `POST [type]/$validate` for `resource`.

        The operation writes nothing, so it is retried like a read. An answer without an OperationOutcome
        gives None with 404, 405 and 501 (no $validate here) and raises its ServerError otherwise.
        """
        url = f"{self.base_url}/{resource.get('resourceType', 'Resource')}/$validate"
        headers = {"Content-Type": FHIR_JSON}
        data = _json_bytes(resource)
        response = self._request("POST", url, nct_id=None, headers=headers, data=data, idempotent=True)
        body = json_body(response)
        outcome = body if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome" else None
        if response.status_code == 401 or (outcome is None and response.status_code not in NO_OPERATION):
            self._check(response, "POST", url, nct_id=None)
        return response.status_code, outcome

    # -- requests ------------------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        *,
        nct_id: str | None,
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "DELETE")
        return self._transport.request(
            method, url, idempotent=idempotent, auth=self._auth, nct_id=nct_id, headers=headers, data=data
        )

    def _check(self, response: requests.Response, method: str, url: str, *, nct_id: str | None) -> None:
        check_response(response, method=method, url=url, auth_kind=self._auth.kind, nct_id=nct_id)

    def _get_json(self, url: str, *, nct_id: str | None) -> Json:
        response = self._request("GET", url, nct_id=nct_id)
        self._check(response, "GET", url, nct_id=nct_id)
        return read_json(response, method="GET", url=url, nct_id=nct_id)

    def _post_bundle(self, bundle: Mapping[str, Any], *, nct_id: str) -> requests.Response:
        idempotent = all(is_idempotent_entry(entry) for entry in entries(bundle))
        headers = {"Content-Type": FHIR_JSON}
        return self._request(
            "POST",
            self.base_url,
            nct_id=nct_id,
            headers=headers,
            data=_json_bytes(bundle),
            idempotent=idempotent,
        )

    def _send_transaction(self, bundle: Mapping[str, Any], *, nct_id: str) -> BundleResult:
        response = self._post_bundle(bundle, nct_id=nct_id)
        if response.status_code == 401:
            self._check(response, "POST", self.base_url, nct_id=nct_id)
        if not 200 <= response.status_code < 300:
            raise rejected_transaction(response, bundle, nct_id=nct_id, base_url=self.base_url)
        answer = read_json(response, method="POST", url=self.base_url, nct_id=nct_id)
        if answer.get("type") != "transaction-response":
            raise _unexpected("POST", self.base_url, "transaction-response Bundle", answer, nct_id)
        logger.info(
            "%s: client: transaction of %s written", nct_id, counted(len(entries(bundle)), "entry", "entries")
        )
        return BundleResult(nct_id, "transaction", answer)

    def _send_batch(self, batch: list[Json], *, nct_id: str) -> list[Json]:
        bundle = {"resourceType": "Bundle", "type": "batch", "entry": batch}
        response = self._post_bundle(bundle, nct_id=nct_id)
        self._check(response, "POST", self.base_url, nct_id=nct_id)
        answer = read_json(response, method="POST", url=self.base_url, nct_id=nct_id)
        if answer.get("type") != "batch-response":
            raise _unexpected("POST", self.base_url, "batch-response Bundle", answer, nct_id)
        return entries(answer)

    def _send_entry(self, entry: Json, *, nct_id: str) -> Json:
        """Return a response entry for one Bundle entry sent as a plain request; only a 401 raises."""
        request = entry.get("request") or {}
        method = str(request.get("method", "")).upper()
        headers = {name: str(request[key]) for key, name in _ENTRY_HEADERS.items() if request.get(key)}
        data = None
        if isinstance(entry.get("resource"), dict) and method in ("POST", "PUT", "PATCH"):
            headers.update({"Content-Type": FHIR_JSON, "Prefer": "return=representation"})
            data = _json_bytes(entry["resource"])
        url = self._url(str(request.get("url", "")))
        response = self._request(
            method, url, nct_id=nct_id, headers=headers, data=data, idempotent=is_idempotent_entry(entry)
        )
        if response.status_code == 401:
            self._check(response, method, url, nct_id=nct_id)
        return response_entry(response)

    def _url(self, reference: str) -> str:
        """Return the absolute URL of `reference` on this server; a URL elsewhere would receive our token."""
        if not urlsplit(reference).scheme:  # "Type?identifier=https://..." is relative despite its "://"
            return f"{self.base_url}/{reference.lstrip('/')}"
        if reference == self.base_url or reference.startswith((f"{self.base_url}/", f"{self.base_url}?")):
            return reference
        raise ValueError(f"{reference.split('?', maxsplit=1)[0]} is not on the server {self.base_url}")

    def _next_link(self, page: Mapping[str, Any], current: str, *, nct_id: str | None) -> str | None:
        links = [link for link in page.get("link") or [] if isinstance(link, dict)]
        url = next((str(link.get("url")) for link in links if link.get("relation") == "next"), None)
        if url is None:
            return None
        try:
            return self._url(url)
        except ValueError:
            detail = "the next-page link points away from the server; not following it with our credentials"
            raise FatalServerError(
                method="GET", url=current, status=None, detail=detail, nct_id=nct_id
            ) from None


def _json_bytes(resource: Mapping[str, Any]) -> bytes:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _unexpected(
    method: str, url: str, wanted: str, body: Mapping[str, Any], nct_id: str | None
) -> FatalServerError:
    got = str(body.get("type") or body.get("resourceType") or "something else")[:40]
    detail = f"expected a {wanted}, got {got}"
    return FatalServerError(method=method, url=redact_url(url), status=200, detail=detail, nct_id=nct_id)
