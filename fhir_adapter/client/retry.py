"""The one retry function: transient failures of idempotent requests, with backoff, jitter and Retry-After.

Retried: 408, 429, 500, 502, 503, 504, connection failures, timeouts and answers cut short (a body that
broke off, or broken JSON in a 2xx), for requests that are idempotent by construction (the caller says so).
A connection that was never opened is retried for any request, since nothing reached the server. Backoff is
exponential with full jitter (a random wait between 0 and base * 2**(try - 1), at most max_delay); a
Retry-After header (seconds or an HTTP date, RFC 9110 10.2.3) replaces it up to a cap, and one longer than
the cap ends the retries at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests

from fhir_adapter.client.http import RETRYABLE_STATUSES, ConnectFailed
from fhir_adapter.errors import RetryableServerError
from fhir_adapter.settings import RetrySettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pacing:
    """How the client waits, tells the time (seconds since the epoch) and draws jitter; tests replace them."""

    sleep: Callable[[float], None] = field(default=time.sleep)
    clock: Callable[[], float] = field(default=time.time)
    jitter: Callable[[], float] = field(default=random.random)


def backoff_delay(attempt: int, policy: RetrySettings, jitter: float) -> float:
    """Return the wait after failed try number `attempt` (1-based): full jitter over an exponential cap.

    >>> backoff_delay(3, RetrySettings(base_delay=0.5, max_delay=30.0), 0.5)
    1.0
    >>> backoff_delay(20, RetrySettings(base_delay=0.5, max_delay=30.0), 1.0)
    30.0
    """
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** min(attempt - 1, 32))
    return float(ceiling * jitter)


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Return the seconds a Retry-After header asks for (never negative), or None when absent or unreadable.

    >>> retry_after_seconds("7", 0.0)
    7.0
    >>> retry_after_seconds("Thu, 01 Jan 1970 00:01:40 GMT", 40.0)
    60.0
    >>> retry_after_seconds("soon", 0.0) is None
    True
    """
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT; parsedate_to_datetime leaves "-0000" naive
        return None
    return max(0.0, when.timestamp() - now)


def send_with_retries(
    send: Callable[[], requests.Response],
    *,
    policy: RetrySettings,
    pacing: Pacing,
    idempotent: bool,
    label: str,
) -> requests.Response:
    """Return the last answer of up to `policy.max_attempts` tries of `send`; errors from the last try rise.

    An answer with a retryable status comes back as it is once the budget is spent, a non-idempotent
    request was sent or the server asks for a longer wait than the cap: the caller turns it into a
    RetryableServerError with the server's words. `label` ("NCT...: client: GET url") leads log lines.
    """
    for attempt in range(1, policy.max_attempts + 1):
        last = attempt == policy.max_attempts
        try:
            response = send()
        except RetryableServerError as exc:
            if last or not (idempotent or isinstance(exc, ConnectFailed)):
                raise
            backoff = backoff_delay(attempt, policy, pacing.jitter())
            _wait(backoff, attempt, policy=policy, pacing=pacing, label=label, why=exc.detail)
            continue
        if response.status_code not in RETRYABLE_STATUSES or not idempotent or last:
            return response
        delay = _delay_for(response, attempt, policy, pacing, label)
        if delay is None:
            return response
        response.close()
        _wait(delay, attempt, policy=policy, pacing=pacing, label=label, why=str(response.status_code))
    raise AssertionError("unreachable: the last try returns or raises")  # pragma: no cover


def _delay_for(
    response: requests.Response, attempt: int, policy: RetrySettings, pacing: Pacing, label: str
) -> float | None:
    """Return how long to wait before the next try, or None when the server asks for too long."""
    asked = retry_after_seconds(response.headers.get("Retry-After"), pacing.clock())
    if asked is None:
        return backoff_delay(attempt, policy, pacing.jitter())
    if asked > policy.retry_after_cap:
        logger.info(
            "%s -> %s: Retry-After %.0f s exceeds the cap of %.0f s; not retrying",
            without_query(label),
            response.status_code,
            asked,
            policy.retry_after_cap,
        )
        return None
    return asked


def _wait(delay: float, attempt: int, *, policy: RetrySettings, pacing: Pacing, label: str, why: str) -> None:
    logger.info(
        "%s -> %s; try %d of %d in %.2f s", without_query(label), why, attempt + 1, policy.max_attempts, delay
    )
    logger.debug("retrying %s", label)
    pacing.sleep(delay)


def without_query(label: str) -> str:
    """Return a request label without its query, which can name a patient (`Observation?subject=...`).

    INFO lines carry this form; the whole label is logged at DEBUG only.

    >>> without_query("client: GET https://x.org/fhir/Observation?subject=Patient/p1")
    'client: GET https://x.org/fhir/Observation?...'
    >>> without_query("NCT00000001: client: POST https://x.org/fhir")
    'NCT00000001: client: POST https://x.org/fhir'
    """
    head, sep, _ = label.partition("?")
    return f"{head}?..." if sep else head
