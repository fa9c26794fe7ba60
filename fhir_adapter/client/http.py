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
from urllib3.exceptions import MaxRetryError, NewConnectionError

from fhir_adapter.errors import (
    AuthError,
    FatalServerError,
    RetryableServerError,
    ServerError,
    ServerUnavailable,
)

FHIR_JSON = "application/fhir+json"
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# After every retry, these say the server (or the gateway in front of it) is down, not that this request
# was bad; 504 is left out, since a gateway timeout can be one large Bundle taking too long.
UNAVAILABLE_STATUSES = frozenset({502, 503})
# Query keys that carry credentials (access_token, api_key, X-Amz-Signature...), matched as whole words,
# so that FHIR search parameters such as `keyword` or `code` stay readable in messages.
_SECRET_QUERY_KEY = re.compile(
    r"^(?:.*[_.-])?(?:token|secret|password|passwd|pwd|api_?key|key|assertion|signature|sig|session|auth"
    r"|authorization|credentials?)$",
    re.IGNORECASE,
)


class VersionConflict(FatalServerError):
    """412 Precondition Failed: the resource changed on the server after the version sent in If-Match."""


class ConnectFailed(ServerUnavailable):
    """No connection could be opened (refused, unknown host, timeout): the request never left, so even a
    POST may be sent again."""


class AnswerCutShort(RetryableServerError):
    """The answer's body broke off (its connection closed early) or its JSON is cut short: the request may
    have been carried out, so only an idempotent one is sent again."""


class TlsFailed(FatalServerError):
    """The TLS handshake failed: the certificate is not trusted or the server does not speak TLS."""

    stops_run = True


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
    if status in UNAVAILABLE_STATUSES:
        kind = ServerUnavailable
    elif status is None or status in RETRYABLE_STATUSES:
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


def check_json_answer(
    response: requests.Response, *, method: str, url: str, nct_id: str | None = None
) -> None:
    """Raise AnswerCutShort when a successful answer says it is JSON but its body does not parse.

    A proxy or server that drops the connection after a complete header may leave a body whose length
    matches but whose JSON stops mid-way; the same request, if idempotent, is worth sending again.
    """
    if not 200 <= response.status_code < 300 or not response.content:
        return
    content_type = response.headers.get("Content-Type", "json").lower()
    if "json" not in content_type or json_body(response) is not None:
        return
    detail = f"the JSON answer is broken or cut short ({len(response.content)} bytes)"
    raise AnswerCutShort(
        method=method, url=redact_url(url), status=response.status_code, detail=detail, nct_id=nct_id
    )


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
    cert: str | tuple[str, str] | None = None,
) -> requests.Response:
    """Return the server's answer to one request, body read; a failure to get it whole is a ServerError.

    The body is read here rather than inside `requests`, so that one which breaks off is reported with the
    status the server had already sent (a 200 then means the request was most likely carried out).
    """
    response: requests.Response | None = None
    try:
        response = session.request(
            method,
            url,
            headers=dict(headers),
            data=data,
            timeout=timeout,
            verify=verify,
            cert=cert,
            allow_redirects=method in ("GET", "HEAD"),  # a redirected write would turn into a GET
            stream=True,
        )
        _ = response.content
        return response
    except requests.exceptions.RequestException as exc:
        kind, detail = _failure(exc, timeout)
        status = response.status_code if response is not None else None
        if response is not None:
            response.close()
        raise kind(method=method, url=redact_url(url), status=status, detail=detail, nct_id=nct_id) from exc


def _failure(
    exc: requests.exceptions.RequestException, timeout: tuple[float, float]
) -> tuple[type[ServerError], str]:
    """Return the error class and words for a request that got no (whole) answer."""
    if isinstance(exc, requests.exceptions.SSLError):
        return TlsFailed, tls_words(str(exc))
    if isinstance(exc, requests.exceptions.ConnectionError) and _never_connected(exc):
        return ConnectFailed, "could not connect (connection refused or host not found)"
    for caught, kind, words in _FAILURES:
        if isinstance(exc, caught):
            name = type(exc).__name__
            return kind, words.format(connect=timeout[0], read=timeout[1], name=name)
    return FatalServerError, f"request failed ({type(exc).__name__})"


