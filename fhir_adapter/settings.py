"""The run's settings: one frozen `Settings` (server, auth, timeouts, retries, TLS), built once by `cli`.

Secrets are never stored here. `AuthSettings` holds the *names* of the environment variables that carry a
token, password or client secret, and `read_secret` reads them at the moment of use, so no repr, log line or
file written from a `Settings` can hold one. This is the only module that reads `os.environ`.
Constructors check that the settings fit together and do no I/O (no file is opened, no variable is read).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from fhir_adapter.errors import SettingsError

DEFAULT_TIMEOUT = (5.0, 60.0)  # connect, read: a large transaction Bundle takes a server a while
DEFAULT_MAX_ATTEMPTS = 5  # one try and four retries
DEFAULT_BASE_DELAY = 0.5  # seconds; doubled per retry, then full jitter
DEFAULT_MAX_DELAY = 30.0  # seconds: the longest backoff between two tries
DEFAULT_RETRY_AFTER_CAP = 120.0  # seconds: a longer Retry-After ends the retries instead of stalling the run
DEFAULT_SEARCH_PAGE_LIMIT = 50  # `next` links followed by one search before it gives up
DEFAULT_USER_AGENT = "fhir-adapter (python-requests)"
DEFAULT_SMART_ALGORITHM = "RS384"


class AuthKind(StrEnum):
    """How the client proves who it is to the FHIR server."""

    NONE = "none"
    BEARER = "bearer"  # a token someone else obtained, in an environment variable
    BASIC = "basic"  # user name + password (from an environment variable)
    CLIENT_SECRET = "client-secret"  # OAuth2 client_credentials with client id + secret
    SMART = "smart"  # SMART Backend Services: client_credentials with a signed JWT (private_key_jwt)


SMART_ALGORITHMS = ("RS384", "ES384")  # the two SMART Backend Services asks servers to support


@dataclass(frozen=True)
class AuthSettings:
    """Which auth to use and where its secrets live (names of environment variables, never values)."""

    kind: AuthKind = AuthKind.NONE
    token_env: str | None = None  # bearer: the variable holding the access token
    username: str | None = None  # basic
    password_env: str | None = None  # basic: the variable holding the password
    client_id: str | None = None  # client-secret, smart
    client_secret_env: str | None = None  # client-secret: the variable holding the client secret
    token_url: str | None = None  # client-secret: required; smart: overrides .well-known discovery
    scope: str | None = None  # client-secret, smart (e.g. "system/ResearchStudy.write system/Group.write")
    private_key_path: Path | None = None  # smart: PEM file with the RSA or EC P-384 private key
    private_key_password_env: str | None = None  # smart: the variable holding the PEM's passphrase, if any
    key_id: str | None = None  # smart: `kid`, the key's id in the JWKS registered with the server
    algorithm: str = DEFAULT_SMART_ALGORITHM  # smart: RS384 or ES384

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", parse_auth_kind(self.kind))
        missing = [name for name in _REQUIRED[self.kind] if not getattr(self, name)]
        if missing:
            raise SettingsError(f"auth {self.kind.value} needs {', '.join(missing)}")
        if self.kind is AuthKind.SMART and self.algorithm not in SMART_ALGORITHMS:
            raise SettingsError(
                f"auth smart: algorithm {self.algorithm!r} is not one of {', '.join(SMART_ALGORITHMS)}"
            )
        if self.token_url is not None:
            _check_url(self.token_url, "token URL")


_REQUIRED: dict[AuthKind, tuple[str, ...]] = {
    AuthKind.NONE: (),
    AuthKind.BEARER: ("token_env",),
    AuthKind.BASIC: ("username", "password_env"),
    AuthKind.CLIENT_SECRET: ("client_id", "client_secret_env", "token_url"),
    AuthKind.SMART: ("client_id", "private_key_path", "key_id", "scope"),  # SMART makes scope required
}


@dataclass(frozen=True)
class RetrySettings:
    """The retry budget: tries per request, backoff bounds and the longest Retry-After honoured."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    base_delay: float = DEFAULT_BASE_DELAY
    max_delay: float = DEFAULT_MAX_DELAY
    retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise SettingsError(f"retry: max_attempts must be at least 1, not {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < self.base_delay or self.retry_after_cap < 0:
            raise SettingsError(
                f"retry: delays must satisfy 0 <= base_delay ({self.base_delay}) <= max_delay "
                f"({self.max_delay}) and retry_after_cap ({self.retry_after_cap}) >= 0"
            )


@dataclass(frozen=True)
class Settings:
    """Everything one run needs to talk to a FHIR server. Holds no secret, so its repr is safe to log."""

    base_url: str
    auth: AuthSettings = field(default_factory=AuthSettings)
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    retry: RetrySettings = field(default_factory=RetrySettings)
    verify_tls: bool = True
    ca_bundle: Path | None = None
    user_agent: str = DEFAULT_USER_AGENT
    search_page_limit: int = DEFAULT_SEARCH_PAGE_LIMIT

    def __post_init__(self) -> None:
        _check_url(self.base_url, "base URL")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if len(self.timeout) != 2 or min(self.timeout) <= 0:
            raise SettingsError(f"timeout must be two positive numbers (connect, read), not {self.timeout}")
        if not self.verify_tls and self.ca_bundle is not None:
            raise SettingsError("verify_tls is off but a CA bundle is given: choose one")
        if self.search_page_limit < 1:
            raise SettingsError(f"search_page_limit must be at least 1, not {self.search_page_limit}")

    @property
    def verify(self) -> bool | str:
        """Return what `requests` takes as `verify`: the CA bundle path, or whether to verify at all."""
        return str(self.ca_bundle) if self.ca_bundle is not None else self.verify_tls


def parse_auth_kind(kind: AuthKind | str) -> AuthKind:
    """Return the AuthKind named `kind` (as written in a config file or flag), or raise SettingsError."""
    try:
        return AuthKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in AuthKind)
        raise SettingsError(f"auth kind {kind!r} is not one of {known}") from None


def _check_url(url: str, what: str) -> None:
    """Refuse URLs that cannot work or would carry a secret (user info, query string) into logs."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(
            f"{what} must be an http(s) URL with a host, not {parts.scheme or '(none)'}://..."
        )
    if parts.username is not None or parts.password is not None:
        raise SettingsError(f"{what} must not carry a user name or password: use the auth settings")
    if parts.query or parts.fragment:
        raise SettingsError(f"{what} must not carry a query or fragment: {parts.scheme}://{parts.netloc}...")


def read_secret(name: str) -> str:
    """Return the value of the environment variable `name`; errors name the variable, never a value."""
    value = os.environ.get(name)
    if not value:
        raise SettingsError(f"environment variable {name} is not set or empty")
    return value


def read_env(name: str, default: str | None = None) -> str | None:
    """Return a non-secret setting from the environment (for `cli`), or `default` when it is unset."""
    return os.environ.get(name, default)
