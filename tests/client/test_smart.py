"""SMART Backend Services: discovery, the signed client assertion (RS384 and ES384), caching and renewal."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from fhir_adapter.client import TokenEndpointError
from fhir_adapter.client.smart import ASSERTION_TYPE, build_client_assertion, load_private_key
from fhir_adapter.errors import SettingsError
from fhir_adapter.settings import AuthKind, AuthSettings
from tests.client.conftest import BASE, START, TOKEN_URL, MakeClient

WELL_KNOWN = f"{BASE}/.well-known/smart-configuration"
GROUP = f"{BASE}/Group/1"
GROUP_JSON = {"resourceType": "Group", "id": "1"}
SCOPE = "system/ResearchStudy.write system/Group.write"


def _smart(key_files: dict[str, Path], algorithm: str = "RS384", **extra: Any) -> AuthSettings:
    return AuthSettings(
        AuthKind.SMART,
        client_id="fhir-adapter-client",
        private_key_path=key_files[algorithm],
        key_id=f"key-{algorithm.lower()}",
        algorithm=algorithm,
        scope=SCOPE,
        **extra,
    )


def _discovery(fake: responses.RequestsMock, **config: Any) -> None:
    fake.get(
        WELL_KNOWN,
        json={
            "token_endpoint": TOKEN_URL,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            **config,
        },
    )


def _token(value: str) -> dict[str, object]:
    return {"access_token": value, "token_type": "bearer", "expires_in": 300, "scope": SCOPE}


def _form(fake: responses.RequestsMock, index: int) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(str(fake.calls[index].request.body)).items()}


def _segment(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _verify(assertion: str, key_file: Path, algorithm: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the JWT's header and claims after checking its signature with the public key."""
    header, claims, signature = assertion.split(".")
    signed = f"{header}.{claims}".encode()
    private = serialization.load_pem_private_key(key_file.read_bytes(), None)
    raw = _segment(signature)
    if algorithm == "RS384":
        assert isinstance(private, rsa.RSAPrivateKey)
        private.public_key().verify(raw, signed, padding.PKCS1v15(), hashes.SHA384())
    else:
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        assert len(raw) == 96  # JWS ES384: r || s, 48 bytes each, not DER
        der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
        private.public_key().verify(der, signed, ec.ECDSA(hashes.SHA384()))
    return json.loads(_segment(header)), json.loads(_segment(claims))


@pytest.mark.parametrize("algorithm", ["RS384", "ES384"])
def test_token_request_carries_a_signed_assertion_with_the_right_header_and_claims(
    fake: responses.RequestsMock, make_client: MakeClient, key_files: dict[str, Path], algorithm: str
) -> None:
    _discovery(fake)
    fake.post(TOKEN_URL, json=_token("smart-tok-1"))
    fake.get(GROUP, json=GROUP_JSON)
    make_client(_smart(key_files, algorithm)).read("Group/1")
    form = _form(fake, 1)
    assert form["grant_type"] == "client_credentials"
    assert (
        form["client_assertion_type"]
        == ASSERTION_TYPE
        == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )
    assert form["scope"] == SCOPE
    header, claims = _verify(form["client_assertion"], key_files[algorithm], algorithm)
    assert header == {"alg": algorithm, "kid": f"key-{algorithm.lower()}", "typ": "JWT"}
    assert claims["iss"] == claims["sub"] == "fhir-adapter-client"
    assert claims["aud"] == TOKEN_URL
    assert 0 < claims["exp"] - START <= 300
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 16
    assert fake.calls[2].request.headers["Authorization"] == "Bearer smart-tok-1"


def test_token_endpoint_is_discovered_from_well_known_and_cached(
    fake: responses.RequestsMock, make_client: MakeClient, key_files: dict[str, Path]
) -> None:
    _discovery(fake, token_endpoint_auth_signing_alg_values_supported=["RS384", "ES384"])
    fake.post(TOKEN_URL, json=_token("smart-tok-1"))
    fake.get(GROUP, json=GROUP_JSON)
    client = make_client(_smart(key_files))
    client.read("Group/1")
    client.read("Group/1")
    assert [c.request.url for c in fake.calls] == [WELL_KNOWN, TOKEN_URL, GROUP, GROUP]


def test_a_token_url_in_the_settings_overrides_discovery(
    fake: responses.RequestsMock, make_client: MakeClient, key_files: dict[str, Path]
) -> None:
    other = "https://login.example.org/oauth2/token"
    fake.post(other, json=_token("smart-tok-1"))
    fake.get(GROUP, json=GROUP_JSON)
    make_client(_smart(key_files, token_url=other)).read("Group/1")
    assert [c.request.url for c in fake.calls] == [other, GROUP]
    _header, claims = _verify(_form(fake, 0)["client_assertion"], key_files["RS384"], "RS384")
    assert claims["aud"] == other


