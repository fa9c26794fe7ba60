"""Secrets from files (Docker and Kubernetes secret mounts): `--token-file`, `--password-file`,
`--client-secret-file`. Read for each use, so a rotated token is picked up; a trailing newline is dropped;
errors name the file and never its content."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import responses

from fhir_adapter.errors import SettingsError
from fhir_adapter.settings import AuthKind, AuthSettings
from tests.client.conftest import BASE, TOKEN_URL, MakeClient

GROUP = f"{BASE}/Group/1"


def test_a_bearer_token_file_is_read_for_each_request(
    fake: responses.RequestsMock, make_client: MakeClient, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("token-one\n", encoding="utf-8")
    fake.get(GROUP, json={"resourceType": "Group", "id": "1"})
    client = make_client(AuthSettings(AuthKind.BEARER, token_file=token))
    client.read("Group/1")
    token.write_text("token-two\n", encoding="utf-8")  # the sidecar renewed it
    client.read("Group/1")
    assert [c.request.headers["Authorization"] for c in fake.calls] == [
        "Bearer token-one",
        "Bearer token-two",
    ]


def test_basic_and_client_secret_read_their_files(
    fake: responses.RequestsMock, make_client: MakeClient, tmp_path: Path
) -> None:
    (tmp_path / "password").write_text("pa55word\n", encoding="utf-8")
    (tmp_path / "secret").write_text("client-s3cret", encoding="utf-8")
    fake.get(GROUP, json={"resourceType": "Group", "id": "1"})
    fake.post(TOKEN_URL, json={"access_token": "t-1", "token_type": "Bearer", "expires_in": 300})
    make_client(AuthSettings(AuthKind.BASIC, username="u", password_file=tmp_path / "password")).read(
        "Group/1"
    )
    assert (
        fake.calls[0].request.headers["Authorization"] == "Basic " + base64.b64encode(b"u:pa55word").decode()
    )
    secret_auth = AuthSettings(
        AuthKind.CLIENT_SECRET,
        client_id="adapter",
        client_secret_file=tmp_path / "secret",
        token_url=TOKEN_URL,
    )
    make_client(secret_auth).read("Group/1")
    sent = fake.calls[1].request  # client_secret_basic (RFC 6749 section 2.3.1)
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"adapter:client-s3cret").decode()
    assert parse_qs(str(sent.body))["grant_type"] == ["client_credentials"]
    assert fake.calls[2].request.headers["Authorization"] == "Bearer t-1"


@pytest.mark.parametrize(
    ("content", "words"), [(None, "cannot be read"), ("\n", "is empty")], ids=["missing", "empty"]
)
def test_an_unusable_secret_file_names_the_file_only(
    fake: responses.RequestsMock, make_client: MakeClient, tmp_path: Path, content: str | None, words: str
) -> None:
    path = tmp_path / "token"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=f"secret file {path} {words}"):
        make_client(AuthSettings(AuthKind.BEARER, token_file=path)).read("Group/1")


def test_a_secret_named_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="--token-env and --token-file both name the secret"):
        AuthSettings(AuthKind.BEARER, token_env="X", token_file=tmp_path / "t")
