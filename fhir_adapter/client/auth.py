"""The auth kinds as small objects the transport asks for headers: none, bearer, basic, client secret, SMART.

Secrets are read from the environment (through `settings.read_secret`) or fetched from a token endpoint at
the moment of use, and live only in the Authorization header of the request being sent. Log lines name the
kind of auth and nothing else.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from fhir_adapter.client.smart import SmartTokenSource
from fhir_adapter.client.token import ClientSecretTokenSource, TokenSource
from fhir_adapter.client.transport import RequestAuth, Transport
from fhir_adapter.settings import AuthKind, AuthSettings, Settings, read_secret


class NoAuth:
    """No credentials: for open test servers."""

    kind = AuthKind.NONE.value

    def headers(self) -> dict[str, str]:
        return {}

    def renew(self) -> bool:
        return False


class BearerAuth:
    """A bearer token obtained elsewhere, read from an environment variable for every request."""

    kind = AuthKind.BEARER.value

    def __init__(self, token_env: str) -> None:
        self.token_env = token_env

    def __repr__(self) -> str:
        return f"BearerAuth(token_env={self.token_env!r})"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {read_secret(self.token_env)}"}

    def renew(self) -> bool:
        return False  # a token we did not fetch cannot be renewed by us


class BasicAuth:
    """HTTP Basic with a user name and a password read from an environment variable (RFC 7617)."""

    kind = AuthKind.BASIC.value

    def __init__(self, username: str, password_env: str) -> None:
        self.username = username
        self.password_env = password_env

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password_env={self.password_env!r})"

    def headers(self) -> dict[str, str]:
        pair = f"{self.username}:{read_secret(self.password_env)}".encode()
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
        assert auth.token_env is not None  # AuthSettings checks each kind's required fields
        return BearerAuth(auth.token_env)
    if auth.kind is AuthKind.BASIC:
        assert auth.username is not None and auth.password_env is not None
        return BasicAuth(auth.username, auth.password_env)
    if auth.kind is AuthKind.CLIENT_SECRET:
        return TokenAuth(ClientSecretTokenSource(transport, auth, clock=clock))
    if auth.kind is AuthKind.SMART:
        return TokenAuth(SmartTokenSource(transport, auth, base_url=settings.base_url, clock=clock))
    return NoAuth()