def test_failed_discovery_says_so_and_how_to_avoid_it(
    fake: responses.RequestsMock, make_client: MakeClient, key_files: dict[str, Path]
) -> None:
    fake.get(WELL_KNOWN, status=404)
    with pytest.raises(TokenEndpointError) as raised:
        make_client(_smart(key_files)).read("Group/1")
    assert (
        str(raised.value)
        == f"SMART discovery {WELL_KNOWN} answered 404: Not Found; set the token URL in the auth settings instead"
    )


def test_discovery_without_a_token_endpoint_is_an_auth_error(
    fake: responses.RequestsMock, make_client: MakeClient, key_files: dict[str, Path]
) -> None:
    fake.get(WELL_KNOWN, json={"capabilities": []})
    with pytest.raises(TokenEndpointError, match="no token_endpoint URL"):
        make_client(_smart(key_files)).read("Group/1")


@pytest.mark.parametrize("algorithm", ["RS384", "ES384"])
def test_401_then_a_renewed_token_from_a_fresh_assertion_succeeds(
    fake: responses.RequestsMock, make_client: MakeClient, key_files: dict[str, Path], algorithm: str
) -> None:
    _discovery(fake)
    fake.post(TOKEN_URL, json=_token("smart-tok-1"))
    fake.post(TOKEN_URL, json=_token("smart-tok-2"))
    fake.get(GROUP, status=401)
    fake.get(GROUP, json=GROUP_JSON)
    assert make_client(_smart(key_files, algorithm)).read("Group/1") == GROUP_JSON
    assert [c.request.url for c in fake.calls] == [WELL_KNOWN, TOKEN_URL, GROUP, TOKEN_URL, GROUP]
    assert fake.calls[4].request.headers["Authorization"] == "Bearer smart-tok-2"
    first = _verify(_form(fake, 1)["client_assertion"], key_files[algorithm], algorithm)[1]
    second = _verify(_form(fake, 3)["client_assertion"], key_files[algorithm], algorithm)[1]
    assert first["jti"] != second["jti"]


def test_a_token_endpoint_retry_signs_a_new_assertion(
    fake: responses.RequestsMock, make_client: MakeClient, key_files: dict[str, Path]
) -> None:
    fake.post(TOKEN_URL, status=503)
    fake.post(TOKEN_URL, json=_token("smart-tok-1"))
    fake.get(GROUP, json=GROUP_JSON)
    make_client(_smart(key_files, token_url=TOKEN_URL)).read("Group/1")
    assert _form(fake, 0)["client_assertion"] != _form(fake, 1)["client_assertion"]


def test_a_key_that_cannot_sign_the_algorithm_is_a_settings_error(key_files: dict[str, Path]) -> None:
    with pytest.raises(
        SettingsError, match=r"ES384\.pem holds an EC key \(secp384r1\), which cannot sign RS384"
    ):
        load_private_key(key_files["ES384"], algorithm="RS384")


def test_an_es384_key_must_be_on_p384(tmp_path: Path) -> None:
    path = tmp_path / "p256.pem"
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(SettingsError, match="ES384 needs a P-384 key, not secp256r1"):
        load_private_key(path, algorithm="ES384")


def test_a_missing_or_broken_key_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"missing\.pem cannot be read"):
        load_private_key(tmp_path / "missing.pem", algorithm="RS384")
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    with pytest.raises(SettingsError, match=r"broken\.pem is not a PEM private key"):
        load_private_key(broken, algorithm="RS384")


def test_an_encrypted_key_is_opened_with_the_passphrase_from_its_variable(
    fake: responses.RequestsMock, make_client: MakeClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    path = tmp_path / "encrypted.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"open sesame"),
        )
    )
    monkeypatch.setenv("FHIR_TEST_KEY_PASSPHRASE", "open sesame")
    fake.post(TOKEN_URL, json=_token("smart-tok-1"))
    fake.get(GROUP, json=GROUP_JSON)
    auth = _smart(
        {"ES384": path}, "ES384", token_url=TOKEN_URL, private_key_password_env="FHIR_TEST_KEY_PASSPHRASE"
    )
    make_client(auth).read("Group/1")
    assert fake.calls[1].request.headers["Authorization"] == "Bearer smart-tok-1"


def test_an_assertion_may_not_live_longer_than_five_minutes(key_files: dict[str, Path]) -> None:
    key = load_private_key(key_files["RS384"], algorithm="RS384")
    with pytest.raises(SettingsError, match=r"1\.\.300 s, not 301"):
        build_client_assertion(
            client_id="c",
            token_url=TOKEN_URL,
            key=key,
            key_id="k",
            algorithm="RS384",
            now=START,
            jti="j",
            lifetime=301,
        )
