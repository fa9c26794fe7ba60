"""SMART Backend Services: client_credentials with a signed JWT client assertion (private_key_jwt).

Spec: https://hl7.org/fhir/smart-app-launch/backend-services.html. The token endpoint comes from
`{base}/.well-known/smart-configuration` unless the settings name one. The assertion's header is
`{alg, kid, typ: JWT}`; its claims are iss = sub = client id, aud = token URL, a random single-use jti, and
exp no more than five minutes ahead. PyJWT signs it (RS384: RSASSA-PKCS1-v1_5 with SHA-384; ES384: ECDSA
P-384 with SHA-384, the raw r || s signature of RFC 7518 section 3.4), so no JOSE code of our own needs a
security review; we only choose the claims and check that the key fits the algorithm.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fhir_adapter.client.token import TokenEndpointError, TokenSource, send_auth_request
from fhir_adapter.client.transport import Transport
from fhir_adapter.errors import SettingsError
from fhir_adapter.settings import AuthSettings, read_secret

logger = logging.getLogger(__name__)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_LIFETIME = 300  # seconds: SMART's limit on exp - now
# Our exp sits a minute under the limit, so a server whose clock runs up to 60 s behind ours still accepts it.
DEFAULT_ASSERTION_LIFETIME = 240

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def load_private_key(path: Path, *, algorithm: str, password: str | None = None) -> PrivateKey:
    """Return the PEM private key in `path`, checked to fit `algorithm`; errors name the file, not the key."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"private key file {path} cannot be read ({exc.strerror})") from None
    try:
        key = serialization.load_pem_private_key(data, password.encode() if password else None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # The library's words are dropped on purpose: nothing from the file may reach a message.
        raise SettingsError(
            f"private key file {path} is not a PEM private key or its passphrase is wrong"
        ) from None
    if algorithm == "RS384" and isinstance(key, rsa.RSAPrivateKey):
        return key
    if algorithm == "ES384" and isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name != "secp384r1":
            raise SettingsError(f"private key file {path}: ES384 needs a P-384 key, not {key.curve.name}")
        return key
    raise SettingsError(f"private key file {path} holds {_key_kind(key)}, which cannot sign {algorithm}")


def build_client_assertion(
    *,
    client_id: str,
    token_url: str,
    key: PrivateKey,
    key_id: str,
    algorithm: str,
    now: float,
    jti: str,
    lifetime: int = DEFAULT_ASSERTION_LIFETIME,
) -> str:
    """Return a signed JWT (compact form) that authenticates `client_id` at `token_url`."""
    if not 0 < lifetime <= MAX_ASSERTION_LIFETIME:
        raise SettingsError(f"assertion lifetime must be 1..{MAX_ASSERTION_LIFETIME} s, not {lifetime}")
    if _key_kind(key) != _KEY_KIND_FOR.get(algorithm, ""):
        raise SettingsError(f"{_key_kind(key)} cannot sign {algorithm}")
    claims = {"iss": client_id, "sub": client_id, "aud": token_url, "exp": int(now) + lifetime, "jti": jti}
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": key_id, "typ": "JWT"})


_KEY_KIND_FOR = {"RS384": "an RSA key", "ES384": "an EC key (secp384r1)"}


def discover_token_endpoint(transport: Transport, base_url: str, *, algorithm: str) -> str:
    """Return `token_endpoint` from the server's `.well-known/smart-configuration`."""
    url = f"{base_url}/.well-known/smart-configuration"
    step = "SMART discovery"
    response = send_auth_request(transport, "GET", url, step=step, headers={"Accept": "application/json"})
    if response.status_code != 200:
        reason = f"{response.reason or 'error'}; set the token URL in the auth settings instead"
        raise TokenEndpointError(step=step, url=url, status=response.status_code, reason=reason)
    try:
        config: Any = json.loads(response.content)
    except ValueError:
        config = None
    endpoint = config.get("token_endpoint") if isinstance(config, dict) else None
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        raise TokenEndpointError(step=step, url=url, status=200, reason="no token_endpoint URL in the answer")
    algorithms = config.get("token_endpoint_auth_signing_alg_values_supported")
    if isinstance(algorithms, list) and algorithm not in algorithms:
        logger.warning(
            "client: auth smart: the server lists signing algorithms %s, not %s", algorithms, algorithm
        )
    return endpoint


class SmartTokenSource(TokenSource):
    """Access tokens for SMART Backend Services, each requested with a fresh signed client assertion."""

    kind = "smart"

    def __init__(
        self, transport: Transport, auth: AuthSettings, *, base_url: str, clock: Callable[[], float]
    ) -> None:
        super().__init__(transport, auth, clock=clock)
        self._base_url = base_url
        self._token_url = auth.token_url  # an explicit URL overrides discovery
        self._key: PrivateKey | None = None

    def token_url(self) -> str:
        if self._token_url is None:
            self._token_url = discover_token_endpoint(
                self._transport, self._base_url, algorithm=self._auth.algorithm
            )
        return self._token_url

    def token_form(self, token_url: str) -> dict[str, str]:
        assert self._auth.client_id is not None and self._auth.key_id is not None  # required for smart
        assertion = build_client_assertion(
            client_id=self._auth.client_id,
            token_url=token_url,
            key=self._private_key(),
            key_id=self._auth.key_id,
            algorithm=self._auth.algorithm,
            now=self._clock(),
            jti=uuid.uuid4().hex,
        )
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }
        if self._auth.scope:
            form["scope"] = self._auth.scope
        return form

    def _private_key(self) -> PrivateKey:
        if self._key is None:
            assert self._auth.private_key_path is not None
            env = self._auth.private_key_password_env
            password = read_secret(env) if env else None
            self._key = load_private_key(
                self._auth.private_key_path, algorithm=self._auth.algorithm, password=password
            )
        return self._key


def _key_kind(key: object) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "an RSA key"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"an EC key ({key.curve.name})"
    return f"a {type(key).__name__}"
