"""The config file and its profiles: precedence flags > FHIR_ADAPTER_* > file > defaults, paths relative to
the file, secrets refused, errors that name where a value came from; `--version` and `python -m`."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from importlib.metadata import metadata, version
from pathlib import Path

import pytest

import fhir_adapter
from fhir_adapter.cli import _parser, main
from fhir_adapter.cli.config import apply_layers
from fhir_adapter.cli.server_options import settings_from
from fhir_adapter.errors import SettingsError
from fhir_adapter.resources import FhirVersion
from fhir_adapter.settings import AuthKind
from tests.conftest import REPO, SEED

CONFIG = """\
identifier_base = "https://fhir.hospital.example/fhir-adapter"
concurrency = 2

[profiles.test]
server = "http://127.0.0.1:8080"
fhir_version = "r5"
connect_timeout = 3
read_timeout = 90.5
max_attempts = 7

[profiles.prod]
server = "https://fhir.hospital.example/r4"
auth = "bearer"
token_file = "secrets/token"
ca_bundle = "tls/hospital-ca.pem"
client_cert = "tls/client.pem"
client_key = "tls/client.key"
mappings = ["local-maps"]
"""


def _args(argv: list[str]) -> argparse.Namespace:
    args = _parser().parse_args(argv)
    apply_layers(args)
    return args


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "ops" / "fhir-adapter.toml"
    path.parent.mkdir()
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_a_profile_fills_what_the_command_line_leaves_out(config: Path) -> None:
    args = _args(["--config", str(config), "--profile", "test", "push", str(SEED)])
    settings = settings_from(args)
    assert settings.base_url == "http://127.0.0.1:8080"
    assert settings.timeout == (3.0, 90.5)
    assert settings.retry.max_attempts == 7
    assert args.fhir_version is FhirVersion.R5
    assert args.concurrency == 2  # a top-level key applies to every profile
    assert args.identifier_base == "https://fhir.hospital.example/fhir-adapter"


def test_flags_beat_environment_beats_file(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FHIR_ADAPTER_SERVER", "http://env.example/fhir")
    monkeypatch.setenv("FHIR_ADAPTER_CONCURRENCY", "5")
    args = _args(["push", str(SEED), "--config", str(config), "--profile", "test", "--concurrency", "4"])
    assert args.server == "http://env.example/fhir"  # the variable beats the file
    assert args.concurrency == 4  # the flag beats the variable, even when it equals the default
    assert args.sources["concurrency"].text == "--concurrency"
    assert args.sources["server"].text == "FHIR_ADAPTER_SERVER"


def test_paths_in_the_file_are_relative_to_the_file(config: Path) -> None:
    args = _args(["--config", str(config), "--profile", "prod", "push", str(SEED)])
    folder = config.parent
    assert args.ca_bundle == folder / "tls" / "hospital-ca.pem"
    assert args.client_cert == folder / "tls" / "client.pem"
    assert args.token_file == folder / "secrets" / "token"
    assert args.mappings == [folder / "local-maps"]
    assert args.auth == "bearer"


def test_a_missing_file_named_by_the_profile_names_the_key_and_the_file(config: Path) -> None:
    args = _args(["--config", str(config), "--profile", "prod", "push", str(SEED)])
    with pytest.raises(
        SettingsError, match=r"^ca_bundle in .*fhir-adapter\.toml \[profiles\.prod\] .*: no such file$"
    ):
        settings_from(args)


def test_the_environment_names_the_config_file_and_profile(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FHIR_ADAPTER_CONFIG", str(config))
    monkeypatch.setenv("FHIR_ADAPTER_PROFILE", "test")
    assert _args(["push", str(SEED)]).server == "http://127.0.0.1:8080"


def test_a_config_file_in_the_working_directory_is_read(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(config.parent)
    assert _args(["--profile", "test", "push", str(SEED)]).server == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'token = "abc123"',
            r"token in .*: secrets never go in the config file; name where it is kept: token_env or token_file",
        ),
        ('client_secret = "abc123"', r"client_secret_env or client_secret_file"),
        ('sever = "http://x"', r"sever in .*: not a setting \(did you mean server\?\)"),
        ('concurrency = "many"', r"concurrency in .*: must be a whole number, not 'many'"),
        ('fhir_version = "r6"', r"fhir_version in .*: 'r6' is not r4 or r5"),
        ("server = [", r"--config .*: not valid TOML"),
    ],
    ids=["token", "client-secret", "typo", "not-a-number", "unknown-release", "broken-toml"],
)
def test_a_bad_config_file_is_a_usage_error_that_names_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text + "\n", encoding="utf-8")
    assert main(["--config", str(path), "push", str(SEED), "--server", "http://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert "abc123" not in err


def test_an_unknown_profile_lists_the_profiles(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "--profile", "staging", "push", str(SEED)]) == 2
    assert "--profile staging: " in capsys.readouterr().err
    with pytest.raises(SettingsError, match=r"has no \[profiles\.staging\] \(profiles: prod, test\)"):
        _args(["--config", str(config), "--profile", "staging", "push", str(SEED)])


def test_push_without_any_server_says_where_one_may_come_from(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["push", str(SEED)]) == 2
    assert (
        "push needs --server URL (or FHIR_ADAPTER_SERVER, or server in the config file)"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("server", "shown"),
    [
        ("localhost:8080/fhir", "'localhost:8080/fhir'"),
        ("https://me:pw@fhir.example/r4?x=1", "'https://***@fhir.example/r4?***'"),
    ],
    ids=["no-scheme", "secrets-hidden"],
)
def test_a_bad_server_shows_what_was_given_without_secrets(
    capsys: pytest.CaptureFixture[str], server: str, shown: str
) -> None:
    assert main(["push", str(SEED), "--server", server]) == 2
    err = capsys.readouterr().err
    assert "--server: " in err and shown in err, err
    assert "pw" not in err


def test_auth_messages_name_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["push", str(SEED), "--server", "http://127.0.0.1:1", "--auth", "bearer"]) == 2
    assert "auth bearer needs --token-env or --token-file" in capsys.readouterr().err


def test_a_token_file_is_read_at_use_and_never_shown(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret-token\n", encoding="utf-8")
    args = _args(
        ["push", str(SEED), "--server", "http://127.0.0.1:1", "--auth", "bearer", "--token-file", str(token)]
    )
    settings = settings_from(args)
    assert settings.auth.kind is AuthKind.BEARER
    assert settings.auth.secret("token_env", "token_file") == "s3cret-token"
    assert "s3cret" not in repr(settings)


def test_version_flag_module_and_attribute_agree(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    printed = capsys.readouterr().out.strip()
    assert printed == f"fhir-adapter {fhir_adapter.__version__}"
    assert fhir_adapter.__version__ == version("fhir-adapter") != "0+unknown"
    module = subprocess.run(
        [sys.executable, "-m", "fhir_adapter", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert module.stdout.strip() == printed


def test_the_license_is_apache_2_in_the_file_and_the_metadata() -> None:
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert (
        "Apache License" in text
        and "Version 2.0, January 2004" in text
        and "END OF TERMS AND CONDITIONS" in text
    )
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "Apache-2.0"' in pyproject and 'license-files = ["LICENSE"]' in pyproject
    assert metadata("fhir-adapter")["License-Expression"] == "Apache-2.0"


def test_list_and_release_settings_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "maps-a", tmp_path / "maps-b"
    monkeypatch.setenv("FHIR_ADAPTER_MAPPINGS", f"{first}{os.pathsep}{second}")
    monkeypatch.setenv("FHIR_ADAPTER_FHIR_VERSION", "R5")
    monkeypatch.setenv("FHIR_ADAPTER_IDENTIFIER_BASE", "https://fhir.hospital.example/ids")
    args = _args(["convert", str(SEED)])
    assert args.mappings == [first, second]
    assert args.fhir_version is FhirVersion.R5
    assert args.identifier_base == "https://fhir.hospital.example/ids"
    assert _args(["convert", str(SEED), "--fhir-version", "r4"]).fhir_version is FhirVersion.R4