# `requests` exceptions, subclasses before their bases: (caught, our error, words).
_FAILURES: tuple[tuple[type[requests.exceptions.RequestException], type[ServerError], str], ...] = (
    (requests.exceptions.ConnectTimeout, ConnectFailed, "could not connect within {connect} s"),
    (requests.exceptions.Timeout, RetryableServerError, "no answer within {read} s"),
    (requests.exceptions.ChunkedEncodingError, AnswerCutShort, "the answer broke off ({name})"),
    (requests.exceptions.ContentDecodingError, AnswerCutShort, "the answer could not be decoded ({name})"),
    (requests.exceptions.ConnectionError, RetryableServerError, "connection failed ({name})"),
)


# OpenSSL's reason codes (they carry no secret) -> what the operator should look at.
_TLS_HINTS = (
    ("CERTIFICATE_VERIFY_FAILED", "the server's certificate is not trusted: see --ca-bundle"),
    ("WRONG_VERSION_NUMBER", "the server does not speak TLS here: is the URL http://?"),
    ("CERTIFICATE_REQUIRED", "the server requires a client certificate: see --client-cert and --client-key"),
    ("UNKNOWN_CA", "the server does not trust our client certificate (--client-cert)"),
    ("BAD_CERTIFICATE", "the server refused our client certificate (--client-cert)"),
    ("HANDSHAKE_FAILURE", "no common ground (a client certificate may be required: --client-cert)"),
    (
        "UNEXPECTED_EOF",
        "the server hung up mid-handshake, as a gateway requiring a client certificate does when it gets "
        "none or does not trust ours: see --client-cert and --client-key",
    ),
)
_OPENSSL_REASON = re.compile(r"\[SSL: ([A-Z0-9_]{1,80})\]")


def tls_words(text: str) -> str:
    """Return why a TLS handshake failed, from the OpenSSL reason in `text`, with what to check.

    >>> tls_words("[SSL: WRONG_VERSION_NUMBER] wrong version number")
    'TLS handshake failed (WRONG_VERSION_NUMBER: the server does not speak TLS here: is the URL http://?)'
    """
    found = _OPENSSL_REASON.search(text)
    reason = found.group(1) if found else None
    if reason is None and "EOF occurred in violation of protocol" in text:
        reason = "UNEXPECTED_EOF"  # Python's words for it before OpenSSL 3 named it
    hint = next((words for code, words in _TLS_HINTS if reason and code in reason), None)
    if reason is None:
        return "TLS handshake failed (is the certificate trusted? see --ca-bundle; --client-cert if needed)"
    return f"TLS handshake failed ({reason}: {hint})" if hint else f"TLS handshake failed ({reason})"


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """Return whether no connection was opened at all (refused, unknown host), so nothing was sent."""
    cause = exc.args[0] if exc.args else None
    reason = cause.reason if isinstance(cause, MaxRetryError) else cause
    return isinstance(reason, NewConnectionError)


def json_body(response: requests.Response) -> Any:
    """Return the parsed JSON body of `response`, or None when it is empty or not JSON.

    Parsed once per answer and kept with it: an answer is checked, then read, and a batch of a few hundred
    resources is megabytes of JSON.
    """
    if _PARSED in response.__dict__:
        return response.__dict__[_PARSED]
    body = None
    if response.content:
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
    response.__dict__[_PARSED] = body
    return body


_PARSED = "_fhir_adapter_json"


def _status_words(response: requests.Response) -> str:
    words = response.reason or "no reason given"
    if 300 <= response.status_code < 400 and response.headers.get("Location"):
        words = f"{words}, redirect to {redact_url(response.headers['Location'])}"
    return f"{words} (no OperationOutcome)"
