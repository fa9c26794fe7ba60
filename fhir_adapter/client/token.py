"""OAuth2 client_credentials access tokens (RFC 6749 section 4.4), cached until shortly before they expire.

A token, client secret or client assertion is held only in memory, in fields left out of every repr, and
is scrubbed from the words of a token endpoint that answers with an error.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

import requests

from fhir_adapter.client.http import redact_url
from fhir_adapter.client.transport import Payload, Transport
from fhir_adapter.errors import AuthError, ServerError
from fhir_adapter.settings import AuthSettings

logger = logging.getLogger(__name__)

TOKEN_EXPIRY_MARGIN = 30.0  # seconds before expiry that a token is renewed, so none expires in flight
DEFAULT_EXPIRES_IN = 300.0  # SMART requires expires_in; for a server that omits it, assume the SMART maximum
SECRET_FORM_KEYS = frozenset({"client_assertion", "client_secret"})


class TokenEndpointError(AuthError):
    """A step of getting a token failed: names the step, the URL and the server's words, never a secret."""

    def __init__(self, *, step: str, url: str, status: int | None, reason: str) -> None:
        self.step = step
        self.url = redact_url(url)
        self.status = status
        self.reason = reason
        answered = f"answered {status}" if status is not None else "failed"
        super().__init__(f"{step} {self.url} {answered}: {reason}")


@dataclass(frozen=True)
class AccessToken:
    """An access token and when (seconds since the epoch) to stop using it."""

    value: str = field(repr=False)
    renew_at: float


class TokenSource(ABC):
    """Fetches access tokens from a token endpoint and keeps the current one until it is due for renewal."""

    kind = "oauth"

    def __init__(self, transport: Transport, auth: AuthSettings, *, clock: Callable[[], float]) -> None:
        self._transport = transport
        self._auth = auth
        self._clock = clock
        self._lock = threading.Lock()
        self._token: AccessToken | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r}, client_id={self._auth.client_id!r})"

    def token(self) -> str:
        """Return a token that is not due for renewal, fetching a new one when needed."""
        with self._lock:
            if self._token is None or self._clock() >= self._token.renew_at:
                self._token = self._fetch()
            return self._token.value

    def invalidate(self) -> None:
        """Forget the current token (the server refused it), so the next call fetches a new one."""
        with self._lock:
            self._token = None

    @abstractmethod
    def token_url(self) -> str:
        """Return the token endpoint's URL."""

    @abstractmethod
    def token_form(self, token_url: str) -> dict[str, str]:
        """Return the form for one try; built anew per try (a SMART assertion's jti is single-use)."""

    def basic_secret(self) -> str | None:
        """Return the client secret to send as HTTP Basic, for sources that authenticate that way."""
        return None

    def _fetch(self) -> AccessToken:
        url = self.token_url()
        headers = {"Accept": "application/json"}
        secrets: list[str] = []
        secret = self.basic_secret()
        if secret is not None:
            headers["Authorization"] = _basic(self._auth.client_id or "", secret)
            secrets.append(secret)

        def form() -> dict[str, str]:
            sent = self.token_form(url)
            secrets.extend(v for k, v in sent.items() if k in SECRET_FORM_KEYS)
            return sent

        response = send_auth_request(
            self._transport, "POST", url, step="token endpoint", headers=headers, data=form
        )
        if response.status_code != 200:
            reason = _oauth_error(response, secrets)
            raise TokenEndpointError(
                step="token endpoint", url=url, status=response.status_code, reason=reason
            )
        token = _parse_token(response.content, url=url, now=self._clock())
        logger.debug(
            "client: auth %s: got a token valid for %.0f s", self.kind, token.renew_at - self._clock()
        )
        return token


class ClientSecretTokenSource(TokenSource):
    """client_credentials with a client id and secret, sent as HTTP Basic (client_secret_basic)."""

    kind = "client-secret"

    def token_url(self) -> str:
        assert self._auth.token_url is not None  # AuthSettings requires it for this kind
        return self._auth.token_url

    def token_form(self, token_url: str) -> dict[str, str]:
        form = {"grant_type": "client_credentials"}
        if self._auth.scope:
            form["scope"] = self._auth.scope
        return form

    def basic_secret(self) -> str | None:
        return self._auth.secret("client_secret_env", "client_secret_file")


def send_auth_request(
    transport: Transport,
    method: str,
    url: str,
    *,
    step: str,
    headers: Mapping[str, str],
    data: Payload = None,
) -> requests.Response:
    """Return the answer of an auth server; one that cannot be reached (after retries) is an AuthError.

    Turned into an AuthError here so the FHIR request that needed the token does not retry it again.
    """
    try:
        return transport.request(method, url, idempotent=True, auth=None, headers=headers, data=data)
    except ServerError as exc:
        raise TokenEndpointError(step=step, url=url, status=None, reason=exc.detail) from exc


def _basic(user: str, secret: str) -> str:
    """Return an HTTP Basic header value; RFC 6749 2.3.1 asks to form-encode id and secret first."""
    pair = f"{quote_plus(user)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _parse_token(content: bytes, *, url: str, now: float) -> AccessToken:
    """Return the token in a token endpoint's JSON answer (RFC 6749 5.1)."""
    try:
        body: Any = json.loads(content)
    except ValueError:
        body = None
    value = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(value, str) or not value:
        raise TokenEndpointError(
            step="token endpoint", url=url, status=200, reason="no access_token in the answer"
        )
    token_type = str(body.get("token_type", "bearer"))
    if token_type.lower() != "bearer":
        reason = f"token_type {token_type[:20]!r} is not bearer"
        raise TokenEndpointError(step="token endpoint", url=url, status=200, reason=reason)
    expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
    if not isinstance(expires_in, int | float) or expires_in <= 0:
        expires_in = DEFAULT_EXPIRES_IN
    margin = min(TOKEN_EXPIRY_MARGIN, float(expires_in) / 10)
    return AccessToken(value=value, renew_at=now + float(expires_in) - margin)


def _oauth_error(response: Any, secrets: Iterable[str]) -> str:
    """Return `error: error_description` from an OAuth error answer (RFC 6749 5.2), secrets scrubbed."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, Mapping) and isinstance(body.get("error"), str):
        words = str(body["error"])
        if isinstance(body.get("error_description"), str):
            words = f"{words} ({' '.join(body['error_description'].split())[:300]})"
    else:
        words = f"{response.reason or 'error'} (no OAuth error in the answer)"
    return scrub(words, secrets)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Return `text` with every secret in `secrets` replaced by `***`.

    >>> scrub("bad client s3cr3t", ["s3cr3t", ""])
    'bad client ***'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
