"""Auth: bearer and basic from environment variables; OAuth2 client secret with a cached, renewed token."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import pytest
import requests
import responses

from fhir_adapter.client import CredentialsRefused, TokenEndpointError
from fhir_adapter.errors import AuthError, SettingsError
from fhir_adapter.settings import AuthKind, AuthSettings, RetrySettings
from tests.client.conftest import BASE, TOKEN_URL, FrozenClock, MakeClient, outcome

GROUP = f"{BASE}/Group/1"
GROUP_JSON = {"resourceType": "Group", "id": "1"}
CLIENT_SECRET = AuthSettings(
    AuthKind.CLIENT_SECRET,
    client_id="adapter",
    client_secret_env="FHIR_TEST_CLIENT_SECRET",
    token_url=TOKEN_URL,
    scope="system/*.write",
)


@pytest.fixture
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FHIR_TEST_TOKEN", "static-token-1")
    monkeypatch.setenv("FHIR_TEST_PASSWORD", "pa55word")
    monkeypatch.setenv("FHIR_TEST_CLIENT_SECRET", "client-s3cret")


def _token(value: str, expires_in: int = 300) -> dict[str, object]:
    return {"access_token": value, "token_type": "Bearer", "expires_in": expires_in}


def _authorization(fake: responses.RequestsMock, index: int) -> str | None:
    return fake.calls[index].request.headers.get("Authorization")


@pytest.mark.usefixtures("secrets_in_env")
def test_bearer_token_is_read_from_the_named_variable(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.get(GROUP, json=GROUP_JSON)
    make_client(AuthSettings(AuthKind.BEARER, token_env="FHIR_TEST_TOKEN")).read("Group/1")
    assert _authorization(fake, 0) == "Bearer static-token-1"


def test_bearer_without_its_variable_names_the_variable(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    with pytest.raises(SettingsError, match="environment variable FHIR_TEST_TOKEN is not set"):
        make_client(AuthSettings(AuthKind.BEARER, token_env="FHIR_TEST_TOKEN")).read("Group/1")
    assert len(fake.calls) == 0


@pytest.mark.usefixtures("secrets_in_env")
def test_a_refused_static_bearer_token_is_not_resent(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.get(GROUP, status=401, json=outcome("token expired"))
    with pytest.raises(CredentialsRefused) as raised:
        make_client(AuthSettings(AuthKind.BEARER, token_env="FHIR_TEST_TOKEN")).read(
            "Group/1", nct_id="NCT00000001"
        )
    assert len(fake.calls) == 1
    assert str(raised.value) == f"NCT00000001: GET {GROUP} -> 401 with auth bearer: token expired"


@pytest.mark.usefixtures("secrets_in_env")
def test_basic_sends_user_and_password_from_the_named_variable(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.get(GROUP, json=GROUP_JSON)
    make_client(AuthSettings(AuthKind.BASIC, username="etl", password_env="FHIR_TEST_PASSWORD")).read(
        "Group/1"
    )
    assert _authorization(fake, 0) == "Basic " + base64.b64encode(b"etl:pa55word").decode()


@pytest.mark.usefixtures("secrets_in_env")
def test_client_secret_fetches_a_token_once_and_reuses_it(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.post(TOKEN_URL, json=_token("tok-1"))
    fake.get(GROUP, json=GROUP_JSON)
    client = make_client(CLIENT_SECRET)
    client.read("Group/1")
    client.read("Group/1")
    assert [c.request.url for c in fake.calls] == [TOKEN_URL, GROUP, GROUP]
    token_request = fake.calls[0].request
    assert (
        token_request.headers["Authorization"]
        == "Basic " + base64.b64encode(b"adapter:client-s3cret").decode()
    )
    assert parse_qs(str(token_request.body)) == {
        "grant_type": ["client_credentials"],
        "scope": ["system/*.write"],
    }
    assert _authorization(fake, 1) == _authorization(fake, 2) == "Bearer tok-1"


@pytest.mark.usefixtures("secrets_in_env")
def test_client_secret_token_is_renewed_shortly_before_it_expires(
    fake: responses.RequestsMock, make_client: MakeClient, clock: FrozenClock
) -> None:
    fake.post(TOKEN_URL, json=_token("tok-1"))
    fake.post(TOKEN_URL, json=_token("tok-2"))
    fake.get(GROUP, json=GROUP_JSON)
    client = make_client(CLIENT_SECRET)
    client.read("Group/1")
    clock.advance(269)  # 300 s token, renewed 30 s early
    client.read("Group/1")
    clock.advance(2)
    client.read("Group/1")
    assert [_authorization(fake, i) for i in (1, 2, 4)] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


@pytest.mark.usefixtures("secrets_in_env")
def test_client_secret_401_then_a_renewed_token_succeeds(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.post(TOKEN_URL, json=_token("tok-1"))
    fake.post(TOKEN_URL, json=_token("tok-2"))
    fake.get(GROUP, status=401)
    fake.get(GROUP, json=GROUP_JSON)
    assert make_client(CLIENT_SECRET).read("Group/1") == GROUP_JSON
    assert [c.request.url for c in fake.calls] == [TOKEN_URL, GROUP, TOKEN_URL, GROUP]
    assert _authorization(fake, 3) == "Bearer tok-2"


@pytest.mark.usefixtures("secrets_in_env")
def test_a_second_401_after_renewal_is_credentials_refused(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.post(TOKEN_URL, json=_token("tok-1"))
    fake.get(GROUP, status=401, json=outcome("insufficient scope"))
    with pytest.raises(CredentialsRefused) as raised:
        make_client(CLIENT_SECRET).read("Group/1")
    assert isinstance(raised.value, AuthError)
    assert len(fake.calls) == 4  # token, 401, token again, 401: renewed once only
    assert str(raised.value) == f"GET {GROUP} -> 401 with auth client-secret: insufficient scope"


@pytest.mark.usefixtures("secrets_in_env")
def test_a_refusing_token_endpoint_says_which_step_failed(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.post(
        TOKEN_URL,
        status=401,
        json={"error": "invalid_client", "error_description": "bad secret client-s3cret"},
    )
    with pytest.raises(TokenEndpointError) as raised:
        make_client(CLIENT_SECRET).read("Group/1")
    assert str(raised.value) == f"token endpoint {TOKEN_URL} answered 401: invalid_client (bad secret ***)"
    assert (raised.value.status, raised.value.url) == (401, TOKEN_URL)


@pytest.mark.usefixtures("secrets_in_env")
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"token_type": "Bearer"}, "no access_token"),
        ({"access_token": "t", "token_type": "DPoP"}, "token_type 'DPoP' is not bearer"),
    ],
    ids=["no-token", "not-bearer"],
)
def test_an_unusable_token_answer_is_an_auth_error(
    fake: responses.RequestsMock, make_client: MakeClient, body: dict[str, object], reason: str
) -> None:
    fake.post(TOKEN_URL, json=body)
    with pytest.raises(TokenEndpointError, match=reason):
        make_client(CLIENT_SECRET).read("Group/1")


@pytest.mark.usefixtures("secrets_in_env")
def test_a_token_endpoint_503_is_retried(fake: responses.RequestsMock, make_client: MakeClient) -> None:
    fake.post(TOKEN_URL, status=503)
    fake.post(TOKEN_URL, json=_token("tok-1"))
    fake.get(GROUP, json=GROUP_JSON)
    make_client(CLIENT_SECRET).read("Group/1")
    assert _authorization(fake, 2) == "Bearer tok-1"


@pytest.mark.usefixtures("secrets_in_env")
def test_an_unreachable_token_endpoint_is_an_auth_error_not_retried_again_by_the_fhir_request(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.post(TOKEN_URL, body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(TokenEndpointError) as raised:
        make_client(CLIENT_SECRET, retry=RetrySettings(max_attempts=3)).read("Group/1")
    assert len(fake.calls) == 3  # the token request's own budget, not 3 x 3
    assert str(raised.value) == f"token endpoint {TOKEN_URL} failed: connection failed (ConnectionError)"
