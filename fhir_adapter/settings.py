"""The run's settings: one frozen `Settings` (server, auth, timeouts, retries, TLS), built once by `cli`.

Secrets are never stored here. `AuthSettings` holds the *names* of the environment variables (or the paths
of the files, such as Docker or Kubernetes secret mounts) that carry a token, password or client secret, and
`read_secret` / `read_secret_file` read them at the moment of use, so no repr, log line or file written from
a `Settings` can hold one, and a rotated secret file is picked up. This is the only module that reads
`os.environ`. Messages name settings by their command-line flags (`--token-env`), which are also the config
file's keys with underscores (`token_env`).
Constructors check that the settings fit together and do no I/O (no file is opened, no variable is read).
"""

from __future__ import annotations

import os
import re
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
    token_file: Path | None = None  # bearer: instead of token_env, a file holding the token (secret mount)
    password_file: Path | None = None  # basic: instead of password_env
    client_secret_file: Path | None = None  # client-secret: instead of client_secret_env
    token_url: str | None = None  # client-secret: required; smart: overrides .well-known discovery
    scope: str | None = None  # client-secret, smart (e.g. "system/ResearchStudy.write system/Group.write")
    private_key_path: Path | None = None  # smart: PEM file with the RSA or EC P-384 private key
    private_key_password_env: str | None = None  # smart: the variable holding the PEM's passphrase, if any
    key_id: str | None = None  # smart: `kid`, the key's id in the JWKS registered with the server
    algorithm: str = DEFAULT_SMART_ALGORITHM  # smart: RS384 or ES384

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", parse_auth_kind(self.kind))
        missing = [
            " or ".join(FLAGS[name] for name in names)
            for names in _REQUIRED[self.kind]
            if not any(getattr(self, name) for name in names)
        ]
        if missing:
            raise SettingsError(f"auth {self.kind.value} needs {', '.join(missing)}")
        for env, file in (("token_env", "token_file"), ("password_env", "password_file")):
            if getattr(self, env) and getattr(self, file):
                raise SettingsError(f"{FLAGS[env]} and {FLAGS[file]} both name the secret: give one")
        if self.client_secret_env and self.client_secret_file:
            raise SettingsError("--client-secret-env and --client-secret-file both name the secret: give one")
        if self.kind is AuthKind.SMART and self.algorithm not in SMART_ALGORITHMS:
            raise SettingsError(
                f"auth smart: --algorithm {self.algorithm!r} is not one of {', '.join(SMART_ALGORITHMS)}"
            )
        if self.token_url is not None:
            _check_url(self.token_url, "--token-url")

    def secret(self, env: str, file: str) -> str:
        """Return the secret named by the field `env` (a variable) or `file` (a file), read now."""
        name: str | None = getattr(self, env)
        path: Path | None = getattr(self, file)
        if path is not None:
            return read_secret_file(path)
        if name is None:
            raise SettingsError(f"auth {self.kind.value} needs {FLAGS[env]} or {FLAGS[file]}")
        return read_secret(name)


