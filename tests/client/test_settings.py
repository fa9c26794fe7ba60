"""Settings: safe defaults, complete auth settings, no secret in a repr, secrets read by variable name.

(settings.py sits at the package root; its tests live here with the client that is its main user.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.errors import SettingsError
from fhir_adapter.settings import (
    DEFAULT_TIMEOUT,
    AuthKind,
    AuthSettings,
    RetrySettings,
    Settings,
    parse_auth_kind,
    read_secret,
)

BASE = "https://fhir.example.org/fhir"


def test_defaults_verify_tls_and_set_a_timeout() -> None:
    settings = Settings(BASE + "/")
    assert settings.base_url == BASE
    assert settings.verify_tls is True
    assert settings.verify is True
    assert settings.timeout == DEFAULT_TIMEOUT == (5.0, 60.0)
    assert settings.auth.kind is AuthKind.NONE


def test_verify_is_the_ca_bundle_path_when_one_is_given() -> None:
    assert Settings(BASE, ca_bundle=Path("/etc/ca.pem")).verify == "/etc/ca.pem"
    assert Settings(BASE, verify_tls=False).verify is False


def test_verify_off_with_a_ca_bundle_is_a_contradiction() -> None:
    with pytest.raises(
        SettingsError, match=r"\(--insecure-no-verify-tls\) but a CA bundle is given \(--ca-bundle\)"
    ):
        Settings(BASE, verify_tls=False, ca_bundle=Path("/etc/ca.pem"))


@pytest.mark.parametrize(
    ("auth", "missing"),
    [
        ({"kind": AuthKind.BEARER}, "auth bearer needs --token-env or --token-file"),
        ({"kind": AuthKind.BASIC, "username": "u"}, "auth basic needs --password-env or --password-file"),
        (
            {"kind": AuthKind.CLIENT_SECRET, "client_id": "c", "client_secret_env": "S"},
            "auth client-secret needs --token-url",
        ),
        (
            {"kind": AuthKind.SMART, "client_id": "c", "key_id": "k", "scope": "system/*.write"},
            "auth smart needs --private-key",
        ),
    ],
    ids=["bearer", "basic", "client-secret", "smart"],
)
def test_each_auth_kind_names_the_flag_it_lacks(auth: dict[str, object], missing: str) -> None:
    with pytest.raises(SettingsError, match=f"^{missing}$"):
        AuthSettings(**auth)  # type: ignore[arg-type]


def test_smart_refuses_an_algorithm_other_than_rs384_or_es384() -> None:
    with pytest.raises(SettingsError, match="'HS256' is not one of RS384, ES384"):
        AuthSettings(
            AuthKind.SMART,
            client_id="c",
            private_key_path=Path("k.pem"),
            key_id="k",
            scope="s",
            algorithm="HS256",
        )


def test_auth_kind_parses_from_its_written_name_and_refuses_others() -> None:
    assert parse_auth_kind("client-secret") is AuthKind.CLIENT_SECRET
    written: Any = "smart"  # as a config file gives it: AuthSettings coerces it
    auth = AuthSettings(written, client_id="c", private_key_path=Path("k"), key_id="k", scope="s")
    assert auth.kind is AuthKind.SMART
    with pytest.raises(SettingsError, match="'oauth' is not one of none, bearer"):
        parse_auth_kind("oauth")


def test_base_url_with_a_password_is_refused_without_repeating_it() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings("https://user:hunter2@fhir.example.org/fhir")
    assert "hunter2" not in str(raised.value)
    assert "must not carry a user name or password" in str(raised.value)


def test_base_url_with_a_query_is_refused_without_repeating_it() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings("https://fhir.example.org/fhir?api_key=hunter2")
    assert "hunter2" not in str(raised.value)


def test_base_url_must_be_http_or_https() -> None:
    with pytest.raises(SettingsError, match="http"):
        Settings("ftp://fhir.example.org")


def test_retry_budget_is_checked() -> None:
    with pytest.raises(SettingsError, match="--max-attempts must be at least 1"):
        RetrySettings(max_attempts=0)
    with pytest.raises(SettingsError, match="base_delay"):
        RetrySettings(base_delay=10, max_delay=1)


def test_repr_names_secret_variables_but_holds_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FHIR_TEST_SECRET", "s3cr3t-value")
    auth = AuthSettings(
        AuthKind.CLIENT_SECRET,
        client_id="adapter",
        client_secret_env="FHIR_TEST_SECRET",
        token_url="https://a/token",
    )
    text = repr(Settings(BASE, auth=auth))
    assert "FHIR_TEST_SECRET" in text
    assert "s3cr3t-value" not in text


def test_read_secret_names_the_variable_not_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FHIR_TEST_TOKEN", "tok-123")
    assert read_secret("FHIR_TEST_TOKEN") == "tok-123"
    with pytest.raises(SettingsError, match="environment variable FHIR_TEST_MISSING is not set"):
        read_secret("FHIR_TEST_MISSING")


def test_settings_are_frozen() -> None:
    settings = Settings(BASE)
    with pytest.raises(AttributeError):
        settings.verify_tls = False  # type: ignore[misc]
