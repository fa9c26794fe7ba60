"""The SMART client assertion as PyJWT signs it: it verifies with PyJWT's own decoder and the public key
(as a token endpoint would), a key that cannot sign the algorithm is refused before anything is sent, and
`--private-key-password-env` opens an encrypted key (a wrong or missing passphrase is a usage error that
names the flag, never the passphrase)."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fhir_adapter.cli import main
from fhir_adapter.client.smart import build_client_assertion, load_private_key
from fhir_adapter.errors import SettingsError
from tests.client.conftest import START, TOKEN_URL
from tests.conftest import SEED


@pytest.mark.parametrize("algorithm", ["RS384", "ES384"])
def test_the_assertion_verifies_with_pyjwt_and_the_public_key(
    key_files: dict[str, Path], algorithm: str
) -> None:
    key = load_private_key(key_files[algorithm], algorithm=algorithm)
    token = build_client_assertion(
        client_id="client-1",
        token_url=TOKEN_URL,
        key=key,
        key_id="kid-1",
        algorithm=algorithm,
        now=START,
        jti="j-1",
    )
    header = jwt.get_unverified_header(token)
    assert header == {"alg": algorithm, "kid": "kid-1", "typ": "JWT"}
    claims = jwt.decode(
        token,
        key.public_key(),
        algorithms=[algorithm],
        audience=TOKEN_URL,
        issuer="client-1",
        options={"verify_exp": False},  # the frozen clock is in the past
    )
    assert claims == {
        "iss": "client-1",
        "sub": "client-1",
        "aud": TOKEN_URL,
        "exp": int(START) + 240,
        "jti": "j-1",
    }
    stranger = (
        ec.generate_private_key(ec.SECP384R1())
        if algorithm == "ES384"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    with pytest.raises(jwt.InvalidSignatureError):  # a key of the same kind that did not sign it
        jwt.decode(
            token,
            stranger.public_key(),
            algorithms=[algorithm],
            audience=TOKEN_URL,
            options={"verify_exp": False},
        )


def test_a_key_that_cannot_sign_the_algorithm_is_refused_before_signing(key_files: dict[str, Path]) -> None:
    rsa_key = load_private_key(key_files["RS384"], algorithm="RS384")
    with pytest.raises(SettingsError, match="an RSA key cannot sign ES384"):
        build_client_assertion(
            client_id="c", token_url=TOKEN_URL, key=rsa_key, key_id="k", algorithm="ES384", now=START, jti="j"
        )


@pytest.fixture
def encrypted_key(tmp_path: Path) -> Path:
    path = tmp_path / "smart-key.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP384R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"correct horse"),
        )
    )
    return path


def _push_smart(key: Path, *extra: str) -> list[str]:
    return [
        "push",
        str(SEED),
        "--server",
        "http://127.0.0.1:9",
        "--auth",
        "smart",
        "--client-id",
        "c",
        "--scope",
        "system/*.write",
        "--key-id",
        "k",
        "--algorithm",
        "ES384",
        "--private-key",
        str(key),
        *extra,
    ]


@pytest.mark.parametrize(
    ("passphrase", "flags"),
    [(None, ()), ("wrong horse", ("--private-key-password-env", "KEY_PASS"))],
    ids=["no-passphrase", "wrong-passphrase"],
)
def test_an_encrypted_key_without_its_passphrase_is_a_usage_error(
    encrypted_key: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    passphrase: str | None,
    flags: tuple[str, ...],
) -> None:
    if passphrase:
        monkeypatch.setenv("KEY_PASS", passphrase)
    assert main(_push_smart(encrypted_key, *flags)) == 2
    err = capsys.readouterr().err
    assert "--private-key: private key file" in err and "passphrase is wrong" in err
    assert "horse" not in err


def test_the_passphrase_from_its_variable_opens_the_key(
    encrypted_key: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KEY_PASS", "correct horse")
    # The key opens, so the run gets as far as the (absent) server: exit 3, not a usage error.
    assert (
        main(_push_smart(encrypted_key, "--private-key-password-env", "KEY_PASS", "--max-attempts", "1")) == 3
    )
    assert "passphrase" not in capsys.readouterr().err