# Each kind's required settings; a tuple of several names is satisfied by any one of them.
_REQUIRED: dict[AuthKind, tuple[tuple[str, ...], ...]] = {
    AuthKind.NONE: (),
    AuthKind.BEARER: (("token_env", "token_file"),),
    AuthKind.BASIC: (("username",), ("password_env", "password_file")),
    AuthKind.CLIENT_SECRET: (("client_id",), ("client_secret_env", "client_secret_file"), ("token_url",)),
    AuthKind.SMART: (("client_id",), ("private_key_path",), ("key_id",), ("scope",)),  # SMART: scope required
}
# The flag (and, with underscores, the config key) that sets each field, for messages.
FLAGS = {
    "token_env": "--token-env",
    "token_file": "--token-file",
    "username": "--username",
    "password_env": "--password-env",
    "password_file": "--password-file",
    "client_id": "--client-id",
    "client_secret_env": "--client-secret-env",
    "client_secret_file": "--client-secret-file",
    "token_url": "--token-url",
    "scope": "--scope",
    "private_key_path": "--private-key",
    "key_id": "--key-id",
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
            raise SettingsError(f"--max-attempts must be at least 1, not {self.max_attempts}")
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
    client_cert: Path | None = None  # mutual TLS: our certificate (PEM; may hold the key too)
    client_key: Path | None = None  # mutual TLS: its private key (PEM, unencrypted: requests cannot ask)
    user_agent: str = DEFAULT_USER_AGENT
    search_page_limit: int = DEFAULT_SEARCH_PAGE_LIMIT

    def __post_init__(self) -> None:
        _check_url(self.base_url, "base URL")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if len(self.timeout) != 2 or min(self.timeout) <= 0:
            raise SettingsError(
                f"--connect-timeout and --read-timeout must be positive numbers, not {self.timeout}"
            )
        if not self.verify_tls and self.ca_bundle is not None:
            raise SettingsError(
                "verify_tls is off (--insecure-no-verify-tls) but a CA bundle is given (--ca-bundle): "
                "choose one"
            )
        if self.client_key is not None and self.client_cert is None:
            raise SettingsError("--client-key needs --client-cert (the certificate it belongs to)")
        if self.search_page_limit < 1:
            raise SettingsError(f"search_page_limit must be at least 1, not {self.search_page_limit}")

    @property
    def verify(self) -> bool | str:
        """Return what `requests` takes as `verify`: the CA bundle path, or whether to verify at all."""
        return str(self.ca_bundle) if self.ca_bundle is not None else self.verify_tls

    @property
    def cert(self) -> str | tuple[str, str] | None:
        """Return what `requests` takes as `cert` for mutual TLS: the certificate, or (certificate, key)."""
        if self.client_cert is None:
            return None
        return (str(self.client_cert), str(self.client_key)) if self.client_key else str(self.client_cert)


def parse_auth_kind(kind: AuthKind | str) -> AuthKind:
    """Return the AuthKind named `kind` (as written in a config file or flag), or raise SettingsError."""
    try:
        return AuthKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in AuthKind)
        raise SettingsError(f"auth kind {kind!r} is not one of {known}") from None


def _check_url(url: str, what: str) -> None:
    """Refuse URLs that cannot work or would carry a secret (user info, query string) into logs."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # an unclosed IPv6 bracket, a port that is not a number
        hostname = None
    if hostname is None or parts.scheme not in ("http", "https"):
        raise SettingsError(f"{what} must be an http(s) URL with a host, not {shown_url(url)!r}")
    if parts.username is not None or parts.password is not None:
        raise SettingsError(
            f"{what} must not carry a user name or password ({shown_url(url)!r}): use the auth settings"
        )
    if parts.query or parts.fragment:
        raise SettingsError(f"{what} must not carry a query or fragment: {shown_url(url)!r}")


_USER_INFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)?[^/?#@]*@")


def shown_url(url: str) -> str:
    """Return `url` as a message may show it: user info and query replaced by `***`, at most 200 characters.

    >>> shown_url("https://me:pw@fhir.example/r4?token=x")
    'https://***@fhir.example/r4?***'
    >>> shown_url("localhost:8080/fhir")
    'localhost:8080/fhir'
    """
    head, mark, _ = url.partition("?")
    head, hash_mark, _ = head.partition("#")
    head = _USER_INFO.sub(lambda m: f"{m.group(1) or ''}***@", head, count=1)
    return (head + ("?***" if mark else "#***" if hash_mark else ""))[:200]


def read_secret(name: str) -> str:
    """Return the value of the environment variable `name`; errors name the variable, never a value."""
    value = os.environ.get(name)
    if not value:
        raise SettingsError(f"environment variable {name} is not set or empty")
    return value


def read_secret_file(path: Path) -> str:
    """Return the secret in the file `path` (surrounding whitespace dropped, as secret mounts end in a
    newline); errors name the file, never its content."""
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise SettingsError(f"secret file {path} cannot be read ({reason})") from None
    if not value:
        raise SettingsError(f"secret file {path} is empty")
    return value


def read_env(name: str, default: str | None = None) -> str | None:
    """Return a non-secret setting from the environment (for `cli`), or `default` when it is unset."""
    return os.environ.get(name, default)
