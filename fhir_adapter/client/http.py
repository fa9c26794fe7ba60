"""The seam between `requests` and fhir-adapter: its exceptions and error answers become our errors here.

Nothing else in the package catches a `requests` exception. Messages are built from what we know (method,
URL without query secrets, status, the first OperationOutcome issue), never from a raw body or from the
text of a `requests` exception, which may quote a URL or header we do not control.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from fhir_adapter.errors import AuthError, FatalServerError, RetryableServerError, ServerError

FHIR_JSON = "application/fhir+json"
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Query keys that carry credentials (access_token, api_key, X-Amz-Signature...), matched as whole words,
# so that FHIR search parameters such as `keyword` or `code` stay readable in messages.
_SECRET_QUERY_KEY = re.compile(
    r"^(?:.*[_.-])?(?:token|secret|password|passwd|pwd|api_?key|key|assertion|signature|sig|session|auth"
    r"|authorization|credentials?)$",
    re.IGNORECASE,
)


class VersionConflict(FatalServerError):
    """412 Precondition Failed: the resource changed on the server after the version sent in If-Match."""


class ConnectFailed(RetryableServerError):
    """No connection could be opened in time: the request never left, so even a POST may be sent again."""


class CredentialsRefused(AuthError):
    """The FHIR server answered 401 to our credentials (after one renewal, where the auth can renew)."""

    def __init__(
        self, *, method: str, url: str, auth_kind: str, detail: str, nct_id: str | None = None
    ) -> None:
        self.method = method
        self.url = url
        self.status = 401
        self.auth_kind = auth_kind
        self.detail = detail
        self.nct_id = nct_id
        prefix = f"{nct_id}: " if nct_id else ""
        super().__init__(f"{prefix}{method} {url} -> 401 with auth {auth_kind}: {detail}")


def redact_url(url: str) -> str:
    """Return `url` without user info and with the values of secret-looking query parameters hidden.

    >>> redact_url("https://u:p@x.org/fhir/Patient?name=a&access_token=abc")
    'https://x.org/fhir/Patient?name=a&access_token=***'
    >>> redact_url("ResearchStudy?identifier=https://clinicaltrials.gov|NCT00000001")
    'ResearchStudy?identifier=https://clinicaltrials.gov|NCT00000001'
    """
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if not parts.query:
        return urlunsplit(parts._replace(netloc=netloc))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(_SECRET_QUERY_KEY.match(key) for key, _ in pairs) and netloc == parts.netloc:
        return url  # keep the query exactly as sent, unescaped, so messages match what the caller wrote
    query = urlencode(
        [(key, "***" if _SECRET_QUERY_KEY.match(key) else value) for key, value in pairs], safe="|:/*"
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def outcome_text(body: Any) -> str | None:
    """Return the first issue of an OperationOutcome: its details.text, else its diagnostics, else None.

    >>> outcome_text({"resourceType": "OperationOutcome", "issue": [{"diagnostics": "bad", "details": {}}]})
    'bad'
    >>> outcome_text({"resourceType": "Patient"}) is None
    True
    """
    if not isinstance(body, Mapping) or body.get("resourceType") != "OperationOutcome":
        return None
    for issue in body.get("issue") or []:
        if not isinstance(issue, Mapping):
            continue
        details = issue.get("details")
        text = details.get("text") if isinstance(details, Mapping) else None
        words = text or issue.get("diagnostics")
        if isinstance(words, str) and words.strip():
            return " ".join(words.split())
    return None


def error_for_status(
    status: int | None, *, method: str, url: str, detail: str, nct_id: str | None = None
) -> ServerError:
    """Return the ServerError class that fits `status`: retryable, a version conflict, or fatal."""
    kind: type[ServerError] = FatalServerError
    if status is None or status in RETRYABLE_STATUSES:
        kind = RetryableServerError
    elif status == 412:
        kind = VersionConflict
    return kind(method=method, url=redact_url(url), status=status, detail=detail, nct_id=nct_id)


def error_from_response(
    response: requests.Response,
    *,
    method: str,
    url: str,
    nct_id: str | None = None,
    subject: str | None = None,
) -> ServerError:
    """Return the ServerError for an error answer; `subject` (the resource it was about) leads the detail."""
    detail = outcome_text(json_body(response)) or _status_words(response)
    retry_after = response.headers.get("Retry-After")
    if retry_after and response.status_code in RETRYABLE_STATUSES:
        detail = f"{detail} (Retry-After: {retry_after[:40]})"
    if subject:
        detail = f"{subject}: {detail}"
    return error_for_status(response.status_code, method=method, url=url, detail=detail, nct_id=nct_id)


def check_response(
    response: requests.Response,
    *,
    method: str,
    url: str,
    auth_kind: str,
    nct_id: str | None = None,
    subject: str | None = None,
) -> requests.Response:
    """Return `response` when it succeeded (2xx); raise CredentialsRefused on 401, a ServerError otherwise."""
    if response.ok and response.status_code < 300:
        return response
    if response.status_code == 401:
        detail = outcome_text(json_body(response)) or _status_words(response)
        raise CredentialsRefused(
            method=method, url=redact_url(url), auth_kind=auth_kind, detail=detail, nct_id=nct_id
        )
    raise error_from_response(response, method=method, url=url, nct_id=nct_id, subject=subject)


def read_json(
    response: requests.Response, *, method: str, url: str, nct_id: str | None = None
) -> dict[str, Any]:
    """Return the JSON object in a successful answer; a body that is not one is a FatalServerError."""
    body = json_body(response)
    if not isinstance(body, dict):
        content_type = response.headers.get("Content-Type", "no Content-Type")
        detail = f"the answer is not a JSON object ({content_type}, {len(response.content)} bytes)"
        raise error_for_status(response.status_code, method=method, url=url, detail=detail, nct_id=nct_id)
    return body


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: tuple[float, float],
    verify: bool | str,
    headers: Mapping[str, str],
    data: bytes | Mapping[str, str] | None = None,
    nct_id: str | None = None,
) -> requests.Response:
    """Return the server's answer to one request; a failure to get one becomes a ServerError."""
    try:
        return session.request(
            method,
            url,
            headers=dict(headers),
            data=data,
            timeout=timeout,
            verify=verify,
            allow_redirects=method in ("GET", "HEAD"),  # a redirected write would turn into a GET
        )
    except requests.exceptions.RequestException as exc:
        kind, detail = _failure(exc, timeout)
        raise kind(method=method, url=redact_url(url), status=None, detail=detail, nct_id=nct_id) from exc


def _failure(
    exc: requests.exceptions.RequestException, timeout: tuple[float, float]
) -> tuple[type[ServerError], str]:
    """Return the error class and words for a request that got no answer (subclasses first)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ConnectFailed, f"could not connect within {timeout[0]} s"
    if isinstance(exc, requests.exceptions.SSLError):
        return (
            FatalServerError,
            "TLS handshake failed (is the certificate trusted? see the CA bundle setting)",
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return RetryableServerError, f"no answer within {timeout[1]} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return RetryableServerError, f"connection failed ({type(exc).__name__})"
    return FatalServerError, f"request failed ({type(exc).__name__})"


def json_body(response: requests.Response) -> Any:
    """Return the parsed JSON body of `response`, or None when it is empty or not JSON."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _status_words(response: requests.Response) -> str:
    words = response.reason or "no reason given"
    if 300 <= response.status_code < 400 and response.headers.get("Location"):
        words = f"{words}, redirect to {redact_url(response.headers['Location'])}"
    return f"{words} (no OperationOutcome)"
