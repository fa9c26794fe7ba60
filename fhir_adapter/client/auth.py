"""The auth kinds as small objects the transport asks for headers: none, bearer, basic, client secret, SMART.

Secrets are read from the environment or a file (through `AuthSettings.secret`) or fetched from a token
endpoint at the moment of use, and live only in the Authorization header of the request being sent. Log
lines name the kind of auth and nothing else.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from fhir_adapter.client.smart import SmartTokenSource
from fhir_adapter.client.token import ClientSecretTokenSource, TokenSource
from fhir_adapter.client.transport import RequestAuth, Transport
from fhir_adapter.settings import AuthKind, AuthSettings, Settings


class NoAuth:
    """No credentials: for open test servers."""

    kind = AuthKind.NONE.value

    def headers(self) -> dict[str, str]:
        return {}

    def renew(self) -> bool:
        return False


class BearerAuth:
    """A bearer token obtained elsewhere, read from an environment variable or a file for every request
    (so a token that a sidecar renews in a secret mount is picked up)."""

    kind = AuthKind.BEARER.value

    def __init__(self, auth: AuthSettings) -> None:
        self.auth = auth

    def __repr__(self) -> str:
        return f"BearerAuth(token_env={self.auth.token_env!r}, token_file={self.auth.token_file!r})"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.auth.secret('token_env', 'token_file')}"}

    def renew(self) -> bool:
        return False  # a token we did not fetch cannot be renewed by us


class BasicAuth:
    """HTTP Basic with a user name and a password read from an environment variable (RFC 7617)."""

    kind = AuthKind.BASIC.value

    def __init__(self, auth: AuthSettings) -> None:
        self.auth = auth

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.auth.username!r}, password_env={self.auth.password_env!r})"

    def headers(self) -> dict[str, str]:
        pair = f"{self.auth.username}:{self.auth.secret('password_env', 'password_file')}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    def renew(self) -> bool:
        return False


class TokenAuth:
    """A bearer token from a token endpoint, cached by its source and renewed once after a 401."""

    def __init__(self, source: TokenSource) -> None:
        self.source = source

    def __repr__(self) -> str:
        return f"TokenAuth({self.source!r})"

    @property
    def kind(self) -> str:
        return self.source.kind

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.source.token()}"}

    def renew(self) -> bool:
        self.source.invalidate()
        return True


def build_auth(settings: Settings, transport: Transport, *, clock: Callable[[], float]) -> RequestAuth:
    """Return the auth object for `settings.auth`; nothing is read or fetched until the first request."""
    auth: AuthSettings = settings.auth
    if auth.kind is AuthKind.BEARER:
        return BearerAuth(auth)  # AuthSettings checked that each kind's required fields are there
    if auth.kind is AuthKind.BASIC:
        return BasicAuth(auth)
    if auth.kind is AuthKind.CLIENT_SECRET:
        return TokenAuth(ClientSecretTokenSource(transport, auth, clock=clock))
    if auth.kind is AuthKind.SMART:
        return TokenAuth(SmartTokenSource(transport, auth, base_url=settings.base_url, clock=clock))
    return NoAuth()
