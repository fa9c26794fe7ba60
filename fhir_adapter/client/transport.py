"""One `requests.Session` with the run's timeout, TLS choice, headers, retries and auth on every request.

A successful answer whose body broke off or whose JSON does not parse is a failed try like a 503: an
idempotent request is sent again within the same retry budget (the server may well have done the work;
sending an idempotent request twice does no harm).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

import requests

from fhir_adapter.client.http import FHIR_JSON, check_json_answer, redact_url, send
from fhir_adapter.client.retry import Pacing, send_with_retries
from fhir_adapter.settings import Settings

logger = logging.getLogger(__name__)

# A body, or a function giving the body for each try (a SMART client assertion must not be sent twice).
Payload = bytes | Mapping[str, str] | Callable[[], Mapping[str, str]] | None


class RequestAuth(Protocol):
    """What the transport needs from an auth: headers for the next try, and a chance to renew after a 401."""

    @property
    def kind(self) -> str:
        """The kind of auth (`bearer`, `smart`...): the only thing about it that may be logged."""
        ...

    def headers(self) -> dict[str, str]:
        """Return the Authorization header(s) for the next request, fetching a token when needed."""
        ...

    def renew(self) -> bool:
        """Drop any cached token; return True when a new one may be fetched (so one resend may help)."""
        ...


class Transport:
    """Sends requests with the settings' timeout, TLS choice and User-Agent, retrying transient errors."""

    def __init__(self, settings: Settings, session: requests.Session, pacing: Pacing) -> None:
        self.settings = settings
        self.session = session
        self.pacing = pacing
        self._tries_sent = 0
        self._count_lock = threading.Lock()  # pushes send from several threads

    @property
    def requests_sent(self) -> int:
        """Return how many HTTP requests went out (each try counts), for throughput reports."""
        return self._tries_sent

    def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        auth: RequestAuth | None,
        nct_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        data: Payload = None,
    ) -> requests.Response:
        """Return the final answer to `method url` after retries and, on a 401, one renewal of the auth.

        Error statuses come back as answers (the caller names the subject in the error); a request that
        got no whole answer (or broken JSON in a 2xx) raises a ServerError. `data` may be a function,
        called once per try.
        """
        response = self._send(
            method, url, idempotent=idempotent, auth=auth, nct_id=nct_id, headers=headers, data=data
        )
        if response.status_code == 401 and auth is not None and auth.renew():
            logger.debug(
                "%s -> 401; renewing the %s token, sending once more", _label(nct_id, method, url), auth.kind
            )
            response.close()
            response = self._send(
                method, url, idempotent=idempotent, auth=auth, nct_id=nct_id, headers=headers, data=data
            )
        return response

    def _send(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        auth: RequestAuth | None,
        nct_id: str | None,
        headers: Mapping[str, str] | None,
        data: Payload,
    ) -> requests.Response:
        label = _label(nct_id, method, url)

        def once() -> requests.Response:
            sent_headers = {"User-Agent": self.settings.user_agent, "Accept": FHIR_JSON, **(headers or {})}
            if auth is not None:
                sent_headers.update(auth.headers())  # per try: a renewed token is picked up
            started = time.monotonic()
            with self._count_lock:
                self._tries_sent += 1
            response = send(
                self.session,
                method,
                url,
                timeout=self.settings.timeout,
                verify=self.settings.verify,
                cert=self.settings.cert,
                headers=sent_headers,
                data=data() if callable(data) else data,
                nct_id=nct_id,
            )
            logger.debug("%s -> %d in %.2f s", label, response.status_code, time.monotonic() - started)
            check_json_answer(response, method=method, url=url, nct_id=nct_id)
            return response

        return send_with_retries(
            once, policy=self.settings.retry, pacing=self.pacing, idempotent=idempotent, label=label
        )


def _label(nct_id: str | None, method: str, url: str) -> str:
    prefix = f"{nct_id}: " if nct_id else ""
    return f"{prefix}client: {method} {redact_url(url)}"
